"""HTTP caching of catalog answers: ETags, 304 Not Modified, If-Match, Cache-Control and Vary.

The catalog is cached at the edge (nginx, a CDN, the browser): public answers say
`Cache-Control: public, max-age=60` and carry an ETag made from what decides them (for a list,
the catalog revision, which every catalog write moves, and the stock and updated_at of the
products shown, which checkout changes; for one product or category, its own row). A
revalidation reads only that, and answers 304 without building the body.
"""

from __future__ import annotations

import functools
import hashlib
import json

from flask import Response, abort, current_app, request
from marshmallow import Schema, fields
from werkzeug.exceptions import PreconditionFailed

from bakery import __version__

# Browsers and shared caches keep a public answer a minute; after that they revalidate.
PUBLIC_CACHE_CONTROL = "public, max-age=60"
# An answer to a caller with credentials is theirs alone; revalidated at every use.
PRIVATE_CACHE_CONTROL = "private, no-cache"

ETAG_HEADER = {
    "description": "Version of the answer, for If-None-Match and If-Match",
    "schema": {"type": "string"},
}


def _optional_header(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


IF_NONE_MATCH = _optional_header(
    "If-None-Match", "On GET: the ETag of an answer you hold; 304 when it is still current"
)
IF_MATCH = _optional_header(
    "If-Match",
    "On PATCH and DELETE, optional: the ETag of the version you changed; "
    "412 and nothing changed when it is no longer current",
)


def answer_etag(schema: type[Schema], *parts) -> str:
    """The ETag of an answer written by `schema` from what `parts` name.

    Image URLs in answers are absolute, so the host the client used is part of the answer; and
    a release whose answers look different (a new field, another version) makes new ETags, so
    no cache revalidates an answer of the old shape into a 304.
    """
    material = [
        request.host_url,
        current_app.config["CURRENCY"],
        __version__,
        answer_shape(schema),
        *parts,
    ]
    digest = hashlib.sha1(json.dumps(material, default=str).encode(), usedforsecurity=False)
    return digest.hexdigest()


@functools.cache
def answer_shape(schema: type[Schema]) -> list:
    """The names of the fields an answer written by `schema` has, nested ones included."""
    shape = []
    for name, field in schema().dump_fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            shape.append([name, answer_shape(type(inner.schema))])
        else:
            shape.append(name)
    return shape


def stop_if_not_modified(etag: str) -> None:
    """Answer 304 at once when the client's If-None-Match names this ETag.

    The weak comparison (RFC 9110 13.1.2): a compressing proxy turns "x" into W/"x".
    """
    if request.if_none_match.contains_weak(etag):
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        abort(not_modified)


def refuse_if_changed(etag: str) -> None:
    """412 when If-Match names another version; without If-Match a write is unconditional."""
    if request.if_match and not request.if_match.contains(etag):
        raise PreconditionFailed(
            "The resource changed since the ETag in If-Match; read it again and retry"
        )


def etag_headers(etag: str) -> dict[str, str]:
    return {"ETag": f'"{etag}"'}


def cache_catalog_answers(response: Response) -> Response:
    """After each catalog request: who may keep the answer, and what it depends on.

    `Vary: Origin` because the CORS headers follow the Origin: a shared cache must not give the
    shop's browser an answer kept for a request without one.
    """
    if request.method not in ("GET", "HEAD"):
        return response
    if response.status_code not in (200, 304):
        # A 404 for a product about to be created, or an outage, is nobody's to keep.
        response.headers["Cache-Control"] = "no-store"
    elif "Authorization" in request.headers:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    else:
        response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    response.vary.update(("Authorization", "Origin"))
    return response
