"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from bakery import create_app
from bakery.config import ConfigurationError, refuse_to_start

try:
    app = create_app()
except ConfigurationError as error:
    refuse_to_start(error)
