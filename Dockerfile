# Production image of the bakery app: gunicorn serving wsgi:app on port 5000.
# docker compose builds it (see docker-compose.yml); by hand: docker build -t bakery .

# --- build stage: a virtualenv with the pinned dependencies and the package ---
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, so this layer is reused until requirements.txt changes.
COPY requirements.txt ./
RUN pip install --requirement requirements.txt

# setup.cfg reads README.md as the long description; the trailing * keeps the
# build going when it is missing.
COPY pyproject.toml setup.cfg README.md* ./
COPY bakery/ bakery/
RUN pip install --no-deps .

# --- runtime stage: no build leftovers, runs as an unprivileged user ---
FROM python:3.11-slim

# Fixed ids, so the bind-mounted docker/volumes/{uploads,instance} can be
# chowned on the host (README.md, "Deploying with docker-compose").
ARG BAKERY_UID=10001
ARG BAKERY_GID=10001
RUN groupadd --system --gid "${BAKERY_GID}" bakery \
    && useradd --system --uid "${BAKERY_UID}" --gid bakery \
        --create-home --home-dir /home/bakery --shell /usr/sbin/nologin bakery

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BAKERY_ENV=production \
    BAKERY_INSTANCE_PATH=/app/instance \
    BAKERY_UPLOAD_FOLDER=/app/uploads \
    FLASK_APP=wsgi

WORKDIR /app

COPY --from=build /opt/venv /opt/venv
COPY pyproject.toml setup.cfg requirements.txt wsgi.py ./
COPY bakery/ bakery/
COPY migrations/ migrations/
COPY docker/entrypoint.sh docker/gunicorn.conf.py docker/

# The code stays root-owned (read-only for the app); only the two data
# folders belong to the app user.
RUN mkdir -p /app/instance /app/uploads \
    && chown bakery:bakery /app/instance /app/uploads \
    && chmod 0755 docker/entrypoint.sh

USER bakery

EXPOSE 5000

# /health answers 503 when the database, cache or storage is down; urlopen
# raises on it, so the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]

# The entrypoint migrates the schema (flask db upgrade) when the command is
# gunicorn, then execs the command. Other commands, such as
# `docker compose run --rm app flask --app wsgi seed`, run as they are.
ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Settings are in docker/gunicorn.conf.py. gunicorn 27 would otherwise create
# a control socket under $HOME.
CMD ["gunicorn", "--config", "/app/docker/gunicorn.conf.py", "--no-control-socket", "wsgi:app"]
