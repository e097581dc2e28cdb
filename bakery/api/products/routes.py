"""Products: the public catalog with filters; admins manage products and their photos."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from marshmallow import RAISE

from bakery.api import caching
from bakery.api.base import Blueprint
from bakery.api.list_cache import KeptList, kept_list
from bakery.api.products.schemas import (
    ImageChangeSchema,
    ImageSchema,
    ImageUploadSchema,
    ProductCreateSchema,
    ProductQuerySchema,
    ProductSchema,
)
from bakery.auth.guards import auth_required, caller_is_admin
from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.services import catalog, catalog_search, images

blp = Blueprint(
    "products", __name__, url_prefix="/api/v1/products", description="Products of the catalog"
)
blp.after_request(caching.cache_catalog_answers)

PRODUCT_CREATE_EXAMPLE = {"name": "Spelt Loaf", "price_cents": 520, "category_id": 1}
PRODUCT_EXAMPLE = {
    "id": 7,
    "slug": "country-sourdough",
    "name": "Country Sourdough",
    "description": "Wild yeast, 48 hours.",
    "price_cents": 450,
    "currency": "EUR",
    "category": {"id": 1, "slug": "breads", "name": "Breads"},
    "images": [
        {
            "id": 3,
            "url": "https://shop.example/uploads/3f2a-large.webp",
            "variants": {
                size: f"https://shop.example/uploads/3f2a-{size}.webp"
                for size in ("thumb", "medium", "large")
            },
            "width": 1600,
            "height": 1200,
            "alt": "A round loaf with a dark crust",
        }
    ],
    "tags": ["sourdough"],
    "allergens": ["gluten"],
    "stock": 12,
    "is_active": True,
    "lead_days": 0,
    "daily_limit": None,
    "available_weekdays": [1, 2, 3, 4, 5, 6, 7],
    "created_at": "2026-11-30T07:12:00+01:00",
    "updated_at": "2026-12-01T06:40:00+01:00",
}


def product_etag(product: Product) -> str:
    """A product's version, from its row: writes and checkout move its updated_at."""
    return caching.answer_etag(
        ProductSchema,
        "product",
        product.id,
        product.updated_at,
        product.stock,
        # Its category's name and slug are part of the answer.
        product.category.updated_at,
    )


@blp.route("", parameters=[caching.IF_NONE_MATCH])
class Products(MethodView):
    @blp.arguments(ProductQuerySchema, location="query", as_kwargs=True)
    @blp.response(
        200,
        ProductSchema(many=True),
        headers={"ETag": caching.ETAG_HEADER},
        example=[PRODUCT_EXAMPLE],
    )
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.paginate(max_page_size=100)
    @blp.doc(operationId="listProducts")
    def get(self, pagination_parameters, exclude_allergen=(), available_on=None, **filters):
        """Active products in active categories; every filter given must match

        Paged (X-Pagination tells where the page is), public, and cached at the edge: send the
        ETag back in If-None-Match to get 304 when nothing changed.
        """
        search = catalog_search.ProductSearch(
            exclude_allergens=tuple(exclude_allergen),
            collectable=catalog_search.collectable_on(available_on) if available_on else (),
            **filters,
        )
        page = catalog_search.page_version(
            search, limit=pagination_parameters.page_size, offset=pagination_parameters.first_item
        )
        # Which products can be collected on a date moves with the clock and with orders,
        # not only with catalog writes: the count tells those answers apart too.
        collectable_count = catalog_search.count_products(search) if search.collectable else None
        etag = caching.answer_etag(
            ProductSchema,
            "products",
            request.query_string,
            page.revision,
            page.products,
            collectable_count,
        )
        caching.stop_if_not_modified(etag)

        def make() -> KeptList:
            products = catalog_search.products_in_order(page.ids)
            # Written as every JSON answer of the app is.
            body = current_app.json.response(ProductSchema(many=True).dump(products)).get_data()
            total = collectable_count
            if total is None:
                total = catalog_search.count_products(search)
            return KeptList(total, body)

        answer = kept_list(etag, make)
        pagination_parameters.item_count = answer.total
        return answer.response(), 200, caching.etag_headers(etag)

    @auth_required(blp, role="admin")
    @blp.arguments(ProductCreateSchema, example=PRODUCT_CREATE_EXAMPLE)
    @blp.response(
        201, ProductSchema, headers={"ETag": caching.ETAG_HEADER}, example=PRODUCT_EXAMPLE
    )
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    @blp.doc(operationId="createProduct")
    def post(self, data):
        """Create a product (admin)

        Name, price and category are required; everything else has the default its
        description names. Photos are added afterwards, one request each.
        """
        product = catalog.create_product(**data)
        db.session.commit()
        return product, 201, caching.etag_headers(product_etag(product))


@blp.route("/<slug>")
class ProductBySlug(MethodView):
    @blp.doc(parameters=[caching.IF_NONE_MATCH], operationId="getProduct")
    @blp.response(
        200, ProductSchema, headers={"ETag": caching.ETAG_HEADER}, example=PRODUCT_EXAMPLE
    )
    @blp.alt_response(304, response="NOT_MODIFIED")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """One product

        An inactive product is visible to admins only; others get 404.
        """
        product = catalog.get_product(slug, include_inactive=caller_is_admin())
        etag = product_etag(product)
        caching.stop_if_not_modified(etag)
        return product, 200, caching.etag_headers(etag)

    @auth_required(blp, role="admin")
    @blp.doc(parameters=[caching.IF_MATCH], operationId="updateProduct")
    @blp.arguments(ProductCreateSchema(partial=True), example={"price_cents": 480})
    @blp.response(200, ProductSchema, headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The slug is already taken")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def patch(self, data, slug):
        """Change some fields of a product (admin)

        Fields left out keep their value; tags, allergens and weekdays are replaced whole.
        With If-Match, the change is made only if the product is still at that ETag (412
        otherwise).
        """
        product = catalog.get_product(slug, include_inactive=True)
        caching.refuse_if_changed(product_etag(product))
        catalog.update_product(product, data)
        db.session.commit()
        return product, 200, caching.etag_headers(product_etag(product))

    @auth_required(blp, role="admin")
    @blp.doc(parameters=[caching.IF_MATCH], operationId="deleteProduct")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(
        409, response="CONFLICT", description="The product is in orders: deactivate it instead"
    )
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, slug):
        """Delete a product that was never ordered (admin)

        Orders keep their lines, so a product that was ordered is refused with 409: set
        `is_active` to false instead.
        """
        product = catalog.get_product(slug, include_inactive=True)
        caching.refuse_if_changed(product_etag(product))
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
    @blp.doc(operationId="addProductImage")
    def post(self, upload, slug):
        """Add a photo (admin)

        Judged by its content, not its name or declared type; stored as WebP in three sizes,
        last in the product's gallery.
        """
        product = catalog.get_product(slug, include_inactive=True)
        image = images.add_product_image(product, upload["file"].read(), alt=upload.get("alt"))
        db.session.commit()
        return image


@blp.route("/<slug>/images/<id:image_id>")
class ProductImage(MethodView):
    @auth_required(blp, role="admin")
    @blp.arguments(ImageChangeSchema)
    @blp.response(200, ImageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="updateProductImage")
    def patch(self, data, slug, image_id):
        """Change a photo's alt text or its place in the gallery (admin)

        A position past the end puts the photo last; the others move up or down.
        """
        product = catalog.get_product(slug, include_inactive=True)
        image = images.update_product_image(images.get_product_image(product, image_id), **data)
        db.session.commit()
        return image

    @auth_required(blp, role="admin")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="deleteProductImage")
    def delete(self, slug, image_id):
        """Remove a photo and its files (admin)

        The files of every size are deleted with it; the other photos keep their order.
        """
        product = catalog.get_product(slug, include_inactive=True)
        images.delete_product_image(images.get_product_image(product, image_id))
        db.session.commit()
