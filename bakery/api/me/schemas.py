"""Schemas of the signed-in user."""

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema
from bakery.models.accounts import Role


class UserSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 12})
    email = fields.String(dump_only=True, allow_none=True, metadata={"example": "ana@example.com"})
    name = fields.String(dump_only=True, allow_none=True, metadata={"example": "Ana Baker"})
    role = fields.String(
        dump_only=True,
        validate=validate.OneOf([role.value for role in Role]),
        metadata={"example": Role.CUSTOMER.value},
    )
