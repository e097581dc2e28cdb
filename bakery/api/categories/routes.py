"""Categories: public list and detail; admins create, change and delete them."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint, page_of
from bakery.api.catalog_cache import cached_catalog_response
from bakery.api.categories.schemas import CategorySchema
from bakery.auth.guards import auth_required, caller_is_admin
from bakery.extensions import db
from bakery.services import catalog

blp = Blueprint(
    "categories", __name__, url_prefix="/api/v1/categories", description="Catalog categories"
)


@blp.route("")
class Categories(MethodView):
    @cached_catalog_response
    @blp.etag
    @blp.response(200, CategorySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Active categories in listing order"""
        return page_of(catalog.list_categories(), pagination_parameters)

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.arguments(CategorySchema)
    @blp.response(201, CategorySchema)
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    def post(self, data):
        """Create a category (admin)"""
        category = catalog.create_category(**data)
        db.session.commit()
        return category


@blp.route("/<slug>")
class CategoryBySlug(MethodView):
    @cached_catalog_response
    @blp.etag
    @blp.response(200, CategorySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """One category (an inactive one is visible to admins only)"""
        return catalog.get_category(slug, include_inactive=caller_is_admin())

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.arguments(CategorySchema(partial=True))
    @blp.response(200, CategorySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    def patch(self, data, slug):
        """Change some fields of a category (admin)"""
        category = catalog.get_category(slug, include_inactive=True)
        blp.check_etag(category, CategorySchema)
        catalog.update_category(category, data)
        db.session.commit()
        return category

    @auth_required(blp, role="admin")
    @blp.etag
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The category still has products")
    def delete(self, slug):
        """Delete a category without products (admin)"""
        category = catalog.get_category(slug, include_inactive=True)
        blp.check_etag(category, CategorySchema)
        catalog.delete_category(category)
        db.session.commit()
