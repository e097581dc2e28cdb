"""Every URL of the dashboard, walked as anonymous, as staff and as admin.

The expectations are written here, not read from the views: staff may use the dashboard home, the
orders area, the production lists and the pickup counter; every other area is the admin's. A view
registered later without a place in STAFF_AREAS or ADMIN_AREAS fails the first test, so nobody
forgets to decide who may use it.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.admin.helpers import csrf_token

# Blueprint names of Flask-Admin views ("admin" is the dashboard home).
STAFF_AREAS = {"admin", "order", "bake_list", "pick_list", "counter"}
ADMIN_AREAS = {
    "catalog_products",
    "catalog_categories",
    "shop_settings",
    "staff",
    "customers",
    "webhook_endpoints",
}
# Outside the access rules on purpose: the sign-in pages and Flask-Admin's static files.
PUBLIC_ENDPOINTS = {"staff_auth.login", "staff_auth.logout", "admin.static"}
SAMPLE_VALUES = {"export_type": "csv", "id": "1"}


def dashboard_rules(app) -> list[tuple[Rule, str]]:
    walked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            walked.append((rule, method))
    return walked


def url_for_rule(rule: Rule) -> str:
    return rule.build({name: SAMPLE_VALUES.get(name, "1") for name in rule.arguments})[1]


def area(rule: Rule) -> str:
    return rule.endpoint.split(".", 1)[0]


def answers(client, token: str) -> dict[tuple[str, str], int]:
    app = client.application
    seen = {}
    for rule, method in dashboard_rules(app):
        url = url_for_rule(rule)
        if method == "GET":
            response = client.get(url)
        else:
            # A valid token, so what is checked is the access rule and not CSRF.
            response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code < 500, f"{method} {url} answered {response.status_code}"
        seen[(method, url, area(rule))] = response
    return seen


def test_every_dashboard_area_has_a_declared_audience(app):
    areas = {area(rule) for rule, _ in dashboard_rules(app)}

    assert areas == STAFF_AREAS | ADMIN_AREAS


def test_anonymous_visitors_are_sent_to_sign_in_from_every_url(client):
    token = csrf_token(client)

    for (method, url, _), response in answers(client, token).items():
        assert response.status_code == 302, f"{method} {url}"
        assert response.headers["Location"].startswith("/admin/login/"), f"{method} {url}"


def test_staff_use_their_areas_and_get_403_elsewhere(staff_client):
    token = csrf_token(staff_client, "/admin/")

    for (method, url, where), response in answers(staff_client, token).items():
        if where in ADMIN_AREAS:
            assert response.status_code == 403, f"{method} {url}"
        else:
            assert response.status_code != 403, f"{method} {url}"
            assert not response.headers.get("Location", "").startswith("/admin/login/"), (
                f"{method} {url}"
            )


def test_admins_reach_every_url(admin_client):
    token = csrf_token(admin_client, "/admin/")

    for (method, url, _), response in answers(admin_client, token).items():
        assert response.status_code != 403, f"{method} {url}"
        assert not response.headers.get("Location", "").startswith("/admin/login/"), (
            f"{method} {url}"
        )


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_a_post_without_a_csrf_token_is_refused_everywhere(app, request, role):
    client = request.getfixturevalue(f"{role}_client")

    for rule, method in dashboard_rules(client.application):
        if method == "GET":
            continue
        url = url_for_rule(rule)
        response = client.open(url, method=method, data={})
        assert response.status_code == 400, f"{method} {url}"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login/",
        "/admin/",
        "/admin/orders/",
        "/admin/production/bake-list/",
        "/admin/production/pick-list/",
        "/admin/counter/",
    ],
)
def test_no_other_site_may_frame_the_dashboard(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
