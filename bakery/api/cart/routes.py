"""The shopper's cart: read, add, change, remove lines, empty it; price and merge guest carts."""

from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.cart.schemas import (
    AddItemSchema,
    CartQuoteSchema,
    CartSchema,
    GuestCartSchema,
    MergedCartSchema,
    QuantitySchema,
)
from bakery.auth.guards import auth_required, current_user
from bakery.extensions import db
from bakery.services import cart

blp = Blueprint("cart", __name__, url_prefix="/api/v1/cart", description="The shopper's cart")

CART_EXAMPLE = {
    "items": [
        {
            "id": 31,
            "product": {
                "id": 7,
                "slug": "country-sourdough",
                "name": "Country Sourdough",
                "price_cents": 450,
                "images": [],
                "is_active": True,
            },
            "quantity": 2,
            "unit_price_cents": 450,
            "line_total_cents": 900,
        }
    ],
    "item_count": 2,
    "subtotal_cents": 900,
    "total_cents": 900,
    "currency": "EUR",
}


@blp.route("")
class Cart(MethodView):
    @auth_required(blp)
    @blp.response(200, CartSchema, example=CART_EXAMPLE)
    @blp.doc(operationId="getCart")
    def get(self):
        """The caller's cart, priced with today's catalog prices

        A line whose product is no longer for sale stays, flagged `is_active: false`, until
        the shopper removes it; checkout refuses the cart meanwhile.
        """
        return cart.view_cart(current_user())

    @auth_required(blp)
    @blp.response(204)
    @blp.doc(operationId="emptyCart")
    def delete(self):
        """Empty the cart

        Nothing was reserved by the cart, so nothing goes back to the shelf.
        """
        cart.empty_cart(current_user())
        db.session.commit()


@blp.route("/items")
class CartItems(MethodView):
    @auth_required(blp)
    @blp.arguments(AddItemSchema, example={"product_id": 7, "quantity": 2})
    @blp.response(201, CartSchema, example=CART_EXAMPLE)
    @blp.alt_response(404, response="NOT_FOUND", description="No such product for sale")
    @blp.alt_response(409, response="CONFLICT", description="Not enough stock")
    @blp.doc(operationId="addCartItem")
    def post(self, data):
        """Add a product, or more of one already in the cart

        A product already in the cart gets one line with the quantities added (at most 99);
        the answer is the whole cart.
        """
        cart.add_item(current_user(), **data)
        db.session.commit()
        return cart.view_cart(current_user())


@blp.route("/items/<id:item_id>")
class CartItem(MethodView):
    @auth_required(blp)
    @blp.arguments(QuantitySchema)
    @blp.response(200, CartSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Not enough stock")
    @blp.doc(operationId="updateCartItem")
    def patch(self, data, item_id):
        """Change a line's quantity

        The answer is the whole cart; remove a line with DELETE rather than quantity 0.
        """
        cart.set_quantity(current_user(), item_id=item_id, **data)
        db.session.commit()
        return cart.view_cart(current_user())

    @auth_required(blp)
    @blp.response(200, CartSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="removeCartItem")
    def delete(self, item_id):
        """Remove a line

        The answer is the cart without it.
        """
        cart.remove_item(current_user(), item_id=item_id)
        db.session.commit()
        return cart.view_cart(current_user())


GUEST_CART_EXAMPLE = {
    "items": [
        {"product_id": 7, "quantity": 2},
        {"product_id": 12, "quantity": 1},
    ]
}
QUOTE_EXAMPLE = {
    **CART_EXAMPLE,
    "items": [{**CART_EXAMPLE["items"][0], "id": None}],
    "unavailable": [12],
}
# A private answer made for this request: no cache may keep it, nor answer the next one.
NOT_STORED = {"Cache-Control": "no-store"}


@blp.route("/quote")
class CartQuote(MethodView):
    @blp.arguments(GuestCartSchema, example=GUEST_CART_EXAMPLE)
    @blp.response(200, CartQuoteSchema, example=QUOTE_EXAMPLE)
    @blp.doc(operationId="quoteCart")
    def post(self, data):
        """Price a guest cart (no sign-in needed)

        For a cart the browser keeps before the shopper signs in: the lines priced with today's
        catalog, in the shape of the cart, as merging them into an empty cart would make them.
        The same product twice is one line with the quantities added; a line holds at most 99
        and at most the stock. Products unknown, no longer for sale or sold out are left out of
        the lines and listed in `unavailable`. Nothing is stored; lines have `id: null`.
        """
        return cart.quote_cart(data["items"]), NOT_STORED


@blp.route("/merge")
class CartMerge(MethodView):
    @auth_required(blp)
    @blp.arguments(GuestCartSchema, example=GUEST_CART_EXAMPLE)
    @blp.response(200, MergedCartSchema, example={**CART_EXAMPLE, "unavailable": [12]})
    @blp.doc(operationId="mergeCart")
    def post(self, data):
        """Add a guest cart to the caller's cart, after signing in

        Each product is added to the cart; one already there gets the quantities added, capped
        at 99 and at the stock (a line already in the cart is never made smaller). Products
        unknown, no longer for sale or sold out are left out and listed in `unavailable`. All
        lines or none are added; the answer is the whole cart.
        """
        merged = cart.merge_into_cart(current_user(), data["items"])
        db.session.commit()
        return merged, NOT_STORED
