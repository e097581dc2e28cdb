"""Shared by the client checks: the app's OpenAPI document, a live server, and the Node tools."""

from __future__ import annotations

import pytest

from tests.gunicorn_server import GunicornServer, serving_env
from tests.identity_provider import ISSUER
from tests.node_tools import REPO_ROOT

CLIENTS_DIR = REPO_ROOT / "tests" / "clients"

# Spectral and the TypeScript client's packages (tests/clients/typescript).
TYPESCRIPT_DIR = CLIENTS_DIR / "typescript"


# The document does not depend on the database: these checks run once, on SQLite.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def openapi_document(client) -> dict:
    """The document the app serves at /api/openapi.json."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


# --- A live app: a real gunicorn on loopback, on the test's migrated database -------------------


@pytest.fixture
def server_env() -> dict[str, str]:
    """BAKERY_* settings of the served app beyond the database, folders and identity provider;
    a test module overrides this fixture to serve with its own."""
    # The sync sees a change at once, rather than after the default 5 s.
    return {"BAKERY_ORDER_SYNC_SETTLE_SECONDS": "0"}


@pytest.fixture
def server(app, identity_provider, server_env, tmp_path):
    """gunicorn (2 workers) serving the app on the test's database, trusting the stand-in
    identity provider's tokens (its JWKS over HTTP, as in production).

    Its writes are real commits: mark the test `real_commits`, so the tables are emptied after.
    """
    upload_folder = tmp_path / "uploads-served"
    upload_folder.mkdir()
    env = serving_env(
        app,
        upload_folder,
        BAKERY_AUTH_JWKS_URL=identity_provider.url,
        BAKERY_AUTH_ISSUER=ISSUER,
        **server_env,
    )
    server_folder = tmp_path / "server"
    server_folder.mkdir()
    with GunicornServer(server_folder, env, workers=2) as running:
        yield running
