"""Bakery: a commerce platform for bakeries (staff dashboard, storefront API, OpenAPI)."""

from __future__ import annotations

from typing import Any

from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build one application; `config` overrides every other source (tests use it)."""
    from bakery.config import instance_path, load_config

    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    load_config(app, config)
    register_proxy_support(app)
    register_logging(app)
    register_extensions(app)
    register_auth(app)
    register_url_converters(app)
    register_blueprints(app)
    register_storefront(app)
    register_error_handlers(app)
    register_commands(app)
    register_admin(app)
    register_jobs(app)
    return app


def register_proxy_support(app: Flask) -> None:
    """Behind PROXY_HOPS proxies: their X-Forwarded-* give the client and the URLs' scheme and host.

    Only as many as there really are: a client could otherwise name any address it likes and
    escape the per-address limits.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_logging(app: Flask) -> None:
    from bakery.observability import configure_logging, init_request_logging, init_sentry

    configure_logging(app)
    init_request_logging(app)
    init_sentry(app)


def register_extensions(app: Flask) -> None:
    from bakery import models  # noqa: F401 - every table on the metadata, for Alembic
    from bakery.config import migrations_folder
    from bakery.database import tune_connections
    from bakery.extensions import cache, cors, csrf, db, limiter, login_manager, migrate
    from bakery.http_errors import retry_after_only_when_refused
    from bakery.services.after_commit import init_after_commit

    db.init_app(app)
    tune_connections(app)
    migrate.init_app(app, db, directory=migrations_folder())
    cache.init_app(app)
    cors.init_app(app, resources=app.config["CORS_RESOURCES"])
    csrf.init_app(app)
    login_manager.init_app(app)
    # Registered before the limiter, so it runs after the limiter's own hook (Flask runs
    # after-request hooks last registered first) and sees the headers the limiter added.
    app.after_request(retry_after_only_when_refused)
    limiter.init_app(app)
    init_after_commit()


def register_jobs(app: Flask) -> None:
    """E-mails and webhook deliveries: Celery workers, a thread, or the request's own thread."""
    from bakery.jobs import init_jobs

    init_jobs(app)


def register_auth(app: Flask) -> None:
    from bakery.auth import init_auth

    init_auth(app)


def register_url_converters(app: Flask) -> None:
    """`<id:...>` in routes: before any blueprint or dashboard view names it."""
    from bakery.ids import IdConverter

    app.url_map.converters["id"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from bakery.api import init_api, register
    from bakery.auth import development_issuer
    from bakery.web import development_jwks, health, uploads

    api = init_api(app)
    register(api, health)
    app.register_blueprint(uploads)
    if development_issuer.is_enabled(app):
        from bakery.api.dev.routes import blp as development_sign_in

        app.register_blueprint(development_jwks)
        register(api, development_sign_in)


def register_storefront(app: Flask) -> None:
    """The shoppers' single-page app at /; its catch-all route never hides another one."""
    from bakery.storefront import init_storefront

    init_storefront(app)


def register_error_handlers(app: Flask) -> None:
    from bakery.web import init_error_handlers

    init_error_handlers(app)


def register_commands(app: Flask) -> None:
    from bakery.cli import commands

    for command in commands:
        app.cli.add_command(command)


def register_admin(app: Flask) -> None:
    from bakery.admin import init_admin

    init_admin(app)
