"""Catalog rules: categories and products, slugs, tags, allergens and the revision."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.catalog import (
    CATEGORY_NAME_MAX,
    EU_ALLERGENS,
    MAX_DAILY_LIMIT,
    MAX_LEAD_DAYS,
    MAX_POSITION,
    MAX_PRICE_CENTS,
    MAX_STOCK,
    MAX_TAGS,
    NAME_MAX,
    SLUG_MAX,
    TAG_MAX,
    CatalogRevision,
    Category,
    Product,
)
from bakery.models.orders import OrderItem
from bakery.services import events
from bakery.services.errors import Conflict, InvalidInput, NotFound

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
PRODUCT_FIELDS = frozenset(
    {
        "name",
        "slug",
        "description",
        "price_cents",
        "stock",
        "is_active",
        "category_id",
        "lead_days",
        "daily_limit",
    }
)
CATEGORY_FIELDS = frozenset({"name", "slug", "description", "position", "is_active"})


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: 'Pain au chocolat' -> 'pain-au-chocolat'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def _slug_taken(model, slug: str, *, other_than: int | None = None) -> bool:
    query = select(model.id).where(model.slug == slug)
    if other_than is not None:
        query = query.where(model.id != other_than)
    return db.session.scalar(query) is not None


def _unique_slug(model, name: str) -> str:
    base = slugify(name) or model.__tablename__.rstrip("s")
    slug, counter = base, 1
    while _slug_taken(model, slug):
        counter += 1
        suffix = f"-{counter}"
        slug = base[: SLUG_MAX - len(suffix)] + suffix
    return slug


def _explicit_slug(model, slug: str, *, other_than: int | None = None) -> str:
    if not slug or slugify(slug) != slug:
        raise InvalidInput(
            "A slug may only hold lower-case letters, digits and single hyphens", field="slug"
        )
    if _slug_taken(model, slug, other_than=other_than):
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
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(f"A product takes at most {MAX_TAGS} tags", field="tags")
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


def bump_revision() -> None:
    """Mark the catalog changed, in the write's own transaction: every catalog ETag changes."""
    db.session.execute(
        update(CatalogRevision)
        .where(CatalogRevision.id == 1)
        .values(revision=CatalogRevision.revision + 1)
    )


def product_changed(product: Product) -> None:
    """Mark what a product shows as changed: its own updated_at (its ETag), and every list.

    For changes kept in other tables (tags, allergens, photos), which leave the product's row
    alone otherwise.
    """
    product.updated_at = utcnow()
    db.session.flush()
    bump_revision()
    events.record("product.updated", product)


def current_revision() -> int:
    return db.session.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0


# --- categories ------------------------------------------------------------------------------


def list_categories(*, include_inactive: bool = False) -> Select:
    query = select(Category).order_by(Category.position, Category.name, Category.id)
    return query if include_inactive else query.where(Category.is_active)


def get_category(slug: str, *, include_inactive: bool = False) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not (category.is_active or include_inactive):
        raise NotFound(f"No category {slug!r}")
    return category


def create_category(
    *,
    name: str,
    slug: str | None = None,
    description: str = "",
    position: int = 0,
    is_active: bool = True,
) -> Category:
    category = Category(
        name=_required_name(name, CATEGORY_NAME_MAX),
        slug=_unique_slug(Category, name) if slug is None else _explicit_slug(Category, slug),
        description=description or "",
        position=_check_position(position),
        is_active=is_active,
    )
    db.session.add(category)
    db.session.flush()
    bump_revision()
    return category


def category_for_seed(*, slug: str, **fields: Any) -> Category:
    """The category with this slug, made with `fields` when there is none yet."""
    existing = db.session.scalar(select(Category).where(Category.slug == slug))
    return existing if existing is not None else create_category(slug=slug, **fields)


def update_category(category: Category, changes: dict[str, Any]) -> Category:
    _refuse_unknown(changes, CATEGORY_FIELDS)
    if "slug" in changes:
        category.slug = _explicit_slug(Category, changes.pop("slug"), other_than=category.id)
    if "name" in changes:
        category.name = _required_name(changes.pop("name"), CATEGORY_NAME_MAX)
    if "position" in changes:
        category.position = _check_position(changes.pop("position"))
    for name, value in changes.items():
        setattr(category, name, value)
    db.session.flush()
    bump_revision()
    return category


def count_products_by_category(category_ids: Iterable[int]) -> dict[int, int]:
    """How many products (active or not) each of these categories holds, in one statement."""
    ids = list(category_ids)
    counts = db.session.execute(
        select(Product.category_id, func.count())
        .where(Product.category_id.in_(ids))
        .group_by(Product.category_id)
    )
    return dict.fromkeys(ids, 0) | dict(counts.all())


def delete_category(category: Category) -> None:
    if db.session.scalar(select(exists().where(Product.category_id == category.id))):
        raise Conflict(
            f"The category {category.slug!r} still has products; move or delete them first"
        )
    db.session.delete(category)
    db.session.flush()
    bump_revision()


# --- products --------------------------------------------------------------------------------


def with_details(query: Select) -> Select:
    """Products with images, tags and allergens in three batched statements, whatever the count.

    The category comes with the product's own statement.
    """
    return query.options(
        joinedload(Product.category),
        selectinload(Product.images),
        selectinload(Product.tag_links),
        selectinload(Product.allergen_links),
    )


def get_product(slug: str, *, include_inactive: bool = False) -> Product:
    product = db.session.scalar(with_details(select(Product).where(Product.slug == slug)))
    if product is None or not (product.for_sale or include_inactive):
        raise NotFound(f"No product {slug!r}")
    return product


def _category_for(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"No category with id {category_id}", field="category_id")
    return category


def _required_name(name: str, longest: int) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput("The name cannot be blank", field="name")
    if len(cleaned) > longest:
        raise InvalidInput(f"The name may be {longest} characters at most", field="name")
    return cleaned


def _check_amounts(price_cents: int | None, stock: int | None) -> None:
    # Past the upper bounds a value is a typo (an extra zero), not a price or a batch.
    if price_cents is not None and price_cents < 0:
        raise InvalidInput("The price cannot be negative", field="price_cents")
    if price_cents is not None and price_cents > MAX_PRICE_CENTS:
        raise InvalidInput(f"The price may be {MAX_PRICE_CENTS} cents at most", field="price_cents")
    if stock is not None and stock < 0:
        raise InvalidInput("The stock cannot be negative", field="stock")
    if stock is not None and stock > MAX_STOCK:
        raise InvalidInput(f"The stock may be {MAX_STOCK} at most", field="stock")


def _check_pickup_rules(lead_days: int | None, daily_limit: int | None) -> None:
    if lead_days is not None and not 0 <= lead_days <= MAX_LEAD_DAYS:
        raise InvalidInput(
            f"The notice must be 0 to {MAX_LEAD_DAYS} days (lead_days)", field="lead_days"
        )
    if daily_limit is not None and not 1 <= daily_limit <= MAX_DAILY_LIMIT:
        raise InvalidInput(
            f"The daily limit must be 1 to {MAX_DAILY_LIMIT} units, or none", field="daily_limit"
        )


def clean_weekdays(weekdays: Iterable[int]) -> list[int]:
    """The weekdays a product can be collected on: 1 (Monday) to 7, each once, at least one."""
    days = list(weekdays)
    if not days:
        raise InvalidInput(
            "Choose at least one weekday the product can be collected on",
            field="available_weekdays",
        )
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7:
            raise InvalidInput(
                f"Weekdays are 1 (Monday) to 7 (Sunday), not {day!r}", field="available_weekdays"
            )
    if len(set(days)) != len(days):
        raise InvalidInput("A weekday is listed twice", field="available_weekdays")
    return sorted(days)


def _check_position(position: int) -> int:
    if not 0 <= position <= MAX_POSITION:
        raise InvalidInput(f"The position must be between 0 and {MAX_POSITION}", field="position")
    return position


def create_product(
    *,
    name: str,
    price_cents: int,
    category: Category | None = None,
    category_id: int | None = None,
    slug: str | None = None,
    description: str = "",
    stock: int | None = None,
    is_active: bool = True,
    tags: Iterable[str] = (),
    allergens: Iterable[str] = (),
    lead_days: int = 0,
    daily_limit: int | None = None,
    available_weekdays: Iterable[int] = range(1, 8),
) -> Product:
    _check_amounts(price_cents, stock)
    _check_pickup_rules(lead_days, daily_limit)
    # Everything checked before the product exists: a half-made one must not reach the session.
    tags = clean_tags(tags)
    allergens = clean_allergens(allergens)
    weekdays = clean_weekdays(available_weekdays)
    product = Product(
        name=_required_name(name, NAME_MAX),
        slug=_unique_slug(Product, name) if slug is None else _explicit_slug(Product, slug),
        category=category if category is not None else _category_for(category_id),
        price_cents=price_cents,
        description=description or "",
        stock=stock,
        is_active=is_active,
        lead_days=lead_days,
        daily_limit=daily_limit,
    )
    product.available_weekdays = weekdays
    product.tags = tags
    product.allergens = allergens
    db.session.add(product)
    db.session.flush()
    bump_revision()
    events.record("product.created", product)
    return product


def update_product(product: Product, changes: dict[str, Any]) -> Product:
    """Change the given fields only; tags and allergens are replaced as a whole when given."""
    _refuse_unknown(changes, PRODUCT_FIELDS | {"tags", "allergens", "available_weekdays"})
    changes = dict(changes)
    _check_amounts(changes.get("price_cents"), changes.get("stock"))
    _check_pickup_rules(changes.get("lead_days"), changes.get("daily_limit"))
    if "available_weekdays" in changes:
        product.available_weekdays = clean_weekdays(changes.pop("available_weekdays"))
    if "slug" in changes:
        product.slug = _explicit_slug(Product, changes.pop("slug"), other_than=product.id)
    if "name" in changes:
        product.name = _required_name(changes.pop("name"), NAME_MAX)
    if "category_id" in changes:
        product.category = _category_for(changes.pop("category_id"))
    if "tags" in changes:
        product.tags = clean_tags(changes.pop("tags"))
    if "allergens" in changes:
        product.allergens = clean_allergens(changes.pop("allergens"))
    for name, value in changes.items():
        setattr(product, name, value)
    product_changed(product)
    return product


def delete_product(product: Product) -> None:
    from bakery.services.images import forget_files

    if db.session.scalar(select(exists().where(OrderItem.product_id == product.id))):
        raise Conflict(
            f"The product {product.slug!r} appears in orders and cannot be deleted; "
            "deactivate it instead"
        )
    for image in product.images:
        forget_files(image)
    events.record_data("product.deleted", {"id": product.id, "slug": product.slug})
    db.session.delete(product)
    db.session.flush()
    bump_revision()


def set_products_active(product_ids: Iterable[int], is_active: bool) -> int:
    """Switch many products on or off in one statement; returns how many actually changed.

    The revision moves once for the whole batch, and not at all when nothing changed; each
    product that changed tells its webhooks.
    """
    changing = db.session.scalars(
        select(Product.id).where(Product.id.in_(list(product_ids)), Product.is_active != is_active)
    ).all()
    if not changing:
        return 0
    db.session.execute(
        update(Product)
        .where(Product.id.in_(changing))
        .values(is_active=is_active, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    bump_revision()
    for product in db.session.scalars(
        with_details(
            select(Product).where(Product.id.in_(changing)).order_by(Product.id)
        ).execution_options(populate_existing=True)
    ):
        events.record("product.updated", product)
    return len(changing)


def catalog_is_empty() -> bool:
    return not db.session.scalar(select(exists().where(Product.id.is_not(None))))


def _refuse_unknown(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}", field=unknown[0])
