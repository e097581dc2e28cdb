"""Background jobs across real processes: Celery workers and beat on Redis, and the app's thread."""
