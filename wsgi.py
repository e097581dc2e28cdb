"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from bakery import create_app
from bakery.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    # One clear line for the operator instead of a traceback, and a non-zero exit.
    sys.exit(f"bakery: configuration error: {exc}")
