"""The storefront's built files: index.html for every page of the app, hashed assets for a year.

`make run` builds the React app into STOREFRONT_DIST (storefront/dist) and this serves it at /.
The app routes in the browser, so any GET outside the server's own prefixes answers index.html
and deep links (/products/country-sourdough) work. In production nginx serves the same files.
"""

from __future__ import annotations

import os
import re
from html import escape

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
INDEX = "index.html"
# First path segments that belong to the server: the storefront never answers for them, so an
# unknown /api/... stays the API's JSON 404 and a POST there is not a 405.
SERVER_PREFIXES = ("api", "admin", "uploads", "health", ".well-known", "static", "assets")


class StorefrontPathConverter(PathConverter):
    """A path whose first segment is none of the server's prefixes."""

    regex = (
        r"(?!(?:" + "|".join(re.escape(prefix) for prefix in SERVER_PREFIXES) + r")(?:/|$))"
        r"[^/].*?"
    )


storefront = Blueprint("storefront", __name__)


def init_storefront(app: Flask) -> None:
    # Converters must be known before a rule names them.
    app.url_map.converters["storefront_path"] = StorefrontPathConverter
    app.register_blueprint(storefront)


def _dist() -> str:
    return current_app.config["STOREFRONT_DIST"]


@storefront.get("/assets/<path:name>")
def asset(name: str) -> Response:
    """A built file named by its content's hash: it never changes, so caches keep it a year."""
    if any(part.startswith(".") for part in name.split("/")):
        raise NotFound()
    response = send_from_directory(os.path.join(_dist(), "assets"), name, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


@storefront.get("/", defaults={"path": ""})
@storefront.get("/<storefront_path:path>")
def page(path: str) -> Response:
    """index.html for a page of the app; a file the build put at its root (favicon) as it is."""
    dist = _dist()
    if not os.path.isfile(os.path.join(dist, INDEX)):
        return _not_built(dist)
    name = path if _is_built_file(dist, path) else INDEX
    # Not hashed: browsers revalidate each time, so a new build is seen at once.
    response = send_from_directory(dist, name)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _is_built_file(dist: str, path: str) -> bool:
    """Whether the path names a file of the build (inside it, no dot file on the way)."""
    if not path or any(part.startswith(".") for part in path.split("/")):
        return False
    file = safe_join(dist, path)
    return file is not None and os.path.isfile(file)


def _not_built(dist: str) -> Response:
    """What a newcomer sees at / before the storefront was built: what to run, not an error."""
    where = (
        ""
        if current_app.config["ENV"] == "production"
        else f"<p>Looked for <code>{escape(os.path.join(dist, INDEX))}</code> "
        "(setting <code>BAKERY_STOREFRONT_DIST</code>).</p>"
    )
    body = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Storefront not built yet</title></head>
<body>
<h1>The storefront is not built yet</h1>
<p>Run <code>make run</code> in the project, which builds it, or build it yourself with
<code>cd storefront &amp;&amp; npm install &amp;&amp; npm run build</code>;
then reload this page.</p>
{where}<p>Meanwhile the API is at <a href="/api/docs">/api/docs</a>
and the staff dashboard at <a href="/admin/">/admin/</a>.</p>
</body>
</html>
"""
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = "60"
    return response
