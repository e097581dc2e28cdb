"""The storefront room: flask-smorest blueprints under /api/v1 and the generated OpenAPI."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from bakery.extensions import csrf

API_PREFIX = "/api/v1"


def init_api(app: Flask) -> Api:
    """Build this app's Api: the spec is per app, so no Api object is shared between apps."""
    api = Api()
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Storefront API of the bakery: catalog, cart, checkout and orders. "
                    "Money is integer minor units (cents); times are ISO 8601 with a zone."
                )
            }
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in _blueprints():
        register(api, blueprint)
    return api


def register(api: Api, blueprint) -> None:
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)


def _blueprints() -> list:
    from bakery.api.me.routes import blp as me

    return [me]
