"""Where uploaded files live: local disk now, behind an interface an S3 store can implement."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from bakery.services.after_commit import after_commit, on_rollback


class Storage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...

    def delete(self, name: str) -> None: ...


class LocalStorage:
    """Files under one folder; `name` is a relative path made by the application, never a user."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def save(self, name: str, data: bytes) -> None:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader or a crash never sees half a file under the final name.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)


def get_storage() -> Storage:
    return LocalStorage(current_app.config["UPLOAD_FOLDER"])


def save_with_transaction(session: Session, name: str, data: bytes) -> None:
    """Store a file that belongs to rows of this transaction: a rollback removes it again."""
    storage = get_storage()
    storage.save(name, data)
    on_rollback(session, functools.partial(storage.delete, name))


def delete_after_commit(session: Session, name: str) -> None:
    """Remove a file once the rows pointing at it are gone for good, not before."""
    after_commit(session, functools.partial(get_storage().delete, name))
