"""The contract check: every API answer a test receives must match the app's OpenAPI document.

The document is the one /api/openapi.json serves (flask-smorest's `api.spec.to_dict()`). Each
answer to a path under /api/v1 (or to another path the document lists, such as /health) is
validated with openapi-core: its status must be documented for the operation (or covered by
`default`), its body must match the schema of that status and content type, and the documented
headers must be valid. Requests are not validated: tests send bad input on purpose, and the
answer to bad input must match the document all the same.

A request that matches no documented operation is a violation when the app has a route for it
(an undocumented operation); otherwise the app answered an unknown path or method, and that
answer must be a 404 or 405 whose JSON body is the document's `Error` schema.
"""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Flask
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.deserializing.media_types.util import plain_loads
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.validation.schemas import oas30_read_schema_validators_factory
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

from tests.conftest import ServerLikeClient

API_PREFIX = "/api/v1/"
# The answer to a path or method the app does not have (not an operation of the document).
UNKNOWN_ROUTE_STATUSES = (404, 405)
# Automatic OPTIONS (CORS preflights) are answered by Flask and flask-cors, not by an operation.
UNCHECKED_METHODS = frozenset({"OPTIONS"})

_APP_KEY = "tests.contract"
_TESTS_DIR = Path(__file__).resolve().parent.parent
_THIS_FILE = Path(__file__).resolve()
# One OpenAPI object per distinct document: building one validates the whole document.
_openapi_by_document: dict[str, OpenAPI] = {}
# openapi-core leaves media types it does not know as bytes, which no `type: string` accepts:
# text bodies the document describes (the bake list's CSV) are read as the text they are.
_CONFIG = Config(extra_media_type_deserializers={"text/csv": plain_loads})


class AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request of an answer: its body was read by the app, and only the answer is checked."""

    @property
    def body(self) -> bytes:
        return b""


class ReadAnswer(WerkzeugOpenAPIResponse):
    """An answer whose body was read once (see `read_body`)."""

    def __init__(self, response: Response, body: bytes):
        super().__init__(response)
        self.body = body

    @property
    def data(self) -> bytes:
        return self.body


def read_body(response: Response) -> bytes:
    """The answer's body, read without changing what closing the answer does.

    A streamed answer (`buffered=False`) runs deferred work when it is closed: its iterable is
    replaced by the chunks read, closing the original iterable all the same.
    """
    if response.is_sequence:
        return response.get_data()
    original = response.response
    chunks = list(response.iter_encoded())
    callbacks = [original.close] if hasattr(original, "close") else []
    response.response = ClosingIterator(chunks, callbacks)
    return b"".join(chunks)


class ContractViolation(AssertionError):
    """An answer the document does not describe."""


@dataclass
class Violation:
    method: str
    path: str
    status: int
    # The operation as the document names it ("GET /api/v1/products/{slug}"), when one matched.
    operation: str
    errors: list[str]
    # Where in the test the request was made.
    caller: str = ""

    def __str__(self) -> str:
        where = f"  (requested at {self.caller})" if self.caller else ""
        head = f"{self.method} {self.path} -> {self.status} [{self.operation}]{where}"
        return "\n".join([head, *(f"    - {error}" for error in self.errors)])


@dataclass
class Recorder:
    """The violations of one test's requests, reported when the test ends."""

    violations: list[Violation] = field(default_factory=list)
    checked: int = 0

    def report(self) -> str:
        listed = "\n".join(str(violation) for violation in self.violations)
        return (
            f"{len(self.violations)} of {self.checked} API answer(s) do not match the OpenAPI "
            f"document:\n{listed}"
        )


def api_document(app: Flask) -> dict:
    """The app's OpenAPI document, as /api/openapi.json serves it (a plain JSON copy)."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return json.loads(json.dumps(api.spec.to_dict(), sort_keys=True))


def openapi_for(app: Flask) -> OpenAPI:
    """The OpenAPI object of the app's document: built once per process for each document."""
    state = app.extensions.setdefault(_APP_KEY, {})
    if "openapi" not in state:
        document = api_document(app)
        key = json.dumps(document, sort_keys=True)
        if key not in _openapi_by_document:
            _openapi_by_document[key] = OpenAPI.from_dict(document, config=_CONFIG)
        state["openapi"] = _openapi_by_document[key]
    return state["openapi"]


def is_api_answer(openapi: OpenAPI, path: str) -> bool:
    """Answers under /api/v1, and to any other path the document lists (/health)."""
    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        return True
    return path in (openapi.spec / "paths")


def violations_of(app: Flask, openapi: OpenAPI, request: Request, response: Response) -> list[str]:
    """What is wrong with this answer to this request according to the document (empty: none)."""
    openapi_request = AnsweredRequest(request)
    body = read_body(response)
    openapi_response = ReadAnswer(response, body)
    errors: list[str] = []
    for error in openapi.iter_response_errors(openapi_request, openapi_response):
        if isinstance(error, PathError):
            return _unknown_route_errors(app, openapi, request, response, body, error)
        errors.append(describe(error))
    return errors


def operation_of(openapi: OpenAPI, request: Request) -> str:
    """The documented operation the request matches, as `METHOD /template`, or `undocumented`."""
    try:
        # openapi-core's own lookup of the operation (private, but what validation uses).
        found = openapi.response_validator._find_path(AnsweredRequest(request))
    except PathError:
        return "undocumented"
    return f"{request.method} {found.path.parts[-1]}"


def describe(error: BaseException) -> str:
    """One readable line for an openapi-core error, with the schema errors behind it."""
    name = type(error).__name__
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None)
    if schema_errors:
        details = "; ".join(_schema_error(schema_error) for schema_error in schema_errors)
        subject = f"header {error.name}" if hasattr(error, "name") else "body"
        return f"{name} ({subject}): {details}"
    if hasattr(error, "name") and cause is not None:
        return f"{name} (header {error.name}): {type(cause).__name__}: {_text(cause)}"
    if cause is not None:
        return f"{name}: {_text(error)} ({type(cause).__name__}: {_text(cause)})"
    return f"{name}: {_text(error)}"


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # openapi-core 0.23.1 cannot print a header it failed to decode
        return repr(error)


def _schema_error(error) -> str:
    where = "/".join(str(part) for part in getattr(error, "absolute_path", ())) or "<root>"
    message = getattr(error, "message", str(error))
    if len(message) > 300:
        message = message[:300] + "..."
    return f"{where}: {message}"


def _unknown_route_errors(
    app: Flask,
    openapi: OpenAPI,
    request: Request,
    response: Response,
    body: bytes,
    error: PathError,
) -> list[str]:
    adapter = app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(request.path, method=request.method)
    except RequestRedirect:
        # e.g. a missing trailing slash: the app redirects, no operation answers.
        return []
    except (NotFound, MethodNotAllowed):
        endpoint = None
    except HTTPException:
        endpoint = None
    if endpoint is not None:
        return [f"undocumented operation: the app routes it to {endpoint!r} ({error})"]
    errors = []
    if response.status_code not in UNKNOWN_ROUTE_STATUSES:
        errors.append(
            f"no such route, yet the answer is {response.status_code} "
            f"(expected one of {UNKNOWN_ROUTE_STATUSES})"
        )
    errors.extend(_error_body_errors(openapi, response.mimetype, body))
    return errors


def _error_body_errors(openapi: OpenAPI, mimetype: str, data: bytes) -> list[str]:
    if mimetype != "application/json":
        return [f"error answer is {mimetype!r}, not application/json"]
    try:
        body = json.loads(data)
    except ValueError as exc:
        return [f"error answer is not JSON: {exc}"]
    schema = openapi.spec / "components" / "schemas" / "Error"
    validator = oas30_read_schema_validators_factory.create(openapi.spec, schema)
    try:
        validator.validate(body)
    except Exception as exc:  # InvalidSchemaValue
        schema_errors = getattr(exc, "schema_errors", None) or [exc]
        return ["Error schema: " + "; ".join(_schema_error(e) for e in schema_errors)]
    return []


def _caller() -> str:
    """Where the test made the request: its test module's line, else the nearest test helper."""
    nearest = ""
    for frame in reversed(traceback.extract_stack()):
        filename = Path(frame.filename).resolve()
        if filename == _THIS_FILE or not filename.is_relative_to(_TESTS_DIR):
            continue
        where = f"{filename.relative_to(_TESTS_DIR.parent)}:{frame.lineno}"
        if filename.name.startswith("test_"):
            return where
        nearest = nearest or where
    return nearest


def check(app: Flask, response: Response, recorder: Recorder) -> None:
    """Validate one answer (and the answers it was redirected through), recording violations."""
    for answer in [*getattr(response, "history", ()), response]:
        request = answer.request
        if request.method in UNCHECKED_METHODS:
            continue
        openapi = openapi_for(app)
        if not is_api_answer(openapi, request.path):
            continue
        recorder.checked += 1
        errors = violations_of(app, openapi, request, answer)
        if errors:
            recorder.violations.append(
                Violation(
                    method=request.method,
                    path=request.full_path.rstrip("?"),
                    status=answer.status_code,
                    operation=operation_of(openapi, request),
                    errors=errors,
                    caller=_caller(),
                )
            )


class ContractCheckingClient(ServerLikeClient):
    """The suite's test client, checking each API answer against the app's OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        recorder = self.application.extensions.get(_APP_KEY, {}).get("recorder")
        if recorder is not None:
            check(self.application, response, recorder)
        return response


def recorder_of(app: Flask) -> Recorder:
    return app.extensions[_APP_KEY]["recorder"]


def install(app: Flask) -> Recorder:
    """Make the app's test clients check every API answer; the recorder collects violations."""
    app.test_client_class = ContractCheckingClient
    recorder = Recorder()
    app.extensions.setdefault(_APP_KEY, {})["recorder"] = recorder
    return recorder


def log(nodeid: str, recorder: Recorder) -> None:
    """With CONTRACT_MISMATCH_LOG set, append each violation there as a JSON line (to group)."""
    target = os.environ.get("CONTRACT_MISMATCH_LOG")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for violation in recorder.violations:
            handle.write(json.dumps({"test": nodeid, **asdict(violation)}) + "\n")
