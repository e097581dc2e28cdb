"""The fast product list: the documented shape, one statement per search shape, fresh totals."""

from __future__ import annotations

import dataclasses
import json

import pytest
from flask import Flask
from flask_limiter.util import get_remote_address
from sqlalchemy import text, update

from bakery.api.products.schemas import ProductSchema
from bakery.extensions import RouteLimiter, db
from bakery.models.catalog import Product
from bakery.services.catalog_search import ProductFilters, search_shape
from tests.api.helpers import PRODUCT_FIELDS, add_image, pagination, png_bytes, slugs

UNCACHED = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}


@pytest.fixture
def shelf(make_category, make_product) -> dict:
    breads = make_category(name="Breads", position=1)
    pastries = make_category(name="Pastries", position=2)
    hidden = make_category(name="Hidden", position=3, is_active=False)
    sourdough = make_product(
        name="Country Sourdough",
        category=breads,
        price_cents=450,
        description='A "long" fermented <wheat> loaf',
        tags=["vegan", "sourdough"],
        allergens=["sesame", "gluten"],
        stock=12,
    )
    add_image(sourdough, png_bytes(30, 20), alt="Crusty loaf")
    add_image(sourdough, png_bytes(8, 6))
    return {
        "breads": breads,
        "pastries": pastries,
        "sourdough": sourdough,
        "croissant": make_product(name="Butter Croissant", category=pastries, price_cents=180),
        "rye": make_product(name="Rye Bread", category=breads, price_cents=520, stock=0),
        "retired": make_product(
            name="Retired Brioche", category=breads, is_active=False, price_cents=1
        ),
        "hidden": make_product(name="Hidden Tart", category=hidden, price_cents=400),
    }


# --- the shape ---------------------------------------------------------------------------------


def slugs_of(items: list[dict]) -> list[str]:
    return [item["slug"] for item in items]


def test_list_items_are_what_the_product_schema_dumps(app, client, shelf):
    response = client.get("/api/v1/products")
    listed = response.json

    with app.test_request_context("/"):
        products = [db.session.get(Product, item["id"]) for item in listed]
        dumped = json.loads(json.dumps(ProductSchema(many=True).dump(products)))
        # Written as the app writes any JSON answer, to the byte.
        written = app.json.response(dumped).get_data()
    assert listed == dumped
    assert response.get_data() == written
    assert slugs_of(listed) == ["butter-croissant", "country-sourdough", "rye-bread"]
    sourdough = listed[1]
    assert sourdough["tags"] == ["sourdough", "vegan"]
    assert sourdough["allergens"] == ["gluten", "sesame"]
    assert [image["alt"] for image in sourdough["images"]] == ["Crusty loaf", "Country Sourdough"]
    assert sourdough["description"] == 'A "long" fermented <wheat> loaf'
    assert [item["stock"] for item in listed] == [None, 12, 0]


def test_list_items_equal_the_details_behind_a_proxy(client, shelf):
    # The detail is dumped by ProductSchema; image URLs follow the forwarded scheme and host.
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"}

    listed = client.get("/api/v1/products", headers=forwarded).json

    for item in listed:
        assert item == client.get(f"/api/v1/products/{item['slug']}", headers=forwarded).json
    assert listed[1]["images"][0]["url"].startswith("https://shop.example/uploads/")


def test_the_openapi_document_describes_the_list_with_the_product_schema(client, shelf):
    spec = client.get("/api/openapi.json").json
    listed = client.get("/api/v1/products").json

    answer = spec["paths"]["/api/v1/products"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Product"},
    }
    assert {"X-Pagination", "ETag"} <= set(answer["headers"])
    documented = set(spec["components"]["schemas"]["Product"]["properties"])
    # category_id is written, never read back: the category comes as an object instead.
    assert documented - {"category_id"} == PRODUCT_FIELDS
    assert all(set(item) == PRODUCT_FIELDS for item in listed)


def test_an_empty_page_past_the_end_still_counts_the_whole_search(client, shelf):
    response = client.get("/api/v1/products?page=3&page_size=2")

    assert response.status_code == 200
    assert response.json == []
    assert pagination(response)["total"] == 3


# --- one statement per shape -------------------------------------------------------------------


def test_every_filter_given_changes_the_shape_of_a_search():
    # A filter missing from the shape would let one search reuse another's statement and
    # silently drop a condition.
    given = {
        "category": "breads",
        "q": "rye",
        "tag": "vegan",
        "exclude_allergens": ("nuts",),
        "min_price": 0,
        "max_price": 0,
        "sort": "-price",
    }
    assert set(given) == {field.name for field in dataclasses.fields(ProductFilters)}
    plain = search_shape(ProductFilters())
    for name, value in given.items():
        assert search_shape(ProductFilters(**{name: value})) != plain, name


@pytest.mark.parametrize("app_config", [UNCACHED])
def test_searches_of_one_shape_each_get_their_own_answer(client, shelf):
    queries = {
        "category=breads&max_price=500&exclude_allergen=milk&q=o": ["country-sourdough"],
        "category=pastries&max_price=200&exclude_allergen=nuts&q=t": ["butter-croissant"],
        "category=breads&max_price=600&exclude_allergen=sesame&q=r": ["rye-bread"],
        "category=breads&max_price=100&exclude_allergen=milk&q=o": [],
    }

    for query, expected in queries.items():
        response = client.get(f"/api/v1/products?{query}")
        assert slugs(response) == expected, query
        assert pagination(response)["total"] == len(expected), query


@pytest.mark.parametrize("app_config", [UNCACHED])
def test_a_page_costs_one_statement_once_its_search_was_counted(client, shelf, count_queries):
    client.get("/api/v1/products?sort=price")

    with count_queries() as statements:
        response = client.get("/api/v1/products?sort=price")

    assert slugs(response) == ["butter-croissant", "country-sourdough", "rye-bread"]
    assert len(statements) == 1, statements


@pytest.mark.postgresql_only
@pytest.mark.parametrize("app_config", [UNCACHED])
def test_only_pages_one_plan_serves_run_on_a_kept_plan(client, shelf):
    pages = (
        client.get("/api/v1/products?category=breads&sort=-price"),
        client.get("/api/v1/products?category=breads&sort=-price&page=2&page_size=1"),
    )
    for search in ("min_price=500", "max_price=200", "q=rye", "tag=vegan", "exclude_allergen=milk"):
        assert (
            client.get(f"/api/v1/products?category=breads&sort=-price&{search}").status_code == 200
        )

    kept = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()

    assert [slugs(page) for page in pages] == [
        ["rye-bread", "country-sourdough"],
        ["country-sourdough"],
    ]
    # The page and its count, whatever the page; nothing for searches whose values decide the plan.
    assert sorted("count(*)" in statement for statement in kept) == [False, True]


# --- fresh after every write -------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [UNCACHED, {}])
def test_totals_and_details_follow_each_write_at_once(client, shelf, admin):
    assert pagination(client.get("/api/v1/products"))["total"] == 3

    client.post(
        "/api/v1/products",
        json={"name": "Spelt Loaf", "price_cents": 390, "category_id": shelf["breads"].id},
        headers=admin,
    )
    client.patch("/api/v1/categories/breads", json={"name": "Loaves"}, headers=admin)
    client.patch("/api/v1/products/rye-bread", json={"tags": ["dark"]}, headers=admin)
    response = client.get("/api/v1/products")

    assert pagination(response)["total"] == 4
    by_slug = {item["slug"]: item for item in response.json}
    assert by_slug["spelt-loaf"]["category"]["name"] == "Loaves"
    assert by_slug["rye-bread"]["tags"] == ["dark"]


@pytest.mark.parametrize("app_config", [UNCACHED])
def test_stock_sold_without_a_catalog_write_shows_at_once_when_uncached(client, shelf):
    client.get("/api/v1/products")
    # Checkout takes stock with a conditional UPDATE and leaves the catalog revision alone.
    db.session.execute(
        update(Product).where(Product.id == shelf["sourdough"].id).values(stock=Product.stock - 5)
    )
    db.session.commit()

    listed = {item["slug"]: item for item in client.get("/api/v1/products").json}

    assert listed["country-sourdough"]["stock"] == 7
    assert listed["country-sourdough"]["updated_at"] > shelf["sourdough"].created_at.isoformat()


# --- what every API answer skips ---------------------------------------------------------------


def test_api_answers_carry_no_cookie_and_do_not_vary_by_one(client, shelf):
    for attempt in ("fresh", "cached"):
        response = client.get("/api/v1/products", headers={"Cookie": "session=stale"})

        assert response.status_code == 200, attempt
        assert "Cookie" not in response.headers.get("Vary", ""), attempt
        assert "Set-Cookie" not in response.headers, attempt


def _limited_app(**config) -> Flask:
    app = Flask("limited")
    app.config.update(RATELIMIT_STORAGE_URI="memory://", **config)
    RouteLimiter(key_func=get_remote_address).init_app(app)
    app.add_url_rule("/loaves", "loaves", lambda: "ok")
    return app


def test_a_default_limit_when_configured_still_counts_every_request():
    limited = _limited_app(RATELIMIT_DEFAULT="2 per minute").test_client()
    unlimited = _limited_app().test_client()

    assert [limited.get("/loaves").status_code for _ in range(3)] == [200, 200, 429]
    assert [unlimited.get("/loaves").status_code for _ in range(3)] == [200, 200, 200]


# --- query arguments loaded once per query string -----------------------------------------------


def test_each_request_gets_its_own_copy_of_remembered_arguments(app):
    from bakery.api.base import Blueprint
    from bakery.api.products.schemas import ProductQuerySchema

    parser = Blueprint.ARGUMENTS_PARSER
    with app.test_request_context("/api/v1/products?tag=vegan&exclude_allergen=nuts"):
        first = parser.parse(ProductQuerySchema, location="query")
        first["tag"] = "changed by the first request"
        second = parser.parse(ProductQuerySchema, location="query")

    assert second == {"tag": "vegan", "exclude_allergen": ["nuts"], "sort": "name"}


def test_a_refused_query_string_is_refused_every_time(client, shelf):
    answers = [client.get("/api/v1/products?min_price=-1") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert all("min_price" in answer.json["errors"]["query"] for answer in answers)
