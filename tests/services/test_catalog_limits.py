"""The catalog's write limits hold in the service, for the CLI and the seed as for the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import (
    MAX_POSITION,
    MAX_PRICE_CENTS,
    MAX_STOCK,
    MAX_TAGS,
    Category,
    Product,
)
from bakery.services import catalog
from bakery.services.errors import InvalidInput


def _products() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price_cents": MAX_PRICE_CENTS + 1}, "price_cents"),
        ({"price_cents": -1}, "price_cents"),
        ({"stock": MAX_STOCK + 1}, "stock"),
        ({"stock": -1}, "stock"),
        ({"tags": [f"tag-{n}" for n in range(MAX_TAGS + 1)]}, "tags"),
        ({"name": "L" * 121}, "name"),
    ],
)
def test_a_product_past_a_limit_is_refused_and_not_made(app, make_category, fields, field):
    breads = make_category(name="Breads")
    before = _products()

    with pytest.raises(InvalidInput) as refused:
        catalog.create_product(**{"name": "Loaf", "price_cents": 400, "category": breads, **fields})

    assert refused.value.field == field
    assert _products() == before


def test_repeated_tags_count_once(app, make_category):
    breads = make_category(name="Breads")
    tags = [f"tag-{n}" for n in range(MAX_TAGS)] * 2

    product = catalog.create_product(name="Loaf", price_cents=400, category=breads, tags=tags)

    assert len(product.tags) == MAX_TAGS


@pytest.mark.parametrize("position", [-1, MAX_POSITION + 1])
def test_a_category_position_out_of_range_is_refused(app, make_category, position):
    breads = make_category(name="Breads", position=3)

    with pytest.raises(InvalidInput) as refused:
        catalog.update_category(breads, {"position": position})
    with pytest.raises(InvalidInput):
        catalog.create_category(name="Cakes", position=position)

    assert refused.value.field == "position"
    db.session.expire_all()
    assert db.session.scalar(select(Category.position).where(Category.id == breads.id)) == 3
