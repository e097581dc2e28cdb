"""The domain model; importing this package registers every table on the shared metadata."""

from bakery.models.accounts import ROLES, User
from bakery.models.base import Base
from bakery.models.catalog import (
    EU_ALLERGENS,
    CatalogRevision,
    Category,
    Product,
    ProductAllergen,
    ProductImage,
    ProductTag,
)
from bakery.models.orders import (
    ORDER_STATUSES,
    Cart,
    CartItem,
    IdempotencyKey,
    Order,
    OrderItem,
    OrderStatusChange,
)

__all__ = [
    "EU_ALLERGENS",
    "ORDER_STATUSES",
    "ROLES",
    "Base",
    "Cart",
    "CartItem",
    "CatalogRevision",
    "Category",
    "IdempotencyKey",
    "Order",
    "OrderItem",
    "OrderStatusChange",
    "Product",
    "ProductAllergen",
    "ProductImage",
    "ProductTag",
    "User",
]
