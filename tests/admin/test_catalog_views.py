"""Catalog pages: admins only, a CSRF token on every write, user text always escaped."""

from __future__ import annotations

import pytest

from bakery.extensions import db
from bakery.models import Category, Product
from bakery.services import images
from tests.admin.helpers import csrf_token, post_form
from tests.images_fixtures import jpeg

SCRIPTED_NAME = "<img src=x onerror=alert(1)>"
ESCAPED_NAME = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def product(make_category, make_product):
    loaf = make_product(name="Rye loaf", category=make_category(name="Breads"), stock=4)
    images.add_product_image(loaf, jpeg())
    db.session.commit()
    return loaf


def catalog_pages(product) -> list[str]:
    return [
        "/admin/products/",
        "/admin/products/new/",
        f"/admin/products/edit/?id={product.id}",
        f"/admin/products/details/?id={product.id}",
        "/admin/products/export/csv/",
        "/admin/categories/",
        "/admin/categories/new/",
        f"/admin/categories/edit/?id={product.category_id}",
        f"/admin/categories/details/?id={product.category_id}",
    ]


def catalog_writes(product) -> list[tuple[str, dict]]:
    image = product.images[0]
    return [
        ("/admin/products/new/", {"name": "Spelt loaf", "price": "3.00"}),
        (f"/admin/products/edit/?id={product.id}", {"name": "Renamed", "price": "1.00"}),
        ("/admin/products/delete/", {"id": product.id}),
        ("/admin/products/action/", {"action": "deactivate", "rowid": product.id}),
        ("/admin/products/ajax/update/", {"list_form_pk": product.id, "price": "0.10"}),
        (f"/admin/products/{product.id}/photos/{image.id}/remove/", {}),
        ("/admin/categories/new/", {"name": "Cakes", "position": "1"}),
        ("/admin/categories/delete/", {"id": product.category_id}),
    ]


def catalog_state(product_id: int) -> tuple:
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    return (
        product.name,
        product.price_cents,
        product.is_active,
        len(product.images),
        db.session.query(Product).count(),
        db.session.query(Category).count(),
    )


def test_the_catalog_menu_offers_products_and_categories_to_admins(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)

    assert "Catalog" in page
    assert 'href="/admin/products/"' in page
    assert 'href="/admin/categories/"' in page


def test_staff_get_403_on_every_catalog_page(staff_client, product):
    pages = catalog_pages(product)

    statuses = {path: staff_client.get(path).status_code for path in pages}

    assert set(statuses.values()) == {403}, statuses
    assert "/admin/products/" not in staff_client.get("/admin/").get_data(as_text=True)


def test_staff_get_403_on_every_catalog_write_and_nothing_changes(staff_client, product):
    before = catalog_state(product.id)
    token = csrf_token(staff_client, "/admin/")

    statuses = {
        path: staff_client.post(path, data={"csrf_token": token, **data}).status_code
        for path, data in catalog_writes(product)
    }

    assert set(statuses.values()) == {403}, statuses
    assert catalog_state(product.id) == before


def test_anonymous_visitors_are_sent_to_sign_in_from_catalog_pages(client, product):
    for path in catalog_pages(product):
        response = client.get(path)

        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login/?next="), path


def test_a_post_without_csrf_token_is_400_and_changes_nothing(admin_client, product):
    before = catalog_state(product.id)

    statuses = {
        path: admin_client.post(path, data=data).status_code
        for path, data in catalog_writes(product)
    }

    assert set(statuses.values()) == {400}, statuses
    assert catalog_state(product.id) == before


def test_a_post_with_a_forged_csrf_token_is_400(admin_client, product):
    response = admin_client.post(
        "/admin/products/delete/", data={"id": product.id, "csrf_token": "forged"}
    )

    assert response.status_code == 400
    assert db.session.get(Product, product.id) is not None


def test_a_scripted_product_name_renders_escaped_in_the_list_and_the_forms(
    admin_client, make_category, make_product
):
    scripted = make_product(name=SCRIPTED_NAME, category=make_category(name=SCRIPTED_NAME))
    images.add_product_image(scripted, jpeg())
    db.session.commit()

    pages = {
        path: admin_client.get(path).get_data(as_text=True)
        for path in (
            "/admin/products/",
            f"/admin/products/edit/?id={scripted.id}",
            f"/admin/products/details/?id={scripted.id}",
            "/admin/products/new/",
            "/admin/categories/",
            f"/admin/categories/edit/?id={scripted.category_id}",
        )
    }

    for path, page in pages.items():
        assert SCRIPTED_NAME not in page, path
        assert ESCAPED_NAME in page, path


def test_a_message_naming_a_scripted_product_is_escaped(admin_client, make_product, make_order):
    scripted = make_product(name=SCRIPTED_NAME, stock=5)
    make_order(items=[(scripted, 1)])

    response = post_form(
        admin_client, "/admin/products/delete/", {"id": scripted.id}, token_from="/admin/products/"
    )
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)

    assert f"{ESCAPED_NAME} appears in orders and cannot be deleted" in page
    assert SCRIPTED_NAME not in page
