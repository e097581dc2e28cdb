"""Categories API: the public list and detail, admin writes, access rules and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import Category
from tests.api.helpers import pagination, reread, slugs

CATEGORY_FIELDS = {"id", "slug", "name", "description", "position", "is_active"}


def _count_categories() -> int:
    return db.session.scalar(select(func.count()).select_from(Category))


# --- reading -----------------------------------------------------------------------------------


def test_list_shows_active_categories_ordered_by_position(client, make_category):
    make_category(name="Cakes", position=3)
    make_category(name="Breads", position=1)
    make_category(name="Seasonal", position=0, is_active=False)
    make_category(name="Pastries", position=2)

    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    assert slugs(response) == ["breads", "pastries", "cakes"]
    assert set(response.json[0]) == CATEGORY_FIELDS
    assert response.json[0]["is_active"] is True


def test_list_has_smorest_pagination_header(client, make_category):
    for position in range(3):
        make_category(name=f"Shelf {position}", position=position)

    response = client.get("/api/v1/categories?page=2&page_size=2")

    assert slugs(response) == ["shelf-2"]
    assert pagination(response) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }


def test_list_page_size_defaults_to_20(client, make_category):
    for position in range(21):
        make_category(name=f"Shelf {position:02d}", position=position)

    response = client.get("/api/v1/categories")

    assert len(response.json) == 20
    assert pagination(response)["total_pages"] == 2


def test_detail_gives_one_category(client, make_category):
    category = make_category(name="Breads", description="Slow loaves", position=4)

    response = client.get("/api/v1/categories/breads")

    assert response.status_code == 200
    assert response.json == {
        "id": category.id,
        "slug": "breads",
        "name": "Breads",
        "description": "Slow loaves",
        "position": 4,
        "is_active": True,
    }


def test_unknown_category_is_json_404(client):
    response = client.get("/api/v1/categories/no-such-shelf")

    assert response.status_code == 404
    assert response.json["code"] == 404
    assert "no-such-shelf" in response.json["message"]


def test_inactive_category_is_404_for_the_public_and_a_customer(client, make_category, customer):
    make_category(name="Seasonal", is_active=False)

    assert client.get("/api/v1/categories/seasonal").status_code == 404
    assert client.get("/api/v1/categories/seasonal", headers=customer).status_code == 404


def test_inactive_category_is_visible_to_an_admin(client, make_category, admin):
    make_category(name="Seasonal", is_active=False)

    response = client.get("/api/v1/categories/seasonal", headers=admin)

    assert response.status_code == 200
    assert response.json["is_active"] is False


# --- writing -----------------------------------------------------------------------------------


def test_admin_creates_a_category_with_a_slug_from_its_name(client, admin):
    response = client.post(
        "/api/v1/categories", json={"name": "Pains spéciaux", "position": 2}, headers=admin
    )

    assert response.status_code == 201
    body = response.json
    assert body["slug"] == "pains-speciaux"
    assert (body["name"], body["position"], body["description"], body["is_active"]) == (
        "Pains spéciaux",
        2,
        "",
        True,
    )
    stored = reread(Category, body["id"])
    assert (stored.slug, stored.name, stored.position) == ("pains-speciaux", "Pains spéciaux", 2)


def test_a_second_category_with_the_same_name_gets_a_suffixed_slug(client, admin, make_category):
    make_category(name="Breads")

    response = client.post("/api/v1/categories", json={"name": "Breads"}, headers=admin)

    assert response.status_code == 201
    assert response.json["slug"] == "breads-2"


def test_an_explicit_category_slug_already_taken_is_409(client, admin, make_category):
    make_category(name="Breads")
    before = _count_categories()

    response = client.post(
        "/api/v1/categories", json={"name": "Loaves", "slug": "breads"}, headers=admin
    )

    assert response.status_code == 409
    assert "breads" in response.json["message"]
    assert _count_categories() == before


def test_admin_patches_only_the_given_category_fields(client, admin, make_category):
    category = make_category(name="Breads", description="Loaves", position=1)

    response = client.patch(
        "/api/v1/categories/breads", json={"position": 7, "is_active": False}, headers=admin
    )

    assert response.status_code == 200
    assert (response.json["position"], response.json["is_active"]) == (7, False)
    stored = reread(Category, category.id)
    assert (stored.name, stored.slug, stored.description) == ("Breads", "breads", "Loaves")
    assert (stored.position, stored.is_active) == (7, False)


def test_patching_a_category_slug_to_a_taken_one_is_409(client, admin, make_category):
    make_category(name="Breads")
    cakes = make_category(name="Cakes")

    response = client.patch("/api/v1/categories/cakes", json={"slug": "breads"}, headers=admin)

    assert response.status_code == 409
    assert reread(Category, cakes.id).slug == "cakes"


def test_admin_deletes_an_empty_category(client, admin, make_category):
    category = make_category(name="Seasonal")

    response = client.delete("/api/v1/categories/seasonal", headers=admin)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert reread(Category, category.id) is None
    assert client.get("/api/v1/categories/seasonal").status_code == 404


def test_deleting_a_category_that_has_products_is_409(client, admin, make_category, make_product):
    breads = make_category(name="Breads")
    make_product(name="Rye", category=breads, is_active=False)

    response = client.delete("/api/v1/categories/breads", headers=admin)

    assert response.status_code == 409
    assert response.json["code"] == 409
    assert "products" in response.json["message"]
    assert reread(Category, breads.id) is not None


def test_writing_an_unknown_category_is_404(client, admin):
    assert client.patch("/api/v1/categories/nope", json={}, headers=admin).status_code == 404
    assert client.delete("/api/v1/categories/nope", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Breads", "colour": "brown"}, "colour"),
        ({"name": "Breads", "position": "2"}, "position"),
        ({"name": "Breads", "position": 1.5}, "position"),
        ({"name": "Breads", "position": True}, "position"),
        ({"name": "Breads", "position": -1}, "position"),
        ({"name": "Breads", "is_active": "yes"}, "is_active"),
        ({"name": "Breads", "slug": "Not A Slug"}, "slug"),
        ({"position": 1}, "name"),
    ],
)
def test_bad_category_input_is_422_naming_the_field(client, admin, body, field):
    before = _count_categories()

    response = client.post("/api/v1/categories", json=body, headers=admin)

    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert _count_categories() == before


def test_blank_name_on_patch_is_422_and_changes_nothing(client, admin, make_category):
    category = make_category(name="Breads")

    response = client.patch("/api/v1/categories/breads", json={"name": "   "}, headers=admin)

    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]
    assert reread(Category, category.id).name == "Breads"


# --- who may write -----------------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/categories", {"name": "Cakes"}),
    ("patch", "/api/v1/categories/breads", {"position": 9}),
    ("delete", "/api/v1/categories/breads", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_category_writes_without_a_token_are_401(client, make_category, method, path, body):
    make_category(name="Breads", position=1)

    response = getattr(client, method)(path, json=body)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["code"] == 401
    assert [c.slug for c in db.session.scalars(select(Category))] == ["breads"]
    assert reread(Category, db.session.scalar(select(Category.id))).position == 1


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_category_writes_below_admin_are_403(
    client, make_category, bearer, role, method, path, body
):
    make_category(name="Breads", position=1)

    response = getattr(client, method)(
        path, json=body, headers=bearer(f"{role}@x.example", role=role)
    )

    assert response.status_code == 403
    assert response.json["code"] == 403
    assert [c.slug for c in db.session.scalars(select(Category))] == ["breads"]
    assert reread(Category, db.session.scalar(select(Category.id))).position == 1
