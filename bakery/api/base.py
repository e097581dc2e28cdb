"""What every storefront resource shares: strict schemas, optional If-Match, domain errors."""

from __future__ import annotations

import copy
import functools

from flask import Flask, Response, request
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.etag import _get_etag_ctx
from flask_smorest.exceptions import NotModified
from marshmallow import RAISE, Schema, fields
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from bakery.extensions import db
from bakery.http_errors import http_error, json_error
from bakery.services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    UnsupportedMedia,
)
from bakery.services.idempotency import MalformedKey

# Domain error -> HTTP status, the one place where the storefront decides it.
STATUS_FOR = (
    (NotFound, 404),
    (Conflict, 409),
    (UnsupportedMedia, 415),
    (InvalidInput, 422),
)


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


# Ids are 32-bit in the database; a larger one cannot name a row (and must not reach a query).
MAX_ID = 2**31 - 1


class StrictInteger(fields.Integer):
    """An integer in JSON: 1.5, true and "2" are refused, not rounded or converted."""

    def __init__(self, **kwargs) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """Only JSON true and false; 1, "yes" and "true" are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class MultipartParser(FlaskParser):
    """Reads "files" as the whole multipart body: the files and the form fields beside them.

    One schema then describes an upload and its fields, and the OpenAPI document shows them as
    one multipart/form-data body. A schema given as a class is built once, not per request:
    building one copies every field, which costs more than the parsing itself.
    """

    # Query strings repeat (the shop's first page, its usual filters), and what a schema loads
    # from one depends on nothing else: each is loaded once, and every request gets a copy.
    MAX_REMEMBERED_QUERIES = 1024

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded_queries: dict[tuple, object] = {}

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        if location != "query" or isinstance(argmap, dict) or kwargs.get("validate") is not None:
            return super().parse(argmap, req, location=location, **kwargs)
        query = (req if req is not None else request).query_string
        key = (argmap, query, kwargs.get("unknown"))
        loaded = self._loaded_queries.get(key)
        if loaded is None:
            loaded = super().parse(argmap, req, location=location, **kwargs)
            if len(self._loaded_queries) >= self.MAX_REMEMBERED_QUERIES:
                self._loaded_queries.clear()
            self._loaded_queries[key] = loaded
        return copy.copy(loaded)

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def _get_schema(self, argmap, req) -> Schema:
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)


@functools.cache
def _schema_instance(schema_class: type[Schema]) -> Schema:
    return schema_class()


class Blueprint(SmorestBlueprint):
    """smorest's Blueprint with If-Match optional (without it a write is unconditional)."""

    ARGUMENTS_PARSER = PAGINATION_ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict:
        # smorest's numbers, without building its metadata schema (which only copies them) on
        # every request.
        if item_count == 0:
            return {"total": 0, "total_pages": 0}
        last_page = (item_count - 1) // page_size + 1
        metadata = {"total": item_count, "total_pages": last_page, "first_page": 1}
        metadata["last_page"] = last_page
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata

    def _check_not_modified(self, etag: str) -> None:
        # The weak comparison (RFC 9110 13.1.2): a compressing proxy turns "x" into W/"x".
        if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
            raise NotModified(response=Response(status=304, headers={"ETag": f'"{etag}"'}))

    def _check_precondition(self) -> None:
        return None

    def check_etag(self, etag_data, etag_schema=None) -> None:
        if request.if_match:
            super().check_etag(etag_data, etag_schema)
        else:
            _get_etag_ctx()["etag_checked"] = True

    def _prepare_etag_doc(self, doc, doc_info, **kwargs):
        doc = super()._prepare_etag_doc(doc, doc_info, **kwargs)
        doc.get("responses", {}).pop(428, None)
        return doc


def page_of(query: Select, pagination) -> list:
    """One page of a query for smorest's paginate(), with the total for X-Pagination."""
    pagination.item_count = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    page = query.limit(pagination.page_size).offset(pagination.first_item)
    return list(db.session.scalars(page).unique())


def init_domain_errors(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(IntegrityError, _integrity_error)


def _domain_error(error: DomainError):
    db.session.rollback()
    status = next(code for kind, code in STATUS_FOR if isinstance(error, kind))
    if isinstance(error, MalformedKey):
        return json_error(http_error(400, error.message))
    errors = None
    if error.field and status == 422:
        errors = {_location_of(error.field): {error.field: [error.message]}}
    return json_error(http_error(status, error.message, errors))


def _location_of(field: str) -> str:
    """Where the request carried the field, named as webargs names it for its own errors."""
    if field in request.files:
        return "files"
    if field in request.form:
        return "form"
    if field in request.headers:
        return "headers"
    return "json"


def _integrity_error(error: IntegrityError):
    # A unique or foreign key rule the services checked, broken by a concurrent request.
    db.session.rollback()
    return json_error(
        http_error(409, "The change conflicts with the current data; it may have just changed")
    )
