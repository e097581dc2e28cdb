"""Products API, read side: filters, sorting, pagination, the product body, images, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from bakery.extensions import db
from tests.api.helpers import PRODUCT_FIELDS, add_image, pagination, png_bytes, slugs

# ISO 8601 with an explicit offset: a shopper's browser must not guess the zone.
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


@pytest.fixture
def shelf(make_category, make_product) -> dict:
    """A small catalog: two active categories, a hidden one, and products of every kind."""
    breads = make_category(name="Breads", position=1)
    pastries = make_category(name="Pastries", position=2)
    hidden = make_category(name="Hidden", position=3, is_active=False)
    products = {
        "sourdough": make_product(
            name="Country Sourdough",
            category=breads,
            price_cents=450,
            description="A long fermented wheat loaf",
            tags=["sourdough", "vegan"],
            allergens=["gluten"],
            stock=12,
        ),
        "croissant": make_product(
            name="Butter Croissant",
            category=pastries,
            price_cents=180,
            description="Laminated, flaky",
            tags=["viennoiserie"],
            allergens=["gluten", "milk", "eggs"],
        ),
        "financier": make_product(
            name="Almond Financier",
            category=pastries,
            price_cents=250,
            description="Made with 100% almond_flour, no wheat",
            allergens=["nuts", "eggs", "milk"],
        ),
        "rye": make_product(
            name="Rye Bread",
            category=breads,
            price_cents=520,
            description="Dark and dense",
            tags=["vegan"],
            allergens=["gluten"],
        ),
        # Never listed: inactive product, and an active product in an inactive category.
        "retired": make_product(
            name="Retired Brioche", category=breads, price_cents=300, is_active=False
        ),
        "hidden": make_product(name="Hidden Tart", category=hidden, price_cents=400),
    }
    return {"breads": breads, "pastries": pastries, "hidden": hidden, **products}


LISTED_BY_NAME = ["almond-financier", "butter-croissant", "country-sourdough", "rye-bread"]


# --- the list and its filters ------------------------------------------------------------------


def test_list_shows_only_active_products_in_active_categories(client, shelf):
    response = client.get("/api/v1/products")

    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert slugs(response) == LISTED_BY_NAME
    assert pagination(response)["total"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=breads", ["country-sourdough", "rye-bread"]),
        ("category=pastries", ["almond-financier", "butter-croissant"]),
        # The inactive category's products stay hidden even when asked for by slug.
        ("category=hidden", []),
        ("category=no-such-category", []),
        ("tag=vegan", ["country-sourdough", "rye-bread"]),
        ("tag=viennoiserie", ["butter-croissant"]),
        ("tag=unknown-tag", []),
        ("exclude_allergen=milk", ["country-sourdough", "rye-bread"]),
        ("exclude_allergen=gluten", ["almond-financier"]),
        ("exclude_allergen=gluten&exclude_allergen=nuts", []),
        ("exclude_allergen=nuts&exclude_allergen=eggs", ["country-sourdough", "rye-bread"]),
        ("exclude_allergen=sesame", LISTED_BY_NAME),
        # Prices are inclusive at both ends.
        ("min_price=250", ["almond-financier", "country-sourdough", "rye-bread"]),
        ("max_price=250", ["almond-financier", "butter-croissant"]),
        ("min_price=250&max_price=450", ["almond-financier", "country-sourdough"]),
        ("min_price=451&max_price=519", []),
        ("min_price=0", LISTED_BY_NAME),
    ],
)
def test_each_filter_alone(client, shelf, query, expected):
    response = client.get(f"/api/v1/products?{query}")

    assert response.status_code == 200
    assert slugs(response) == expected
    assert pagination(response)["total"] == len(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=sourdough", ["country-sourdough"]),
        ("q=SOURDOUGH", ["country-sourdough"]),
        ("q=sOuRdOuGh", ["country-sourdough"]),
        # Found by the description only.
        ("q=FERMENTED", ["country-sourdough"]),
        ("q=flaky", ["butter-croissant"]),
        ("q=bread", ["rye-bread"]),
        ("q=wheat", ["almond-financier", "country-sourdough"]),
        ("q=brioche", []),
        ("q=tart", []),
    ],
)
def test_q_searches_name_and_description_ignoring_case(client, shelf, query, expected):
    response = client.get(f"/api/v1/products?{query}")

    assert response.status_code == 200
    assert slugs(response) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Only the financier's description holds a real '%' and a real '_'.
        ("%25", ["almond-financier"]),
        ("100%25", ["almond-financier"]),
        ("_", ["almond-financier"]),
        ("almond_flour", ["almond-financier"]),
        # As wildcards these would match "Rye" and "Sourdough"; taken literally they match none.
        ("r_e", []),
        ("s%25h", []),
        ("%25%25", []),
        ("__", []),
        ("\\", []),
    ],
)
def test_q_takes_percent_and_underscore_literally(client, shelf, q, expected):
    response = client.get(f"/api/v1/products?q={q}")

    assert response.status_code == 200
    assert slugs(response) == expected


def test_q_is_case_insensitive_beyond_ascii(client, make_product):
    # The seed catalog has "Comté & Caramelised Onion Quiche"; a shopper may type it in capitals.
    make_product(name="Comté Quiche", description="Crème fraîche and aged cheese")

    by_name = client.get("/api/v1/products?q=COMTÉ")
    by_description = client.get("/api/v1/products?q=CRÈME")

    assert slugs(by_name) == ["comte-quiche"]
    assert slugs(by_description) == ["comte-quiche"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=breads&tag=vegan&max_price=500", ["country-sourdough"]),
        ("category=pastries&exclude_allergen=nuts", ["butter-croissant"]),
        ("q=wheat&exclude_allergen=gluten", ["almond-financier"]),
        ("q=wheat&category=breads", ["country-sourdough"]),
        ("tag=vegan&min_price=500", ["rye-bread"]),
        ("tag=vegan&category=pastries", []),
        (
            "category=breads&q=d&tag=vegan&exclude_allergen=milk&min_price=400&max_price=520"
            "&sort=-price",
            ["rye-bread", "country-sourdough"],
        ),
    ],
)
def test_filters_combine_with_and(client, shelf, query, expected):
    response = client.get(f"/api/v1/products?{query}")

    assert response.status_code == 200
    assert slugs(response) == expected


# --- sorting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", LISTED_BY_NAME),
        ("-name", LISTED_BY_NAME[::-1]),
        ("price", ["butter-croissant", "almond-financier", "country-sourdough", "rye-bread"]),
        ("-price", ["rye-bread", "country-sourdough", "almond-financier", "butter-croissant"]),
    ],
)
def test_each_sort(client, shelf, sort, expected):
    response = client.get(f"/api/v1/products?sort={sort}")

    assert response.status_code == 200
    assert slugs(response) == expected


def test_default_sort_is_name(client, shelf):
    assert slugs(client.get("/api/v1/products")) == LISTED_BY_NAME


def test_newest_sort_puts_the_latest_first(client, shelf):
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for hours, key in enumerate(["rye", "croissant", "sourdough", "financier"]):
        shelf[key].created_at = start + timedelta(hours=hours)
    db.session.commit()

    response = client.get("/api/v1/products?sort=newest")

    assert slugs(response) == [
        "almond-financier",
        "country-sourdough",
        "butter-croissant",
        "rye-bread",
    ]


@pytest.mark.parametrize(
    ("sort", "ids_ascending"),
    [("name", True), ("-name", False), ("price", True), ("-price", False), ("newest", False)],
)
def test_ties_are_broken_by_id(client, make_category, make_product, sort, ids_ascending):
    # Same name, same price, same creation time: only the id can order them, on every page.
    category = make_category(name="Twins")
    made_at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    twins = [make_product(name="Twin Loaf", price_cents=300, category=category) for _ in range(4)]
    for twin in twins:
        twin.created_at = made_at
    db.session.commit()
    ids = sorted(twin.id for twin in twins)

    pages = [client.get(f"/api/v1/products?sort={sort}&page_size=2&page={p}") for p in (1, 2)]

    seen = [item["id"] for page in pages for item in page.json]
    assert seen == (ids if ids_ascending else ids[::-1])


# --- pagination --------------------------------------------------------------------------------


@pytest.fixture
def twenty_five(make_category, make_product) -> list[str]:
    category = make_category(name="Biscuits")
    return [
        make_product(name=f"Biscuit {n:02d}", category=category, price_cents=100 + n).slug
        for n in range(25)
    ]


def test_page_size_defaults_to_20(client, twenty_five):
    response = client.get("/api/v1/products")

    assert slugs(response) == twenty_five[:20]
    assert pagination(response) == {
        "total": 25,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 1,
        "next_page": 2,
    }


def test_last_page_holds_the_rest(client, twenty_five):
    response = client.get("/api/v1/products?page=2")

    assert slugs(response) == twenty_five[20:]
    assert pagination(response) == {
        "total": 25,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }


def test_middle_page_links_both_ways(client, twenty_five):
    response = client.get("/api/v1/products?page=3&page_size=5")

    assert slugs(response) == twenty_five[10:15]
    header = pagination(response)
    assert (header["total_pages"], header["page"]) == (5, 3)
    assert (header["previous_page"], header["next_page"]) == (2, 4)


def test_page_size_100_is_the_maximum_allowed(client, twenty_five):
    response = client.get("/api/v1/products?page_size=100")

    assert response.status_code == 200
    assert slugs(response) == twenty_five
    assert pagination(response)["total_pages"] == 1


def test_page_past_the_last_is_an_empty_list(client, twenty_five):
    response = client.get("/api/v1/products?page=4&page_size=10")

    assert response.status_code == 200
    assert response.json == []
    header = pagination(response)
    assert (header["total"], header["total_pages"], header["last_page"]) == (25, 3, 3)
    assert "next_page" not in header


def test_empty_catalog_is_an_empty_first_page(client):
    response = client.get("/api/v1/products")

    assert response.status_code == 200
    assert response.json == []
    assert pagination(response) == {"total": 0, "total_pages": 0}


# --- the product body --------------------------------------------------------------------------


def test_product_body_has_exactly_the_contract_fields(client, shelf):
    sourdough = shelf["sourdough"]

    body = client.get("/api/v1/products/country-sourdough").json

    assert set(body) == PRODUCT_FIELDS
    assert body["id"] == sourdough.id
    assert (body["slug"], body["name"]) == ("country-sourdough", "Country Sourdough")
    assert body["description"] == "A long fermented wheat loaf"
    assert (body["price_cents"], body["currency"]) == (450, "EUR")
    assert isinstance(body["price_cents"], int)
    assert body["category"] == {"id": shelf["breads"].id, "slug": "breads", "name": "Breads"}
    assert body["images"] == []
    assert body["tags"] == ["sourdough", "vegan"]
    assert body["allergens"] == ["gluten"]
    assert (body["stock"], body["is_active"]) == (12, True)


def test_list_items_have_the_same_fields_as_the_detail(client, shelf):
    listed = client.get("/api/v1/products?category=breads").json[0]
    detail = client.get(f"/api/v1/products/{listed['slug']}").json

    assert listed == detail


def test_untracked_stock_is_null(client, shelf):
    assert client.get("/api/v1/products/butter-croissant").json["stock"] is None


def test_timestamps_are_iso_8601_with_an_offset(client, shelf):
    body = client.get("/api/v1/products/country-sourdough").json

    for name in ("created_at", "updated_at"):
        assert ISO_WITH_OFFSET.match(body[name]), body[name]
        assert datetime.fromisoformat(body[name]).utcoffset() == timedelta(0)


@pytest.mark.parametrize("app_config", [{"CURRENCY": "chf"}])
def test_currency_comes_from_configuration(client, shelf):
    listed = client.get("/api/v1/products").json
    detail = client.get("/api/v1/products/rye-bread").json

    assert {item["currency"] for item in listed} == {"CHF"}
    assert detail["currency"] == "CHF"


def test_detail_of_an_unknown_product_is_json_404(client, shelf):
    response = client.get("/api/v1/products/no-such-loaf")

    assert response.status_code == 404
    assert response.json["code"] == 404
    assert "no-such-loaf" in response.json["message"]


@pytest.mark.parametrize("slug", ["retired-brioche", "hidden-tart"])
def test_hidden_product_is_404_for_the_public_and_a_customer(client, shelf, customer, slug):
    assert client.get(f"/api/v1/products/{slug}").status_code == 404
    assert client.get(f"/api/v1/products/{slug}", headers=customer).status_code == 404


@pytest.mark.parametrize("slug", ["retired-brioche", "hidden-tart"])
def test_hidden_product_is_visible_to_an_admin(client, shelf, admin, slug):
    response = client.get(f"/api/v1/products/{slug}", headers=admin)

    assert response.status_code == 200
    assert response.json["slug"] == slug


def test_staff_do_not_see_an_inactive_product(client, shelf, staff):
    assert client.get("/api/v1/products/retired-brioche", headers=staff).status_code == 404


# --- images ------------------------------------------------------------------------------------


@pytest.fixture
def pictured(shelf) -> dict:
    image = add_image(shelf["sourdough"], png_bytes(30, 20), alt="Crusty loaf")
    return {"product": shelf["sourdough"], "image": image}


def test_image_in_the_product_body(client, pictured):
    image = pictured["image"]

    body = client.get("/api/v1/products/country-sourdough").json

    assert body["images"] == [
        {
            "id": image.id,
            "url": body["images"][0]["variants"]["large"],
            "variants": body["images"][0]["variants"],
            "width": 30,
            "height": 20,
            "alt": "Crusty loaf",
        }
    ]
    variants = body["images"][0]["variants"]
    assert set(variants) == {"thumb", "medium", "large"}
    for name, url in variants.items():
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("http", "localhost")
        assert parts.path.startswith("/uploads/")
        assert parts.path.endswith(f"-{name}.webp")


def test_image_urls_follow_the_forwarded_scheme_and_host(client, pictured):
    body = client.get(
        "/api/v1/products/country-sourdough",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"},
    ).json

    image = body["images"][0]
    assert image["url"] == image["variants"]["large"]
    for url in image["variants"].values():
        assert url.startswith("https://shop.example/uploads/products/")


def test_image_files_are_served_as_immutable_webp(client, pictured):
    variants = client.get("/api/v1/products/country-sourdough").json["images"][0]["variants"]

    for url in variants.values():
        response = client.get(urlsplit(url).path)

        assert response.status_code == 200
        assert response.content_type == "image/webp"
        assert response.get_data()[:4] == b"RIFF"
        assert response.get_data()[8:12] == b"WEBP"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'"
        cache_control = response.headers["Cache-Control"]
        assert "immutable" in cache_control
        assert "public" in cache_control
        assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= 30 * 24 * 3600


@pytest.fixture
def planted_files(app, tmp_path) -> None:
    """Files a traversal would reach if it worked: outside the folder, hidden, or not WebP."""
    upload_folder = app.config["UPLOAD_FOLDER"]
    assert upload_folder == str(tmp_path / "uploads")
    (tmp_path / "secret.webp").write_bytes(b"RIFF....WEBP outside the upload folder")
    (tmp_path / "uploads" / "products").mkdir(parents=True, exist_ok=True)
    (tmp_path / "uploads" / "products" / ".hidden.webp").write_bytes(b"RIFF....WEBP hidden")
    (tmp_path / "uploads" / "products" / "notes.txt").write_text("not an image")
    (tmp_path / "uploads" / "products" / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "uploads" / "visible.webp").write_bytes(b"RIFF....WEBP allowed")


def test_a_plain_file_in_the_upload_folder_is_served(client, planted_files):
    # The control case: the refusals below are about the paths, not about a broken route.
    assert client.get("/uploads/visible.webp").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/uploads/../secret.webp",
        "/uploads/products/../../secret.webp",
        "/uploads/%2e%2e%2fsecret.webp",
        "/uploads/products/%2e%2e%2f%2e%2e%2fsecret.webp",
        "/uploads/..%2fsecret.webp",
        "/uploads/%2e%2e/secret.webp",
        "/uploads/visible.webp%00.txt",
        "/uploads/products/notes.txt%00.webp",
        "/uploads/products/.hidden.webp",
        "/uploads/.%2fvisible.webp",
        "/uploads/products/notes.txt",
        "/uploads/products/page.html",
        "/uploads/no-such-file.webp",
    ],
)
def test_uploads_refuse_paths_outside_the_served_files(client, planted_files, path):
    response = client.get(path)

    assert response.status_code == 404
    assert b"outside the upload folder" not in response.get_data()
    assert b"hidden" not in response.get_data()


def _absolute_paths(tmp_path) -> list[str]:
    absolute = str(tmp_path / "secret.webp")
    return [f"/uploads/{absolute}", f"/uploads/{absolute.replace('/', '%2f')}"]


def test_uploads_never_serve_an_absolute_path(client, planted_files, tmp_path):
    for path in _absolute_paths(tmp_path):
        response = client.get(path, follow_redirects=True)

        assert response.status_code == 404, path
        assert b"outside the upload folder" not in response.get_data()


def test_uploads_answer_an_absolute_path_with_404_not_a_redirect(client, planted_files, tmp_path):
    # The contract: paths outside the folder are 404, on the first answer.
    for path in _absolute_paths(tmp_path):
        response = client.get(path)

        assert response.status_code == 404, (path, response.headers.get("Location"))
        assert response.content_type == "application/json"


# --- bad query input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=1000", "page_size"),
        ("min_price=abc", "min_price"),
        ("min_price=1.5", "min_price"),
        ("min_price=-1", "min_price"),
        ("max_price=abc", "max_price"),
        ("max_price=1.5", "max_price"),
        ("sort=cheapest", "sort"),
        ("sort=", "sort"),
        ("sort=price%20desc", "sort"),
        ("exclude_allergen=chocolate", "exclude_allergen"),
        ("exclude_allergen=milk&exclude_allergen=chocolate", "exclude_allergen"),
        ("exclude_allergen=Gluten", "exclude_allergen"),
        ("q=" + "a" * 101, "q"),
        ("category=" + "a" * 121, "category"),
        ("tag=" + "a" * 41, "tag"),
    ],
)
def test_bad_query_parameters_are_422_naming_the_field(client, shelf, query, field):
    response = client.get(f"/api/v1/products?{query}")

    assert response.status_code == 422
    assert response.json["code"] == 422
    assert field in response.json["errors"]["query"]


def test_q_of_100_characters_is_accepted(client, shelf):
    assert client.get("/api/v1/products?q=" + "a" * 100).status_code == 200


def test_bad_category_list_paging_is_422(client):
    response = client.get("/api/v1/categories?page_size=1000")

    assert response.status_code == 422
    assert "page_size" in response.json["errors"]["query"]
