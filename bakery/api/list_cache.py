"""Product list answers kept in each worker, found again by their ETag.

A list page costs one statement to learn its ETag (see caching.answer_etag) and about twenty
times that to read its products and write them as JSON. The ETag names everything the answer
says (the catalog revision, the page's stock and updated_at, the host and the query), so an
answer kept under it is never stale and never needs clearing: a change makes new ETags, and the
old answers age out. nginx keeps public answers for everyone; what still reaches the app with an
ETag it answered before is kept here: signed-in shoppers (nginx passes requests with a token
by), each further Origin, and every request where no nginx stands in front (`make run`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cachetools import TTLCache
from flask import Flask, Response, current_app

# An answer outlives no catalog change (its ETag would differ); the limit only bounds memory.
KEPT_SECONDS = 300
_EXTENSION = "bakery.product_lists"


@dataclass(frozen=True)
class KeptList:
    total: int
    body: bytes

    def response(self) -> Response:
        return current_app.response_class(self.body, mimetype="application/json")


class ProductLists:
    """At most `size` answers, each for KEPT_SECONDS; safe for a threaded server."""

    def __init__(self, size: int) -> None:
        self.answers: TTLCache[str, KeptList] = TTLCache(maxsize=size, ttl=KEPT_SECONDS)
        self.lock = threading.Lock()

    def get(self, etag: str) -> KeptList | None:
        with self.lock:
            return self.answers.get(etag)

    def keep(self, etag: str, answer: KeptList) -> None:
        with self.lock:
            self.answers[etag] = answer


def init_list_cache(app: Flask) -> None:
    size = app.config["PRODUCT_LIST_CACHE_SIZE"]
    app.extensions[_EXTENSION] = ProductLists(size) if size else None


def kept_list(etag: str, make) -> KeptList:
    """The answer kept under `etag`, or the one `make()` gives, kept for next time."""
    lists: ProductLists | None = current_app.extensions[_EXTENSION]
    answer = lists.get(etag) if lists is not None else None
    if answer is None:
        answer = make()
        if lists is not None:
            lists.keep(etag, answer)
    return answer
