#!/bin/sh
# Entrypoint of the bakery image: migrate the database, then exec the command
# (gunicorn, from the Dockerfile's CMD).
set -eu

# nginx, another user, serves the uploaded images: keep new files readable.
umask 0022

# Docker creates a missing bind-mount folder as root, and the app runs as
# bakery: say how to fix that now rather than fail on the first upload.
uploads="${BAKERY_UPLOAD_FOLDER:-/app/uploads}"
if [ ! -w "$uploads" ]; then
    echo "entrypoint: $uploads is not writable by uid $(id -u)." >&2
    echo "entrypoint: on the host run: sudo chown $(id -u):$(id -g) docker/volumes/uploads" >&2
    exit 1
fi

# Migrate once, here, before the workers start. One-off commands
# (docker compose run --rm app flask ...) skip it.
if [ "${1:-}" = gunicorn ]; then
    flask --app wsgi db upgrade
fi

exec "$@"
