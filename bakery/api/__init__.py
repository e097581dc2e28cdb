"""The storefront room: flask-smorest blueprints under /api/v1 and the generated OpenAPI."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Request
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_smorest import Api

from bakery.api.base import init_domain_errors
from bakery.api.document import ErrorSchema, RequestIdOnEveryAnswer
from bakery.api.list_cache import init_list_cache
from bakery.extensions import csrf


class NoCookieSession(NullSession):
    def _fail(self, *args, **kwargs):
        raise RuntimeError("The storefront API has no cookie session: it uses bearer tokens")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class CookielessApiSessions(SecureCookieSessionInterface):
    """No cookie session under /api/: the storefront authenticates with bearer tokens.

    Opening the dashboard's session there cost every request time, and reading it (Flask-Login
    does, after each request) made every answer `Vary: Cookie`, which keeps a CDN from sharing
    public catalog answers.
    """

    null_session_class = NoCookieSession

    def open_session(self, app: Flask, request: Request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


class BakeryApi(Api):
    # smorest's setting for the schema its error responses document.
    ERROR_SCHEMA = ErrorSchema


def init_api(app: Flask) -> Api:
    """Build this app's Api: the spec is per app, so no Api object is shared between apps."""
    app.session_interface = CookielessApiSessions()
    api = BakeryApi()
    api.init_app(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
            "extra_plugins": [RequestIdOnEveryAnswer()],
            "info": {
                "description": (
                    "Storefront API of the bakery: catalog, cart, pickup slots, checkout and "
                    "orders. "
                    "Money is integer minor units (cents); times are ISO 8601 with a zone."
                ),
                "contact": {"name": "The bakery", "email": app.config["API_CONTACT_EMAIL"]},
            },
            # Relative to the document: the server that serves it serves the API.
            "servers": [{"url": "/", "description": "This shop"}],
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in _blueprints():
        register(api, blueprint)
    init_domain_errors(app)
    init_list_cache(app)
    init_event_data(app)
    return api


def init_event_data(app: Flask) -> None:
    """Events carry the order or product as this API shows it to staff (services/events.py)."""
    from bakery.api.orders.schemas import OrderSchema
    from bakery.api.products.schemas import ProductSchema
    from bakery.models import Order, Product
    from bakery.services.events import show_subjects_with

    show_subjects_with(app, {Order: OrderSchema().dump, Product: ProductSchema().dump})


def schema_name(schema) -> str:
    """Component names: `Product` for answers, `ProductCreate` for POST bodies and
    `ProductPatch`, the partial form of the latter, for PATCH bodies."""
    schema_class = schema if isinstance(schema, type) else type(schema)
    name = schema_class.__name__.removesuffix("Schema")
    if getattr(schema, "partial", False) is True:
        name = name.removesuffix("Create") + "Patch"
    return name


def register(api: Api, blueprint) -> None:
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)


def _blueprints() -> list:
    from bakery.api.cart.routes import blp as cart
    from bakery.api.categories.routes import blp as categories
    from bakery.api.me.routes import blp as me
    from bakery.api.orders.routes import blp as orders
    from bakery.api.pickup.routes import blp as pickup
    from bakery.api.production.routes import blp as production
    from bakery.api.products.routes import blp as products
    from bakery.api.shop.routes import blp as shop
    from bakery.api.webhooks.routes import blp as webhooks

    return [me, categories, products, cart, orders, shop, pickup, production, webhooks]
