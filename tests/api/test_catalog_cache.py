"""Catalog response cache: hits, no stale read after a write, shared Redis, Redis down, queries."""

from __future__ import annotations

import socket
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bakery import create_app
from bakery.extensions import db
from tests.api.helpers import add_image, pagination, png_bytes, slugs

PUBLIC_GETS = [
    "/api/v1/products",
    "/api/v1/products?category=breads&sort=-price",
    "/api/v1/products/country-sourdough",
    "/api/v1/categories",
    "/api/v1/categories/breads",
]
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"}


@pytest.fixture
def shelf(make_category, make_product) -> dict:
    breads = make_category(name="Breads", position=1)
    pastries = make_category(name="Pastries", position=2)
    return {
        "breads": breads,
        "pastries": pastries,
        "sourdough": make_product(name="Country Sourdough", category=breads, price_cents=450),
        "rye": make_product(name="Rye Bread", category=breads, price_cents=520),
        "croissant": make_product(name="Butter Croissant", category=pastries, price_cents=180),
    }


def _closed_port() -> int:
    """A loopback port with nothing listening: connecting there fails at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- hits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_second_identical_public_get_comes_from_the_cache(client, shelf, count_queries, path):
    with count_queries() as first:
        fresh = client.get(path)
    with count_queries() as second:
        cached = client.get(path)

    assert fresh.status_code == cached.status_code == 200
    assert cached.get_data() == fresh.get_data()
    assert cached.headers["ETag"] == fresh.headers["ETag"]
    assert cached.headers.get("X-Pagination") == fresh.headers.get("X-Pagination")
    assert cached.content_type == "application/json"
    assert len(second) < len(first)
    # Only the revision is read: no catalog table is queried for a cached answer.
    assert not [s for s in second if "products" in s or "categories" in s], second


def test_different_query_strings_are_cached_apart(client, shelf):
    client.get("/api/v1/products?category=breads")

    pastries = client.get("/api/v1/products?category=pastries")
    breads_page_2 = client.get("/api/v1/products?category=breads&page_size=1&page=2")

    assert slugs(pastries) == ["butter-croissant"]
    assert slugs(breads_page_2) == ["rye-bread"]
    assert pagination(breads_page_2)["page"] == 2


def test_repeated_parameters_are_part_of_the_key(client, make_product):
    make_product(name="Plain Loaf", allergens=["gluten"])
    make_product(name="Brioche", allergens=["gluten", "eggs", "milk"])
    make_product(name="Macaron", allergens=["nuts", "eggs"])
    client.get("/api/v1/products?exclude_allergen=milk")

    both = client.get("/api/v1/products?exclude_allergen=milk&exclude_allergen=nuts")

    assert slugs(both) == ["plain-loaf"]


def test_a_request_with_a_token_is_answered_fresh(client, shelf, admin, count_queries):
    client.get("/api/v1/products")

    with count_queries() as statements:
        response = client.get("/api/v1/products", headers=admin)

    assert response.status_code == 200
    assert [s for s in statements if "FROM products" in s]


def test_an_admins_view_of_a_hidden_product_never_reaches_the_public(client, make_product, admin):
    make_product(name="Retired Brioche", is_active=False)

    assert client.get("/api/v1/products/retired-brioche", headers=admin).status_code == 200
    public = client.get("/api/v1/products/retired-brioche")

    assert public.status_code == 404
    assert "private" not in public.headers.get("Cache-Control", "")


def test_a_public_404_is_not_cached_for_the_admin(client, make_product, admin):
    make_product(name="Retired Brioche", is_active=False)

    assert client.get("/api/v1/products/retired-brioche").status_code == 404
    assert client.get("/api/v1/products/retired-brioche", headers=admin).status_code == 200


def test_cached_image_urls_follow_each_requests_host(client, shelf):
    # Behind the proxy the shop is https://shop.example; a health probe or an internal client may
    # reach a worker directly: neither may be handed the other's absolute image URLs.
    add_image(shelf["sourdough"], png_bytes())
    path = "/api/v1/products/country-sourdough"

    proxied = client.get(path, headers=FORWARDED).json["images"][0]["url"]
    direct = client.get(path).json["images"][0]["url"]
    proxied_again = client.get(path, headers=FORWARDED).json["images"][0]["url"]

    assert proxied.startswith("https://shop.example/uploads/")
    assert direct.startswith("http://localhost/uploads/")
    assert proxied_again.startswith("https://shop.example/uploads/")


# --- no stale read after a write ---------------------------------------------------------------


def _warm(client, *paths) -> None:
    for path in paths:
        client.get(path)
        assert client.get(path).status_code in (200, 404)


def test_a_price_change_shows_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products", "/api/v1/products/country-sourdough")

    client.patch("/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin)

    listed = {item["slug"]: item["price_cents"] for item in client.get("/api/v1/products").json}
    assert listed["country-sourdough"] == 495
    assert client.get("/api/v1/products/country-sourdough").json["price_cents"] == 495


def test_a_deactivation_shows_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products", "/api/v1/products/country-sourdough")

    client.patch("/api/v1/products/country-sourdough", json={"is_active": False}, headers=admin)

    assert slugs(client.get("/api/v1/products")) == ["butter-croissant", "rye-bread"]
    assert client.get("/api/v1/products/country-sourdough").status_code == 404


def test_a_delete_shows_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products?category=breads", "/api/v1/products/rye-bread")

    assert client.delete("/api/v1/products/rye-bread", headers=admin).status_code == 204

    assert slugs(client.get("/api/v1/products?category=breads")) == ["country-sourdough"]
    assert client.get("/api/v1/products/rye-bread").status_code == 404


def test_a_new_product_shows_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products?category=pastries")

    client.post(
        "/api/v1/products",
        json={"name": "Almond Croissant", "price_cents": 260, "category_id": shelf["pastries"].id},
        headers=admin,
    )

    assert slugs(client.get("/api/v1/products?category=pastries")) == [
        "almond-croissant",
        "butter-croissant",
    ]


def test_a_category_rename_shows_in_products_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products/country-sourdough", "/api/v1/categories")

    client.patch("/api/v1/categories/breads", json={"name": "Loaves"}, headers=admin)

    product = client.get("/api/v1/products/country-sourdough").json
    assert product["category"]["name"] == "Loaves"
    assert [c["name"] for c in client.get("/api/v1/categories").json] == ["Loaves", "Pastries"]


def test_a_category_deactivation_hides_its_products_at_once(client, shelf, admin):
    _warm(client, "/api/v1/products", "/api/v1/categories/breads", "/api/v1/products/rye-bread")

    client.patch("/api/v1/categories/breads", json={"is_active": False}, headers=admin)

    assert slugs(client.get("/api/v1/products")) == ["butter-croissant"]
    assert client.get("/api/v1/categories/breads").status_code == 404
    assert client.get("/api/v1/products/rye-bread").status_code == 404


def test_a_category_delete_and_create_show_at_once(client, shelf, admin):
    client.post("/api/v1/categories", json={"name": "Seasonal", "position": 9}, headers=admin)
    _warm(client, "/api/v1/categories")

    client.delete("/api/v1/categories/seasonal", headers=admin)
    assert slugs(client.get("/api/v1/categories")) == ["breads", "pastries"]

    client.post("/api/v1/categories", json={"name": "Cakes", "position": 0}, headers=admin)
    assert slugs(client.get("/api/v1/categories")) == ["cakes", "breads", "pastries"]


def test_a_refused_write_keeps_serving_the_same_answer(client, shelf, admin):
    before = client.get("/api/v1/products/country-sourdough")

    client.patch("/api/v1/products/country-sourdough", json={"price_cents": -1}, headers=admin)
    after = client.get("/api/v1/products/country-sourdough")

    assert after.json == before.json
    assert after.headers["ETag"] == before.headers["ETag"]


# --- Redis -------------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    from tests.conftest import require_service

    return require_service("redis")


@pytest.fixture
def key_prefix() -> str:
    # The test Redis is shared with other runs whose catalogs reach the same revision numbers:
    # a prefix of our own keeps their answers out of ours.
    return f"bakery-test-{uuid.uuid4().hex}:"


@contextmanager
def _statements_on(application):
    """The SQL statements another app instance runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


class TestTwoInstancesSharingRedis:
    @pytest.fixture
    def app_config(self, redis_url, key_prefix) -> dict:
        # No CACHE_TYPE: the app chooses Redis from REDIS_URL by itself.
        return {"REDIS_URL": redis_url, "CACHE_TYPE": None, "CACHE_KEY_PREFIX": key_prefix}

    @pytest.fixture
    def other(self, app, redis_url, key_prefix):
        other = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
                "REDIS_URL": redis_url,
                "CACHE_KEY_PREFIX": key_prefix,
                "RATELIMIT_ENABLED": False,
            }
        )
        yield other
        with other.app_context():
            db.session.remove()
            db.engine.dispose()

    @pytest.fixture
    def committed(self, shelf) -> dict:
        db.session.commit()
        return shelf

    @pytest.mark.real_commits
    def test_both_instances_use_redis(self, app, other):
        assert app.config["CACHE_TYPE"] == other.config["CACHE_TYPE"] == "RedisCache"

    @pytest.mark.real_commits
    def test_an_answer_cached_by_one_instance_is_served_by_the_other(
        self, client, other, committed
    ):
        first = client.get("/api/v1/products/country-sourdough")
        with _statements_on(other) as statements:
            from_other = other.test_client().get("/api/v1/products/country-sourdough")

        assert from_other.get_data() == first.get_data()
        assert from_other.headers["ETag"] == first.headers["ETag"]
        assert not [s for s in statements if "FROM products" in s], statements

    @pytest.mark.real_commits
    def test_a_write_through_one_instance_is_fresh_on_the_other(
        self, client, other, committed, admin
    ):
        reader = other.test_client()
        for _ in range(2):
            assert reader.get("/api/v1/products/country-sourdough").json["price_cents"] == 450
            assert reader.get("/api/v1/products").status_code == 200
            client.get("/api/v1/products/country-sourdough")

        patched = client.patch(
            "/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin
        )

        assert patched.status_code == 200
        assert reader.get("/api/v1/products/country-sourdough").json["price_cents"] == 495
        listed = {item["slug"]: item["price_cents"] for item in reader.get("/api/v1/products").json}
        assert listed["country-sourdough"] == 495

    @pytest.mark.real_commits
    def test_writes_through_either_instance_are_fresh_on_both(
        self, client, other, committed, admin
    ):
        writer = other.test_client()
        _warm(client, "/api/v1/products", "/api/v1/products/rye-bread")

        assert writer.delete("/api/v1/products/rye-bread", headers=admin).status_code == 204
        assert client.get("/api/v1/products/rye-bread").status_code == 404
        assert "rye-bread" not in slugs(client.get("/api/v1/products"))

        writer.patch("/api/v1/categories/pastries", json={"is_active": False}, headers=admin)
        assert slugs(client.get("/api/v1/products")) == ["country-sourdough"]


class TestOneInstanceOnRedis:
    @pytest.fixture
    def app_config(self, redis_url, key_prefix) -> dict:
        return {"REDIS_URL": redis_url, "CACHE_TYPE": None, "CACHE_KEY_PREFIX": key_prefix}

    @pytest.mark.parametrize("path", PUBLIC_GETS)
    def test_second_identical_get_comes_from_redis(self, client, shelf, count_queries, path):
        with count_queries() as first:
            fresh = client.get(path)
        with count_queries() as second:
            cached = client.get(path)

        assert cached.get_data() == fresh.get_data()
        assert cached.headers["ETag"] == fresh.headers["ETag"]
        assert len(second) < len(first)
        assert not [s for s in second if "products" in s or "categories" in s], second

    def test_every_kind_of_write_shows_at_once(self, client, shelf, admin):
        detail = "/api/v1/products/country-sourdough"
        _warm(client, "/api/v1/products", detail)

        client.patch(detail, json={"price_cents": 495}, headers=admin)
        assert client.get(detail).json["price_cents"] == 495

        client.patch("/api/v1/categories/breads", json={"name": "Loaves"}, headers=admin)
        assert client.get(detail).json["category"]["name"] == "Loaves"

        client.delete("/api/v1/products/rye-bread", headers=admin)
        assert slugs(client.get("/api/v1/products")) == ["butter-croissant", "country-sourdough"]

        client.patch(detail, json={"is_active": False}, headers=admin)
        assert client.get(detail).status_code == 404
        assert slugs(client.get("/api/v1/products")) == ["butter-croissant"]


@pytest.mark.parametrize(
    "app_config",
    [{"REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0", "CACHE_TYPE": None}],
)
class TestRedisDown:
    @pytest.mark.parametrize("path", PUBLIC_GETS)
    def test_catalog_still_answers_from_the_database(self, app, client, shelf, path):
        assert app.config["CACHE_TYPE"] == "RedisCache"

        answers = [client.get(path) for _ in range(2)]

        assert [answer.status_code for answer in answers] == [200, 200]
        assert answers[0].get_data() == answers[1].get_data()
        assert "ETag" in answers[1].headers

    def test_writes_still_show_at_once(self, client, shelf, admin):
        client.get("/api/v1/products/country-sourdough")

        client.patch("/api/v1/products/country-sourdough", json={"price_cents": 1}, headers=admin)

        assert client.get("/api/v1/products/country-sourdough").json["price_cents"] == 1

    def test_health_reports_the_cache_failed(self, client, shelf):
        response = client.get("/health")

        assert response.status_code == 503
        body = response.json
        assert body["status"] == "unhealthy"
        assert body["cache"] != "ok"
        assert (body["database"], body["storage"]) == ("ok", "ok")


# --- a constant number of statements per page --------------------------------------------------


def _stock_shelf(make_category, make_product, count: int) -> None:
    category = make_category(name=f"Shelf of {count}")
    for n in range(count):
        product = make_product(
            name=f"Loaf {n:02d}",
            category=category,
            price_cents=100 + n,
            tags=["daily", f"batch-{n}"],
            allergens=["gluten", "sesame"],
        )
        add_image(product, png_bytes(4, 4))


@pytest.mark.parametrize(
    "query",
    [
        "page_size=100",
        "page_size=100&q=loaf&tag=daily&exclude_allergen=milk&min_price=0&sort=-price",
    ],
)
def test_a_list_page_costs_the_same_statements_for_3_and_25_products(
    client, make_category, make_product, count_queries, query
):
    _stock_shelf(make_category, make_product, 3)
    # A query string of its own for each measure: both are answered fresh, never from the cache.
    with count_queries() as few:
        small = client.get(f"/api/v1/products?{query}&max_price=1000")
    _stock_shelf(make_category, make_product, 22)
    with count_queries() as many:
        large = client.get(f"/api/v1/products?{query}&max_price=1001")

    assert (len(small.json), len(large.json)) == (3, 25)
    assert all(len(item["images"]) == 1 and item["tags"] for item in large.json)
    assert len(many) == len(few)
    # The revision, the count, the page, and one batch each for images, tags and allergens.
    assert len(few) <= 6, few


def test_a_detail_costs_a_few_statements(client, make_product, count_queries):
    product = make_product(name="Seeded Loaf", tags=["seeded"], allergens=["sesame"])
    add_image(product, png_bytes())

    with count_queries() as statements:
        response = client.get("/api/v1/products/seeded-loaf")

    assert response.status_code == 200
    assert len(statements) <= 5, statements
