"""A TypeScript client generated from the document (openapi-typescript, default options, with
openapi-fetch) type-checks, in strict mode, a shopper's journey and a staff order sync
(tests/clients/typescript/shopper.ts and staff_sync.ts)."""

from __future__ import annotations

import json
import subprocess

from tests.clients.conftest import REPO_ROOT, TYPESCRIPT_DIR, sqlite_only
from tests.node_tools import require_node_tool

GENERATED = TYPESCRIPT_DIR / "generated"


def _run(*command) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@sqlite_only
def test_typescript_client_type_checks_the_journeys(openapi_document):
    openapi_typescript = require_node_tool(TYPESCRIPT_DIR, "openapi-typescript")
    tsc = require_node_tool(TYPESCRIPT_DIR, "tsc")
    GENERATED.mkdir(exist_ok=True)
    document = GENERATED / "openapi.json"
    document.write_text(json.dumps(openapi_document, indent=2))
    types = GENERATED / "api.d.ts"
    types.unlink(missing_ok=True)

    generated = _run(openapi_typescript, document, "--output", types)
    written = generated.returncode == 0 and types.exists()
    assert written, f"openapi-typescript failed:\n{generated.stdout}{generated.stderr}"

    checked = _run(tsc, "--project", TYPESCRIPT_DIR, "--pretty", "false")
    output = (checked.stdout + checked.stderr).strip()
    errors = sum(1 for line in output.splitlines() if ": error TS" in line)
    type_checks = checked.returncode == 0
    assert type_checks, f"tsc found {errors} errors:\n{output}"
