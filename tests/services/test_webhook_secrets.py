"""Rotating an endpoint's secret: each old secret signs beside the new one for its own day."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.services import webhooks


def test_old_secrets_sign_for_a_day_each_then_are_dropped_at_the_next_rotation(app):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        endpoint = webhooks.create_endpoint(url="http://127.0.0.1:9/hook", events=["order.created"])
        first = endpoint.secret
        webhooks.rotate_secret(endpoint)
        second = endpoint.secret
    with time_machine.travel(start + timedelta(hours=12), tick=False):
        webhooks.rotate_secret(endpoint)
        third = endpoint.secret
    db.session.commit()

    def signing(hours: float) -> list[str]:
        return [
            old["secret"]
            for old in webhooks.still_signing(endpoint, start + timedelta(hours=hours))
        ]

    assert len({first, second, third}) == 3
    assert signing(23) == [second, first]
    assert signing(25) == [second]
    assert signing(37) == []

    with time_machine.travel(start + timedelta(hours=30), tick=False):
        webhooks.rotate_secret(endpoint)
    db.session.commit()

    # The first secret's day ended at hour 24: it is gone from the row, not only unused.
    assert [old["secret"] for old in endpoint.old_secrets] == [third, second]


def test_a_rotation_loop_keeps_only_the_newest_old_secrets_signing(app):
    endpoint = webhooks.create_endpoint(url="http://127.0.0.1:9/hook", events=["order.created"])
    secrets = []
    for _ in range(webhooks.OLD_SECRETS_AT_MOST + 2):
        secrets.append(endpoint.secret)
        webhooks.rotate_secret(endpoint)
    db.session.commit()

    signing = [old["secret"] for old in webhooks.still_signing(endpoint, utcnow())]

    assert signing == secrets[::-1][: webhooks.OLD_SECRETS_AT_MOST]
