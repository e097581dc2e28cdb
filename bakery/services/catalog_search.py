"""Product search: its filters and sorts, the conditions they make, and their bound values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, or_, select

from bakery.models.catalog import Category, Product, ProductAllergen, ProductTag
from bakery.services.errors import InvalidInput

SORTS = {
    "name": (Product.name, Product.id),
    "-name": (Product.name.desc(), Product.id.desc()),
    "price": (Product.price_cents, Product.id),
    "-price": (Product.price_cents.desc(), Product.id.desc()),
    "newest": (Product.created_at.desc(), Product.id.desc()),
}


@dataclass(frozen=True)
class ProductFilters:
    category: str | None = None
    q: str | None = None
    tag: str | None = None
    exclude_allergens: tuple[str, ...] = field(default_factory=tuple)
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "name"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_order(filters: ProductFilters) -> tuple:
    if filters.sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
    return SORTS[filters.sort]


def search_shape(filters: ProductFilters) -> tuple:
    """Which filters a search gives, and its sort: all that the SQL of a search depends on.

    Searches of the same shape share one statement; search_parameters() gives its values.
    """
    return (
        bool(filters.category),
        bool(filters.q),
        bool(filters.tag),
        bool(filters.exclude_allergens),
        filters.min_price is not None,
        filters.max_price is not None,
        filters.sort,
    )


def search_conditions(filters: ProductFilters) -> list:
    """What a product listed by a search must satisfy, for a statement over products alone.

    Only the search's shape decides the conditions; the values are bound parameters. One
    category is found by its slug before the products, so its pages are read off the indexes
    that start with the category, however few products it has among many.
    """
    active_categories = select(Category.id).where(Category.is_active)
    if filters.category:
        in_category = Product.category_id == (
            active_categories.where(Category.slug == bindparam("category")).scalar_subquery()
        )
    else:
        in_category = Product.category_id.in_(active_categories)
    conditions = [Product.is_active, in_category]
    if filters.q:
        # ILIKE '%q%': served by the trigram indexes on PostgreSQL (see the initial migration).
        pattern = bindparam("q")
        conditions.append(
            or_(
                Product.name.ilike(pattern, escape="\\"),
                Product.description.ilike(pattern, escape="\\"),
            )
        )
    if filters.tag:
        conditions.append(
            exists().where(ProductTag.product_id == Product.id, ProductTag.tag == bindparam("tag"))
        )
    if filters.exclude_allergens:
        conditions.append(
            ~exists().where(
                ProductAllergen.product_id == Product.id,
                ProductAllergen.allergen.in_(bindparam("exclude_allergens", expanding=True)),
            )
        )
    if filters.min_price is not None:
        conditions.append(Product.price_cents >= bindparam("min_price"))
    if filters.max_price is not None:
        conditions.append(Product.price_cents <= bindparam("max_price"))
    return conditions


def search_parameters(filters: ProductFilters) -> dict[str, Any]:
    """The values of the parameters search_conditions() binds."""
    return {
        "category": filters.category,
        "q": _like(filters.q) if filters.q else None,
        "tag": filters.tag,
        "exclude_allergens": list(filters.exclude_allergens),
        "min_price": filters.min_price,
        "max_price": filters.max_price,
    }
