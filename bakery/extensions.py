"""Extension objects, created unbound here and bound to each app by create_app.

The flask-smorest Api and the Flask-Admin Admin keep per-app state (the OpenAPI spec, the views),
so they are built for each app by bakery.api.init_api and bakery.admin.init_admin instead.
"""

from flask_caching import Cache
from flask_cors import CORS
from flask_limiter import Limiter
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


limiter = Limiter(key_func=get_remote_address)
