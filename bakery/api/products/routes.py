"""Products: the public catalog with filters; admins manage products and their photos."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from bakery.api.base import Blueprint
from bakery.api.catalog_cache import cached_catalog_response
from bakery.api.products.listing import product_list
from bakery.api.products.schemas import (
    ImageChangeSchema,
    ImageSchema,
    ImageUploadSchema,
    ProductQuerySchema,
    ProductSchema,
)
from bakery.auth.guards import auth_required, caller_is_admin
from bakery.extensions import db
from bakery.services import catalog, images
from bakery.services.catalog_search import ProductFilters

blp = Blueprint(
    "products", __name__, url_prefix="/api/v1/products", description="Products of the catalog"
)


@blp.route("")
class Products(MethodView):
    @cached_catalog_response
    @blp.etag
    @blp.arguments(ProductQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(max_page_size=100)
    def get(self, pagination_parameters, exclude_allergen=(), **filters):
        """Active products in active categories; every filter given must match"""
        filters = ProductFilters(exclude_allergens=tuple(exclude_allergen), **filters)
        return product_list(filters, pagination_parameters, blp.set_etag)

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
        return catalog.get_product(slug, include_inactive=caller_is_admin())

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


@blp.route("/<slug>/images")
class ProductImages(MethodView):
    @auth_required(blp, role="admin")
    @blp.arguments(ImageUploadSchema, location="files", unknown=RAISE)
    @blp.response(201, ImageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="Over 5 MB")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="Not a photo")
    def post(self, upload, slug):
        """Add a photo (admin): judged by its content, stored as WebP in three sizes"""
        product = catalog.get_product(slug, include_inactive=True)
        image = images.add_product_image(product, upload["file"].read(), alt=upload.get("alt"))
        db.session.commit()
        return image


@blp.route("/<slug>/images/<int(max=2147483647):image_id>")
class ProductImage(MethodView):
    @auth_required(blp, role="admin")
    @blp.arguments(ImageChangeSchema)
    @blp.response(200, ImageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data, slug, image_id):
        """Change a photo's alt text or its place in the product's gallery (admin)"""
        product = catalog.get_product(slug, include_inactive=True)
        image = images.update_product_image(images.get_product_image(product, image_id), **data)
        db.session.commit()
        return image

    @auth_required(blp, role="admin")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, slug, image_id):
        """Remove a photo and its files (admin)"""
        product = catalog.get_product(slug, include_inactive=True)
        images.delete_product_image(images.get_product_image(product, image_id))
        db.session.commit()
