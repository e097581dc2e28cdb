"""The categories pages: the shop's listing order, product counts, writes through the service."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models import Category
from tests.admin.helpers import post_form

LIST = "/admin/categories/"


def listed_rows(client) -> list[tuple[str, ...]]:
    """(name, slug, position, products) of each row, top to bottom."""
    page = client.get(LIST).get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]

    def cell(row: str, column: str) -> str:
        return re.search(rf'<td class="col-{column}">\s*(.*?)\s*</td>', row, re.S).group(1)

    return [
        tuple(cell(row, column) for column in ("name", "slug", "position", "product_count"))
        for row in rows
    ]


def category_form(**fields) -> dict:
    form = {
        "name": "Festive bakes",
        "slug": "",
        "description": "",
        "position": "3",
        "is_active": "y",
    }
    form.update(fields)
    return form


def category_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Category))


def test_categories_are_listed_by_position_then_name_with_their_product_counts(
    admin_client, make_category, make_product
):
    cakes = make_category(name="Cakes", position=2)
    breads = make_category(name="Breads", position=1)
    make_category(name="Amaretti", position=2, is_active=False)
    for name in ("Rye", "Spelt"):
        make_product(name=name, category=breads)
    make_product(name="Carrot cake", category=cakes, is_active=False)

    assert listed_rows(admin_client) == [
        ("Breads", "breads", "1", "2"),
        ("Amaretti", "amaretti", "2", "0"),
        ("Cakes", "cakes", "2", "1"),
    ]


def test_the_list_runs_the_same_number_of_queries_for_2_or_20_categories(
    admin_client, make_category, make_product, count_queries
):
    for number in range(2):
        make_product(name=f"Loaf {number}", category=make_category(name=f"Shelf {number}"))
    admin_client.get(LIST)
    with count_queries() as few:
        admin_client.get(LIST)
    for number in range(2, 20):
        make_product(name=f"Loaf {number}", category=make_category(name=f"Shelf {number}"))
    with count_queries() as many:
        rows = listed_rows(admin_client)

    assert len(rows) == 20
    assert len(many) == len(few)


def test_creating_a_category_makes_its_slug_and_shows_in_the_shop(admin_client):
    response = post_form(admin_client, LIST + "new/", category_form(), token_from=LIST + "new/")

    assert response.status_code == 302
    category = admin_client.get("/api/v1/categories/festive-bakes").get_json()
    assert (category["name"], category["position"], category["is_active"]) == (
        "Festive bakes",
        3,
        True,
    )


def test_editing_a_category_shows_in_the_shop_at_once(admin_client, make_category):
    breads = make_category(name="Breads", slug="breads")
    assert admin_client.get("/api/v1/categories/breads").status_code == 200  # now cached
    path = f"{LIST}edit/?id={breads.id}"

    post_form(admin_client, path, category_form(name="Loaves", slug="loaves", position="0"))

    assert admin_client.get("/api/v1/categories/breads").status_code == 404
    assert admin_client.get("/api/v1/categories/loaves").get_json()["name"] == "Loaves"


def test_a_slug_already_taken_is_shown_on_the_form_and_nothing_changes(admin_client, make_category):
    make_category(name="Breads", slug="breads")

    response = post_form(
        admin_client, LIST + "new/", category_form(slug="breads"), token_from=LIST + "new/"
    )

    assert response.status_code == 200
    assert "The slug 'breads' is already taken" in html.unescape(response.get_data(as_text=True))
    assert category_count() == 1


def test_a_position_out_of_range_is_refused(admin_client):
    response = post_form(
        admin_client, LIST + "new/", category_form(position="-1"), token_from=LIST + "new/"
    )

    assert "Number must be between 0 and 10000." in response.get_data(as_text=True)
    assert category_count() == 0


def delete(client, category):
    return post_form(client, LIST + "delete/", {"id": category.id}, token_from=LIST)


def test_deleting_a_category_with_products_shows_the_services_message(
    admin_client, make_category, make_product
):
    breads = make_category(name="Breads", slug="breads")
    make_product(name="Rye", category=breads)

    response = delete(admin_client, breads)

    page = html.unescape(admin_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The category 'breads' still has products; move or delete them first" in page
    assert admin_client.get("/api/v1/categories/breads").status_code == 200


def test_deleting_an_empty_category_takes_it_out_of_the_shop(admin_client, make_category):
    cakes = make_category(name="Cakes", slug="cakes")

    response = delete(admin_client, cakes)

    assert "Record was successfully deleted." in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert admin_client.get("/api/v1/categories/cakes").status_code == 404
    assert category_count() == 0
