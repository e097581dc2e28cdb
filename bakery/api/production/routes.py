"""Production lists: what to bake for a date and what to pack, slot by slot (staff)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from bakery.api.base import Blueprint
from bakery.api.production.schemas import (
    BakeListQuerySchema,
    BakeListSchema,
    PickListSchema,
    ProductionQuerySchema,
)
from bakery.auth.guards import auth_required
from bakery.services import production
from bakery.services.shop import shop_today

blp = Blueprint(
    "production",
    __name__,
    url_prefix="/api/v1/production",
    description="What to bake and pack for a date (staff)",
)


@blp.after_request
def _kept_by_nobody(response):
    """The lists name customers: no cache keeps them. The bake list's form follows Accept."""
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Accept")
    return response


CSV_ANSWER = {
    # The status as an integer, as smorest keys its own: the CSV joins the JSON answer.
    200: {
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "product_id,product_name,quantity,order_count\r\n7,Baguette,24,9\r\n",
            }
        }
    }
}


def _wants_csv(format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


@blp.route("/bake-list")
class BakeList(MethodView):
    @auth_required(blp, role="staff")
    @blp.arguments(BakeListQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, BakeListSchema)
    @blp.doc(responses=CSV_ANSWER, operationId="getBakeList")
    def get(self, date=None, format=None):
        """Units to bake per product for the date's orders that are not cancelled

        As CSV with `Accept: text/csv` or `format=csv` (a cell that a spreadsheet would run
        as a formula starts with `'`).
        """
        bake = production.bake_list(date or shop_today())
        if not _wants_csv(format):
            return bake
        filename = f"bake-list-{bake.date.isoformat()}.csv"
        return Response(
            production.bake_list_csv(bake),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


@blp.route("/pick-list")
class PickList(MethodView):
    @auth_required(blp, role="staff")
    @blp.arguments(ProductionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PickListSchema)
    @blp.doc(operationId="getPickList")
    def get(self, date=None):
        """The date's orders to pack, slot by slot, with their codes, lines and notes

        Cancelled orders are left out; the answer is never cached, since it names customers.
        """
        return production.pick_list(date or shop_today())
