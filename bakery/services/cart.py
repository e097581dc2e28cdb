"""Cart rules: one cart per shopper, one line per product, quantities 1..99, server-side totals.

Guest carts live in the shopper's browser: the server prices them (`quote_cart`) and, once the
shopper signs in, adds them to the account's cart (`merge_into_cart`), with the same caps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.catalog import Product
from bakery.models.orders import MAX_LINE_QUANTITY, Cart, CartItem
from bakery.services.errors import InvalidInput, NotFound, OutOfStock


@dataclass(frozen=True)
class CartLine:
    item: CartItem

    @property
    def unit_price_cents(self) -> int:
        # Always today's catalog price: a cart never remembers an old one.
        return self.item.product.price_cents

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.item.quantity

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def product(self) -> Product:
        return self.item.product

    @property
    def quantity(self) -> int:
        return self.item.quantity


@dataclass(frozen=True)
class QuotedLine:
    """A line of a guest cart: priced like a cart line, stored nowhere, so it has no id."""

    product: Product
    quantity: int
    id: None = None

    @property
    def unit_price_cents(self) -> int:
        return self.product.price_cents

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class Wanted:
    """A line a shopper asks for: a product id and a quantity (1..99, checked by the caller)."""

    product_id: int
    quantity: int


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine] | list[QuotedLine]
    # Products asked for that could not be put in the cart: unknown, not for sale, sold out.
    unavailable: list[int] = field(default_factory=list)

    @property
    def items(self) -> list[CartLine]:
        return self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents


def _cart_of(user: User, *, create: bool) -> Cart | None:
    query = (
        select(Cart)
        .where(Cart.user_id == user.id)
        .options(
            selectinload(Cart.items)
            .selectinload(CartItem.product)
            .options(selectinload(Product.images), joinedload(Product.category))
        )
    )
    cart = db.session.scalar(query)
    if cart is not None or not create:
        return cart
    try:
        with db.session.begin_nested():
            cart = Cart(user_id=user.id)
            db.session.add(cart)
    except IntegrityError:
        # Two first adds at once: the other request made the cart.
        cart = db.session.scalar(query)
    return cart


def _locked_cart(user: User, *, create: bool) -> Cart | None:
    """The cart under a row lock: one change at a time per cart, checkout included, so two
    requests never both read a line and write back their own version of it."""
    cart = _cart_of(user, create=create)
    if cart is None:
        return None
    db.session.execute(select(Cart.id).where(Cart.id == cart.id).with_for_update())
    # Lines read before the lock may be stale: read them again over the ones in the session.
    db.session.scalars(
        select(CartItem)
        .where(CartItem.cart_id == cart.id)
        .execution_options(populate_existing=True)
    ).all()
    db.session.expire(cart, ["items"])
    return cart


def view_cart(user: User) -> CartView:
    cart = _cart_of(user, create=False)
    return CartView([CartLine(item) for item in cart.items] if cart else [])


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidInput(f"A line holds 1 to {MAX_LINE_QUANTITY} of a product", field="quantity")


def _check_stock(product: Product, quantity: int) -> None:
    if product.stock is not None and quantity > product.stock:
        raise OutOfStock(f"Only {product.stock} of {product.name!r} left", field="quantity")


def add_item(user: User, *, product_id: int, quantity: int) -> None:
    """Put a product in the cart, or add to its line when it is there already."""
    product = db.session.get(Product, product_id)
    if product is None or not product.for_sale:
        raise NotFound(f"No product with id {product_id} is for sale")
    cart = _locked_cart(user, create=True)
    line = next((item for item in cart.items if item.product_id == product_id), None)
    total = quantity + (line.quantity if line else 0)
    if line is not None and total > MAX_LINE_QUANTITY:
        raise InvalidInput(
            f"A line holds at most {MAX_LINE_QUANTITY}; {line.quantity} of "
            f"{product.name!r} are in the cart already",
            field="quantity",
        )
    _check_quantity(total)
    _check_stock(product, total)
    if line is None:
        cart.items.append(CartItem(product=product, quantity=quantity))
    else:
        line.quantity = total
    db.session.flush()


def _line_of(user: User, item_id: int) -> CartItem:
    cart = _locked_cart(user, create=False)
    line = next((item for item in cart.items if item.id == item_id), None) if cart else None
    if line is None:
        # Another shopper's line is as unknown as a line that does not exist.
        raise NotFound(f"No line {item_id} in your cart")
    return line


def set_quantity(user: User, *, item_id: int, quantity: int) -> None:
    line = _line_of(user, item_id)
    _check_quantity(quantity)
    _check_stock(line.product, quantity)
    line.quantity = quantity
    db.session.flush()


def remove_item(user: User, *, item_id: int) -> None:
    line = _line_of(user, item_id)
    line.cart.items.remove(line)
    db.session.flush()


def empty_cart(user: User) -> None:
    cart = _locked_cart(user, create=False)
    if cart is not None:
        cart.items.clear()
        db.session.flush()


def _wanted_per_product(wanted: Iterable[Wanted]) -> dict[int, int]:
    """One quantity per product, in the order first asked for: the same product twice adds up."""
    totals: dict[int, int] = {}
    for line in wanted:
        totals[line.product_id] = totals.get(line.product_id, 0) + line.quantity
    return totals


def _products_for_sale(product_ids: Iterable[int]) -> dict[int, Product]:
    """The products among these ids that are for sale, with what a cart answer shows of them."""
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(list(product_ids)), Product.for_sale)
        .options(selectinload(Product.images), joinedload(Product.category))
    ).unique()
    return {product.id: product for product in products}


def _capped(product: Product, quantity: int) -> int:
    """What a line can hold of the product: at most 99, and at most the stock when counted."""
    limit = MAX_LINE_QUANTITY if product.stock is None else min(MAX_LINE_QUANTITY, product.stock)
    return max(0, min(quantity, limit))


def quote_cart(wanted: Iterable[Wanted]) -> CartView:
    """Price a guest cart with today's catalog, as merging it into an empty cart would make it.

    The same product twice is one line with the quantities added; a line holds at most 99 and
    at most the stock. Products unknown, no longer for sale or sold out are left out of the
    lines and listed in `unavailable`. Nothing is stored.
    """
    totals = _wanted_per_product(wanted)
    products = _products_for_sale(totals)
    lines: list[QuotedLine] = []
    unavailable: list[int] = []
    for product_id, quantity in totals.items():
        product = products.get(product_id)
        held = _capped(product, quantity) if product is not None else 0
        if held:
            lines.append(QuotedLine(product=product, quantity=held))
        else:
            unavailable.append(product_id)
    return CartView(lines, unavailable)


def merge_into_cart(user: User, wanted: Iterable[Wanted]) -> CartView:
    """Add a guest cart's lines to the user's cart; the cart after, with what was left out.

    A product already in the cart gets the quantities added, capped at 99 and at the stock; a
    line the shopper already had is never made smaller. Products unknown, no longer for sale or
    sold out (and not in the cart) are left out and listed in `unavailable`. The cart row is
    locked first, as checkout does, so concurrent merges of one cart queue and none loses the
    other's lines.
    """
    totals = _wanted_per_product(wanted)
    if not totals:
        return view_cart(user)
    products = _products_for_sale(totals)
    cart = _locked_cart(user, create=True)
    lines = {item.product_id: item for item in cart.items}
    unavailable: list[int] = []
    for product_id, quantity in totals.items():
        product = products.get(product_id)
        if product is None:
            unavailable.append(product_id)
            continue
        line = lines.get(product_id)
        had = line.quantity if line is not None else 0
        held = _capped(product, had + quantity)
        if line is not None:
            line.quantity = max(had, held)
        elif held:
            cart.items.append(CartItem(product=product, quantity=held))
        else:
            unavailable.append(product_id)
    db.session.flush()
    # Read again with what the answer shows of each line, in a fixed few queries.
    db.session.expire(cart, ["items"])
    return CartView(view_cart(user).lines, unavailable)
