"""Dashboard categories: listing order, product counts, writes through the catalog service."""

from __future__ import annotations

from flask import g

from bakery.admin.views.catalog_base import CatalogModelView
from bakery.admin.views.catalog_forms import CategoryForm
from bakery.extensions import db
from bakery.services import catalog
from bakery.services.errors import DomainError


def _product_count(view, context, category, name) -> int:
    return g.get("category_product_counts", {}).get(category.id, 0)


class CategoryView(CatalogModelView):
    form = CategoryForm
    column_list = ("name", "slug", "position", "is_active", "product_count")
    column_details_list = ("name", "slug", "description", "position", "is_active", "created_at")
    column_labels = {"is_active": "Active", "product_count": "Products"}
    # The order the shop lists them in.
    column_default_sort = [("position", False), ("name", False)]
    column_sortable_list = ("name", "slug", "position", "is_active")
    column_searchable_list = ("name", "slug")
    column_formatters = {"product_count": _product_count}

    def get_list(self, *args, **kwargs):
        count, categories = super().get_list(*args, **kwargs)
        # Every count of the page in one statement, not one per row.
        g.category_product_counts = catalog.count_products_by_category(
            category.id for category in categories
        )
        return count, categories

    @staticmethod
    def _fields(form) -> dict:
        fields = {
            "name": form.name.data,
            "description": form.description.data,
            "position": form.position.data,
            "is_active": form.is_active.data,
        }
        if form.slug.data is not None:
            fields["slug"] = form.slug.data
        return fields

    def create_model(self, form):
        return self.save(form, lambda: catalog.create_category(**self._fields(form)))

    def update_model(self, form, model) -> bool:
        return (
            self.save(form, lambda: catalog.update_category(model, self._fields(form))) is not False
        )

    def delete_model(self, model) -> bool:
        try:
            catalog.delete_category(model)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            self.handle_view_exception(error)
            return False
        return True
