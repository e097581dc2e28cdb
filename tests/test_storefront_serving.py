"""The storefront's build served by Flask: index.html for the app's pages (deep links), hashed
assets cached for a year, and the server's own paths (API, dashboard, images...) left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakery import create_app
from bakery.config import project_root

INDEX = "<!doctype html><title>Bakery</title><div id=root></div>"
SCRIPT = "console.log('the shop');"
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def dist(tmp_path) -> Path:
    """A small build, as `npm run build` leaves it, with a secret beside it (never served)."""
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "app-abc123.js").write_text(SCRIPT)
    (folder / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (folder / ".env").write_text("hidden=1")
    (tmp_path / "secret.txt").write_text("do not serve")
    return folder


@pytest.fixture
def app_config(dist) -> dict:
    return {"STOREFRONT_DIST": str(dist)}


def _is_index(response) -> bool:
    return response.status_code == 200 and response.get_data(as_text=True) == INDEX


# --- the app's pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/products",
        "/products/country-sourdough",
        "/products?q=rye&exclude_allergen=nuts&exclude_allergen=milk&sort=price&page=2",
        "/cart",
        "/checkout",
        "/orders",
        "/orders/12",
        "/sign-in",
        "/no/such/page/",
        "/healthy-breads",
        "/apiary",
    ],
)
def test_every_page_of_the_app_answers_index_html(client, path):
    response = client.get(path)

    assert _is_index(response), (response.status_code, response.get_data(as_text=True)[:200])
    assert response.mimetype == "text/html"
    # Revalidated on every use, so a new build shows at once.
    assert response.headers["Cache-Control"] == "no-cache"


def test_head_of_a_page_is_answered_too(client):
    response = client.head("/cart")

    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_index_html_can_be_revalidated(client):
    first = client.get("/products")

    again = client.get("/products", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304


def test_a_file_at_the_root_of_the_build_is_served_as_itself(client):
    response = client.get("/favicon.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-cache"


# --- assets --------------------------------------------------------------------------------------


def test_hashed_assets_are_cached_for_a_year(client):
    response = client.get("/assets/app-abc123.js")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == SCRIPT
    assert "javascript" in response.mimetype
    assert response.headers["Cache-Control"] == YEAR


@pytest.mark.parametrize("path", ["/assets/app-zzz999.js", "/assets/", "/assets", "/assets/a/b.js"])
def test_an_unknown_asset_is_a_json_404_not_the_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.is_json
    assert response.json["code"] == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


# --- what the storefront leaves alone ------------------------------------------------------------


def test_health_is_still_health(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json["status"] == "healthy"


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api", "/api/", "/api/v2/products", "/health/extra"]
)
def test_unknown_api_paths_stay_json_404s(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.is_json
    assert response.json["status"] == "Not Found"


def test_the_api_and_its_documentation_are_still_served(client):
    assert client.get("/api/v1/categories").is_json
    assert client.get("/api/openapi.json").json["openapi"].startswith("3.")
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.get_data(as_text=True).lower()
    assert client.get("/api/redoc").status_code == 200
    assert client.get("/static/redoc/redoc.standalone.js").status_code == 200
    assert client.get("/static/no-such-file.js").status_code == 404


def test_the_development_jwks_is_still_served(client):
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.json["keys"]
    assert client.get("/.well-known/openid-configuration").status_code == 404


def test_the_dashboard_is_not_swallowed(client):
    index = client.get("/admin/")
    assert index.status_code == 302
    assert "/admin/login/" in index.headers["Location"]
    assert "/admin/" in client.get("/admin").headers.get("Location", "")
    missing = client.get("/admin/no-such-page/")
    assert missing.status_code == 404
    # The dashboard's own HTML error page, not the shop.
    assert missing.mimetype == "text/html"
    assert not _is_index(missing)


def test_missing_images_are_404_not_the_page(client):
    response = client.get("/uploads/products/missing.webp")

    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/products", 405),
        ("delete", "/", 405),
        ("put", "/cart", 405),
        ("post", "/api/v1/no-such-thing", 404),
        ("post", "/assets/app-abc123.js", 405),
    ],
)
def test_other_methods_keep_the_json_errors(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response.is_json
    assert response.json["code"] == status
    if status == 405:
        assert "GET" in response.headers["Allow"]


# --- no way out of the build folder --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../../secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..\\..\\secret.txt",
        "/..%2fsecret.txt",
        "/products/..%2f..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/.env",
        "/assets/.%2e/.env",
    ],
)
def test_paths_outside_the_build_or_hidden_files_are_never_served(client, path):
    response = client.get(path)

    body = response.get_data(as_text=True)
    assert "do not serve" not in body
    assert "hidden=1" not in body
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 200:
        assert body == INDEX


# --- before the first build ----------------------------------------------------------------------


class TestNotBuiltYet:
    @pytest.fixture
    def app_config(self, tmp_path) -> dict:
        empty = tmp_path / "not-built"
        empty.mkdir()
        return {"STOREFRONT_DIST": str(empty)}

    @pytest.mark.parametrize("path", ["/", "/products/country-sourdough"])
    def test_pages_say_how_to_build_it(self, client, path):
        response = client.get(path)

        assert response.status_code == 503
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "not built" in page
        assert "npm run build" in page
        assert "make run" in page
        assert "BAKERY_STOREFRONT_DIST" in page
        assert "Traceback" not in page
        assert response.headers["Cache-Control"] == "no-store"

    def test_assets_are_404(self, client):
        assert client.get("/assets/app-abc123.js").status_code == 404

    def test_the_api_works_all_the_same(self, client):
        assert client.get("/health").status_code == 200


class TestNotBuiltInProduction:
    @pytest.fixture
    def app_config(self, tmp_path, idp_config) -> dict:
        return {
            **idp_config,
            "ENV": "production",
            "SECRET_KEY": "s" * 48,
            "STOREFRONT_DIST": str(tmp_path / "nowhere"),
        }

    def test_the_page_does_not_name_the_servers_folders(self, client, tmp_path):
        page = client.get("/").get_data(as_text=True)

        assert "npm run build" in page
        assert str(tmp_path) not in page


# --- the setting ---------------------------------------------------------------------------------


def _app_with_environment(monkeypatch, tmp_path, value: str | None):
    if value is not None:
        monkeypatch.setenv("BAKERY_STOREFRONT_DIST", value)
    else:
        monkeypatch.delenv("BAKERY_STOREFRONT_DIST", raising=False)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "unused.sqlite3"),
            "UPLOAD_FOLDER": str(tmp_path),
            "RATELIMIT_ENABLED": False,
        }
    )


def test_the_build_folder_is_storefront_dist_by_default(monkeypatch, tmp_path):
    app = _app_with_environment(monkeypatch, tmp_path, None)

    assert app.config["STOREFRONT_DIST"] == str(project_root() / "storefront" / "dist")


def test_the_build_folder_comes_from_the_environment(monkeypatch, tmp_path):
    assert _app_with_environment(monkeypatch, tmp_path, str(tmp_path)).config[
        "STOREFRONT_DIST"
    ] == str(tmp_path)
    relative = _app_with_environment(monkeypatch, tmp_path, "build/shop")
    assert relative.config["STOREFRONT_DIST"] == str(project_root() / "build" / "shop")
