"""Extension objects, created unbound here and bound to each app by create_app.

The flask-smorest Api and the Flask-Admin Admin keep per-app state (the OpenAPI spec, the views),
so they are built for each app by bakery.api.init_api and bakery.admin.init_admin instead.
"""

from flask import Flask
from flask_caching import Cache
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.constants import ConfigVars
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from bakery.models.base import Base
from bakery.models.schema_compare import include_object, render_item

db = SQLAlchemy(model_class=Base)
migrate = Migrate(
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
    render_item=render_item,
)
cache = Cache()
cors = CORS()
csrf = CSRFProtect()
login_manager = LoginManager()


class RouteLimiter(Limiter):
    """Flask-Limiter for the limits routes declare with `limiter.limit`.

    Flask-Limiter also checks default, application-wide and meta limits before every request;
    with none configured that check counts nothing (a route's own limit is checked by its
    decorator), so it is left out of the request path. Limits given to the constructor or to a
    whole blueprint would also need that check: this app sets neither (configure limits for
    every request with RATELIMIT_DEFAULT/APPLICATION/META instead, which keeps it).
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        if self.enabled and not limits_every_request(app):
            app.before_request_funcs[None].remove(self._check_request_limit)


def limits_every_request(app: Flask) -> bool:
    """Whether a default, application-wide or meta rate limit is configured."""
    names = (ConfigVars.DEFAULT_LIMITS, ConfigVars.APPLICATION_LIMITS, ConfigVars.META_LIMITS)
    return any(app.config.get(name) for name in names)


limiter = RouteLimiter(key_func=get_remote_address)
