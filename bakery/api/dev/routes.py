"""POST /api/v1/dev/tokens: the storefront's development sign-in (development issuer only)."""

from flask import current_app
from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.dev.schemas import DevelopmentSignInSchema, DevelopmentTokenSchema
from bakery.api.document import RATE_LIMIT_HEADERS, error_response
from bakery.auth import development_issuer
from bakery.extensions import limiter
from bakery.models.accounts import Role

# Registered only while the app is its own token issuer (see bakery/__init__.py): in production,
# or with an identity provider configured, the path does not exist and answers 404.
blp = Blueprint(
    "dev",
    __name__,
    url_prefix="/api/v1/dev",
    description=(
        "Development sign-in: customer tokens from the app's built-in issuer. Only present in "
        "development without an identity provider (BAKERY_AUTH_JWKS_URL unset)"
    ),
)


def _sign_in_limit() -> str:
    return current_app.config["DEVELOPMENT_SIGN_IN_RATE_LIMIT"]


@blp.route("/tokens")
class DevelopmentTokens(MethodView):
    # Per client address (the limiter's default key), counted before the body is read.
    @limiter.limit(_sign_in_limit)
    @blp.arguments(
        DevelopmentSignInSchema, example={"email": "ana@example.com", "name": "Ana Baker"}
    )
    @blp.response(
        201,
        DevelopmentTokenSchema,
        headers=RATE_LIMIT_HEADERS,
        example={"token": "eyJhbGciOiJSUzI1NiIs...", "expires_at": "2026-12-12T17:30:00+00:00"},
    )
    @blp.alt_response(
        429, **error_response("Too many sign-ins from this address", retry=True, rate_limited=True)
    )
    @blp.doc(operationId="issueDevelopmentToken")
    def post(self, data):
        """Sign in as a customer without an identity provider (development only)

        Answers a customer token for the e-mail address, signed by the app's development issuer:
        the same user `flask --app wsgi issue-token --email` names for that address (the address
        is trimmed and lower-cased first). The token lasts 8 hours. Staff and admin tokens are
        never issued here. The path exists only while the app is its own issuer: in production,
        or with `BAKERY_AUTH_JWKS_URL` set, it answers 404.
        """
        return development_issuer.issue(
            current_app,
            email=data["email"],
            role=Role.CUSTOMER,
            name=(data.get("name") or "").strip() or None,
            ttl=development_issuer.SIGN_IN_LIFETIME,
        )
