"""Row ids as they arrive in URLs and forms: one parser and one URL converter for all of them."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map, ValidationError

# Ids are 32-bit in the database: a larger one names no row (and must not reach a query).
MAX_ID = 2**31 - 1


def parse_id(text: object) -> int | None:
    """The id written in `text` (ASCII digits, 1 to MAX_ID), or None when it names no row.

    ASCII only: `int()` would also read other scripts' digits ("١٢") and surrounding spaces.
    """
    value = str(text)
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<id:order_id>` in a route: a path segment that is not a valid id matches no route (404).

    An IntegerConverter underneath, so the OpenAPI documents the parameter as a bounded integer.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number
