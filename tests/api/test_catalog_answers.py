"""Kept catalog answers served before Flask: request ids, log lines, CORS, HEAD, 304 headers."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests.api.helpers import slugs

LIST = "/api/v1/products"
SHOP = "http://localhost:5173"


@pytest.fixture
def loaves(make_category, make_product) -> None:
    breads = make_category(name="Breads")
    make_product(name="Country Sourdough", category=breads, price_cents=450)
    make_product(name="Rye Bread", category=breads, price_cents=520)


def _request_lines(caplog) -> list:
    return [record for record in caplog.records if record.name == "bakery.request"]


def test_a_kept_answer_gets_the_callers_request_id_and_one_log_line(client, loaves, caplog):
    first = client.get(LIST, headers={"X-Request-ID": "first-1"})
    caplog.clear()

    kept = client.get(LIST, headers={"X-Request-ID": "second-2"})
    unsafe = client.get(LIST, headers={"X-Request-ID": "no spaces allowed"})

    assert kept.get_data() == first.get_data()
    assert (first.headers["X-Request-ID"], kept.headers["X-Request-ID"]) == ("first-1", "second-2")
    assert unsafe.headers["X-Request-ID"] not in ("", "no spaces allowed")
    [line, _] = _request_lines(caplog)
    assert (line.method, line.path, line.status, line.request_id) == ("GET", LIST, 200, "second-2")
    assert line.user_id is None


def test_each_origin_gets_its_own_cors_headers_from_the_cache(client, loaves):
    for _ in range(2):
        shop = client.get(LIST, headers={"Origin": SHOP})
        stranger = client.get(LIST, headers={"Origin": "https://evil.example"})

        assert shop.headers["Access-Control-Allow-Origin"] == SHOP
        assert "X-Pagination" in shop.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Origin" not in stranger.headers
        assert slugs(stranger) == slugs(shop) == ["country-sourdough", "rye-bread"]


def test_a_head_request_never_leaves_an_empty_answer_for_a_get(client, loaves):
    head = client.head(LIST)

    get = client.get(LIST)

    assert head.status_code == get.status_code == 200
    assert head.get_data() == b""
    assert slugs(get) == ["country-sourdough", "rye-bread"]
    assert client.head(LIST).headers["ETag"] == get.headers["ETag"]


def test_a_304_from_the_cache_keeps_the_headers_a_cdn_needs(client, loaves):
    etag = client.get(LIST, headers={"Origin": SHOP}).headers["ETag"]

    response = client.get(LIST, headers={"Origin": SHOP, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Vary"] == "Authorization"
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "X-Pagination" not in response.headers
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("sent", [{"headers": "token"}, {"data": b"x" * 10}])
def test_a_request_with_a_token_or_a_body_is_answered_by_the_app(
    client, loaves, admin, count_queries, sent
):
    client.get(LIST)
    options = {"headers": admin} if sent.get("headers") else {"data": sent["data"]}

    with count_queries() as statements:
        response = client.get(LIST, **options)

    assert response.status_code == 200
    assert [s for s in statements if "FROM products" in s]


class TestOnRedis:
    @pytest.fixture
    def app_config(self) -> dict:
        from tests.conftest import require_service

        return {
            "REDIS_URL": require_service("redis"),
            "CACHE_TYPE": None,
            "CACHE_KEY_PREFIX": f"bakery-test-{uuid.uuid4().hex}:",
        }

    def test_an_unreadable_entry_is_made_again_and_kept(self, app, client, loaves, count_queries):
        first = client.get(LIST)
        server = redis.Redis.from_url(app.config["REDIS_URL"])
        kept = list(server.scan_iter(app.config["CACHE_KEY_PREFIX"] + "catalog:answer:*"))
        for key in kept:
            server.set(key, b"left by another version", ex=60)

        again = client.get(LIST)
        with count_queries() as statements:
            third = client.get(LIST)

        assert len(kept) == 1
        assert again.get_data() == third.get_data() == first.get_data()
        assert not [s for s in statements if "products" in s], statements


def test_a_kept_answer_says_how_old_it_is(client, loaves):
    first = client.get(LIST)

    kept = client.get(LIST)
    revalidated = client.get(LIST, headers={"If-None-Match": first.headers["ETag"]})

    # A browser or CDN counts max-age from when the answer was made, not from the replay.
    assert "Age" not in first.headers
    assert 0 <= int(kept.headers["Age"]) <= 60
    assert revalidated.status_code == 304
    assert 0 <= int(revalidated.headers["Age"]) <= 60


def test_a_database_error_while_looking_up_a_kept_answer_is_the_apps_json_error(tmp_path):
    from bakery import create_app

    # No migrations: the catalog revision's table is missing.
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.sqlite3",
            "UPLOAD_FOLDER": str(tmp_path),
            "CACHE_TYPE": "SimpleCache",
        }
    )

    response = broken.test_client().get(LIST, headers={"X-Request-ID": "broken-1"})

    assert response.status_code == 500
    assert response.json["code"] == 500
    assert response.headers["X-Request-ID"] == "broken-1"
