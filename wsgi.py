"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`, and with REDIS_URL set
`celery --app wsgi:celery worker` and `celery --app wsgi:celery beat`."""

from bakery import create_app
from bakery.config import ConfigurationError, refuse_to_start

try:
    app = create_app()
except ConfigurationError as error:
    refuse_to_start(error)

# The background jobs' Celery app (bakery/jobs.py); None unless BACKGROUND_JOBS is celery.
celery = app.extensions.get("celery")
