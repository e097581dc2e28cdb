"""Catalog: categories, products with their tags and allergens, and product images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    select,
    true,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bakery.models.base import Base, IdMixin, TimestampMixin, utcnow

# The 14 allergens EU regulation 1169/2011 requires a food business to declare.
EU_ALLERGENS = (
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "peanuts",
    "soybeans",
    "milk",
    "nuts",
    "celery",
    "mustard",
    "sesame",
    "sulphites",
    "lupin",
    "molluscs",
)

SLUG_MAX = 120
NAME_MAX = 120
TAG_MAX = 40
CATEGORY_NAME_MAX = 80
CATEGORY_DESCRIPTION_MAX = 2000
PRODUCT_DESCRIPTION_MAX = 4000
ALT_MAX = 200
LISTING_SORT_COLUMNS = ("name", "price_cents", "created_at")
# Bounds of catalog writes, from the API and the dashboard alike: beyond them a value is a typo.
MAX_PRICE_CENTS = 10_000_000
MAX_STOCK = 1_000_000
MAX_POSITION = 10_000
MAX_TAGS = 20
MAX_LEAD_DAYS = 30
MAX_DAILY_LIMIT = 100_000
# Every weekday, as a bit per ISO weekday (Monday is bit 0): see Product.available_weekdays.
ALL_WEEKDAYS_MASK = 0b111_1111


def weekday_bit(weekday: int) -> int:
    """The bit of an ISO weekday in Product.weekday_mask."""
    return 1 << (weekday - 1)


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (Index(None, "is_active", "position"),)

    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    products: Mapped[list[Product]] = relationship(back_populates="category")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint(f"lead_days BETWEEN 0 AND {MAX_LEAD_DAYS}", name="lead_days_range"),
        CheckConstraint(
            f"daily_limit IS NULL OR daily_limit BETWEEN 1 AND {MAX_DAILY_LIMIT}",
            name="daily_limit_range",
        ),
        CheckConstraint(f"weekday_mask BETWEEN 1 AND {ALL_WEEKDAYS_MASK}", name="weekdays_known"),
        # Public listings filter on is_active (and perhaps one category) and sort by one of
        # these columns, ties broken by id: a page is read straight off the index, whatever the
        # size of the catalog or of the category.
        *(Index(None, "is_active", column, "id") for column in LISTING_SORT_COLUMNS),
        *(Index(None, "category_id", "is_active", column, "id") for column in LISTING_SORT_COLUMNS),
    )

    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    price_cents: Mapped[int]
    # None means the bakery does not count this item (made to order).
    stock: Mapped[int | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    # Days of notice: 0 is the same day; n means ordered before the cutoff n days before pickup.
    lead_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # Units that may be promised for one pickup date over all live orders; None: no limit.
    daily_limit: Mapped[int | None]
    # The weekdays it can be collected, one bit each, so "baked on Fridays" is one SQL test.
    weekday_mask: Mapped[int] = mapped_column(
        default=ALL_WEEKDAYS_MASK, server_default=str(ALL_WEEKDAYS_MASK)
    )

    category: Mapped[Category] = relationship(back_populates="products")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="(ProductImage.position, ProductImage.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    tag_links: Mapped[list[ProductTag]] = relationship(
        order_by="ProductTag.tag", cascade="all, delete-orphan", passive_deletes=True
    )
    allergen_links: Mapped[list[ProductAllergen]] = relationship(
        order_by="ProductAllergen.allergen", cascade="all, delete-orphan", passive_deletes=True
    )
    # Plain lists of strings for callers; rows underneath so filters are the same SQL everywhere.
    tags: AssociationProxy[list[str]] = association_proxy(
        "tag_links", "tag", creator=lambda tag: ProductTag(tag=tag)
    )
    allergens: AssociationProxy[list[str]] = association_proxy(
        "allergen_links", "allergen", creator=lambda allergen: ProductAllergen(allergen=allergen)
    )

    @hybrid_property
    def for_sale(self) -> bool:
        """Shoppers may see and buy it: the product and its category are both active."""
        return self.is_active and self.category.is_active

    @for_sale.inplace.expression
    @classmethod
    def _for_sale_expression(cls) -> ColumnElement[bool]:
        return cls.is_active & cls.category_id.in_(select(Category.id).where(Category.is_active))

    @property
    def available_weekdays(self) -> list[int]:
        """ISO weekdays (1 Monday to 7 Sunday) it can be collected on."""
        return [day for day in range(1, 8) if self.weekday_mask & weekday_bit(day)]

    @available_weekdays.setter
    def available_weekdays(self, weekdays: list[int]) -> None:
        self.weekday_mask = sum(weekday_bit(day) for day in set(weekdays))

    @classmethod
    def collected_on_weekday(cls, weekday: int) -> ColumnElement[bool]:
        """The products that can be collected on this ISO weekday, as a SQL condition."""
        return cls.weekday_mask.op("&")(weekday_bit(weekday)) != 0

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductTag(Base):
    __tablename__ = "product_tags"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True, index=True)


class ProductAllergen(Base):
    __tablename__ = "product_allergens"
    __table_args__ = (
        CheckConstraint(
            "allergen IN ({})".format(", ".join(f"'{name}'" for name in EU_ALLERGENS)),
            name="allergen_known",
        ),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    allergen: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class ProductImage(IdMixin, Base):
    __tablename__ = "product_images"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        Index(None, "product_id", "position"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # Random name shared by the stored variants; never derived from the uploaded file's name.
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    alt: Mapped[str] = mapped_column(String(ALT_MAX), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    product: Mapped[Product] = relationship(back_populates="images")


class CatalogRevision(Base):
    """One row counting catalog changes: the ETags of catalog lists are made from it.

    Every catalog write bumps it in the same transaction, so a list answer the app makes never
    carries the ETag of one made before the last committed change.
    """

    __tablename__ = "catalog_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
