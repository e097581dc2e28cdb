"""nginx from docker/nginx/bakery.conf.template in front of the app under gunicorn: its cache.

Debian's nginx runs the rendered template in a folder of the test's own, on a free port, and is
stopped by its PID file. Skipped without nginx and envsubst (a failure with REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bakery.auth.development_issuer import issue_token
from bench.nginx import NginxServer, missing_tools
from tests.gunicorn_server import Answer, GunicornServer, serving_env

LIST = "/api/v1/products?page_size=5"
SHOP = "https://shop.example.com"
STOREFRONT_DEV = "http://localhost:5173"


@dataclass
class Edge:
    nginx: NginxServer
    app: GunicornServer

    def get(self, path: str, headers: dict | None = None) -> Answer:
        request = urllib.request.Request(self.nginx.base_url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())


def require_nginx() -> None:
    """A skip without nginx or envsubst (a failure when CI demands every service)."""
    missing = missing_tools()
    if missing:
        message = f"nginx tests need the Debian packages {' and '.join(missing)}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
        pytest.skip(message)


@pytest.fixture
def edge(app, tmp_path):
    require_nginx()
    public_root = tmp_path / "public"
    (public_root / "uploads").mkdir(parents=True)
    # Two shop origins: an answer's Access-Control-Allow-Origin names the caller's.
    env = serving_env(app, public_root / "uploads", BAKERY_CORS_ORIGINS=f"{STOREFRONT_DEV},{SHOP}")
    (tmp_path / "gunicorn").mkdir()
    (tmp_path / "nginx").mkdir()
    with (
        GunicornServer(tmp_path / "gunicorn", env) as gunicorn,
        NginxServer(tmp_path / "nginx", f"127.0.0.1:{gunicorn.port}", public_root) as nginx,
    ):
        yield Edge(nginx, gunicorn)


@pytest.fixture
def catalog(make_category, make_product):
    breads = make_category(name="Breads")
    make_product(name="Country Sourdough", category=breads, price_cents=450)
    make_product(name="Dark Rye", category=breads, price_cents=520)
    # Visible to admins only.
    make_product(name="Winter Stollen", category=breads, price_cents=1800, is_active=False)


@pytest.fixture
def admin_headers(app):
    token = issue_token(app, email="admin@example.com", role="admin", ttl=timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.real_commits
def test_a_repeated_public_catalog_request_is_answered_from_the_cache(catalog, edge):
    first = edge.get(LIST)
    second = edge.get(LIST, {"X-Request-ID": "second-look"})

    assert (first.status, first.headers["X-Cache-Status"]) == (200, "MISS")
    assert (second.status, second.headers["X-Cache-Status"]) == (200, "HIT")
    assert second.body == first.body
    assert [product["slug"] for product in second.json()] == ["country-sourdough", "dark-rye"]
    assert second.headers["ETag"] == first.headers["ETag"]
    # Each caller gets its own request ID, not the one of the request that filled the cache.
    assert second.headers["X-Request-ID"] == "second-look"
    categories = [edge.get("/api/v1/categories") for _ in range(2)]
    assert [answer.headers["X-Cache-Status"] for answer in categories] == ["MISS", "HIT"]


@pytest.mark.real_commits
def test_a_signed_in_request_is_never_answered_from_nor_stored_in_the_cache(
    catalog, edge, admin_headers
):
    public = edge.get(LIST)
    signed_in = [edge.get(LIST, admin_headers) for _ in range(2)]
    after = edge.get(LIST)

    assert [answer.headers["X-Cache-Status"] for answer in signed_in] == ["BYPASS", "BYPASS"]
    assert all(answer.headers["Cache-Control"] == "private, no-cache" for answer in signed_in)
    assert (after.headers["X-Cache-Status"], after.body) == ("HIT", public.body)
    assert after.headers["Cache-Control"] == "public, max-age=60"

    # An admin sees an inactive product; the next anonymous caller must not get that answer.
    stollen = "/api/v1/products/winter-stollen"
    admin_view = edge.get(stollen, admin_headers)
    anonymous = edge.get(stollen)
    assert (admin_view.status, admin_view.headers["X-Cache-Status"]) == (200, "BYPASS")
    assert anonymous.status == 404
    assert anonymous.headers["X-Cache-Status"] == "MISS"
    assert b"Stollen" not in anonymous.body


@pytest.mark.real_commits
def test_revalidations_get_304_through_nginx_with_and_without_a_token(catalog, edge, admin_headers):
    public_etag = edge.get(LIST).headers["ETag"]
    signed_in_etag = edge.get(LIST, admin_headers).headers["ETag"]

    # nginx answers the first itself from its copy; it passes the second by, to the app.
    public = edge.get(LIST, {"If-None-Match": public_etag})
    signed_in = edge.get(LIST, {**admin_headers, "If-None-Match": signed_in_etag})

    assert (public.status, public.body) == (304, b"")
    assert (signed_in.status, signed_in.body) == (304, b"")
    assert signed_in.headers["X-Cache-Status"] == "BYPASS"


@pytest.mark.real_commits
def test_an_error_is_never_kept(catalog, edge):
    answers = [edge.get("/api/v1/products/spelt-loaf") for _ in range(2)]

    assert [answer.status for answer in answers] == [404, 404]
    assert [answer.headers["X-Cache-Status"] for answer in answers] == ["MISS", "MISS"]


@pytest.mark.real_commits
def test_cached_answers_carry_the_cors_headers_of_each_origin(catalog, edge):
    # The answer for a request without Origin fills the cache first (flask-cors lists every
    # allowed origin in it).
    without_origin = [edge.get(LIST) for _ in range(2)]
    assert [answer.headers["X-Cache-Status"] for answer in without_origin] == ["MISS", "HIT"]

    for origin in (SHOP, STOREFRONT_DEV, SHOP):
        answer = edge.get(LIST, {"Origin": origin})
        assert answer.status == 200
        assert answer.headers.get("Access-Control-Allow-Origin") == origin
        assert answer.body == without_origin[0].body
    # The shop's second request was one for the cache too.
    assert answer.headers["X-Cache-Status"] == "HIT"


@pytest.mark.real_commits
def test_nginx_serves_uploaded_images_itself(edge, tmp_path):
    image = tmp_path / "public" / "uploads" / "products" / "3f2a9c-thumb.webp"
    image.parent.mkdir()
    image.write_bytes(b"RIFF\x1a\x00\x00\x00WEBPVP8 ")
    path = "/uploads/products/3f2a9c-thumb.webp"

    answer = edge.get(path)

    assert (answer.status, answer.body) == (200, image.read_bytes())
    assert answer.headers["Content-Type"] == "image/webp"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    missing = edge.get("/uploads/products/nothing-here.webp")
    assert missing.status == 404
    assert missing.json()["code"] == 404
    # The app never saw either request.
    assert edge.app.worker_pids(path) == set()
    assert edge.app.worker_pids("/uploads/products/nothing-here.webp") == set()


@pytest.mark.real_commits
def test_nginx_serves_the_storefront_and_leaves_the_rest_to_the_app(edge, tmp_path):
    public_root = tmp_path / "public"
    (public_root / "index.html").write_text("<!doctype html><title>Rye & Rise</title>")
    (public_root / "assets").mkdir()
    script_text = "console.log('the shop window');\n" * 40
    (public_root / "assets" / "index-3f2a9c.js").write_text(script_text)

    deep_link = edge.get("/products?exclude_allergen=nuts&page=2")
    order_page = edge.get("/orders/12")
    script = edge.get("/assets/index-3f2a9c.js")
    missing_script = edge.get("/assets/index-gone.js")
    health = edge.get("/health")
    swagger = edge.get("/static/swagger-ui/swagger-ui-bundle.js")

    for page in (deep_link, order_page):
        assert page.status == 200
        assert page.body == (public_root / "index.html").read_bytes()
        assert page.headers["Cache-Control"] == "no-cache"
    assert (script.status, script.body) == (200, script_text.encode())
    compressed = edge.get("/assets/index-3f2a9c.js", {"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.body) == script_text.encode()
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert missing_script.status == 404
    assert missing_script.json()["code"] == 404
    # The app never saw the storefront's requests, and still answers its own.
    for path in ("/products?exclude_allergen=nuts&page=2", "/orders/12", "/assets/index-3f2a9c.js"):
        assert edge.app.worker_pids(path) == set()
    assert health.json()["status"] == "healthy"
    assert swagger.status == 200
    assert edge.app.worker_pids_once_logged("/static/swagger-ui/swagger-ui-bundle.js")
