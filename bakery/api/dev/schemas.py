"""Development sign-in schemas: who signs in, and the token they get."""

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema
from bakery.models.accounts import EMAIL_MAX, USER_NAME_MAX


class DevelopmentSignInSchema(BaseSchema):
    # The address's form is checked by the accounts service, the one rule for every sign-in.
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=EMAIL_MAX),
        metadata={"format": "email", "example": "ana@example.com"},
    )
    name = fields.String(
        validate=validate.Length(max=USER_NAME_MAX),
        metadata={"description": "Shown in the shop; blank: none", "example": "Ana Baker"},
    )


class DevelopmentTokenSchema(AnswerSchema):
    token = fields.String(
        dump_only=True,
        metadata={"description": "Send it as `Authorization: Bearer <token>`"},
    )
    expires_at = fields.DateTime(
        dump_only=True,
        metadata={"description": "When the token stops being accepted; sign in again then"},
    )
