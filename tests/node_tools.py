"""The Node.js tools some checks run: a package's binary from a folder's node_modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# In CI (CI set, or REQUIRE_SERVICES=1 as .ci/run sets it) a missing tool fails the run.
REQUIRE_NODE = bool(os.environ.get("CI")) or os.environ.get("REQUIRE_SERVICES") == "1"


def require_node_tool(folder: Path, name: str) -> Path:
    """The binary `name` installed in `folder`, or a skip (a failure in CI), as
    `require_service` does for servers."""
    binary = folder / "node_modules" / ".bin" / name
    if shutil.which("node") is None:
        message = f"{name} needs Node.js (no `node` on PATH)"
    elif not binary.exists():
        message = f"{binary.relative_to(REPO_ROOT)} is missing: run `make test` (it installs it)"
    else:
        return binary
    if REQUIRE_NODE:
        pytest.fail(f"{message} (CI)")
    pytest.skip(message)
