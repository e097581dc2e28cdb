"""The products list: photos and prices, search and filters, inline edits, bulk switches, CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bakery.extensions import db
from bakery.models import Product
from bakery.services import images
from tests.admin.helpers import post_form
from tests.images_fixtures import jpeg

LIST = "/admin/products/"


def listed_names(client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return re.findall(r'<td class="col-name">\s*(.*?)\s*</td>', response.get_data(as_text=True))


def row_of(page: str, name: str) -> str:
    match = re.search(
        rf"<tr>(?:(?!</tr>).)*?col-name\">\s*{re.escape(name)}\s*</td>.*?</tr>", page, re.S
    )
    assert match, f"no row for {name}"
    return match.group(0)


def inline_editor(row: str, column: str) -> tuple[dict[str, str], str]:
    """The attributes and the shown text of a row's inline editor for `column`."""
    tag = re.search(rf'<a ([^>]*name="{column}"[^>]*)>(.*?)</a>', row, re.S)
    assert tag, f"no inline editor for {column}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(1))), tag.group(2)


def api_product(client, slug: str) -> dict:
    response = client.get(f"/api/v1/products/{slug}")
    assert response.status_code == 200
    return response.get_json()


def api_slugs(client) -> set[str]:
    return {product["slug"] for product in client.get("/api/v1/products").get_json()}


@pytest.fixture
def shelf(make_category, make_product):
    """Three products across two categories, with tags and allergens to filter on."""
    breads = make_category(name="Breads", position=1)
    pastries = make_category(name="Pastries", position=2)
    return {
        "rye": make_product(
            name="Rye loaf",
            slug="rye-loaf",
            description="Dark and sour",
            category=breads,
            price_cents=450,
            stock=None,
            tags=["sourdough"],
            allergens=["gluten"],
        ),
        "croissant": make_product(
            name="Almond croissant",
            category=pastries,
            price_cents=320,
            stock=12,
            is_active=False,
            tags=["viennoiserie"],
            allergens=["gluten", "nuts", "milk"],
        ),
        "salad": make_product(
            name="Fruit salad",
            slug="fresh-fruit",
            category=pastries,
            price_cents=1999,
            stock=0,
            tags=["vegan"],
        ),
    }


# --- what the list shows ------------------------------------------------------------------


def test_the_list_shows_photo_name_category_money_stock_and_state(admin_client, shelf):
    image = images.add_product_image(shelf["rye"], jpeg())
    db.session.commit()

    page = admin_client.get(LIST).get_data(as_text=True)
    rye, croissant, salad = (
        row_of(page, name) for name in ("Rye loaf", "Almond croissant", "Fruit salad")
    )

    thumb = re.search(r'<img src="([^"]+)" alt="Rye loaf"', rye).group(1)
    assert thumb == f"/uploads/products/{image.file_key}-thumb.webp"
    assert admin_client.get(thumb).headers["Content-Type"] == "image/webp"
    assert "<img" not in croissant
    assert "Breads" in rye
    assert "Pastries" in croissant
    assert [inline_editor(row, "price")[1] for row in (rye, croissant, salad)] == [
        "€4.50",
        "€3.20",
        "€19.99",
    ]
    # Blank stock means the item is not counted; 0 means sold out.
    assert [inline_editor(row, "stock")[1] for row in (rye, croissant, salad)] == ["", "12", "0"]
    assert [inline_editor(row, "is_active")[0]["data-value"] for row in (rye, croissant)] == [
        "1",
        "",
    ]


def test_the_list_sums_up_when_each_product_can_be_collected(admin_client, make_product):
    make_product(name="Roll")
    make_product(name="Challah", lead_days=1, available_weekdays=[5])
    make_product(name="Wedding cake", lead_days=2, daily_limit=6, available_weekdays=[5, 6])
    make_product(name="Sourdough", daily_limit=40, available_weekdays=[2, 3, 4, 5, 6])
    make_product(name="Stollen", lead_days=14, available_weekdays=[1, 3, 5, 6, 7])

    page = admin_client.get(LIST).get_data(as_text=True)

    def collection(name: str) -> str:
        cell = re.search(r'<td class="col-collection">\s*(.*?)\s*</td>', row_of(page, name), re.S)
        return cell.group(1)

    assert collection("Roll") == "same day · every day"
    assert collection("Challah") == "1 day&#39;s notice · Fri"
    assert collection("Wedding cake") == "2 days&#39; notice · limit 6/day · Fri, Sat"
    assert collection("Sourdough") == "same day · limit 40/day · Tue\N{EN DASH}Sat"
    assert collection("Stollen") == "14 days&#39; notice · Mon, Wed, Fri\N{EN DASH}Sun"
    assert re.search(r'<th class="column-header col-collection">\s*Collection\s*</th>', page)


def test_inline_price_editors_open_with_the_amount_as_typed(admin_client, shelf):
    page = admin_client.get(LIST).get_data(as_text=True)

    attributes, shown = inline_editor(row_of(page, "Fruit salad"), "price")

    assert shown == "€19.99"
    assert attributes["data-value"] == "19.99"
    assert attributes["data-pk"] == str(shelf["salad"].id)
    assert attributes["data-csrf"]


class TestAnotherCurrency:
    @pytest.fixture
    def app_config(self):
        return {"CURRENCY": "GBP"}

    def test_prices_show_in_the_configured_currency(self, admin_client, shelf):
        page = admin_client.get(LIST).get_data(as_text=True)

        assert "£4.50" in row_of(page, "Rye loaf")
        assert "€" not in page


def test_the_list_is_sorted_by_name_and_can_be_sorted_by_price(admin_client, shelf):
    assert listed_names(admin_client) == ["Almond croissant", "Fruit salad", "Rye loaf"]
    page = admin_client.get(LIST).get_data(as_text=True)
    by_price = (
        re.search(r'href="([^"]+)" title="Sort by Price"', page).group(1).replace("&amp;", "&")
    )

    assert listed_names(admin_client, by_price[len(LIST) :]) == [
        "Almond croissant",
        "Rye loaf",
        "Fruit salad",
    ]


# --- search and filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [("croissant", ["Almond croissant"]), ("SOUR", ["Rye loaf"]), ("fresh-fruit", ["Fruit salad"])],
    ids=["name", "description", "slug"],
)
def test_search_looks_in_name_description_and_slug(admin_client, shelf, term, expected):
    assert listed_names(admin_client, f"?search={term}") == expected


def test_filter_by_category(admin_client, shelf):
    pastries = shelf["salad"].category_id

    assert listed_names(admin_client, f"?flt0_category_equals={pastries}") == [
        "Almond croissant",
        "Fruit salad",
    ]


def test_the_category_filter_offers_categories_made_after_start_up(
    admin_client, shelf, make_category
):
    cakes = make_category(name="Cakes")

    page = admin_client.get(LIST).get_data(as_text=True)

    assert f'["{cakes.id}", "Cakes"]' in page


@pytest.mark.parametrize(
    ("value", "expected"), [("1", ["Fruit salad", "Rye loaf"]), ("0", ["Almond croissant"])]
)
def test_filter_by_active(admin_client, shelf, value, expected):
    assert listed_names(admin_client, f"?flt0_active_equals={value}") == expected


def test_filter_by_allergen_contained_or_free_from(admin_client, shelf):
    assert listed_names(admin_client, "?flt0_allergen_contains=gluten") == [
        "Almond croissant",
        "Rye loaf",
    ]
    assert listed_names(admin_client, "?flt0_allergen_contains=nuts") == ["Almond croissant"]
    assert listed_names(admin_client, "?flt0_allergen_free_from=gluten") == ["Fruit salad"]


def test_an_unknown_allergen_filter_is_ignored_with_a_message(admin_client, shelf):
    page = admin_client.get(LIST + "?flt0_allergen_contains=chocolate").get_data(as_text=True)

    assert "Invalid Filter Value" in page
    assert len(re.findall(r'class="col-name"', page)) == 3


def test_filter_by_tag_as_typed(admin_client, shelf):
    assert listed_names(admin_client, "?flt0_tag_is=Vegan") == ["Fruit salad"]
    assert listed_names(admin_client, "?flt0_tag_is=rye") == []


def test_filters_combine(admin_client, shelf):
    pastries = shelf["salad"].category_id

    assert listed_names(admin_client, f"?flt0_category_equals={pastries}&flt1_active_equals=1") == [
        "Fruit salad"
    ]


# --- inline edits -------------------------------------------------------------------------------


def inline_edit(client, product_id: int, **fields):
    return post_form(
        client, LIST + "ajax/update/", {"list_form_pk": product_id, **fields}, token_from=LIST
    )


def test_inline_price_edit_shows_in_the_public_api_at_once(admin_client, shelf):
    assert api_product(admin_client, "rye-loaf")["price_cents"] == 450  # now cached

    response = inline_edit(admin_client, shelf["rye"].id, price="5.20")

    assert response.status_code == 200
    assert api_product(admin_client, "rye-loaf")["price_cents"] == 520


def test_inline_stock_edit_and_blank_stock_means_not_counted(admin_client, shelf):
    assert inline_edit(admin_client, shelf["rye"].id, stock="7").status_code == 200
    assert api_product(admin_client, "rye-loaf")["stock"] == 7

    assert inline_edit(admin_client, shelf["rye"].id, stock="").status_code == 200
    assert api_product(admin_client, "rye-loaf")["stock"] is None


def test_inline_active_switch_hides_the_product_from_the_shop(admin_client, shelf):
    assert "rye-loaf" in api_slugs(admin_client)

    assert inline_edit(admin_client, shelf["rye"].id, is_active="").status_code == 200

    assert "rye-loaf" not in api_slugs(admin_client)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": "-1.00"}, "The price cannot be negative"),
        ({"price": "four"}, "Enter the price as an amount like 4.50"),
        ({"price": "4.505"}, "Enter the price as an amount like 4.50"),
        ({"stock": "-3"}, "The stock cannot be negative"),
    ],
    ids=["negative-price", "words", "fraction-of-a-cent", "negative-stock"],
)
def test_a_bad_inline_edit_is_refused_with_its_reason_and_saves_nothing(
    admin_client, shelf, fields, message
):
    response = inline_edit(admin_client, shelf["rye"].id, **fields)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    rye = db.session.get(Product, shelf["rye"].id)
    assert (rye.price_cents, rye.stock) == (450, None)
    assert api_product(admin_client, "rye-loaf")["price_cents"] == 450


@pytest.mark.parametrize("product_id", [2_000_000, "abc", ""], ids=["gone", "words", "none"])
def test_inline_edit_naming_no_product_is_refused(admin_client, shelf, product_id):
    response = inline_edit(admin_client, product_id, price="1.00")

    assert response.status_code == 400
    assert "Record does not exist." in response.get_data(as_text=True)


def test_inline_edit_without_a_product_id_is_refused(admin_client, shelf):
    response = post_form(admin_client, LIST + "ajax/update/", {"price": "1.00"}, token_from=LIST)

    assert response.status_code == 400


# --- bulk actions -------------------------------------------------------------------------------


def bulk(client, action: str, *products):
    return post_form(
        client,
        LIST + "action/",
        {"action": action, "rowid": [product.id for product in products], "url": LIST},
        token_from=LIST,
    )


def test_bulk_deactivate_hides_products_from_the_shop(admin_client, shelf):
    assert api_slugs(admin_client) == {"rye-loaf", "fresh-fruit"}

    response = bulk(admin_client, "deactivate", shelf["rye"], shelf["salad"], shelf["croissant"])

    assert response.status_code == 302
    assert "2 products deactivated." in admin_client.get(LIST).get_data(as_text=True)
    assert api_slugs(admin_client) == set()


def test_bulk_activate_brings_products_back(admin_client, shelf):
    croissant_slug = shelf["croissant"].slug

    bulk(admin_client, "activate", shelf["croissant"])

    assert "1 product activated." in admin_client.get(LIST).get_data(as_text=True)
    assert croissant_slug in api_slugs(admin_client)


def test_bulk_switch_ignores_ids_that_name_no_product(admin_client, shelf):
    response = post_form(
        admin_client,
        LIST + "action/",
        {"action": "deactivate", "rowid": ["abc", "99999999999", str(shelf["rye"].id)]},
        token_from=LIST,
    )

    assert response.status_code == 302
    assert "rye-loaf" not in api_slugs(admin_client)


def test_products_are_not_deleted_in_bulk(admin_client, shelf):
    page = admin_client.get(LIST).get_data(as_text=True)

    bulk(admin_client, "delete", shelf["rye"], shelf["croissant"])

    assert "modelActions.execute('delete')" not in page
    assert "modelActions.execute('deactivate')" in page
    assert listed_names(admin_client) == ["Almond croissant", "Fruit salad", "Rye loaf"]


# --- CSV export ---------------------------------------------------------------------------------


def exported_rows(client) -> list[dict]:
    response = client.get(LIST + "export/csv/")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_lists_products_with_money_formatted_prices(admin_client, shelf):
    rows = {row["Name"]: row for row in exported_rows(admin_client)}

    assert rows["Rye loaf"] == {
        "Name": "Rye loaf",
        "Slug": "rye-loaf",
        "Category": "Breads",
        "Price": "€4.50",
        "Stock": "",
        "Active": "yes",
        "Tags": "sourdough",
        "Allergens": "gluten",
        "Days of notice": "0",
        "Daily limit": "",
        "Weekdays": "Mon, Tue, Wed, Thu, Fri, Sat, Sun",
    }
    assert rows["Almond croissant"]["Allergens"] == "gluten, milk, nuts"
    assert rows["Almond croissant"]["Active"] == "no"
    assert rows["Fruit salad"]["Stock"] == "0"


def test_csv_export_follows_the_lists_filters(admin_client, shelf):
    response = admin_client.get(LIST + "export/csv/?flt0_tag_is=vegan")

    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert [row["Name"] for row in rows] == ["Fruit salad"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example")', "+1+2", "-2+3", "@SUM(A1)"])
def test_csv_cells_that_would_run_as_formulas_are_kept_as_text(admin_client, make_product, name):
    make_product(name=name, slug="guarded")

    rows = {row["Slug"]: row for row in exported_rows(admin_client)}

    assert rows["guarded"]["Name"] == "'" + name
    assert rows["guarded"]["Category"] == "Category for " + name


# --- queries ------------------------------------------------------------------------------------


def test_the_list_runs_the_same_number_of_queries_for_2_or_25_products(
    admin_client, make_product, count_queries
):
    def add_products(count: int, start: int) -> None:
        for number in range(start, start + count):
            product = make_product(name=f"Bun {number}", tags=["buns"], allergens=["milk"])
            images.add_product_image(product, jpeg(8, 8))
        db.session.commit()

    add_products(2, 0)
    admin_client.get(LIST)
    with count_queries() as few:
        assert admin_client.get(LIST).status_code == 200
    add_products(23, 2)
    with count_queries() as many:
        page = admin_client.get(LIST).get_data(as_text=True)

    assert page.count('class="col-name"') == 25
    assert len(many) == len(few), "\n".join(many)
