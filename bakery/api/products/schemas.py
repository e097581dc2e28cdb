"""Product schemas: the resource with its category and images, writes, and listing filters."""

from __future__ import annotations

from flask import current_app
from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from bakery.api.base import (
    AnswerSchema,
    BaseSchema,
    ShopDateTime,
    StrictBoolean,
    StrictInteger,
)
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
from bakery.web import upload_url


class CategoryRefSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 1})
    slug = fields.String(dump_only=True, metadata={"example": "breads"})
    name = fields.String(dump_only=True, metadata={"example": "Breads"})


URL = {"type": "string", "format": "uri"}


class ImageSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 3})
    url = fields.Method(
        "large_url",
        dump_only=True,
        metadata={**URL, "description": "The large size"},
    )
    variants = fields.Method(
        "variant_urls",
        dump_only=True,
        metadata={
            "description": "WebP URLs by size: thumb (200 px), medium (600), large (1200)",
            "type": "object",
            "properties": dict.fromkeys(VARIANTS, URL),
            "required": list(VARIANTS),
        },
    )
    width = fields.Integer(dump_only=True, metadata={"description": "Original width, upright"})
    height = fields.Integer(dump_only=True)
    alt = fields.String(dump_only=True)

    @staticmethod
    def _url(image, variant: str) -> str:
        return upload_url(variant_name(image.file_key, variant))

    def large_url(self, image) -> str:
        return self._url(image, "large")

    def variant_urls(self, image) -> dict[str, str]:
        return {variant: self._url(image, variant) for variant in VARIANTS}


def _no_repeats(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("A weekday is listed twice.")


ALLERGEN = fields.String(validate=validate.OneOf(EU_ALLERGENS))
WEEKDAYS_EXAMPLE = [1, 2, 3, 4, 5, 6, 7]


class ProductSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 7})
    slug = fields.String(dump_only=True, metadata={"example": "country-sourdough"})
    name = fields.String(dump_only=True, metadata={"example": "Country Sourdough"})
    description = fields.String(dump_only=True, metadata={"example": "Wild yeast, 48 hours."})
    price_cents = fields.Integer(
        dump_only=True,
        metadata={"description": "Price in minor units (cents)", "example": 450},
    )
    currency = fields.Function(
        lambda _: current_app.config["CURRENCY"],
        dump_only=True,
        metadata={"type": "string", "description": "ISO 4217 code", "example": "EUR"},
    )
    category = fields.Nested(CategoryRefSchema, dump_only=True)
    images = fields.List(
        fields.Nested(ImageSchema), dump_only=True, metadata={"description": "Gallery order"}
    )
    tags = fields.List(fields.String(), dump_only=True, metadata={"example": ["sourdough"]})
    allergens = fields.List(
        ALLERGEN,
        dump_only=True,
        metadata={"description": "From the EU's 14 allergens", "example": ["gluten"]},
    )
    stock = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Units left; null when not counted", "example": 12},
    )
    is_active = fields.Boolean(dump_only=True, metadata={"example": True})
    lead_days = fields.Integer(
        dump_only=True,
        metadata={
            "description": (
                "Days of notice: 0 is the same day; n means ordered before the shop's cutoff "
                "time n days before pickup"
            ),
            "example": 0,
        },
    )
    daily_limit = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Units for one pickup date over all live orders; null: no limit",
            "example": None,
        },
    )
    available_weekdays = fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={
            "description": "ISO weekdays it can be collected on, 1 (Monday) to 7",
            "example": WEEKDAYS_EXAMPLE,
        },
    )
    created_at = ShopDateTime(dump_only=True)
    updated_at = ShopDateTime(dump_only=True)


class ProductCreateSchema(BaseSchema):
    """A new product; what is left out takes the default its description names."""

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
        validate=validate.Length(max=PRODUCT_DESCRIPTION_MAX),
        metadata={"description": "Empty when absent"},
    )
    price_cents = StrictInteger(
        required=True,
        validate=validate.Range(min=0, max=MAX_PRICE_CENTS),
        metadata={"description": "Price in minor units (cents)", "example": 450},
    )
    category_id = StrictInteger(
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The category's id", "example": 1},
    )
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
        validate=validate.Length(max=MAX_TAGS),
        metadata={"description": "None when absent", "example": ["sourdough", "vegan"]},
    )
    allergens = fields.List(
        ALLERGEN,
        metadata={
            "description": "From the EU's 14 allergens; none when absent",
            "example": ["gluten"],
        },
    )
    stock = StrictInteger(
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_STOCK),
        metadata={"description": "Units left; null (the default) when not counted", "example": 12},
    )
    is_active = StrictBoolean(metadata={"description": "true when absent"})
    lead_days = StrictInteger(
        validate=validate.Range(min=0, max=MAX_LEAD_DAYS),
        metadata={
            "description": (
                "Days of notice: 0 is the same day; n means ordered before the shop's cutoff "
                "time n days before pickup (0 when absent)"
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
            "description": "ISO weekdays it can be collected on, 1 (Monday) to 7 (all when absent)",
            "example": WEEKDAYS_EXAMPLE,
        },
    )


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
        ALLERGEN,
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
