"""Product schemas: the resource with its category and images, writes, and listing filters."""

from __future__ import annotations

from flask import current_app, url_for
from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from bakery.api.base import BaseSchema, ShopDateTime, StrictBoolean, StrictInteger
from bakery.api.categories.schemas import SLUG
from bakery.ids import MAX_ID
from bakery.models.catalog import (
    ALT_MAX,
    EU_ALLERGENS,
    MAX_DAILY_LIMIT,
    MAX_LEAD_DAYS,
    MAX_PRICE_CENTS,
    MAX_STOCK,
    MAX_TAGS,
    NAME_MAX,
    PRODUCT_DESCRIPTION_MAX,
    SLUG_MAX,
    TAG_MAX,
)
from bakery.services.catalog_search import SORTS
from bakery.services.images import VARIANTS, variant_name


class CategoryRefSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class ImageSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    url = fields.Method("large_url", dump_only=True, metadata={"description": "The large size"})
    variants = fields.Method(
        "variant_urls",
        dump_only=True,
        metadata={"description": "WebP URLs by size: thumb (200 px), medium (600), large (1200)"},
    )
    width = fields.Integer(dump_only=True, metadata={"description": "Original width, upright"})
    height = fields.Integer(dump_only=True)
    alt = fields.String(validate=validate.Length(max=ALT_MAX))

    @staticmethod
    def _url(image, variant: str) -> str:
        return url_for("uploads.serve", name=variant_name(image.file_key, variant), _external=True)

    def large_url(self, image) -> str:
        return self._url(image, "large")

    def variant_urls(self, image) -> dict[str, str]:
        return {variant: self._url(image, variant) for variant in VARIANTS}


def _no_repeats(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("A weekday is listed twice.")


class ProductSchema(BaseSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 7})
    slug = fields.String(
        validate=[validate.Length(min=1, max=SLUG_MAX), SLUG],
        metadata={"description": "Made unique from the name when absent", "example": "sourdough"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=NAME_MAX),
        metadata={"example": "Country Sourdough"},
    )
    description = fields.String(
        load_default="", validate=validate.Length(max=PRODUCT_DESCRIPTION_MAX)
    )
    price_cents = StrictInteger(
        required=True,
        validate=validate.Range(min=0, max=MAX_PRICE_CENTS),
        metadata={"description": "Price in minor units (cents)", "example": 450},
    )
    currency = fields.Function(
        lambda _: current_app.config["CURRENCY"], dump_only=True, metadata={"example": "EUR"}
    )
    category_id = StrictInteger(
        required=True,
        load_only=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The category's id", "example": 1},
    )
    category = fields.Nested(CategoryRefSchema, dump_only=True)
    images = fields.List(fields.Nested(ImageSchema), dump_only=True)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
        load_default=list,
        validate=validate.Length(max=MAX_TAGS),
        metadata={"example": ["sourdough", "vegan"]},
    )
    allergens = fields.List(
        fields.String(validate=validate.OneOf(EU_ALLERGENS)),
        load_default=list,
        metadata={"description": "From the EU's 14 allergens", "example": ["gluten"]},
    )
    stock = StrictInteger(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=MAX_STOCK),
        metadata={"description": "Units left; null when not counted", "example": 12},
    )
    is_active = StrictBoolean(load_default=True)
    lead_days = StrictInteger(
        validate=validate.Range(min=0, max=MAX_LEAD_DAYS),
        metadata={
            "description": (
                "Days of notice: 0 is the same day; n means ordered before the shop's cutoff "
                "time n days before pickup (default 0)"
            ),
            "example": 0,
        },
    )
    daily_limit = StrictInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_DAILY_LIMIT),
        metadata={
            "description": "Units for one pickup date over all live orders; null: no limit",
            "example": None,
        },
    )
    available_weekdays = fields.List(
        StrictInteger(validate=validate.Range(min=1, max=7)),
        validate=[validate.Length(min=1, max=7), _no_repeats],
        metadata={
            "description": "ISO weekdays it can be collected on, 1 (Monday) to 7 (default all)",
            "example": [1, 2, 3, 4, 5, 6, 7],
        },
    )
    created_at = ShopDateTime(dump_only=True)
    updated_at = ShopDateTime(dump_only=True)


class ProductQuerySchema(BaseSchema):
    category = fields.String(
        validate=validate.Length(min=1, max=SLUG_MAX), metadata={"description": "Category slug"}
    )
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Case-insensitive search in name and description"},
    )
    tag = fields.String(validate=validate.Length(min=1, max=TAG_MAX))
    exclude_allergen = fields.List(
        fields.String(validate=validate.OneOf(EU_ALLERGENS)),
        metadata={"description": "Leave out products with this allergen (repeatable)"},
    )
    min_price = fields.Integer(
        validate=validate.Range(min=0), metadata={"description": "Cents, inclusive"}
    )
    max_price = fields.Integer(
        validate=validate.Range(min=0), metadata={"description": "Cents, inclusive"}
    )
    sort = fields.String(load_default="name", validate=validate.OneOf(list(SORTS)))
    available_on = fields.Date(
        metadata={
            "description": (
                "Only products that can be ordered now for pickup that date (shop time): "
                "weekday, notice and cutoff, daily limit not yet reached, shop open"
            )
        }
    )


class ImageFile(Upload):
    """A file part of the multipart body; the same name sent as a text field is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("Send the picture as a file part of a multipart/form-data body")
        return value


class ImageUploadSchema(BaseSchema):
    file = ImageFile(
        required=True,
        metadata={"description": "JPEG, PNG, WebP or GIF (first frame), at most 5 MB"},
    )
    alt = fields.String(
        validate=validate.Length(max=ALT_MAX),
        metadata={"description": "Alternative text; the product's name when absent"},
    )


class ImageChangeSchema(BaseSchema):
    alt = fields.String(validate=validate.Length(max=ALT_MAX))
    position = StrictInteger(
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "0 puts the image first"},
    )
