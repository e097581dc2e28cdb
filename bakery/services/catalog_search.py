"""Product search: the shop's filters and sorts, and the pages of products they list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select

from bakery.extensions import db
from bakery.models.catalog import (
    CatalogRevision,
    Category,
    Product,
    ProductAllergen,
    ProductTag,
)
from bakery.models.shop import DailyBooking
from bakery.services import pickup
from bakery.services.catalog import current_revision, with_details

# Ties are broken by id, so a page is read straight off the listing indexes (models/catalog.py).
SORTS = {
    "name": (Product.name, Product.id),
    "-name": (Product.name.desc(), Product.id.desc()),
    "price": (Product.price_cents, Product.id),
    "-price": (Product.price_cents.desc(), Product.id.desc()),
    "newest": (Product.created_at.desc(), Product.id.desc()),
}


@dataclass(frozen=True)
class ProductSearch:
    """What a shopper asked for; every filter given must match."""

    category: str | None = None
    q: str | None = None
    tag: str | None = None
    exclude_allergens: tuple[str, ...] = field(default_factory=tuple)
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "name"
    # Only products that can be ordered now for pickup on a date: see collectable_on().
    collectable: tuple[ColumnElement[bool], ...] = ()


def collectable_on(day: date) -> tuple[ColumnElement[bool], ...]:
    """Conditions for products that can be ordered now for pickup on `day`: its weekday, their
    notice and the cutoff, a daily limit not yet reached, the shop open. Reads the calendar."""
    shop_open, most_notice_days = pickup.orderable_on(day)
    if not shop_open:
        return (false(),)
    booked = (
        select(DailyBooking.booked)
        .where(DailyBooking.product_id == Product.id, DailyBooking.pickup_date == day)
        .scalar_subquery()
    )
    return (
        Product.collected_on_weekday(day.isoweekday()),
        Product.lead_days <= most_notice_days,
        or_(Product.daily_limit.is_(None), Product.daily_limit > func.coalesce(booked, 0)),
    )


@dataclass(frozen=True)
class PageVersion:
    """What tells one version of a page from another, without reading the products' details.

    Catalog writes move the revision; checkout changes stock and updated_at, but not the revision.
    """

    revision: int
    products: list[tuple[int, int | None, datetime]]

    @property
    def ids(self) -> list[int]:
        return [product_id for product_id, _stock, _updated_at in self.products]


def _escaped_like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(search: ProductSearch) -> list:
    conditions = [Product.for_sale]
    if search.category:
        # The category's id first, so its pages are read off the indexes that start with it.
        conditions.append(
            Product.category_id
            == select(Category.id).where(Category.slug == search.category).scalar_subquery()
        )
    if search.q:
        # ILIKE '%q%': served by the trigram indexes on PostgreSQL (see the initial migration).
        pattern = _escaped_like(search.q)
        conditions.append(
            or_(
                Product.name.ilike(pattern, escape="\\"),
                Product.description.ilike(pattern, escape="\\"),
            )
        )
    if search.tag:
        conditions.append(
            exists().where(ProductTag.product_id == Product.id, ProductTag.tag == search.tag)
        )
    if search.exclude_allergens:
        conditions.append(
            ~exists().where(
                ProductAllergen.product_id == Product.id,
                ProductAllergen.allergen.in_(search.exclude_allergens),
            )
        )
    if search.min_price is not None:
        conditions.append(Product.price_cents >= search.min_price)
    if search.max_price is not None:
        conditions.append(Product.price_cents <= search.max_price)
    return [*conditions, *search.collectable]


def _page(statement: Select, search: ProductSearch, *, limit: int, offset: int) -> Select:
    return (
        statement.where(*_conditions(search))
        .order_by(*SORTS[search.sort])
        .limit(limit)
        .offset(offset)
    )


def page_version(search: ProductSearch, *, limit: int, offset: int) -> PageVersion:
    """The products of one page (id, stock, updated_at, in order) and the catalog revision.

    One statement: answering a revalidation (If-None-Match) costs no more than this.
    """
    # Read in the same statement, so the revision and the rows are of one snapshot.
    revision = select(CatalogRevision.revision).where(CatalogRevision.id == 1).scalar_subquery()
    statement = _page(
        select(Product.id, Product.stock, Product.updated_at, revision),
        search,
        limit=limit,
        offset=offset,
    )
    rows = db.session.execute(statement).all()
    if not rows:
        return PageVersion(current_revision(), [])
    return PageVersion(rows[0][3], [(row[0], row[1], row[2]) for row in rows])


def count_products(search: ProductSearch) -> int:
    return db.session.scalar(select(func.count()).select_from(Product).where(*_conditions(search)))


def products_in_order(ids: Sequence[int]) -> list[Product]:
    """These products with their category, images, tags and allergens, in the order given.

    Four statements, whatever the number of products. A product deleted since its id was read
    is left out.
    """
    found = db.session.scalars(with_details(select(Product).where(Product.id.in_(ids)))).all()
    by_id = {product.id: product for product in found}
    return [by_id[product_id] for product_id in ids if product_id in by_id]
