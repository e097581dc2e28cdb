"""Shop: its profile and pickup rules for everyone; admins change them and close dates."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.shop.schemas import (
    ClosureCreateSchema,
    ClosureSchema,
    ShopSchema,
    ShopUpdateSchema,
)
from bakery.auth.guards import auth_required
from bakery.extensions import db
from bakery.services import shop

WEEK = [
    *({"weekday": weekday, "opens": "07:00", "closes": "18:00"} for weekday in range(2, 7)),
    {"weekday": 7, "opens": "08:00", "closes": "12:00"},
]
SHOP_EXAMPLE = {
    "name": "Rye & Rise",
    "address": "Bergstraße 12, 10115 Berlin",
    "phone": "+49 30 1234567",
    "email": "hello@ryeandrise.example",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "pickup": {
        "slot_minutes": 30,
        "slot_capacity": 10,
        "min_lead_minutes": 60,
        "cutoff_time": "18:00",
        "horizon_days": 14,
        "opening_hours": WEEK,
        "closures": [
            {"id": 1, "date_from": "2026-12-24", "date_to": "2026-12-26", "reason": "Christmas"}
        ],
    },
}
PATCH_EXAMPLE = {"pickup": {"slot_capacity": 6, "opening_hours": WEEK}}

blp = Blueprint(
    "shop", __name__, url_prefix="/api/v1/shop", description="The shop and its pickup calendar"
)


def _whole_shop() -> dict:
    profile = shop.get_profile()
    return {
        "name": profile.name,
        "address": profile.address,
        "phone": profile.phone,
        "email": profile.email,
        "pickup": {
            "slot_minutes": profile.slot_minutes,
            "slot_capacity": profile.slot_capacity,
            "min_lead_minutes": profile.min_lead_minutes,
            "cutoff_time": profile.cutoff_time,
            "horizon_days": profile.horizon_days,
            "opening_hours": shop.opening_hours(),
            "closures": shop.closures_from(shop.shop_today()),
        },
    }


@blp.route("")
class Shop(MethodView):
    @blp.response(200, ShopSchema, example=SHOP_EXAMPLE)
    @blp.doc(operationId="getShop")
    def get(self):
        """The shop's profile, opening hours, pickup rules and closures to come

        Times of day are on the shop's clock (`timezone`); a weekday without an opening
        window is closed.
        """
        return _whole_shop()

    @auth_required(blp, role="admin")
    @blp.arguments(ShopUpdateSchema, example=PATCH_EXAMPLE)
    @blp.response(200, ShopSchema, example=SHOP_EXAMPLE)
    @blp.doc(operationId="updateShop")
    def patch(self, data):
        """Change the profile or pickup rules (admin)

        `opening_hours` replaces the whole week.

        Takes the shape GET shows, or any part of it. `currency` and `timezone` come from the
        configuration and may only be sent back unchanged; `pickup.closures` is ignored here.
        """
        for read_only in ("currency", "timezone"):
            data.pop(read_only, None)
        data.get("pickup", {}).pop("closures", None)
        shop.update_shop(data)
        db.session.commit()
        return _whole_shop()


@blp.route("/closures")
class Closures(MethodView):
    @auth_required(blp, role="admin")
    @blp.arguments(
        ClosureCreateSchema,
        example={"date_from": "2026-12-24", "date_to": "2026-12-26", "reason": "Christmas"},
    )
    @blp.response(201, ClosureSchema)
    @blp.doc(operationId="addClosure")
    def post(self, data):
        """Close the shop on a date or a range of dates (admin)

        Orders already placed for those dates stay; the dashboard lists them so the shop can
        tell their customers.
        """
        closure = shop.add_closure(**data)
        db.session.commit()
        return closure


@blp.route("/closures/<id:closure_id>")
class ClosureById(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="deleteClosure")
    def delete(self, closure_id):
        """Open a closed date again (admin)

        Its dates take pickup orders again from this moment.
        """
        shop.delete_closure(closure_id)
        db.session.commit()
