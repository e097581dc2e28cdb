"""What every storefront resource shares: strict schemas, multipart bodies, domain errors."""

from __future__ import annotations

import re
from datetime import datetime, time

from flask import Flask, request
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import EXCLUDE, RAISE, Schema, fields
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from bakery.extensions import db
from bakery.formatting import shop_zone
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


class AnswerSchema(BaseSchema):
    """A schema the API only writes: every field is in every answer (null where allowed), so
    the document lists them all as required and generated clients need not guess."""

    class Meta:
        # Open to fields added later: the contract lets answers grow, never shrink.
        unknown = EXCLUDE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


class StrictInteger(fields.Integer):
    """An integer in JSON: 1.5, true and "2" are refused, not rounded or converted."""

    def __init__(self, **kwargs) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # bool is an int in Python, but true is no number in JSON.
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """Only JSON true and false; 1, "yes" and "true" are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ClockTime(fields.Field):
    """A time of day on the shop's clock as "HH:MM" (00:00 to 23:59), nothing else."""

    default_error_messages = {"invalid": "Not a time of day as HH:MM (00:00 to 23:59)."}
    _PATTERN = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "07:30"}
        )
        super().__init__(**kwargs)

    def _serialize(self, value: time | None, attr, obj, **kwargs) -> str | None:
        return None if value is None else f"{value:%H:%M}"

    def _deserialize(self, value, attr, data, **kwargs) -> time:
        if not isinstance(value, str) or not self._PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        return time.fromisoformat(value)


class ShopDateTime(fields.DateTime):
    """An instant written with the shop's UTC offset at that moment (2026-12-12T08:00:00+01:00)."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        return super()._serialize(value.astimezone(shop_zone()), attr, obj, **kwargs)


class MultipartParser(FlaskParser):
    """Reads "files" as the whole multipart body: the files and the form fields beside them.

    One schema then describes an upload and its fields, and the OpenAPI document shows them as
    one multipart/form-data body.
    """

    def load_files(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class PaginationSchema(Schema):
    """What X-Pagination says: the totals always; the pages when there are items, the
    previous and next pages when there are such pages."""

    total = fields.Integer(required=True, metadata={"description": "Items in the whole list"})
    total_pages = fields.Integer(required=True)
    first_page = fields.Integer()
    last_page = fields.Integer()
    page = fields.Integer(metadata={"description": "Absent past the last page"})
    previous_page = fields.Integer()
    next_page = fields.Integer()


class Blueprint(SmorestBlueprint):
    """smorest's Blueprint, reading multipart bodies whole."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def _document_pagination_metadata(self, spec, resp_doc):
        # smorest's documented hook: the header is sent as JSON text, so it is documented as
        # a JSON header (content, not schema), which generated clients then parse.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Where this page is in the list, as JSON",
            "content": {"application/json": {"schema": PaginationSchema}},
        }


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
    if field in request.args:
        return "query"
    return "json"


def _integrity_error(error: IntegrityError):
    # A unique or foreign key rule the services checked, broken by a concurrent request.
    db.session.rollback()
    return json_error(
        http_error(409, "The change conflicts with the current data; it may have just changed")
    )
