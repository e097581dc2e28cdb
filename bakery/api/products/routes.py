"""Products: the public catalog with filters; admins create, change and delete products."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint, page_of
from bakery.api.catalog_cache import cached_catalog_response
from bakery.api.products.schemas import ProductQuerySchema, ProductSchema
from bakery.auth.guards import auth_required, optional_user
from bakery.extensions import db
from bakery.services import catalog

blp = Blueprint(
    "products", __name__, url_prefix="/api/v1/products", description="Products of the catalog"
)


def _admin_is_asking() -> bool:
    user = optional_user()
    return user is not None and user.role == "admin"


@blp.route("")
class Products(MethodView):
    @cached_catalog_response
    @blp.etag
    @blp.arguments(ProductQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(max_page_size=100)
    def get(self, pagination_parameters, exclude_allergen=(), **filters):
        """Active products in active categories; every filter given must match"""
        query = catalog.search_products(
            catalog.ProductFilters(exclude_allergens=tuple(exclude_allergen), **filters)
        )
        return page_of(query, pagination_parameters)

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    def post(self, data):
        """Create a product (admin)"""
        product = catalog.create_product(**data)
        db.session.commit()
        return product


@blp.route("/<slug>")
class ProductBySlug(MethodView):
    @cached_catalog_response
    @blp.etag
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """One product (an inactive one is visible to admins only)"""
        return catalog.get_product(slug, include_inactive=_admin_is_asking())

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.arguments(ProductSchema(partial=True))
    @blp.response(200, ProductSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    def patch(self, data, slug):
        """Change some fields of a product (admin); tags and allergens are replaced whole"""
        product = catalog.get_product(slug, include_inactive=True)
        blp.check_etag(product, ProductSchema)
        catalog.update_product(product, data)
        db.session.commit()
        return product

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(
        409, response="CONFLICT", description="The product is in orders: deactivate it instead"
    )
    def delete(self, slug):
        """Delete a product that was never ordered (admin)"""
        product = catalog.get_product(slug, include_inactive=True)
        blp.check_etag(product, ProductSchema)
        catalog.delete_product(product)
        db.session.commit()
