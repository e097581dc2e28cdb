"""The domain model; importing this package registers every table on the shared metadata."""

from bakery.models.accounts import Role, User
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
from bakery.models.events import (
    EVENT_TYPES,
    DeliveryStatus,
    Event,
    EventDispatcher,
    WebhookDelivery,
    WebhookEndpoint,
)
from bakery.models.orders import (
    Cart,
    CartItem,
    IdempotencyKey,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusChange,
)
from bakery.models.shop import (
    Closure,
    DailyBooking,
    OpeningWindow,
    ShopProfile,
    SlotBooking,
)

__all__ = [
    "EU_ALLERGENS",
    "EVENT_TYPES",
    "Base",
    "Cart",
    "CartItem",
    "CatalogRevision",
    "Category",
    "Closure",
    "DailyBooking",
    "DeliveryStatus",
    "Event",
    "EventDispatcher",
    "IdempotencyKey",
    "OpeningWindow",
    "Order",
    "OrderItem",
    "OrderStatus",
    "OrderStatusChange",
    "Product",
    "ProductAllergen",
    "ProductImage",
    "ProductTag",
    "Role",
    "ShopProfile",
    "SlotBooking",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
