"""The owner adds a product with a photo in the browser; the shop's API shows it at once."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bakery.services.catalog import create_category


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "loaf.jpg"
    Image.new("RGB", (640, 480), (190, 140, 80)).save(path, "JPEG")
    return path


def test_a_product_created_with_a_photo_is_in_the_shop(
    page, sign_in_as, unique, in_live_app, api_get, photo, screenshot
):
    category = unique("Breads")
    in_live_app(lambda: create_category(name=category))
    name = unique("Seeded rye")
    sign_in_as("admin")

    page.goto("/admin/products/new/")
    page.fill("input[name=name]", name)
    page.select_option("select[name=category_id]", label=category)
    page.fill("input[name=price]", "4.80")
    page.fill("input[name=stock]", "12")
    page.fill("input[name=tags]", "rye, seeded")
    page.check("input[name=allergens][value=gluten]")
    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()

    assert page.locator(".alert-danger").count() == 0, page.locator(
        ".alert-danger"
    ).all_inner_texts()
    listed = api_get(f"/api/v1/products?q={name.split()[-1]}")
    [product] = [item for item in listed if item["name"] == name]
    assert product["price_cents"] == 480
    assert product["stock"] == 12
    assert product["allergens"] == ["gluten"]
    assert sorted(product["tags"]) == ["rye", "seeded"]
    [image] = product["images"]
    answer = page.request.get(image["url"])
    assert answer.status == 200
    assert Image.open(io.BytesIO(answer.body())).format == "WEBP"

    page.goto(f"/admin/products/?search={name.split()[-1]}")
    row = page.locator("tr", has_text=name)
    assert row.locator("img").count() == 1
    assert "€4.80" in row.inner_text()
    screenshot("product-list")
