"""Public product list pages read as plain rows, in few statements built once per search shape."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select

from bakery.database import execute_prepared, outside_transaction
from bakery.extensions import db
from bakery.models.catalog import (
    CatalogRevision,
    Category,
    Product,
    ProductAllergen,
    ProductImage,
    ProductTag,
)
from bakery.services.catalog import current_revision
from bakery.services.catalog_search import (
    ProductFilters,
    search_conditions,
    search_order,
    search_parameters,
    search_shape,
)

# Tags are slugs and allergens come from a fixed list: neither can hold this separator.
_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class PageEntry:
    """A listed product's place on the page, and what checkout changes without a catalog write."""

    id: int
    stock: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProductPage:
    entries: list[PageEntry]
    # Read in the same snapshot as the entries.
    revision: int


@dataclass(frozen=True, slots=True)
class ListedImage:
    id: int
    file_key: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True, slots=True)
class ProductDetails:
    """What only catalog writes change: it holds for a whole catalog revision."""

    id: int
    slug: str
    name: str
    description: str
    price_cents: int
    is_active: bool
    created_at: datetime
    category_id: int
    category_slug: str
    category_name: str
    tags: list[str]
    allergens: list[str]
    images: list[ListedImage]


_REVISION = select(CatalogRevision.revision).where(CatalogRevision.id == 1).scalar_subquery()
# Building a statement, and matching its result columns to the compiled form SQLAlchemy keeps,
# costs more than running it: each is built once per shape of search and reused.
_statements: dict[tuple, Select] = {}


def _statement(key: tuple, build: Callable[[], Select]) -> Select:
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build()
    return statement


def _rows(statement: Select, parameters: dict[str, Any], *, prepared: bool = False) -> list:
    # Plain rows from the session's connection: the ORM's result machinery, of no use for rows
    # of columns, would cost as much as the statement itself.
    connection = db.session.connection()
    with outside_transaction(connection):
        if prepared:
            return execute_prepared(connection, statement, parameters).all()
        return connection.execute(statement, parameters).all()


def _plan_once(filters: ProductFilters) -> bool:
    """Whether one plan serves every search of this shape (see execute_prepared).

    Pages of the whole catalog or of one category, in any sort: a category is found by its slug
    through the join, so even a plan made for the value cannot tell how many products it has.
    With text, a tag or a price range, the value decides the plan: `min_price` above every
    price is answered from the price index in a millisecond, but a plan made for any value
    walks the name index through every product.
    """
    return not (
        filters.q
        or filters.tag
        or filters.exclude_allergens
        or filters.min_price is not None
        or filters.max_price is not None
    )


def list_page(filters: ProductFilters, *, limit: int, offset: int) -> ProductPage:
    """The products of one page of a search, in order, and the catalog revision."""
    statement = _statement(
        ("page", *search_shape(filters)),
        lambda: (
            select(Product.id, Product.stock, Product.updated_at, _REVISION)
            .where(*search_conditions(filters))
            .order_by(*search_order(filters))
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        ),
    )
    parameters = {**search_parameters(filters), "limit": limit, "offset": offset}
    rows = _rows(statement, parameters, prepared=_plan_once(filters))
    if not rows:
        return ProductPage([], current_revision())
    return ProductPage([PageEntry(*row[:3]) for row in rows], rows[0][3] or 0)


def count_products(filters: ProductFilters) -> tuple[int, int]:
    """How many products a search lists, and the catalog revision that count belongs to."""
    statement = _statement(
        ("count", *search_shape(filters)[:-1]),
        lambda: (
            select(func.count(), _REVISION).select_from(Product).where(*search_conditions(filters))
        ),
    )
    [(total, revision)] = _rows(statement, search_parameters(filters), prepared=_plan_once(filters))
    return total, revision or 0


def _joined_list(column, owner_column):
    return (
        select(func.aggregate_strings(column, _SEPARATOR))
        .where(owner_column == Product.id)
        .scalar_subquery()
    )


def describe_products(ids: Collection[int]) -> tuple[dict[int, ProductDetails], int]:
    """The details of these products by id, and the catalog revision they hold for.

    One statement, and a second for images only when one of the products has any.
    """
    statement = _statement(
        ("details",),
        lambda: (
            select(
                Product.id,
                Product.slug,
                Product.name,
                Product.description,
                Product.price_cents,
                Product.is_active,
                Product.created_at,
                Category.id,
                Category.slug,
                Category.name,
                _joined_list(ProductTag.tag, ProductTag.product_id),
                _joined_list(ProductAllergen.allergen, ProductAllergen.product_id),
                exists().where(ProductImage.product_id == Product.id),
                _REVISION,
            )
            .join(Product.category)
            .where(Product.id.in_(bindparam("ids", expanding=True)))
        ),
    )
    rows = _rows(statement, {"ids": list(ids)})
    if not rows:
        return {}, current_revision()
    pictured = [row[0] for row in rows if row[12]]
    images = _images_of(pictured) if pictured else {}
    details = {
        row[0]: ProductDetails(
            *row[:10],
            sorted(row[10].split(_SEPARATOR)) if row[10] else [],
            sorted(row[11].split(_SEPARATOR)) if row[11] else [],
            images.get(row[0], []),
        )
        for row in rows
    }
    return details, rows[0][13] or 0


def _images_of(product_ids: list[int]) -> dict[int, list[ListedImage]]:
    statement = _statement(
        ("images",),
        lambda: (
            select(
                ProductImage.product_id,
                ProductImage.id,
                ProductImage.file_key,
                ProductImage.width,
                ProductImage.height,
                ProductImage.alt,
            )
            .where(ProductImage.product_id.in_(bindparam("ids", expanding=True)))
            .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
        ),
    )
    images: dict[int, list[ListedImage]] = {}
    for product_id, *fields in _rows(statement, {"ids": product_ids}):
        images.setdefault(product_id, []).append(ListedImage(*fields))
    return images
