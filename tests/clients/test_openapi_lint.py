"""Spectral (the `spectral:oas` ruleset, see .spectral.yaml) finds no error in the document
and at most five warnings, each explained in .spectral.yaml."""

from __future__ import annotations

import json
import subprocess

from tests.clients.conftest import REPO_ROOT, TYPESCRIPT_DIR, sqlite_only
from tests.node_tools import require_node_tool

MAX_WARNINGS = 5
SEVERITIES = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def _finding(result: dict) -> str:
    where = ".".join(str(part) for part in result["path"]) or "(document)"
    severity = SEVERITIES.get(result["severity"], result["severity"])
    return f"{severity} {result['code']} at {where}: {result['message']}"


@sqlite_only
def test_spectral_finds_no_error_and_at_most_five_warnings(openapi_document, tmp_path):
    spectral = require_node_tool(TYPESCRIPT_DIR, "spectral")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(openapi_document, indent=2))
    report = tmp_path / "spectral.json"
    completed = subprocess.run(
        [
            spectral,
            "lint",
            "--ruleset",
            ".spectral.yaml",
            "--format",
            "json",
            "--output",
            report,
            document,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # 0: nothing at error severity, 1: some; anything else is Spectral itself failing.
    ran = completed.returncode in (0, 1)
    assert ran, f"spectral failed:\n{completed.stdout}{completed.stderr}"
    results = json.loads(report.read_text())
    findings = "\n".join(_finding(result) for result in results)
    errors = [result for result in results if result["severity"] == 0]
    warnings = [result for result in results if result["severity"] == 1]
    assert not errors, f"{len(errors)} errors, {len(warnings)} warnings:\n{findings}"
    assert len(warnings) <= MAX_WARNINGS, (
        f"{len(warnings)} warnings (at most {MAX_WARNINGS}):\n{findings}"
    )
