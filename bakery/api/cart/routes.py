"""The signed-in shopper's cart: read it, add, change and remove lines, empty it."""

from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.cart.schemas import AddItemSchema, CartSchema, QuantitySchema
from bakery.auth.guards import auth_required, current_user
from bakery.extensions import db
from bakery.services import cart

blp = Blueprint("cart", __name__, url_prefix="/api/v1/cart", description="The shopper's cart")


@blp.route("")
class Cart(MethodView):
    @auth_required(blp)
    @blp.response(200, CartSchema)
    def get(self):
        """The caller's cart, priced with today's catalog prices"""
        return cart.view_cart(current_user())

    @auth_required(blp)
    @blp.response(204)
    def delete(self):
        """Empty the cart"""
        cart.empty_cart(current_user())
        db.session.commit()


@blp.route("/items")
class CartItems(MethodView):
    @auth_required(blp)
    @blp.arguments(AddItemSchema)
    @blp.response(201, CartSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="No such product for sale")
    @blp.alt_response(409, response="CONFLICT", description="Not enough stock")
    def post(self, data):
        """Add a product, or more of one already in the cart (at most 99 per line)"""
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
    def patch(self, data, item_id):
        """Change a line's quantity"""
        cart.set_quantity(current_user(), item_id=item_id, **data)
        db.session.commit()
        return cart.view_cart(current_user())

    @auth_required(blp)
    @blp.response(200, CartSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, item_id):
        """Remove a line"""
        cart.remove_item(current_user(), item_id=item_id)
        db.session.commit()
        return cart.view_cart(current_user())
