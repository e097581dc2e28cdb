"""Category schemas: the resource, and its writes."""

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, StrictBoolean, StrictInteger
from bakery.models.catalog import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    MAX_POSITION,
    SLUG_MAX,
)

SLUG = validate.Regexp(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Only lower-case letters, digits and single hyphens"
)


class CategorySchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 1})
    slug = fields.String(dump_only=True, metadata={"example": "breads"})
    name = fields.String(dump_only=True, metadata={"example": "Breads"})
    description = fields.String(
        dump_only=True, metadata={"example": "Slow-fermented loaves baked every morning."}
    )
    position = fields.Integer(
        dump_only=True, metadata={"description": "Listing order, smallest first", "example": 1}
    )
    is_active = fields.Boolean(dump_only=True, metadata={"example": True})


class CategoryCreateSchema(BaseSchema):
    """A new category; what is left out takes the default its description names."""

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
        validate=validate.Length(max=CATEGORY_DESCRIPTION_MAX),
        metadata={"description": "Empty when absent", "example": "Slow-fermented loaves."},
    )
    position = StrictInteger(
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={"description": "Listing order, smallest first (0 when absent)", "example": 1},
    )
    is_active = StrictBoolean(metadata={"description": "true when absent", "example": True})
