"""Product list pages shaped by hand: ProductSchema's fields, without its cost per product."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, url_for

from bakery.services.catalog_pages import (
    ListedImage,
    PageEntry,
    ProductDetails,
    count_products,
    describe_products,
    list_page,
)
from bakery.services.catalog_search import ProductFilters
from bakery.services.images import VARIANTS, variant_name

# What a process remembers at most; past that it starts again from nothing.
MAX_REMEMBERED = 20_000
_MEMORY = "bakery.product_listing"


class RevisionMemory:
    """Values that hold for one catalog revision, looked up by revision and key."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.limit = limit
        self.values: dict[tuple[int, Hashable], Any] = {}

    def get(self, revision: int, key: Hashable) -> Any:
        return self.values.get((revision, key))

    def put(self, revision: int, key: Hashable, value: Any) -> None:
        if len(self.values) >= self.limit:
            self.values.clear()
        self.values[(revision, key)] = value


def _memory() -> RevisionMemory:
    # Per app: tests roll their database back to earlier revisions, each with a new app.
    memory = current_app.extensions.get(_MEMORY)
    if memory is None:
        memory = current_app.extensions[_MEMORY] = RevisionMemory()
    return memory


def product_list(filters: ProductFilters, pagination, set_etag: Callable) -> Response:
    """The JSON list page; `pagination` gets the total, `set_etag` the page's ETag data.

    The OpenAPI document still describes the list with ProductSchema; a test holds the two
    equal. Each process remembers, for the current catalog revision, the totals of searches and
    the details (and JSON) of products, so a page usually costs one statement: the one reading
    its products' ids, stock and updated_at, which checkout changes without a catalog write.
    """
    memory = _memory()
    page = list_page(filters, limit=pagination.page_size, offset=pagination.first_item)
    pagination.item_count = _total(memory, filters, page.revision)
    details = _details(memory, [entry.id for entry in page.entries], page.revision)
    currency = current_app.config["CURRENCY"]
    uploads = _uploads_url() if any(item.images for item in details.values()) else ""
    items = [
        _product_json(memory, page.revision, details[entry.id], entry, currency, uploads)
        for entry in page.entries
        # Deleted between the two reads: the page is one shorter, as it will be from now on.
        if entry.id in details
    ]
    body = f"[{','.join(items)}]\n"
    response = current_app.response_class(body, mimetype=current_app.json.mimetype)
    digest = hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()
    set_etag([digest, pagination.item_count, pagination.page, pagination.page_size])
    return response


def _product_json(
    memory: RevisionMemory,
    revision: int,
    details: ProductDetails,
    entry: PageEntry,
    currency: str,
    uploads: str,
) -> str:
    """One product as the app's JSON writes it (keys sorted, compact), in two kept parts.

    Everything but stock and updated_at holds for the revision, and sorts before "stock" except
    "tags", which sorts between the two: the live values are written between the parts.
    """
    key = ("json", details.id, currency, uploads)
    parts = memory.get(revision, key)
    if parts is None:
        write = current_app.json.dumps
        head = write(_shape(details, currency, uploads), separators=(",", ":"))[:-1]
        tags = write(details.tags, separators=(",", ":"))
        parts = (f'{head},"stock":', f',"tags":{tags},"updated_at":"')
        memory.put(revision, key, parts)
    stock = "null" if entry.stock is None else str(entry.stock)
    return f'{parts[0]}{stock}{parts[1]}{entry.updated_at.isoformat()}"}}'


def _total(memory: RevisionMemory, filters: ProductFilters, revision: int) -> int:
    total = memory.get(revision, ("total", filters))
    if total is None:
        total, counted_at = count_products(filters)
        memory.put(counted_at, ("total", filters), total)
    return total


def _details(memory: RevisionMemory, ids: list[int], revision: int) -> dict[int, ProductDetails]:
    known = {}
    for product_id in ids:
        details = memory.get(revision, ("product", product_id))
        if details is not None:
            known[product_id] = details
    missing = [product_id for product_id in ids if product_id not in known]
    if missing:
        found, read_at = describe_products(missing)
        for product_id, details in found.items():
            memory.put(read_at, ("product", product_id), details)
        known.update(found)
    return known


def _uploads_url() -> str:
    """The absolute URL of the uploads folder for this request's scheme and host."""
    return url_for("uploads.serve", name="_", _external=True)[:-1]


def _shape(details: ProductDetails, currency: str, uploads: str) -> dict[str, Any]:
    # ProductSchema's fields, less the three _product_json writes itself.
    return {
        "id": details.id,
        "slug": details.slug,
        "name": details.name,
        "description": details.description,
        "price_cents": details.price_cents,
        "currency": currency,
        "category": {
            "id": details.category_id,
            "slug": details.category_slug,
            "name": details.category_name,
        },
        "images": [_shape_image(image, uploads) for image in details.images],
        "allergens": details.allergens,
        "is_active": details.is_active,
        "created_at": details.created_at.isoformat(),
    }


def _shape_image(image: ListedImage, uploads: str) -> dict[str, Any]:
    variants = {variant: uploads + variant_name(image.file_key, variant) for variant in VARIANTS}
    return {
        "id": image.id,
        "url": variants["large"],
        "variants": variants,
        "width": image.width,
        "height": image.height,
        "alt": image.alt,
    }
