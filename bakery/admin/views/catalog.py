"""Dashboard views for the catalog: products and categories, for admins only."""

from __future__ import annotations

from flask_admin import Admin

from bakery.admin.views.categories import CategoryView
from bakery.admin.views.products import ProductView
from bakery.extensions import db
from bakery.models.catalog import Category, Product

MENU = "Catalog"


def add_catalog_views(admin: Admin) -> None:
    """Register the catalog views on this app's dashboard."""
    admin.add_view(
        ProductView(
            Product,
            db,
            name="Products",
            category=MENU,
            endpoint="catalog_products",
            url="/admin/products",
        )
    )
    admin.add_view(
        CategoryView(
            Category,
            db,
            name="Categories",
            category=MENU,
            endpoint="catalog_categories",
            url="/admin/categories",
        )
    )
