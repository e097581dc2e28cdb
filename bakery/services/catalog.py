"""Catalog rules: categories and products, slugs, tags and allergens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import exists, select

from bakery.extensions import db
from bakery.models.catalog import (
    EU_ALLERGENS,
    SLUG_MAX,
    TAG_MAX,
    Category,
    Product,
)
from bakery.services.errors import Conflict, InvalidInput

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: 'Pain au chocolat' -> 'pain-au-chocolat'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def _unique_slug(model, name: str) -> str:
    base = slugify(name) or model.__tablename__.rstrip("s")
    slug, counter = base, 1
    while db.session.scalar(select(exists().where(model.slug == slug))):
        counter += 1
        suffix = f"-{counter}"
        slug = base[: SLUG_MAX - len(suffix)] + suffix
    return slug


def _claim_slug(model, slug: str | None, name: str) -> str:
    if slug is None:
        return _unique_slug(model, name)
    if slugify(slug) != slug:
        raise InvalidInput(
            "A slug may only hold lower-case letters, digits and single hyphens", field="slug"
        )
    if db.session.scalar(select(exists().where(model.slug == slug))):
        raise Conflict(f"The slug {slug!r} is already taken", field="slug")
    return slug


def clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        value = slugify(tag)
        if not value or len(value) > TAG_MAX:
            raise InvalidInput(
                f"Tags must be 1-{TAG_MAX} letters, digits or hyphens: {tag!r}", field="tags"
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def clean_allergens(allergens: Iterable[str]) -> list[str]:
    cleaned = []
    for allergen in allergens:
        value = allergen.strip().lower()
        if value not in EU_ALLERGENS:
            raise InvalidInput(
                f"{allergen!r} is not one of the 14 EU allergens ({', '.join(EU_ALLERGENS)})",
                field="allergens",
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def create_category(
    *,
    name: str,
    slug: str | None = None,
    description: str = "",
    position: int = 0,
    is_active: bool = True,
) -> Category:
    category = Category(
        name=name.strip(),
        slug=_claim_slug(Category, slug, name),
        description=description,
        position=position,
        is_active=is_active,
    )
    db.session.add(category)
    db.session.flush()
    return category


def create_product(
    *,
    name: str,
    category: Category,
    price_cents: int,
    slug: str | None = None,
    description: str = "",
    stock: int | None = None,
    is_active: bool = True,
    tags: Iterable[str] = (),
    allergens: Iterable[str] = (),
) -> Product:
    if price_cents < 0:
        raise InvalidInput("The price cannot be negative", field="price_cents")
    if stock is not None and stock < 0:
        raise InvalidInput("The stock cannot be negative", field="stock")
    product = Product(
        name=name.strip(),
        slug=_claim_slug(Product, slug, name),
        category=category,
        price_cents=price_cents,
        description=description,
        stock=stock,
        is_active=is_active,
    )
    product.tags = clean_tags(tags)
    product.allergens = clean_allergens(allergens)
    db.session.add(product)
    db.session.flush()
    return product


def catalog_is_empty() -> bool:
    return not db.session.scalar(select(exists().where(Product.id.is_not(None))))
