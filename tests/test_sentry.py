"""Sentry is off unless SENTRY_DSN is set, and then reports without personal data."""

from __future__ import annotations

import pytest
import sentry_sdk

from bakery import create_app

DSN = "https://public-key@127.0.0.1:9/42"


@pytest.fixture
def sentry_reset():
    yield
    sentry_sdk.init(dsn=None)


def test_sentry_stays_off_without_a_dsn(sentry_reset, tmp_path):
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.sqlite3"})

    assert not sentry_sdk.get_client().is_active()


def test_sentry_reports_to_the_configured_dsn_without_pii(sentry_reset, tmp_path):
    create_app(
        {
            "TESTING": True,
            "SENTRY_DSN": DSN,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.sqlite3",
        }
    )

    client = sentry_sdk.get_client()
    assert client.is_active()
    assert str(client.dsn) == DSN
    assert client.options["data_collection"]["user_info"] is False
    assert client.options["data_collection"]["http_bodies"] == []
    assert client.options["environment"] == "development"
