"""GET /api/v1/me: the caller as this API knows them."""

from flask.views import MethodView
from flask_smorest import Blueprint

from bakery.api.me.schemas import UserSchema
from bakery.auth.guards import auth_required, current_user

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user")


@blp.route("")
class Me(MethodView):
    @auth_required(blp)
    @blp.response(200, UserSchema)
    @blp.doc(operationId="getMe")
    def get(self):
        """The signed-in user: id, e-mail, name and role

        The account is made or brought up to date from the token's claims on every call.
        """
        return current_user()
