"""The catalog read path: the documented shape, few statements per page, HTTP caching, freshness."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from bakery.api.products.schemas import ProductSchema
from bakery.extensions import db
from bakery.models.catalog import Product
from tests.api.helpers import PRODUCT_FIELDS, add_image, pagination, png_bytes, slugs

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"}
PUBLIC_GETS = [
    "/api/v1/products",
    "/api/v1/products?category=breads&sort=-price",
    "/api/v1/products/country-sourdough",
    "/api/v1/categories",
    "/api/v1/categories/breads",
]


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


# --- few statements, whatever the page size ------------------------------------------------------


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
    with count_queries() as few:
        small = client.get(f"/api/v1/products?{query}")
    _stock_shelf(make_category, make_product, 22)
    with count_queries() as many:
        large = client.get(f"/api/v1/products?{query}")

    assert (len(small.json), len(large.json)) == (3, 25)
    assert all(len(item["images"]) == 1 and item["tags"] for item in large.json)
    assert len(many) == len(few)
    # The page's versions, the count, the products, and a batch each of images, tags, allergens.
    assert len(few) == 6, few


def test_a_detail_costs_a_few_statements(client, make_product, count_queries):
    product = make_product(name="Seeded Loaf", tags=["seeded"], allergens=["sesame"])
    add_image(product, png_bytes())

    with count_queries() as statements:
        response = client.get("/api/v1/products/seeded-loaf")

    assert response.status_code == 200
    assert len(statements) <= 5, statements


def test_revalidating_a_list_reads_one_statement_and_sends_no_body(client, shelf, count_queries):
    etag = client.get("/api/v1/products").headers["ETag"]

    with count_queries() as statements:
        response = client.get("/api/v1/products", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.get_data() == b""
    assert len(statements) == 1, statements
    assert "product_images" not in statements[0]


@pytest.mark.parametrize(
    ("app_config", "statements_again"),
    [
        # Only the statement that tells the page's version: no product is read again.
        ({}, 1),
        # Without kept answers, every list reads its products.
        ({"PRODUCT_LIST_CACHE_SIZE": 0}, 6),
    ],
)
def test_a_repeated_list_is_answered_from_the_answer_kept_by_its_etag(
    client, shelf, count_queries, statements_again
):
    first = client.get("/api/v1/products?page_size=2")

    with count_queries() as statements:
        again = client.get("/api/v1/products?page_size=2")

    assert len(statements) == statements_again, statements
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert pagination(again) == pagination(first)
    assert pagination(again)["total"] == 3


def test_a_kept_list_is_never_served_after_a_price_change(client, shelf, admin):
    assert client.get("/api/v1/products").json[1]["price_cents"] == 450

    client.patch("/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin)

    assert client.get("/api/v1/products").json[1]["price_cents"] == 495


# --- who may keep an answer ---------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_public_answers_may_be_kept_by_shared_caches_and_vary_by_origin(client, shelf, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert {"Origin", "Authorization"} <= set(response.vary)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_answers_to_a_caller_with_a_token_are_private(client, shelf, customer, path):
    response = client.get(path, headers=customer)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_the_shops_origin_gets_cors_headers_and_others_do_not(client, shelf):
    from_elsewhere = client.get("/api/v1/products", headers={"Origin": "https://other.example"})
    from_shop = client.get("/api/v1/products", headers={"Origin": "http://localhost:5173"})

    # Both say Vary: Origin, so a shared cache never hands the first to the shop's browser.
    assert "Access-Control-Allow-Origin" not in from_elsewhere.headers
    assert from_shop.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Origin" in from_elsewhere.vary
    assert "Origin" in from_shop.vary


def test_an_admins_view_of_a_hidden_product_never_reaches_the_public(client, shelf, admin):
    assert client.get("/api/v1/products/retired-brioche", headers=admin).status_code == 200
    public = client.get("/api/v1/products/retired-brioche")

    assert public.status_code == 404
    assert public.headers["Cache-Control"] == "no-store"


def test_image_urls_follow_each_requests_host(client, shelf):
    path = "/api/v1/products/country-sourdough"

    proxied = client.get(path, headers=FORWARDED)
    direct = client.get(path)

    assert proxied.json["images"][0]["url"].startswith("https://shop.example/uploads/")
    assert direct.json["images"][0]["url"].startswith("http://localhost/uploads/")
    # Different bodies, different versions: a cache revalidating one never gets the other.
    assert proxied.headers["ETag"] != direct.headers["ETag"]


# --- fresh after every write --------------------------------------------------------------------


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


def test_a_category_deactivation_hides_its_products_at_once(client, shelf, admin):
    client.get("/api/v1/products")

    client.patch("/api/v1/categories/breads", json={"is_active": False}, headers=admin)

    assert slugs(client.get("/api/v1/products")) == ["butter-croissant"]
    assert client.get("/api/v1/categories/breads").status_code == 404
    assert client.get("/api/v1/products/rye-bread").status_code == 404


def test_stock_sold_without_a_catalog_write_changes_the_etag(client, shelf):
    before = client.get("/api/v1/products")
    detail = client.get("/api/v1/products/country-sourdough")
    # Checkout takes stock with a conditional UPDATE and leaves the catalog revision alone.
    db.session.execute(
        update(Product).where(Product.id == shelf["sourdough"].id).values(stock=Product.stock - 5)
    )
    db.session.commit()

    after = client.get("/api/v1/products", headers={"If-None-Match": before.headers["ETag"]})
    detail_after = client.get(
        "/api/v1/products/country-sourdough", headers={"If-None-Match": detail.headers["ETag"]}
    )

    assert after.status_code == detail_after.status_code == 200
    listed = {item["slug"]: item for item in after.json}
    assert listed["country-sourdough"]["stock"] == 7
    assert detail_after.json["stock"] == 7


def test_a_refused_query_string_is_refused_every_time(client, shelf):
    answers = [client.get("/api/v1/products?min_price=-1") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert all("min_price" in answer.json["errors"]["query"] for answer in answers)
