"""Categories: public list and detail; admins create, change and delete them."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from bakery.api import caching
from bakery.api.base import Blueprint, page_of
from bakery.api.categories.schemas import CategoryCreateSchema, CategorySchema
from bakery.auth.guards import auth_required, caller_is_admin
from bakery.extensions import db
from bakery.models.catalog import Category
from bakery.services import catalog

blp = Blueprint(
    "categories", __name__, url_prefix="/api/v1/categories", description="Catalog categories"
)
blp.after_request(caching.cache_catalog_answers)


def category_etag(category: Category) -> str:
    """A category's version, from its row: every write moves its updated_at."""
    return caching.answer_etag(CategorySchema, "category", category.id, category.updated_at)


@blp.route("", parameters=[caching.IF_NONE_MATCH])
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True), headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.paginate()
    @blp.doc(operationId="listCategories")
    def get(self, pagination_parameters):
        """Active categories in listing order

        Public and cached at the edge: send the ETag back in If-None-Match to get 304 when
        nothing changed.
        """
        # Only catalog writes change categories: the revision tells every version apart.
        etag = caching.answer_etag(
            CategorySchema, "categories", request.query_string, catalog.current_revision()
        )
        caching.stop_if_not_modified(etag)
        categories = page_of(catalog.list_categories(), pagination_parameters)
        return categories, 200, caching.etag_headers(etag)

    @auth_required(blp, role="admin")
    @blp.arguments(CategoryCreateSchema)
    @blp.response(201, CategorySchema, headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    @blp.doc(operationId="createCategory")
    def post(self, data):
        """Create a category (admin)

        Only the name is required; the slug is made from it when absent.
        """
        category = catalog.create_category(**data)
        db.session.commit()
        return category, 201, caching.etag_headers(category_etag(category))


@blp.route("/<slug>")
class CategoryBySlug(MethodView):
    @blp.doc(parameters=[caching.IF_NONE_MATCH])
    @blp.response(200, CategorySchema, headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="getCategory")
    def get(self, slug):
        """One category

        An inactive category is visible to admins only; others get 404.
        """
        category = catalog.get_category(slug, include_inactive=caller_is_admin())
        etag = category_etag(category)
        caching.stop_if_not_modified(etag)
        return category, 200, caching.etag_headers(etag)

    @auth_required(blp, role="admin")
    @blp.doc(parameters=[caching.IF_MATCH])
    @blp.arguments(CategoryCreateSchema(partial=True))
    @blp.response(200, CategorySchema, headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.doc(operationId="updateCategory")
    def patch(self, data, slug):
        """Change some fields of a category (admin)

        Fields left out keep their value. With If-Match, the change is made only if the
        category is still at that ETag (412 otherwise).
        """
        category = catalog.get_category(slug, include_inactive=True)
        caching.refuse_if_changed(category_etag(category))
        catalog.update_category(category, data)
        db.session.commit()
        return category, 200, caching.etag_headers(category_etag(category))

    @auth_required(blp, role="admin")
    @blp.doc(parameters=[caching.IF_MATCH])
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The category still has products")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.doc(operationId="deleteCategory")
    def delete(self, slug):
        """Delete a category without products (admin)

        A category that still has products is refused with 409: move or delete them first, or
        deactivate the category.
        """
        category = catalog.get_category(slug, include_inactive=True)
        caching.refuse_if_changed(category_etag(category))
        catalog.delete_category(category)
        db.session.commit()
