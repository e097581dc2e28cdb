"""The product form: money typed exactly, tags, allergens and photos through the services."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models import Product, ProductImage
from bakery.services import images
from tests.admin.helpers import post_form
from tests.images_fixtures import SVG, TEXT, jpeg, png, webp_files_in

NEW = "/admin/products/new/"


def edit_url(product) -> str:
    return f"/admin/products/edit/?id={product.id}"


@pytest.fixture
def breads(make_category):
    return make_category(name="Breads")


def product_form(category, **fields) -> dict:
    """What the browser sends for the product form, with the fields given replaced."""
    form = {
        "name": "Seeded rye",
        "slug": "",
        "category_id": str(category.id),
        "description": "Rye, sunflower and pumpkin seeds",
        "price": "4.50",
        "stock": "",
        "is_active": "y",
        "tags": "",
        "lead_days": "0",
        "daily_limit": "",
        # Every weekday's checkbox starts ticked on a new product.
        "available_weekdays": [str(day) for day in range(1, 8)],
        "photos": [],
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def photo(data: bytes, filename: str = "loaf.jpg"):
    return (io.BytesIO(data), filename)


def submit(client, path: str, form: dict):
    return post_form(client, path, form, token_from=path, content_type="multipart/form-data")


def product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


def field_errors(page: str, field: str) -> str:
    """The error text Flask-Admin shows under one field of the form."""
    group = re.search(rf'id="{field}".*?(?=<div class="form-group|<hr>)', page, re.S)
    assert group, f"no field {field}"
    feedback = re.search(r'<div class="invalid-feedback">(.*?)</div>', group.group(0), re.S)
    if feedback is None:
        return ""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", feedback.group(1))).strip())


# --- the form itself --------------------------------------------------------------------------


def test_the_create_form_has_the_fields_browser_tests_drive(admin_client, breads):
    page = admin_client.get(NEW).get_data(as_text=True)

    for name in ("name", "slug", "category_id", "description", "price", "stock", "tags"):
        assert f'name="{name}"' in page
    assert re.search(r'<input[^>]*id="is_active"[^>]*type="checkbox"', page)
    assert re.search(r'<input[^>]*multiple name="photos" type="file"', page)
    assert 'name="allergens" type="checkbox" value="sesame"' in page
    assert '<input type="submit" class="btn btn-primary" value="Save" />' in page
    assert f'<option value="{breads.id}">Breads</option>' in page


def test_hidden_categories_are_offered_and_marked(admin_client, make_category):
    make_category(name="Seasonal", is_active=False)

    page = admin_client.get(NEW).get_data(as_text=True)

    assert "Seasonal (hidden)" in page


# --- creating -------------------------------------------------------------------------------------


def test_create_with_a_photo_shows_in_the_public_api(admin_client, breads):
    form = product_form(
        breads,
        name="Pain de Campagne",
        price="6.80",
        stock="12",
        tags="Sourdough, vegan, sourdough",
        allergens=["gluten", "sesame"],
        photos=[photo(jpeg(640, 480))],
    )

    response = submit(admin_client, NEW, form)

    assert response.status_code == 302
    product = admin_client.get("/api/v1/products/pain-de-campagne").get_json()
    assert product["name"] == "Pain de Campagne"
    assert product["category"]["slug"] == breads.slug
    assert product["price_cents"] == 680
    assert product["stock"] == 12
    assert product["tags"] == ["sourdough", "vegan"]
    assert product["allergens"] == ["gluten", "sesame"]
    assert product["description"] == "Rye, sunflower and pumpkin seeds"
    [image] = product["images"]
    assert (image["width"], image["height"], image["alt"]) == (640, 480, "Pain de Campagne")
    thumb = admin_client.get(image["variants"]["thumb"])
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/webp"


def test_several_photos_are_added_in_the_order_sent(admin_client, breads):
    form = product_form(breads, photos=[photo(jpeg(40, 30), "a.jpg"), photo(png(30, 40), "b.png")])

    submit(admin_client, NEW, form)

    sizes = [
        (image["width"], image["height"])
        for image in admin_client.get("/api/v1/products/seeded-rye").get_json()["images"]
    ]
    assert sizes == [(40, 30), (30, 40)]


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("0.29", 29), ("19.99", 1999), ("4,5", 450), ("7", 700), (" 1234.56 ", 123456)],
)
def test_prices_typed_as_money_become_exact_cents(admin_client, breads, typed, cents):
    submit(admin_client, NEW, product_form(breads, price=typed))

    assert admin_client.get("/api/v1/products/seeded-rye").get_json()["price_cents"] == cents


def test_an_empty_slug_is_made_from_the_name_and_kept_unique(admin_client, breads, make_product):
    make_product(name="Seeded rye")

    submit(admin_client, NEW, product_form(breads))

    assert db.session.scalar(select(Product.slug).order_by(Product.id.desc()).limit(1)) == (
        "seeded-rye-2"
    )


def test_an_inactive_product_is_hidden_from_the_shop(admin_client, breads):
    form = product_form(breads)
    del form["is_active"]

    submit(admin_client, NEW, form)

    assert db.session.scalar(select(Product.is_active)) is False
    assert admin_client.get("/api/v1/products/seeded-rye").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price": "-1.00"}, "price", "The price cannot be negative"),
        ({"price": "4.505"}, "price", "Enter the price as an amount like 4.50"),
        ({"price": "100000.01"}, "price", "The price can be at most 100000.00"),
        ({"price": ""}, "price", "This field is required."),
        ({"stock": "-2"}, "stock", "The stock cannot be negative"),
        ({"name": "   "}, "name", "The name cannot be blank"),
        ({"slug": "Not A Slug"}, "slug", "lower-case letters, digits and single hyphens"),
        ({"tags": "ok, !!!"}, "tags", "Tags must be 1-40 letters"),
        ({"allergens": ["chocolate"]}, "allergens", "'chocolate' is not a valid choice"),
        ({"category_id": "999999"}, "category_id", "Not a valid choice"),
    ],
    ids=[
        "negative-price",
        "fraction-of-a-cent",
        "price-too-high",
        "no-price",
        "negative-stock",
        "blank-name",
        "bad-slug",
        "bad-tag",
        "unknown-allergen",
        "unknown-category",
    ],
)
def test_bad_values_are_shown_on_their_field_and_nothing_is_created(
    admin_client, breads, fields, field, message
):
    response = submit(admin_client, NEW, product_form(breads, **fields))

    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), field)
    assert product_count() == 0


def test_a_slug_already_taken_is_refused_on_its_field(admin_client, breads, make_product):
    make_product(name="Baguette", slug="baguette")

    response = submit(admin_client, NEW, product_form(breads, slug="baguette"))

    assert "The slug 'baguette' is already taken" in field_errors(
        response.get_data(as_text=True), "slug"
    )
    assert product_count() == 1


# --- bad photos -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (TEXT, "notes.jpg", "notes.jpg: The file is not a JPEG, PNG, WebP or GIF image"),
        (SVG, "logo.svg", "logo.svg: The file is not a JPEG, PNG, WebP or GIF image"),
        (jpeg()[:200], "cut.jpg", "cut.jpg: The image is damaged and cannot be read"),
    ],
    ids=["text", "svg", "truncated"],
)
def test_a_bad_photo_is_refused_and_nothing_is_created(
    admin_client, breads, app, data, filename, message
):
    form = product_form(breads, photos=[photo(jpeg(), "good.jpg"), photo(data, filename)])

    response = submit(admin_client, NEW, form)

    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), "photos")
    assert product_count() == 0
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 0
    assert webp_files_in(app.config["UPLOAD_FOLDER"]) == []


def test_an_upload_over_the_size_limit_is_refused_with_a_message(admin_client, breads):
    form = product_form(breads, photos=[photo(b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "huge.jpg")])

    response = submit(admin_client, NEW, form)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(NEW)
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "larger than the 5 MB accepted in one upload" in page
    assert product_count() == 0


def test_a_bad_photo_on_edit_changes_nothing(admin_client, breads, make_product):
    loaf = make_product(name="Baguette", category=breads, price_cents=120)

    response = submit(
        admin_client,
        edit_url(loaf),
        product_form(breads, name="Renamed", price="9.00", photos=[photo(TEXT, "menu.txt")]),
    )

    assert "menu.txt: The file is not" in field_errors(response.get_data(as_text=True), "photos")
    db.session.expire_all()
    assert (loaf.name, loaf.price_cents, loaf.images) == ("Baguette", 120, [])


# --- editing --------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_product_as_it_is(admin_client, breads, make_product):
    loaf = make_product(
        name="Baguette",
        category=breads,
        price_cents=1205,
        stock=None,
        tags=["classic", "french"],
        allergens=["gluten"],
    )

    page = admin_client.get(edit_url(loaf)).get_data(as_text=True)

    assert 'name="price" required type="text" value="12.05"' in page
    assert 'name="stock" type="number" value=""' in page
    assert 'name="tags" type="text" value="classic, french"' in page
    assert 'checked id="allergens-0" name="allergens" type="checkbox" value="gluten"' in page
    assert f'<option selected value="{breads.id}">Breads</option>' in page


def test_editing_changes_the_product_in_the_public_api(
    admin_client, breads, make_category, make_product
):
    loaf = make_product(name="Baguette", slug="baguette", category=breads, tags=["classic"])
    cakes = make_category(name="Cakes")
    assert admin_client.get("/api/v1/products/baguette").status_code == 200  # now cached

    response = submit(
        admin_client,
        edit_url(loaf),
        product_form(
            cakes,
            name="Baguette tradition",
            slug="",
            price="1.35",
            stock="30",
            tags="",
            allergens=["gluten"],
            photos=[photo(jpeg())],
        ),
    )

    assert response.status_code == 302
    product = admin_client.get("/api/v1/products/baguette").get_json()
    assert product["name"] == "Baguette tradition"
    assert product["category"]["slug"] == cakes.slug
    assert (product["price_cents"], product["stock"]) == (135, 30)
    assert (product["tags"], product["allergens"]) == ([], ["gluten"])
    assert len(product["images"]) == 1


def test_a_new_slug_moves_the_product(admin_client, breads, make_product):
    loaf = make_product(name="Baguette", slug="baguette", category=breads)

    submit(admin_client, edit_url(loaf), product_form(breads, slug="french-stick"))

    assert admin_client.get("/api/v1/products/baguette").status_code == 404
    assert admin_client.get("/api/v1/products/french-stick").status_code == 200


@pytest.mark.parametrize("product_id", ["not-a-number", "\u00b2", "99999999999"])
def test_editing_a_product_that_does_not_exist_says_so(admin_client, product_id):
    response = admin_client.get(
        "/admin/products/edit/", query_string={"id": product_id}, follow_redirects=True
    )

    assert "Record does not exist." in response.get_data(as_text=True)


# --- photos on the edit page ----------------------------------------------------------------------


@pytest.fixture
def loaf_with_photos(breads, make_product):
    loaf = make_product(name="Baguette", slug="baguette", category=breads)
    first = images.add_product_image(loaf, jpeg(40, 30))
    second = images.add_product_image(loaf, png(30, 40))
    db.session.commit()
    return loaf, first, second


def remove_url(product, image) -> str:
    return f"/admin/products/{product.id}/photos/{image.id}/remove/"


def test_the_edit_page_shows_each_photo_with_a_remove_button(admin_client, loaf_with_photos):
    loaf, first, second = loaf_with_photos

    page = admin_client.get(edit_url(loaf)).get_data(as_text=True)

    for image in (first, second):
        assert f'src="/uploads/products/{image.file_key}-thumb.webp"' in page
        assert f'action="{remove_url(loaf, image)}"' in page
    assert page.count("Remove photo") == 2


def test_removing_a_photo_takes_it_out_of_the_shop_and_off_the_disk(
    admin_client, loaf_with_photos, app
):
    loaf, first, second = loaf_with_photos

    response = post_form(admin_client, remove_url(loaf, first), token_from=edit_url(loaf))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(edit_url(loaf))
    assert "Photo removed." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    [left] = admin_client.get("/api/v1/products/baguette").get_json()["images"]
    assert left["id"] == second.id
    stored = {path.name for path in webp_files_in(app.config["UPLOAD_FOLDER"])}
    assert not any(name.startswith(first.file_key) for name in stored)
    assert any(name.startswith(second.file_key) for name in stored)


def test_removing_a_photo_of_another_product_is_refused(
    admin_client, loaf_with_photos, make_product
):
    loaf, first, _ = loaf_with_photos
    other = make_product(name="Croissant")

    response = post_form(admin_client, remove_url(other, first), token_from=edit_url(loaf))

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"No image {first.id} for product" in page
    assert len(admin_client.get("/api/v1/products/baguette").get_json()["images"]) == 2


# --- deleting -------------------------------------------------------------------------------------


def delete(client, product):
    return post_form(
        client, "/admin/products/delete/", {"id": product.id}, token_from="/admin/products/"
    )


def test_deleting_a_product_removes_it_and_its_photos(admin_client, loaf_with_photos, app):
    loaf, _, _ = loaf_with_photos

    response = delete(admin_client, loaf)

    assert "Record was successfully deleted." in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert admin_client.get("/api/v1/products/baguette").status_code == 404
    assert webp_files_in(app.config["UPLOAD_FOLDER"]) == []


def test_a_product_in_orders_cannot_be_deleted_and_the_message_says_deactivate(
    admin_client, make_product, make_order
):
    loaf = make_product(name="Baguette", slug="baguette", stock=10)
    make_order(items=[(loaf, 2)])

    response = delete(admin_client, loaf)

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Baguette appears in orders and cannot be deleted; deactivate it instead" in page
    assert "successfully deleted" not in page
    assert admin_client.get("/api/v1/products/baguette").status_code == 200


# --- when a product can be collected ---------------------------------------------------------


def stored_pickup_rules(product_id: int) -> tuple:
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    return product.lead_days, product.daily_limit, product.available_weekdays


def test_a_new_product_can_be_collected_any_day_without_notice(admin_client, breads):
    page = admin_client.get(NEW).get_data(as_text=True)

    assert 'id="lead_days" max="30" min="0" name="lead_days" type="number" value="0"' in page
    assert 'id="daily_limit" max="100000" min="1" name="daily_limit" type="number" value=""' in page
    ticked = re.findall(r'checked id="available_weekdays-\d" name="available_weekdays"', page)
    assert len(ticked) == 7
    assert 'name="available_weekdays" type="checkbox" value="5"> <label' in page
    assert '<label for="available_weekdays-4">Friday</label>' in page


def test_notice_daily_limit_and_weekdays_are_created_and_shown_in_the_api(admin_client, breads):
    form = product_form(
        breads, name="Challah", lead_days="2", daily_limit="6", available_weekdays=["5"]
    )

    response = submit(admin_client, NEW, form)

    assert response.status_code == 302
    product = admin_client.get("/api/v1/products/challah").get_json()
    assert (product["lead_days"], product["daily_limit"]) == (2, 6)
    assert product["available_weekdays"] == [5]
    assert stored_pickup_rules(product["id"]) == (2, 6, [5])


def test_a_blank_notice_means_the_same_day(admin_client, breads):
    submit(admin_client, NEW, product_form(breads, name="Roll", lead_days="", daily_limit=""))

    product = admin_client.get("/api/v1/products/roll").get_json()
    assert stored_pickup_rules(product["id"]) == (0, None, [1, 2, 3, 4, 5, 6, 7])


def test_the_pickup_rules_round_trip_through_the_edit_form(admin_client, breads, make_product):
    cake = make_product(
        name="Birthday cake",
        category=breads,
        lead_days=3,
        daily_limit=4,
        available_weekdays=[2, 4, 6],
    )

    page = admin_client.get(edit_url(cake)).get_data(as_text=True)
    ticked = re.findall(r'checked id="available_weekdays-\d" name="available_weekdays"', page)
    ticked_days = re.findall(
        r'checked id="available_weekdays-\d" name="available_weekdays" type="checkbox" '
        r'value="(\d)"',
        page,
    )
    assert 'name="lead_days" type="number" value="3"' in page
    assert 'name="daily_limit" type="number" value="4"' in page
    assert len(ticked) == 3
    assert ticked_days == ["2", "4", "6"]

    response = submit(
        admin_client,
        edit_url(cake),
        product_form(
            breads,
            name="Birthday cake",
            lead_days="0",
            daily_limit="",
            available_weekdays=["1", "7"],
        ),
    )

    assert response.status_code == 302
    assert stored_pickup_rules(cake.id) == (0, None, [1, 7])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"lead_days": "31"}, "lead_days", "The notice must be 0 to 30 days"),
        ({"lead_days": "-1"}, "lead_days", "The notice must be 0 to 30 days"),
        ({"lead_days": "two"}, "lead_days", "Not a valid integer value"),
        ({"daily_limit": "0"}, "daily_limit", "The daily limit must be 1 to 100000 units"),
        ({"daily_limit": "100001"}, "daily_limit", "The daily limit must be 1 to 100000 units"),
        (
            {"available_weekdays": []},
            "available_weekdays",
            "Choose at least one weekday the product can be collected on",
        ),
        ({"available_weekdays": ["8"]}, "available_weekdays", "'8' is not a valid choice"),
    ],
    ids=[
        "notice-31",
        "notice-negative",
        "notice-not-a-number",
        "limit-0",
        "limit-too-high",
        "no-weekday",
        "weekday-8",
    ],
)
def test_bad_pickup_rules_are_refused_on_their_field_and_change_nothing(
    admin_client, breads, make_product, fields, field, message
):
    cake = make_product(name="Cake", category=breads, lead_days=2, daily_limit=5)

    created = submit(admin_client, NEW, product_form(breads, **fields))
    edited = submit(admin_client, edit_url(cake), product_form(breads, name="Cake", **fields))

    for response in (created, edited):
        assert response.status_code == 200
        assert message in field_errors(response.get_data(as_text=True), field)
    assert product_count() == 1
    assert stored_pickup_rules(cake.id) == (2, 5, [1, 2, 3, 4, 5, 6, 7])
