"""Category schemas: the resource, and its writes."""

from marshmallow import fields, validate

from bakery.api.base import BaseSchema, StrictBoolean, StrictInteger
from bakery.models.catalog import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    MAX_POSITION,
    SLUG_MAX,
)

SLUG = validate.Regexp(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Only lower-case letters, digits and single hyphens"
)


class CategorySchema(BaseSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 1})
    slug = fields.String(
        validate=[validate.Length(min=1, max=SLUG_MAX), SLUG],
        metadata={"description": "Made from the name when absent", "example": "breads"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=CATEGORY_NAME_MAX),
        metadata={"example": "Breads"},
    )
    description = fields.String(
        load_default="",
        validate=validate.Length(max=CATEGORY_DESCRIPTION_MAX),
        metadata={"example": "Slow-fermented loaves baked every morning."},
    )
    position = StrictInteger(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={"description": "Listing order, smallest first", "example": 1},
    )
    is_active = StrictBoolean(load_default=True, metadata={"example": True})
