"""The shop window's own checks, in the suite: its API types are generated from the document the
app serves today, and its unit tests pass. (Its build, which `make test` runs first, fails when
what /products loads outgrows its budget.)"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.node_tools import REPO_ROOT, require_node_tool

STOREFRONT = REPO_ROOT / "storefront"

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _node(*command, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", *command],
        cwd=STOREFRONT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@sqlite_only
def test_the_api_types_are_generated_from_the_document_the_app_serves(client, tmp_path):
    require_node_tool(STOREFRONT, "openapi-typescript")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/openapi.json").json))

    checked = _node("scripts/generate-api.mjs", str(document), "--check")

    assert checked.returncode == 0, (
        f"{checked.stderr}\nRegenerate: write the document with `flask --app wsgi openapi write "
        "/tmp/openapi.json`, then `npm run generate-api -- /tmp/openapi.json` in storefront/"
    )


def test_the_unit_tests_pass():
    vitest = require_node_tool(STOREFRONT, "vitest")

    ran = subprocess.run(
        [vitest, "run", "--reporter=dot"],
        cwd=STOREFRONT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]


def test_clerk_loads_only_on_the_sign_in_routes_and_only_when_configured():
    """Two builds: with a Clerk key its code is a chunk of its own, out of what /, /products and
    a product page load; without one there is no Clerk code at all."""
    require_node_tool(STOREFRONT, "vite")

    checked = _node("scripts/check-clerk-loading.mjs")

    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
