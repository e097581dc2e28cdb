"""Schemas of the signed-in user."""

from marshmallow import Schema, fields

from bakery.models.accounts import Role


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True, metadata={"example": "ana@example.com"})
    name = fields.String(dump_only=True, allow_none=True, metadata={"example": "Ana Baker"})
    role = fields.String(
        dump_only=True,
        metadata={"enum": [role.value for role in Role], "example": Role.CUSTOMER.value},
    )
