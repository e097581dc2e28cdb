"""Small helpers for the catalog API tests: pictures, re-reading rows, reading list answers."""

from __future__ import annotations

import io
import json

from PIL import Image

from bakery.extensions import db


def png_bytes(width: int = 8, height: int = 6, color: tuple = (200, 120, 40)) -> bytes:
    """A small real PNG: the image service judges files by their content, not their name."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def reread(model, ident):
    """The row as the database has it now, not as this test's session remembers it."""
    db.session.expire_all()
    return db.session.get(model, ident)


def pagination(response) -> dict:
    return json.loads(response.headers["X-Pagination"])


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json]


def add_image(product, data: bytes | None = None, **options):
    """Give a product a stored image, committed like the setup of a real request."""
    from bakery.services.images import add_product_image

    image = add_product_image(product, data or png_bytes(), **options)
    db.session.commit()
    return image


# The fields the contract gives a product, no more and no fewer.
PRODUCT_FIELDS = {
    "id",
    "slug",
    "name",
    "description",
    "price_cents",
    "currency",
    "category",
    "images",
    "tags",
    "allergens",
    "stock",
    "is_active",
    "lead_days",
    "daily_limit",
    "available_weekdays",
    "created_at",
    "updated_at",
}
