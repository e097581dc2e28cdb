"""Site basics: /health, JSON errors, request ids, request logs, CORS and the OpenAPI document."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from openapi_spec_validator import validate
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text

from bakery import __version__
from bakery.extensions import db


def _closed_port() -> int:
    """A loopback port with nothing listening: connecting there fails at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_reports_every_part_ok(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json == {
        "status": "healthy",
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "version": __version__,
    }
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("app_config", [{"UPLOAD_FOLDER": "/nonexistent/bakery-uploads"}])
def test_health_names_the_storage_when_the_upload_folder_is_missing(client):
    response = client.get("/health")

    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unhealthy"
    assert body["storage"] != "ok"
    assert "upload folder" in body["storage"]
    assert (body["database"], body["cache"]) == ("ok", "ok")


def test_health_names_the_cache_when_redis_is_down(app, tmp_path):
    from bakery import create_app

    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    )

    response = down.test_client().get("/health")

    assert response.status_code == 503
    assert "ConnectionError" in response.json["cache"]
    # Where the cache lives is for the logs, not for anonymous callers.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert response.json["database"] == "ok"


def test_health_names_the_database_when_it_is_unreachable(app):
    from bakery import create_app

    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": (
                f"postgresql+psycopg2://bakery@127.0.0.1:{_closed_port()}/bakery"
            ),
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        }
    )

    response = down.test_client().get("/health")

    assert response.status_code == 503
    assert response.json["status"] == "unhealthy"
    assert "OperationalError" in response.json["database"]
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "bakery" not in response.json["database"]
    assert response.json["cache"] == "ok"


def test_an_api_call_while_the_database_is_down_is_503_json(app):
    from bakery import create_app
    from bakery.models import Product

    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg2://b@127.0.0.1:{_closed_port()}/b",
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        }
    )
    # A view that reads the catalog, as every storefront endpoint does.
    down.add_url_rule(
        "/api/v1/probe", "probe", lambda: {"count": db.session.query(Product).count()}
    )

    response = down.test_client().get("/api/v1/probe")

    assert response.status_code == 503
    assert response.json["code"] == 503
    assert response.json["status"] == "Service Unavailable"
    assert "database" in response.json["message"]
    assert response.headers["Retry-After"] == "5"


def test_unknown_route_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json["code"] == 404
    assert response.json["status"] == "Not Found"
    assert response.json["message"]


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/health")

    assert response.status_code == 405
    assert response.json["code"] == 405
    assert response.json["status"] == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


def test_body_over_5_mb_is_json_413(client):
    response = client.post(
        "/api/v1/orders",
        data=b"x" * (5 * 1024 * 1024 + 1),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json["code"] == 413
    assert "5 MB" in response.json["message"]


def test_unexpected_error_is_json_500_without_traceback(app, client):
    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    app.add_url_rule("/api/v1/explode", "explode", explode)

    response = client.get("/api/v1/explode", headers={"X-Request-ID": "trace-me-1"})

    assert response.status_code == 500
    assert response.json["code"] == 500
    assert response.json["status"] == "Internal Server Error"
    assert "trace-me-1" in response.json["message"]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "secret internals" not in body


def test_dashboard_pages_keep_html_errors(client):
    response = client.get("/admin/no-such-page/")

    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_request_id_is_echoed_when_well_formed(client):
    response = client.get("/health", headers={"X-Request-ID": "abc.DEF_123-xyz"})

    assert response.headers["X-Request-ID"] == "abc.DEF_123-xyz"


@pytest.mark.parametrize(
    "sent",
    ["", "a" * 129, "has space", "semi;colon", "tab\tinside", "<script>", "ünïcode"],
)
def test_malformed_request_id_is_replaced(client, sent):
    response = client.get("/health", headers={"X-Request-ID": sent})

    returned = response.headers["X-Request-ID"]
    assert returned != sent
    assert 1 <= len(returned) <= 128


def test_request_id_is_generated_and_unique_on_errors_too(client):
    first = client.get("/api/v1/missing").headers["X-Request-ID"]
    second = client.get("/api/v1/missing").headers["X-Request-ID"]

    assert first
    assert second
    assert first != second


def test_each_request_logs_one_json_line(client, caplog):
    client.get("/api/v1/missing", headers={"X-Request-ID": "log-line-1"})

    records = [record for record in caplog.records if record.name == "bakery.request"]
    assert len(records) == 1
    json_handler = next(
        handler
        for handler in logging.getLogger("bakery").handlers
        if isinstance(handler.formatter, JsonFormatter)
    )
    line = json.loads(json_handler.format(records[0]))
    assert line["level"] == "INFO"
    assert line["request_id"] == "log-line-1"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/missing"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert line["time"]
    assert "user_id" in line


def test_cors_preflight_allows_the_configured_origin_on_the_api(client):
    response = client.options(
        "/api/v1/cart/items",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key",
        },
    )

    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key"):
        assert header in allowed


def test_cors_exposes_pagination_cursor_etag_request_id_and_rate_limits(client):
    response = client.get("/api/openapi.json", headers={"Origin": "http://localhost:5173"})

    exposed = {
        header.strip()
        for header in response.headers["Access-Control-Expose-Headers"].lower().split(",")
    }
    assert {
        "x-pagination",
        "x-next-cursor",
        "etag",
        "x-request-id",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    } <= exposed


def test_cors_ignores_other_origins_and_other_paths(client):
    foreign = client.get("/api/openapi.json", headers={"Origin": "https://evil.example"})
    outside_api = client.get("/health", headers={"Origin": "http://localhost:5173"})

    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert "Access-Control-Allow-Origin" not in outside_api.headers


@pytest.mark.parametrize(
    "app_config", [{"CORS_ORIGINS": "https://shop.example, https://pos.example"}]
)
def test_cors_origins_come_from_configuration(client):
    response = client.get("/api/openapi.json", headers={"Origin": "https://pos.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "https://pos.example"


def test_openapi_document_is_valid_and_documents_health(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    spec = response.json
    validate(spec)
    health = spec["paths"]["/health"]["get"]
    assert set(health["responses"]) >= {"200", "503"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_urls_follow_the_proxy_forwarded_scheme_and_host(app, client):
    from flask import url_for

    app.add_url_rule("/api/v1/where", "where", lambda: {"url": url_for("where", _external=True)})

    response = client.get(
        "/api/v1/where",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"},
    )

    assert response.json["url"] == "https://shop.example/api/v1/where"


def test_health_says_when_the_schema_is_not_migrated(tmp_path):
    from bakery import create_app

    unmigrated = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.sqlite3",
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )

    response = unmigrated.test_client().get("/health")

    assert response.status_code == 503
    assert "flask --app wsgi db upgrade" in response.json["database"]


def test_a_statement_error_is_500_not_database_unavailable(app, client):
    app.add_url_rule(
        "/api/v1/broken", "broken", lambda: {"n": db.session.execute(text("SELECT nope")).all()}
    )

    response = client.get("/api/v1/broken")

    assert response.status_code == 500
    assert response.json["code"] == 500


def test_the_request_log_names_the_signed_in_user(client, bearer, caplog):
    response = client.get("/api/v1/me", headers=bearer("logged@example.com"))

    records = [record for record in caplog.records if record.name == "bakery.request"]
    assert response.status_code == 200
    assert records[-1].user_id == response.json["id"]


# --- trusted hosts -----------------------------------------------------------------------------

TRUSTED = {"TRUSTED_HOSTS": "shop.example.com, .bakery.test"}


@pytest.mark.parametrize("app_config", [TRUSTED])
@pytest.mark.parametrize("host", ["shop.example.com", "www.bakery.test", "127.0.0.1:5000"])
def test_the_trusted_hosts_and_loopback_are_answered(client, host):
    assert client.get("/api/v1/categories", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("app_config", [TRUSTED])
def test_another_host_gets_a_json_400_naming_it_even_through_the_proxy(client):
    direct = client.get("/api/v1/products", headers={"Host": "evil.example.com"})
    forwarded = client.get(
        "/health", headers={"Host": "shop.example.com", "X-Forwarded-Host": "evil.example.com"}
    )

    for response in (direct, forwarded):
        assert response.status_code == 400
        assert "evil.example.com" in response.json["message"]


@pytest.mark.parametrize("app_config", [TRUSTED])
def test_a_catalog_answer_for_a_trusted_host_is_refused_to_another_host(client):
    assert client.get("/api/v1/categories", headers={"Host": "shop.example.com"}).status_code == 200

    response = client.get("/api/v1/categories", headers={"Host": "evil.example.com"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        ("https://shop.example.com/", "https://shop.example.com/uploads/ab/cd-large.webp"),
        (None, "/uploads/ab/cd-large.webp"),
    ],
)
def test_a_photo_link_made_outside_a_request_uses_the_public_url(tmp_path, public_url, expected):
    """Events recorded by a command (flask seed) carry photo links too; no request gives a host."""
    from bakery import create_app
    from bakery.web import upload_url

    outside = create_app(
        {"TESTING": True, "UPLOAD_FOLDER": str(tmp_path), "PUBLIC_URL": public_url}
    )

    with outside.app_context():
        assert upload_url("ab/cd-large.webp") == expected


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        ("https://shop.example.com", "https://shop.example.com/uploads/ab/cd-large.webp"),
        (None, "http://dashboard.internal/uploads/ab/cd-large.webp"),
    ],
)
def test_in_a_request_the_public_url_wins_over_the_host(tmp_path, public_url, expected):
    """A product edited through an internal address must not send that address to others."""
    from bakery import create_app
    from bakery.web import upload_url

    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path), "PUBLIC_URL": public_url})

    with app.test_request_context(base_url="http://dashboard.internal/"):
        assert upload_url("ab/cd-large.webp") == expected
