"""Redis as the production cache: health sees it, and every app instance shares what it holds."""

from __future__ import annotations

import uuid

import pytest

from bakery import create_app
from bakery.extensions import cache


@pytest.fixture
def redis_url() -> str:
    from tests.conftest import require_service

    return require_service("redis")


@pytest.fixture
def app_config(redis_url) -> dict:
    # No CACHE_TYPE: the app must choose Redis from REDIS_URL by itself.
    return {"REDIS_URL": redis_url, "CACHE_TYPE": None}


def test_health_checks_the_real_redis(client, app):
    response = client.get("/health")

    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert response.status_code == 200
    assert response.json["cache"] == "ok"


def test_two_app_instances_share_one_cache(app, redis_url):
    other = create_app({"TESTING": True, "REDIS_URL": redis_url, **_same_database(app)})
    key = f"test:{uuid.uuid4().hex}"

    with app.app_context():
        cache.set(key, {"price_cents": 450})
    with other.app_context():
        seen = cache.get(key)
        cache.delete(key)

    assert seen == {"price_cents": 450}


def _same_database(app) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "CACHE_KEY_PREFIX": app.config["CACHE_KEY_PREFIX"],
    }
