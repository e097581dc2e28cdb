"""Products API, write side: create, partial update, delete, slugs, conflicts, access, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.catalog import Product, ProductImage
from bakery.models.orders import Order, OrderItem
from bakery.services.images import VARIANTS, variant_name
from tests.api.helpers import add_image, png_bytes, reread


def _count_products() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


@pytest.fixture
def breads(make_category):
    return make_category(name="Breads")


@pytest.fixture
def sourdough(make_product, breads):
    return make_product(
        name="Country Sourdough",
        category=breads,
        price_cents=450,
        description="Long fermented",
        tags=["sourdough", "vegan"],
        allergens=["gluten"],
        stock=12,
    )


def _new_product(category_id: int, **fields) -> dict:
    return {"name": "Rye Bread", "price_cents": 520, "category_id": category_id, **fields}


def _order_containing(product: Product) -> Order:
    """An order row that references the product, as a real checkout leaves behind."""
    customer = User(sub="dev:buyer@example.com", email="buyer@example.com", role="customer")
    order = Order(
        number="BK-TEST-0001",
        customer=customer,
        status="completed",
        fulfillment="pickup",
        subtotal_cents=2 * product.price_cents,
        total_cents=2 * product.price_cents,
        currency="EUR",
    )
    order.items.append(
        OrderItem(
            product_id=product.id,
            product_name=product.name,
            unit_price_cents=product.price_cents,
            quantity=2,
            line_total_cents=2 * product.price_cents,
        )
    )
    db.session.add(order)
    db.session.commit()
    return order


# --- create ------------------------------------------------------------------------------------


def test_admin_creates_a_product(client, admin, breads):
    response = client.post(
        "/api/v1/products",
        json=_new_product(
            breads.id,
            description="Dark and dense",
            tags=["rye", "Vegan"],
            allergens=["gluten", "sesame"],
            stock=5,
        ),
        headers=admin,
    )

    assert response.status_code == 201
    body = response.json
    assert body["slug"] == "rye-bread"
    assert (body["name"], body["price_cents"], body["currency"]) == ("Rye Bread", 520, "EUR")
    assert body["category"] == {"id": breads.id, "slug": "breads", "name": "Breads"}
    assert (body["tags"], body["allergens"]) == (["rye", "vegan"], ["gluten", "sesame"])
    assert (body["stock"], body["is_active"], body["images"]) == (5, True, [])
    stored = reread(Product, body["id"])
    assert (stored.slug, stored.price_cents, stored.category_id) == ("rye-bread", 520, breads.id)
    assert sorted(stored.tags) == ["rye", "vegan"]
    assert sorted(stored.allergens) == ["gluten", "sesame"]
    assert client.get("/api/v1/products/rye-bread").status_code == 200


def test_created_product_defaults(client, admin, breads):
    body = client.post("/api/v1/products", json=_new_product(breads.id), headers=admin).json

    assert (body["description"], body["tags"], body["allergens"]) == ("", [], [])
    assert (body["stock"], body["is_active"]) == (None, True)


def test_same_name_gets_suffixed_slugs(client, admin, breads):
    made = [
        client.post("/api/v1/products", json=_new_product(breads.id), headers=admin)
        for _ in range(3)
    ]

    assert [response.status_code for response in made] == [201, 201, 201]
    assert [response.json["slug"] for response in made] == [
        "rye-bread",
        "rye-bread-2",
        "rye-bread-3",
    ]


def test_explicit_slug_is_kept(client, admin, breads):
    response = client.post(
        "/api/v1/products", json=_new_product(breads.id, slug="black-rye"), headers=admin
    )

    assert response.status_code == 201
    assert response.json["slug"] == "black-rye"


def test_explicit_slug_already_taken_is_409(client, admin, breads, sourdough):
    before = _count_products()

    response = client.post(
        "/api/v1/products", json=_new_product(breads.id, slug="country-sourdough"), headers=admin
    )

    assert response.status_code == 409
    assert response.json["code"] == 409
    assert "country-sourdough" in response.json["message"]
    assert _count_products() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_cents": 1.5}, "price_cents"),
        ({"price_cents": "450"}, "price_cents"),
        ({"price_cents": True}, "price_cents"),
        ({"price_cents": None}, "price_cents"),
        ({"price_cents": -1}, "price_cents"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"colour": "brown"}, "colour"),
        ({"id": 99}, "id"),
        ({"currency": "USD"}, "currency"),
        ({"allergens": ["chocolate"]}, "allergens"),
        ({"allergens": ["gluten", "Gluten Free"]}, "allergens"),
        ({"allergens": "gluten"}, "allergens"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"stock": -1}, "stock"),
        ({"stock": 2.5}, "stock"),
        ({"is_active": "false"}, "is_active"),
        ({"category_id": 999_999}, "category_id"),
        ({"category_id": "1"}, "category_id"),
        ({"slug": "Not a slug"}, "slug"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_bad_product_create_is_422_naming_the_field(client, admin, breads, changes, field):
    before = _count_products()

    body = {**_new_product(breads.id), **changes}

    response = client.post("/api/v1/products", json=body, headers=admin)

    assert response.status_code == 422
    assert response.json["code"] == 422
    assert field in response.json["errors"]["json"]
    assert _count_products() == before


@pytest.mark.parametrize("missing", ["name", "price_cents", "category_id"])
def test_create_without_a_required_field_is_422(client, admin, breads, missing):
    body = _new_product(breads.id)
    del body[missing]

    response = client.post("/api/v1/products", json=body, headers=admin)

    assert response.status_code == 422
    assert missing in response.json["errors"]["json"]


def test_create_with_malformed_json_is_a_json_400(client, admin, breads):
    before = _count_products()

    response = client.post(
        "/api/v1/products", data='{"name": "Rye",', content_type="application/json", headers=admin
    )

    assert response.status_code == 400
    assert response.json["code"] == 400
    assert _count_products() == before


def test_create_with_a_body_that_is_not_json_is_422(client, admin, breads):
    before = _count_products()

    response = client.post(
        "/api/v1/products", data="name=Rye", content_type="text/plain", headers=admin
    )

    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]
    assert _count_products() == before


# --- partial update ----------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(client, admin, sourdough):
    response = client.patch(
        "/api/v1/products/country-sourdough", json={"price_cents": 495}, headers=admin
    )

    assert response.status_code == 200
    assert response.json["price_cents"] == 495
    stored = reread(Product, sourdough.id)
    assert stored.price_cents == 495
    assert (stored.name, stored.slug, stored.description) == (
        "Country Sourdough",
        "country-sourdough",
        "Long fermented",
    )
    assert (sorted(stored.tags), list(stored.allergens), stored.stock) == (
        ["sourdough", "vegan"],
        ["gluten"],
        12,
    )


def test_patch_replaces_tags_and_allergens_whole(client, admin, sourdough):
    response = client.patch(
        "/api/v1/products/country-sourdough",
        json={"tags": ["seeded"], "allergens": ["sesame", "gluten"]},
        headers=admin,
    )

    assert response.status_code == 200
    assert (response.json["tags"], response.json["allergens"]) == (["seeded"], ["gluten", "sesame"])
    stored = reread(Product, sourdough.id)
    assert list(stored.tags) == ["seeded"]
    assert sorted(stored.allergens) == ["gluten", "sesame"]
    assert stored.price_cents == 450


def test_patch_can_empty_tags_and_allergens(client, admin, sourdough):
    response = client.patch(
        "/api/v1/products/country-sourdough", json={"tags": [], "allergens": []}, headers=admin
    )

    assert (response.json["tags"], response.json["allergens"]) == ([], [])
    stored = reread(Product, sourdough.id)
    assert (list(stored.tags), list(stored.allergens)) == ([], [])


def test_patch_moves_a_product_to_another_category(client, admin, sourdough, make_category):
    loaves = make_category(name="Loaves")

    response = client.patch(
        "/api/v1/products/country-sourdough", json={"category_id": loaves.id}, headers=admin
    )

    assert response.json["category"] == {"id": loaves.id, "slug": "loaves", "name": "Loaves"}
    assert reread(Product, sourdough.id).category_id == loaves.id


def test_patch_renames_the_slug_and_the_old_one_is_gone(client, admin, sourdough):
    response = client.patch(
        "/api/v1/products/country-sourdough", json={"slug": "pain-de-campagne"}, headers=admin
    )

    assert response.status_code == 200
    assert client.get("/api/v1/products/pain-de-campagne").status_code == 200
    assert client.get("/api/v1/products/country-sourdough").status_code == 404


def test_patch_to_a_taken_slug_is_409(client, admin, sourdough, make_product, breads):
    make_product(name="Rye Bread", category=breads)

    response = client.patch(
        "/api/v1/products/country-sourdough", json={"slug": "rye-bread"}, headers=admin
    )

    assert response.status_code == 409
    assert reread(Product, sourdough.id).slug == "country-sourdough"


def test_patch_keeping_its_own_slug_is_fine(client, admin, sourdough):
    response = client.patch(
        "/api/v1/products/country-sourdough", json={"slug": "country-sourdough"}, headers=admin
    )

    assert response.status_code == 200


def test_patch_reaches_an_inactive_product(client, admin, make_product):
    retired = make_product(name="Retired Brioche", is_active=False)

    response = client.patch(
        "/api/v1/products/retired-brioche", json={"is_active": True}, headers=admin
    )

    assert response.status_code == 200
    assert reread(Product, retired.id).is_active is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_cents": 1.5}, "price_cents"),
        ({"price_cents": "450"}, "price_cents"),
        ({"price_cents": True}, "price_cents"),
        ({"price_cents": -5}, "price_cents"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"colour": "brown"}, "colour"),
        ({"allergens": ["gluten", "chocolate"]}, "allergens"),
        ({"stock": -1}, "stock"),
        ({"category_id": 999_999}, "category_id"),
        ({"created_at": "2026-01-01T00:00:00+00:00"}, "created_at"),
        ({"category": {"id": 1}}, "category"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(client, admin, sourdough, changes, field):
    before = client.get("/api/v1/products/country-sourdough").json

    response = client.patch(
        "/api/v1/products/country-sourdough", json={"stock": 3, **changes}, headers=admin
    )

    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    stored = reread(Product, sourdough.id)
    assert (stored.name, stored.price_cents, stored.stock) == ("Country Sourdough", 450, 12)
    assert sorted(stored.allergens) == ["gluten"]
    assert client.get("/api/v1/products/country-sourdough").json == before


def test_patch_of_an_unknown_product_is_404(client, admin):
    response = client.patch("/api/v1/products/nope", json={"price_cents": 1}, headers=admin)

    assert response.status_code == 404
    assert response.json["code"] == 404


# --- delete ------------------------------------------------------------------------------------


def test_admin_deletes_a_product(client, admin, sourdough):
    response = client.delete("/api/v1/products/country-sourdough", headers=admin)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert reread(Product, sourdough.id) is None
    assert client.get("/api/v1/products/country-sourdough").status_code == 404


def test_deleting_a_product_removes_its_image_files(app, client, admin, sourdough):
    image = add_image(sourdough, png_bytes())
    folder = Path(app.config["UPLOAD_FOLDER"])
    files = [folder / variant_name(image.file_key, variant) for variant in VARIANTS]
    assert all(path.is_file() for path in files)
    image_id = image.id

    response = client.delete("/api/v1/products/country-sourdough", headers=admin)

    assert response.status_code == 204
    assert [path for path in files if path.exists()] == []
    assert reread(ProductImage, image_id) is None


def test_a_refused_delete_keeps_the_image_files(app, client, admin, sourdough):
    image = add_image(sourdough, png_bytes())
    _order_containing(sourdough)
    folder = Path(app.config["UPLOAD_FOLDER"])

    response = client.delete("/api/v1/products/country-sourdough", headers=admin)

    assert response.status_code == 409
    for variant in VARIANTS:
        assert (folder / variant_name(image.file_key, variant)).is_file()


def test_deleting_a_product_that_was_ordered_is_409_suggesting_deactivation(
    client, admin, sourdough
):
    _order_containing(sourdough)

    response = client.delete("/api/v1/products/country-sourdough", headers=admin)

    assert response.status_code == 409
    assert response.json["code"] == 409
    message = response.json["message"]
    assert "deactivate" in message
    assert reread(Product, sourdough.id) is not None


def test_an_ordered_product_can_be_deactivated_instead(client, admin, sourdough):
    _order_containing(sourdough)

    response = client.patch(
        "/api/v1/products/country-sourdough", json={"is_active": False}, headers=admin
    )

    assert response.status_code == 200
    assert reread(Product, sourdough.id).is_active is False
    assert client.get("/api/v1/products/country-sourdough").status_code == 404


def test_delete_of_an_unknown_product_is_404(client, admin):
    assert client.delete("/api/v1/products/nope", headers=admin).status_code == 404


# --- who may write -----------------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/products", "create"),
    ("patch", "/api/v1/products/country-sourdough", {"price_cents": 1}),
    ("delete", "/api/v1/products/country-sourdough", None),
]


def _body(body, breads):
    return _new_product(breads.id) if body == "create" else body


def _unchanged(sourdough) -> None:
    assert _count_products() == 1
    stored = reread(Product, sourdough.id)
    assert (stored.slug, stored.price_cents) == ("country-sourdough", 450)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_product_writes_without_a_token_are_401(client, breads, sourdough, method, path, body):
    response = getattr(client, method)(path, json=_body(body, breads))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["code"] == 401
    _unchanged(sourdough)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_product_writes_with_a_bad_token_are_401(client, breads, sourdough, method, path, body):
    headers = {"Authorization": "Bearer not.a.token"}

    response = getattr(client, method)(path, json=_body(body, breads), headers=headers)

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    _unchanged(sourdough)


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_product_writes_below_admin_are_403(
    client, bearer, breads, sourdough, role, method, path, body
):
    headers = bearer(f"{role}@example.com", role=role)

    response = getattr(client, method)(path, json=_body(body, breads), headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == 403
    assert "admin" in response.json["message"]
    _unchanged(sourdough)
