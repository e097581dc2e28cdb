"""Catalog ETags and Cache-Control: conditional GETs, If-Match on admin writes, CDN headers."""

from __future__ import annotations

import io
import re

import pytest

from bakery.models.catalog import Category, Product
from tests.api.helpers import png_bytes, reread

CATALOG_GETS = [
    "/api/v1/categories",
    "/api/v1/categories/breads",
    "/api/v1/products",
    "/api/v1/products?category=breads&sort=-price&page_size=5",
    "/api/v1/products/country-sourdough",
]


@pytest.fixture
def sourdough(make_category, make_product):
    breads = make_category(name="Breads")
    return make_product(name="Country Sourdough", category=breads, price_cents=450)


def _etag(response) -> str:
    etag = response.headers["ETag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag), etag
    return etag


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_every_catalog_get_has_an_etag(client, sourdough, admin, path):
    public = client.get(path)
    private = client.get(path, headers=admin)

    assert public.status_code == private.status_code == 200
    assert _etag(public) == _etag(private)


@pytest.mark.parametrize("path", CATALOG_GETS)
@pytest.mark.parametrize("app_config", [{}, {"PRODUCT_LIST_CACHE_SIZE": 0}])
def test_if_none_match_gives_304_with_the_headers_a_shared_cache_needs(client, sourdough, path):
    etag = _etag(client.get(path))

    response = client.get(path, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.get_data() == b""
    # RFC 9110 15.4.5: a 304 carries the ETag, Cache-Control and Vary the 200 would have had,
    # or a CDN revalidating the entry loses them.
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert {"Authorization", "Origin"} <= set(response.vary)


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_if_none_match_uses_the_weak_comparison(client, sourdough, path):
    # RFC 9110 13.1.2: If-None-Match compares weakly. A proxy that compresses the answer (nginx
    # gzip) turns the ETag into W/"...", and that is what browsers then send back.
    etag = _etag(client.get(path))

    weak = client.get(path, headers={"If-None-Match": f"W/{etag}"})
    among_others = client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})

    assert (weak.status_code, among_others.status_code) == (304, 304)


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_if_none_match_gives_304_to_a_signed_in_caller(client, sourdough, admin, path):
    etag = _etag(client.get(path, headers=admin))

    response = client.get(path, headers={**admin, "If-None-Match": etag})

    assert response.status_code == 304


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_a_different_if_none_match_gives_the_full_answer(client, sourdough, path):
    client.get(path)

    response = client.get(path, headers={"If-None-Match": '"something-else"'})

    assert response.status_code == 200
    assert response.json


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/api/v1/products/country-sourdough", ("patch", "/products/country-sourdough")),
        ("/api/v1/products", ("patch", "/products/country-sourdough")),
        ("/api/v1/products", ("patch", "/categories/breads")),
        ("/api/v1/products/country-sourdough", ("patch", "/categories/breads")),
        ("/api/v1/categories", ("patch", "/categories/breads")),
        ("/api/v1/categories/breads", ("patch", "/categories/breads")),
    ],
)
def test_etag_changes_after_a_write(client, sourdough, admin, path, change):
    before = _etag(client.get(path))
    method, target = change
    body = {"price_cents": 495} if "products" in target else {"name": "Loaves"}
    assert getattr(client, method)(f"/api/v1{target}", json=body, headers=admin).status_code == 200

    after = client.get(path, headers={"If-None-Match": before})

    assert after.status_code == 200
    assert _etag(after) != before


def test_a_new_product_changes_the_list_etag(client, sourdough, admin):
    before = _etag(client.get("/api/v1/products"))
    client.post(
        "/api/v1/products",
        json={"name": "Rye", "price_cents": 500, "category_id": sourdough.category_id},
        headers=admin,
    )

    after = client.get("/api/v1/products", headers={"If-None-Match": before})

    assert after.status_code == 200
    assert _etag(after) != before
    assert len(after.json) == 2


# --- If-Match on writes ------------------------------------------------------------------------


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client, sourdough, admin):
    stale = _etag(client.get("/api/v1/products/country-sourdough"))
    client.patch("/api/v1/products/country-sourdough", json={"stock": 3}, headers=admin)

    response = client.patch(
        "/api/v1/products/country-sourdough",
        json={"price_cents": 1},
        headers={**admin, "If-Match": stale},
    )

    assert response.status_code == 412
    assert response.json["code"] == 412
    stored = reread(Product, sourdough.id)
    assert (stored.price_cents, stored.stock) == (450, 3)


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_product(client, sourdough, admin):
    stale = _etag(client.get("/api/v1/products/country-sourdough"))
    client.patch("/api/v1/products/country-sourdough", json={"stock": 3}, headers=admin)

    response = client.delete(
        "/api/v1/products/country-sourdough", headers={**admin, "If-Match": stale}
    )

    assert response.status_code == 412
    assert reread(Product, sourdough.id) is not None
    assert client.get("/api/v1/products/country-sourdough").status_code == 200


def test_patch_with_the_current_if_match_succeeds(client, sourdough, admin):
    current = _etag(client.get("/api/v1/products/country-sourdough"))

    response = client.patch(
        "/api/v1/products/country-sourdough",
        json={"price_cents": 495},
        headers={**admin, "If-Match": current},
    )

    assert response.status_code == 200
    assert _etag(response) != current
    assert reread(Product, sourdough.id).price_cents == 495


def test_the_etag_a_patch_returns_is_the_next_if_match(client, sourdough, admin):
    first = client.patch(
        "/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin
    )

    second = client.patch(
        "/api/v1/products/country-sourdough",
        json={"price_cents": 500},
        headers={**admin, "If-Match": _etag(first)},
    )

    assert second.status_code == 200
    assert reread(Product, sourdough.id).price_cents == 500


def test_delete_with_the_current_if_match_succeeds(client, sourdough, admin):
    current = _etag(client.get("/api/v1/products/country-sourdough"))

    response = client.delete(
        "/api/v1/products/country-sourdough", headers={**admin, "If-Match": current}
    )

    assert response.status_code == 204
    assert reread(Product, sourdough.id) is None


def test_writes_without_if_match_are_unconditional(client, sourdough, admin):
    patched = client.patch(
        "/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin
    )
    deleted = client.delete("/api/v1/products/country-sourdough", headers=admin)

    assert (patched.status_code, deleted.status_code) == (200, 204)


def test_an_inactive_products_etag_from_the_admin_view_is_a_valid_if_match(
    client, make_product, admin
):
    retired = make_product(name="Retired Brioche", is_active=False)
    current = _etag(client.get("/api/v1/products/retired-brioche", headers=admin))

    response = client.patch(
        "/api/v1/products/retired-brioche",
        json={"is_active": True},
        headers={**admin, "If-Match": current},
    )

    assert response.status_code == 200
    assert reread(Product, retired.id).is_active is True


def test_category_patch_with_a_stale_if_match_is_412(client, sourdough, admin):
    stale = _etag(client.get("/api/v1/categories/breads"))
    client.patch("/api/v1/categories/breads", json={"position": 5}, headers=admin)

    response = client.patch(
        "/api/v1/categories/breads", json={"name": "Loaves"}, headers={**admin, "If-Match": stale}
    )

    assert response.status_code == 412
    stored = reread(Category, sourdough.category_id)
    assert (stored.name, stored.position) == ("Breads", 5)


def test_category_delete_with_a_stale_if_match_is_412(client, make_category, admin):
    category = make_category(name="Seasonal")
    stale = _etag(client.get("/api/v1/categories/seasonal"))
    client.patch("/api/v1/categories/seasonal", json={"position": 5}, headers=admin)

    response = client.delete("/api/v1/categories/seasonal", headers={**admin, "If-Match": stale})

    assert response.status_code == 412
    assert reread(Category, category.id) is not None


def test_category_writes_with_the_current_if_match_succeed(client, make_category, admin):
    category = make_category(name="Seasonal")
    current = _etag(client.get("/api/v1/categories/seasonal"))

    patched = client.patch(
        "/api/v1/categories/seasonal", json={"position": 5}, headers={**admin, "If-Match": current}
    )
    deleted = client.delete(
        "/api/v1/categories/seasonal", headers={**admin, "If-Match": _etag(patched)}
    )

    assert (patched.status_code, deleted.status_code) == (200, 204)
    assert reread(Category, category.id) is None


# --- Cache-Control -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_public_gets_are_publicly_cacheable(client, sourdough, path):
    for attempt in ("fresh", "from the cache"):
        response = client.get(path)

        cache_control = response.headers["Cache-Control"]
        assert "public" in cache_control, attempt
        assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) > 0, attempt
        assert "Authorization" in response.headers.get("Vary", ""), attempt


@pytest.mark.parametrize("path", CATALOG_GETS)
def test_gets_with_a_token_are_private(client, sourdough, customer, path):
    response = client.get(path, headers=customer)

    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control
    assert "public" not in cache_control


def test_an_admin_view_of_a_hidden_product_is_private(client, make_product, admin):
    make_product(name="Retired Brioche", is_active=False)

    response = client.get("/api/v1/products/retired-brioche", headers=admin)

    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/api/v1/products/no-such-loaf", "/api/v1/categories/none", "/api/v1/products?q="]
)
def test_errors_are_kept_by_no_cache(client, sourdough, path):
    # A 404 for a product about to be created, or a 422, must not outlive the next request.
    response = client.get(path)

    assert response.status_code in (404, 422)
    assert response.headers["Cache-Control"] == "no-store"


# --- one resource's ETag follows its own changes -----------------------------------------------


def test_an_if_match_stays_valid_while_other_products_change(
    client, sourdough, make_product, admin
):
    make_product(name="Dark Rye", category=sourdough.category, price_cents=520)
    etag = _etag(client.get("/api/v1/products/country-sourdough"))
    # An integration reading every product first, then changing them one by one.
    assert (
        client.patch(
            "/api/v1/products/dark-rye", json={"price_cents": 530}, headers=admin
        ).status_code
        == 200
    )

    response = client.patch(
        "/api/v1/products/country-sourdough",
        json={"price_cents": 495},
        headers={**admin, "If-Match": etag},
    )

    assert response.status_code == 200
    assert reread(Product, sourdough.id).price_cents == 495


@pytest.mark.parametrize("path", ["/api/v1/products/country-sourdough", "/api/v1/products"])
def test_a_new_or_removed_photo_changes_the_etag(client, sourdough, admin, path):
    first = _etag(client.get(path))
    added = client.post(
        "/api/v1/products/country-sourdough/images",
        data={"file": (io.BytesIO(png_bytes()), "loaf.png")},
        headers=admin,
    )
    assert added.status_code == 201
    with_photo = client.get(path, headers={"If-None-Match": first})
    client.delete(f"/api/v1/products/country-sourdough/images/{added.json['id']}", headers=admin)
    without_photo = client.get(path, headers={"If-None-Match": _etag(with_photo)})

    assert with_photo.status_code == without_photo.status_code == 200
    photos = with_photo.json["images"] if "products/" in path else with_photo.json[0]["images"]
    assert len(photos) == 1
    assert _etag(without_photo) not in (first, _etag(with_photo))
