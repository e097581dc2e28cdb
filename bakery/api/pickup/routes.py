"""Pickup slots: the dates and times a shopper can collect an order, and which are free."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.pickup.schemas import PickupDaySchema, PickupSlotQuerySchema
from bakery.auth.guards import optional_user
from bakery.services import pickup

blp = Blueprint("pickup", __name__, url_prefix="/api/v1/pickup-slots", description="Pickup slots")


@blp.route("")
class PickupSlots(MethodView):
    @blp.arguments(PickupSlotQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PickupDaySchema(many=True))
    @blp.alt_response(401, response="UNAUTHORIZED", description="A bearer token that is not valid")
    @blp.doc(security=[{}, {"bearerAuth": []}])
    def get(self, days, first=None, product_id=None):
        """The slots of each date, and whether the products wanted fit in them

        The products are those named by `product_id`, else the caller's cart (with its
        quantities) when a bearer token is sent.
        """
        if product_id is not None:
            wants = pickup.wants_for_products(product_id)
        else:
            user = optional_user()
            wants = pickup.wants_in_cart(user) if user is not None else []
        return pickup.pickup_days(first, days, wants)
