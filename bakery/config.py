"""Configuration: defaults < instance/config.py < environment; the only reader of os.environ."""

from __future__ import annotations

import math
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from limits import parse_many
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError


def project_root() -> Path:
    """The source checkout holding this package, or the working directory for an installed one."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "wsgi.py").exists() else Path.cwd()


ENVIRONMENTS = ("development", "production")
# Secrets people paste from tutorials; a production key equal to one of these is refused.
PLACEHOLDER_SECRETS = frozenset({"", "dev", "development", "secret", "changeme", "change-me"})
MIN_SECRET_KEY_LENGTH = 32
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
# The `iss` of tokens signed by the built-in development issuer.
DEVELOPMENT_ISSUER = "urn:bakery:development-issuer"


# Settings that are text whatever they look like: "1234" stays a string, "true" stays "true".
TEXT_SETTINGS = frozenset(
    {
        "ENV",
        "SECRET_KEY",
        "CURRENCY",
        "CORS_ORIGINS",
        "TRUSTED_HOSTS",
        "UPLOAD_FOLDER",
        "SMTP_URL",
        "AUTH_JWKS_URL",
        "AUTH_ISSUER",
        "AUTH_AUDIENCE",
        "AUTH_AUTHORIZED_PARTIES",
        "AUTH_ROLE_CLAIM",
        "MAIL_SENDER",
        "API_CONTACT_EMAIL",
        "CHECKOUT_RATE_LIMIT",
        "SIGN_IN_RATE_LIMIT",
        "SIGN_IN_ACCOUNT_RATE_LIMIT",
        "COUNTER_RATE_LIMIT",
        "DEVELOPMENT_SIGN_IN_RATE_LIMIT",
        "TIMEZONE",
        "STOREFRONT_DIST",
        "WEBHOOK_RETRY_SCHEDULE",
        "BACKGROUND_JOBS",
        "PUBLIC_URL",
    }
)
NUMBER_SETTINGS = (
    "AUTH_LEEWAY_SECONDS",
    "AUTH_JWKS_CACHE_SECONDS",
    "AUTH_JWKS_REFETCH_COOLDOWN_SECONDS",
    "AUTH_JWKS_TIMEOUT_SECONDS",
    "DATABASE_PING_AFTER_SECONDS",
    "ORDER_SYNC_SETTLE_SECONDS",
    "WEBHOOK_TIMEOUT_SECONDS",
    "JOBS_POLL_SECONDS",
)
RATE_LIMIT_SETTINGS = (
    "CHECKOUT_RATE_LIMIT",
    "SIGN_IN_RATE_LIMIT",
    "SIGN_IN_ACCOUNT_RATE_LIMIT",
    "COUNTER_RATE_LIMIT",
    "DEVELOPMENT_SIGN_IN_RATE_LIMIT",
)
# gunicorn's exit status for "a worker failed to boot": the master stops instead of respawning.
EXIT_CONFIGURATION_ERROR = 3


class ConfigurationError(Exception):
    """A setting is missing or unusable; the message is one line meant for the operator."""


def refuse_to_start(error: ConfigurationError) -> NoReturn:
    """One line on standard error, no traceback, and an exit status that stops gunicorn too."""
    print(f"bakery: configuration error: {error}", file=sys.stderr)
    sys.exit(EXIT_CONFIGURATION_ERROR)


class DefaultConfig:
    """Defaults that need no setting at all for a development machine."""

    ENV = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # SQLite transactions take the write lock as they start (see bakery/database.py).
    SQLITE_BEGIN_IMMEDIATE = True
    # A pooled connection unused this long is checked before use (see bakery/database.py).
    DATABASE_PING_AFTER_SECONDS = 10
    SQLALCHEMY_RECORD_QUERIES = False

    REDIS_URL: str | None = None
    CACHE_DEFAULT_TIMEOUT = 300
    CACHE_KEY_PREFIX = "bakery:"
    # A cache outage must cost a request a second at most, not a worker.
    REDIS_SOCKET_TIMEOUT_SECONDS = 1.0

    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # Larger pictures are refused before decoding: a small file may declare billions of pixels.
    IMAGE_MAX_PIXELS = 40_000_000
    UPLOAD_FOLDER = "uploads"
    # The storefront's build (`npm run build` in storefront/), served at / (bakery/storefront.py).
    STOREFRONT_DIST = "storefront/dist"
    CURRENCY = "EUR"
    CORS_ORIGINS = "http://localhost:5173"
    SMTP_URL: str | None = None
    MAIL_SENDER = "Bakery <orders@bakery.invalid>"
    # Checkouts a shopper may start per minute (Flask-Limiter syntax).
    CHECKOUT_RATE_LIMIT = "10 per minute"
    # Failed dashboard sign-ins allowed from one client address, and against one e-mail address
    # from anywhere (Flask-Limiter syntax); past either, every attempt is refused for a while.
    SIGN_IN_RATE_LIMIT = "10 per minute; 50 per hour"
    SIGN_IN_ACCOUNT_RATE_LIMIT = "5 per minute; 20 per hour"
    # Pickup codes one staff account may try at the counter (looked up or handed over).
    COUNTER_RATE_LIMIT = "30 per minute"
    # Development sign-ins (POST /api/v1/dev/tokens) allowed from one client address.
    DEVELOPMENT_SIGN_IN_RATE_LIMIT = "10 per minute; 100 per hour"
    IDEMPOTENCY_KEY_HOURS = 24
    # Order changes younger than this are left for the next sync call (services/order_sync.py).
    ORDER_SYNC_SETTLE_SECONDS = 5
    # The shop's public address (https://shop.example.com) for photo links, in answers and in
    # events alike. Unset: from the request's host, and paths outside a request (`flask seed`).
    PUBLIC_URL: str | None = None
    # Where e-mails and webhook deliveries run: "celery" (workers on REDIS_URL), "thread" (a
    # thread of the app's process) or "inline" (the request's own thread, once the answer is
    # out: for tests). Unset: celery with REDIS_URL, thread without.
    BACKGROUND_JOBS: str | None = None
    # How often beat (or the thread) looks for due retries and events whose kick was lost.
    JOBS_POLL_SECONDS = 5
    # Seconds between a webhook delivery's attempts: one more attempt per delay, then failed.
    WEBHOOK_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000"
    WEBHOOK_TIMEOUT_SECONDS = 10
    # Production refuses webhook URLs on loopback and private networks unless this is true.
    WEBHOOK_ALLOW_PRIVATE_URLS = False
    # The shop's own clock (IANA name): the dashboard's "today" starts at its local midnight.
    TIMEZONE = "UTC"
    # Counted stock at or below this shows on the dashboard as running low.
    LOW_STOCK_THRESHOLD = 5
    # Product list answers each worker keeps by their ETag (bakery/api/list_cache.py); 0: none.
    PRODUCT_LIST_CACHE_SIZE = 256
    # Proxies in front of the app whose X-Forwarded-* headers are believed (nginx: 1). With 0,
    # the client's own address and Host are used: right when gunicorn faces clients itself.
    PROXY_HOPS = 1
    # Comma-separated host names the shop answers to (".example.com": it and its subdomains);
    # unset, any. Links in answers are built from the request's host.
    TRUSTED_HOSTS: str | None = None

    AUTH_JWKS_URL: str | None = None
    AUTH_ISSUER: str | None = None
    AUTH_AUDIENCE: str | None = None
    AUTH_AUTHORIZED_PARTIES: str | None = None
    AUTH_ROLE_CLAIM = "role"
    # Clock skew tolerated between this server and the identity provider.
    AUTH_LEEWAY_SECONDS = 10
    AUTH_JWKS_CACHE_SECONDS = 300
    # However many tokens name an unknown key, the JWKS is fetched at most this often.
    AUTH_JWKS_REFETCH_COOLDOWN_SECONDS = 30
    AUTH_JWKS_TIMEOUT_SECONDS = 3

    SENTRY_DSN: str | None = None

    API_TITLE = "Bakery storefront API"
    # Who integrators write to about the API, in the OpenAPI document's info.contact.
    API_CONTACT_EMAIL = "orders@bakery.invalid"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # The documentation pages load their scripts from this app, never from a CDN.
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/swagger-ui/"
    OPENAPI_REDOC_PATH = "redoc"
    OPENAPI_REDOC_URL = "/static/redoc/redoc.standalone.js"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"


def migrations_folder() -> str:
    return str(project_root() / "migrations")


def instance_path() -> str:
    """The instance folder, which must be known before the Flask app object exists."""
    configured = os.environ.get("BAKERY_INSTANCE_PATH")
    return str(Path(configured).resolve()) if configured else str(project_root() / "instance")


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill app.config from every source in order, then derive and check what depends on it."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    _load_environment(app)
    for name in ("DATABASE_URL", "REDIS_URL", "SENTRY_DSN"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.update(overrides or {})
    _derive(app)
    _check(app)


def _load_environment(app: Flask) -> None:
    before = dict(app.config)
    app.config.from_prefixed_env("BAKERY")
    for name, value in os.environ.items():
        if not name.startswith("BAKERY_"):
            continue
        key = name.removeprefix("BAKERY_")
        if not value.strip():
            # An empty variable (compose's `${NAME:-}`) means "not set", not "set to nothing".
            if key in before:
                app.config[key] = before[key]
            else:
                app.config.pop(key, None)
        elif key in TEXT_SETTINGS:
            app.config[key] = value


def _derive(app: Flask) -> None:
    config = app.config
    config["ENV"] = str(config["ENV"]).strip().lower()
    production = config["ENV"] == "production"
    for name in TEXT_SETTINGS:
        if config.get(name) is not None and not isinstance(config[name], str):
            config[name] = str(config[name])
    config["CURRENCY"] = config["CURRENCY"].upper()
    if not production:
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret(app)
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
                app.instance_path, "bakery.sqlite3"
            )
    config["SESSION_COOKIE_SECURE"] = production
    if not config.get("AUTH_JWKS_URL") and not config.get("AUTH_ISSUER"):
        config["AUTH_ISSUER"] = DEVELOPMENT_ISSUER
    upload_folder = Path(config["UPLOAD_FOLDER"])
    if not upload_folder.is_absolute():
        upload_folder = project_root() / upload_folder
    config["UPLOAD_FOLDER"] = str(upload_folder)
    storefront_dist = Path(config["STOREFRONT_DIST"])
    if not storefront_dist.is_absolute():
        storefront_dist = project_root() / storefront_dist
    config["STOREFRONT_DIST"] = str(storefront_dist)
    _configure_cache(config)
    _configure_background_jobs(config)
    _configure_rate_limits(config)
    _configure_cors(config)
    _configure_trusted_hosts(config)


def _configure_trusted_hosts(config: dict[str, Any]) -> None:
    """Flask's TRUSTED_HOSTS from the comma-separated setting; loopback names always pass.

    Health checks on the machine itself (docker-compose, systemd) call the app by 127.0.0.1.
    """
    hosts = [host.strip() for host in (config.get("TRUSTED_HOSTS") or "").split(",")]
    hosts = [host for host in hosts if host]
    config["TRUSTED_HOSTS"] = [*hosts, *LOOPBACK_HOSTS] if hosts else None


def _configure_cache(config: dict[str, Any]) -> None:
    if config.get("CACHE_TYPE"):
        return
    if config.get("REDIS_URL"):
        timeout = config["REDIS_SOCKET_TIMEOUT_SECONDS"]
        config["CACHE_TYPE"] = "RedisCache"
        config["CACHE_REDIS_URL"] = config["REDIS_URL"]
        config["CACHE_OPTIONS"] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    else:
        config["CACHE_TYPE"] = "SimpleCache"


BACKGROUND_RUNNERS = ("celery", "thread", "inline")


def _configure_background_jobs(config: dict[str, Any]) -> None:
    if not config.get("BACKGROUND_JOBS"):
        config["BACKGROUND_JOBS"] = "celery" if config.get("REDIS_URL") else "thread"
    config["BACKGROUND_JOBS"] = config["BACKGROUND_JOBS"].strip().lower()
    schedule = str(config["WEBHOOK_RETRY_SCHEDULE"])
    try:
        delays = [float(part) for part in schedule.split(",")]
    except ValueError:
        delays = []
    if not delays or not all(0 <= delay < math.inf for delay in delays):
        raise ConfigurationError(
            "BAKERY_WEBHOOK_RETRY_SCHEDULE must be seconds separated by commas, such as "
            f"'5,300,1800', not {schedule!r}"
        )
    config["WEBHOOK_RETRY_DELAYS"] = delays


def _configure_cors(config: dict[str, Any]) -> None:
    """CORS for the storefront API only, from the configured shop origins."""
    origins = [origin.strip() for origin in config["CORS_ORIGINS"].split(",") if origin.strip()]
    config["CORS_RESOURCES"] = {
        r"/api/*": {
            "origins": origins,
            "allow_headers": [
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
            ],
            "expose_headers": [
                "X-Pagination",
                "X-Next-Cursor",
                "ETag",
                "X-Request-ID",
                "Retry-After",
                # Flask-Limiter's, so a browser app can slow down before it is refused.
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
            "max_age": 600,
        }
    }


def _configure_rate_limits(config: dict[str, Any]) -> None:
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Limits are a protection, not a dependency: a Redis outage must not refuse every request.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)


def _instance_secret(app: Flask) -> str:
    """A random key kept in the instance folder, so sessions survive a restart in development."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    write_private_once(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


def write_private_once(path: Path, content: bytes) -> None:
    """Create a file readable by this account only, unless another process did first.

    The content is written to a temporary file and linked into place, so a process that loses
    the race never reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def _check(app: Flask) -> None:
    config = app.config
    if config["ENV"] not in ENVIRONMENTS:
        raise ConfigurationError(
            f"BAKERY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {config['ENV']!r}"
        )
    if len(config["CURRENCY"]) != 3 or not config["CURRENCY"].isalpha():
        raise ConfigurationError(
            f"BAKERY_CURRENCY must be a three-letter ISO 4217 code, not {config['CURRENCY']!r}"
        )
    _check_shop_settings(config)
    for name in NUMBER_SETTINGS:
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigurationError(f"BAKERY_{name} must be a number of seconds, not {value!r}")
    for name in RATE_LIMIT_SETTINGS:
        _check_rate_limit(name, config[name])
    if config["BACKGROUND_JOBS"] not in BACKGROUND_RUNNERS:
        raise ConfigurationError(
            f"BAKERY_BACKGROUND_JOBS must be one of {', '.join(BACKGROUND_RUNNERS)}, "
            f"not {config['BACKGROUND_JOBS']!r}"
        )
    if config["BACKGROUND_JOBS"] == "celery" and not config.get("REDIS_URL"):
        raise ConfigurationError("BAKERY_BACKGROUND_JOBS=celery needs REDIS_URL (the broker)")
    url = _check_database_url(config.get("SQLALCHEMY_DATABASE_URI"))
    if config["ENV"] == "production":
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ConfigurationError(
                "DATABASE_URL points at an in-memory SQLite database, which each worker would "
                "have to itself; use PostgreSQL (or a SQLite file)"
            )
        secret = config.get("SECRET_KEY") or ""
        if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                "BAKERY_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in production"
            )
        if not config.get("AUTH_JWKS_URL"):
            raise ConfigurationError(
                "BAKERY_AUTH_JWKS_URL must point at the identity provider's JWKS in production"
            )
    jwks_url = config.get("AUTH_JWKS_URL")
    if jwks_url and urlsplit(str(jwks_url)).scheme not in ("http", "https"):
        raise ConfigurationError("BAKERY_AUTH_JWKS_URL must be an http:// or https:// URL")
    if jwks_url and not config.get("AUTH_ISSUER"):
        raise ConfigurationError(
            "BAKERY_AUTH_ISSUER must be set to the identity provider's `iss` "
            "when BAKERY_AUTH_JWKS_URL is set"
        )


def _check_shop_settings(config: dict[str, Any]) -> None:
    try:
        ZoneInfo(config["TIMEZONE"])
    # A directory ("Europe") is an OSError, a stray data file ("zone.tab") a ValueError.
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ConfigurationError(
            "BAKERY_TIMEZONE must be an IANA time zone name such as Europe/Berlin, "
            f"not {config['TIMEZONE']!r}"
        ) from None
    threshold = config.get("LOW_STOCK_THRESHOLD")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ConfigurationError(
            f"BAKERY_LOW_STOCK_THRESHOLD must be a whole number of units, not {threshold!r}"
        )
    size = config.get("PRODUCT_LIST_CACHE_SIZE")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 100_000:
        raise ConfigurationError(
            f"BAKERY_PRODUCT_LIST_CACHE_SIZE must be a whole number 0-100000, not {size!r}"
        )
    hops = config.get("PROXY_HOPS")
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 5:
        raise ConfigurationError(f"BAKERY_PROXY_HOPS must be a whole number 0-5, not {hops!r}")


def _check_rate_limit(name: str, value: str) -> None:
    """A limit that cannot be parsed would only fail at the first request it guards."""
    try:
        limits = parse_many(value)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise ConfigurationError(
            f"BAKERY_{name} must be a rate limit such as '5 per minute; 20 per hour', not {value!r}"
        )


def _check_database_url(url: str | None) -> URL:
    if not url:
        raise ConfigurationError("DATABASE_URL must be set in production")
    # The URL may hold a password: name the problem, never echo the value.
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigurationError("DATABASE_URL cannot be parsed as a database URL") from None
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigurationError(
            f"DATABASE_URL names a database driver that is not installed: {parsed.drivername}"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError("DATABASE_URL must be a PostgreSQL or SQLite URL")
    return parsed
