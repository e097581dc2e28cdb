"""Filters of the dashboard's products list: category, allergen contained or free from, tag."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import exists

from bakery.extensions import db
from bakery.models.catalog import EU_ALLERGENS, Product, ProductAllergen, ProductTag
from bakery.services import catalog

ALLERGEN_CHOICES = [(allergen, allergen.capitalize()) for allergen in EU_ALLERGENS]


def category_labels() -> list[tuple[int, str]]:
    categories = db.session.scalars(catalog.list_categories(include_inactive=True))
    return [
        (category.id, category.name if category.is_active else f"{category.name} (hidden)")
        for category in categories
    ]


class CategoryOptions:
    """The category filter's choices, read each time the list is drawn, not once at start-up."""

    def __iter__(self):
        return iter((str(key), label) for key, label in category_labels())


class AllergenFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        super().__init__(Product.id, "Allergen", options=ALLERGEN_CHOICES)

    def validate(self, value) -> bool:
        return value in EU_ALLERGENS

    def contains(self, value):
        return exists().where(
            ProductAllergen.product_id == Product.id, ProductAllergen.allergen == value
        )

    def apply(self, query, value, alias=None):
        return query.filter(self.contains(value))

    def operation(self) -> str:
        return "contains"


class FreeFromAllergenFilter(AllergenFilter):
    def apply(self, query, value, alias=None):
        return query.filter(~self.contains(value))

    def operation(self) -> str:
        return "free from"


class TagFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        super().__init__(Product.id, "Tag")

    def clean(self, value: str) -> str:
        # Tags are stored the way the catalog service writes them: 'Gluten free' is 'gluten-free'.
        return catalog.slugify(value)

    def apply(self, query, value, alias=None):
        return query.filter(
            exists().where(ProductTag.product_id == Product.id, ProductTag.tag == value)
        )

    def operation(self) -> str:
        return "is"
