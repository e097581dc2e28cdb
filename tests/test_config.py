"""Configuration: no setting needed in development, sources stacked in order, production checked."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bakery import create_app
from bakery.config import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k3y-" + "x" * 60


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("BAKERY_INSTANCE_PATH", str(folder))
    return folder


def test_development_needs_no_setting(instance):
    app = create_app()

    assert app.config["ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/bakery.sqlite3"
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert app.config["CURRENCY"] == "EUR"
    assert app.config["CORS_ORIGINS"] == "http://localhost:5173"
    assert app.config["UPLOAD_FOLDER"] == str(PROJECT_ROOT / "uploads")
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_development_secret_key_is_kept_private_in_the_instance_folder(instance):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]

    key_file = instance / "secret_key"
    assert first == second == key_file.read_text()
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_instance_config_overrides_defaults_and_environment_overrides_both(instance, monkeypatch):
    (instance / "config.py").write_text('CURRENCY = "GBP"\nCORS_ORIGINS = "https://a.example"\n')
    monkeypatch.setenv("BAKERY_CORS_ORIGINS", "https://b.example")

    app = create_app()

    assert app.config["CURRENCY"] == "GBP"
    assert app.config["CORS_ORIGINS"] == "https://b.example"


def test_service_urls_come_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://u:pw@db.example:5432/bakery")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg2://u:pw@db")
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["CACHE_REDIS_URL"] == "redis://cache.example:6379/0"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"


def test_numeric_looking_text_settings_stay_text(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_AUTH_AUDIENCE", "12345")

    assert create_app().config["AUTH_AUDIENCE"] == "12345"


@pytest.mark.parametrize("currency", ["EURO", "E1", "€"])
def test_a_currency_that_is_not_iso_4217_is_refused(instance, monkeypatch, currency):
    monkeypatch.setenv("BAKERY_CURRENCY", currency)

    with pytest.raises(ConfigurationError, match="BAKERY_CURRENCY"):
        create_app()


@pytest.mark.parametrize("hops", ["-1", "6", "one", "1.5", "true"])
def test_a_proxy_count_that_is_not_a_small_whole_number_is_refused(instance, monkeypatch, hops):
    monkeypatch.setenv("BAKERY_PROXY_HOPS", hops)

    with pytest.raises(ConfigurationError, match="BAKERY_PROXY_HOPS"):
        create_app()


def test_the_list_cache_can_be_turned_off(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_PRODUCT_LIST_CACHE_SIZE", "0")

    assert create_app().config["PRODUCT_LIST_CACHE_SIZE"] == 0


def test_the_proxy_count_comes_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_PROXY_HOPS", "0")

    assert create_app().config["PROXY_HOPS"] == 0


def test_a_well_configured_production_app_starts(instance, tmp_path):
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.sqlite3",
            "AUTH_JWKS_URL": "https://idp.example/.well-known/jwks.json",
            "AUTH_ISSUER": "https://idp.example/",
        }
    )

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (instance / "secret_key").exists()


def _production_env(**settings: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BAKERY_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        {
            "BAKERY_ENV": "production",
            "BAKERY_SECRET_KEY": GOOD_SECRET,
            "DATABASE_URL": "postgresql+psycopg2://bakery:pw@127.0.0.1:1/bakery",
            "BAKERY_AUTH_JWKS_URL": "https://idp.example/.well-known/jwks.json",
            "BAKERY_AUTH_ISSUER": "https://idp.example/",
            "FLASK_SKIP_DOTENV": "1",
        }
    )
    env.update(settings)
    return {name: value for name, value in env.items() if value is not None}


PRODUCTION_MISTAKES = [
    pytest.param({"BAKERY_SECRET_KEY": None}, "BAKERY_SECRET_KEY", id="no-secret-key"),
    pytest.param({"BAKERY_SECRET_KEY": "changeme"}, "BAKERY_SECRET_KEY", id="placeholder-key"),
    pytest.param({"BAKERY_SECRET_KEY": "short-but-real"}, "BAKERY_SECRET_KEY", id="short-key"),
    pytest.param({"DATABASE_URL": None}, "DATABASE_URL", id="no-database"),
    pytest.param({"DATABASE_URL": "not a url at all"}, "DATABASE_URL", id="garbage-url"),
    pytest.param({"DATABASE_URL": "mysql+nodriver://u:pw@h/db"}, "DATABASE_URL", id="no-driver"),
    pytest.param({"BAKERY_AUTH_JWKS_URL": None}, "BAKERY_AUTH_JWKS_URL", id="no-jwks"),
    pytest.param({"BAKERY_ENV": "staging"}, "BAKERY_ENV", id="unknown-env"),
    pytest.param({"BAKERY_AUTH_ISSUER": None}, "BAKERY_AUTH_ISSUER", id="jwks-without-issuer"),
]


@pytest.mark.parametrize(("settings", "named"), PRODUCTION_MISTAKES)
def test_production_refuses_to_start_with_one_clear_line(instance, settings, named):
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=_production_env(BAKERY_INSTANCE_PATH=str(instance), **settings),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr
    # The database password never reaches the logs.
    assert ":pw@" not in result.stderr


def test_flask_cli_also_refuses_a_bad_production_setup(instance):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "routes"],
        cwd=PROJECT_ROOT,
        env=_production_env(BAKERY_INSTANCE_PATH=str(instance), BAKERY_SECRET_KEY=None),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "BAKERY_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_variables_count_as_unset(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_CORS_ORIGINS", "")
    monkeypatch.setenv("BAKERY_CURRENCY", " ")
    monkeypatch.setenv("BAKERY_AUTH_AUDIENCE", "")

    config = create_app().config

    assert config["CORS_ORIGINS"] == "http://localhost:5173"
    assert config["CURRENCY"] == "EUR"
    assert config["AUTH_AUDIENCE"] is None


def test_gunicorn_stops_instead_of_respawning_workers_on_a_bad_setup(instance):
    gunicorn = str(Path(sys.executable).parent / "gunicorn")

    result = subprocess.run(
        [gunicorn, "--no-control-socket", "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=_production_env(BAKERY_INSTANCE_PATH=str(instance), BAKERY_SECRET_KEY=None),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "bakery: configuration error: BAKERY_SECRET_KEY" in result.stderr
    # The master gave up after the first failed boot rather than looping over new workers.
    assert result.stderr.count("bakery: configuration error") <= 2


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("BAKERY_SECRET_KEY", "1234", "1234"), ("BAKERY_UPLOAD_FOLDER", "2024", "2024")],
)
def test_text_settings_stay_text_whatever_they_look_like(
    instance, monkeypatch, name, value, expected
):
    monkeypatch.setenv(name, value)

    config = create_app().config

    key = name.removeprefix("BAKERY_")
    assert config[key].endswith(expected)


def test_a_setting_of_the_wrong_type_is_a_clear_error(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_AUTH_LEEWAY_SECONDS", "ten")

    with pytest.raises(ConfigurationError, match="BAKERY_AUTH_LEEWAY_SECONDS"):
        create_app()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BAKERY_DATABASE_PING_AFTER_SECONDS", "-1"),
        ("BAKERY_DATABASE_PING_AFTER_SECONDS", "soon"),
        ("BAKERY_PRODUCT_LIST_CACHE_SIZE", "-1"),
        ("BAKERY_PRODUCT_LIST_CACHE_SIZE", "many"),
        ("BAKERY_PRODUCT_LIST_CACHE_SIZE", "2.5"),
        ("BAKERY_PRODUCT_LIST_CACHE_SIZE", "true"),
    ],
)
def test_a_count_or_duration_out_of_its_range_is_refused(instance, monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError, match=name):
        create_app()


def test_trusted_hosts_are_a_comma_separated_list_and_loopback_always_passes(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_TRUSTED_HOSTS", " shop.example.com, .bakery.test ,")

    assert create_app().config["TRUSTED_HOSTS"] == [
        "shop.example.com",
        ".bakery.test",
        "127.0.0.1",
        "localhost",
    ]


def test_without_trusted_hosts_any_host_is_answered(instance):
    assert create_app().config["TRUSTED_HOSTS"] is None


def test_production_refuses_an_in_memory_database(instance):
    with pytest.raises(ConfigurationError, match="in-memory"):
        create_app(
            {
                "ENV": "production",
                "SECRET_KEY": GOOD_SECRET,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "AUTH_JWKS_URL": "https://idp.example/.well-known/jwks.json",
                "AUTH_ISSUER": "https://idp.example/",
            }
        )
