"""Pickup slots: the dates and times a shopper can collect an order, and which are free."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.document import error_response
from bakery.api.pickup.schemas import PickupDaySchema, PickupSlotQuerySchema
from bakery.auth.guards import optional_user
from bakery.services import pickup

EXAMPLE = [
    {"date": "2026-12-07", "is_open": False, "reason": "closed", "slots": []},
    {
        "date": "2026-12-08",
        "is_open": True,
        "reason": None,
        "slots": [
            {
                "start": "2026-12-08T07:00:00+01:00",
                "end": "2026-12-08T07:30:00+01:00",
                "remaining": 0,
                "is_available": False,
                "reason": "full",
                "unavailable_products": [],
            },
            {
                "start": "2026-12-08T07:30:00+01:00",
                "end": "2026-12-08T08:00:00+01:00",
                "remaining": 4,
                "is_available": True,
                "reason": None,
                "unavailable_products": [],
            },
        ],
    },
]

blp = Blueprint("pickup", __name__, url_prefix="/api/v1/pickup-slots", description="Pickup slots")


@blp.route("")
class PickupSlots(MethodView):
    @blp.arguments(PickupSlotQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PickupDaySchema(many=True), example=EXAMPLE)
    @blp.alt_response(401, response="UNAUTHORIZED", description="A bearer token that is not valid")
    @blp.alt_response(403, response="FORBIDDEN", description="The account is deactivated")
    @blp.alt_response(
        503,
        **error_response("The identity provider cannot be reached; try again", retry=True),
    )
    @blp.doc(security=[{}, {"bearerAuth": []}], operationId="listPickupSlots")
    def get(self, days, first=None, product_id=None):
        """The slots of each date, and whether the products wanted fit in them

        The products are those named by `product_id`, else the caller's cart (with its
        quantities) when a bearer token is sent.
        """
        user = optional_user() if product_id is None else None
        return pickup.pickup_days(first, days, pickup.wants_for(product_id, user))
