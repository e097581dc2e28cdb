"""Schemas of the signed-in user."""

from marshmallow import Schema, fields


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True, metadata={"example": "ana@example.com"})
    name = fields.String(dump_only=True, allow_none=True, metadata={"example": "Ana Baker"})
    role = fields.String(
        dump_only=True, metadata={"enum": ["customer", "staff", "admin"], "example": "customer"}
    )
