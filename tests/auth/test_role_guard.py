"""Role guards: auth_required lets each role through to its level, and the OpenAPI says so.

/api/v1/me needs no role, so a small probe blueprint with one view per minimum role is
registered on the test's app; tokens come from the development issuer (the `bearer` fixture).
"""

from __future__ import annotations

import time

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint

from bakery.auth.guards import auth_required, current_user
from bakery.extensions import db
from tests.auth.helpers import ME, assert_error_body, assert_invalid_token, user_by_sub

ROLES = ("customer", "staff", "admin")


@pytest.fixture
def probe(app) -> str:
    """/api/v1/probe/<role>: a view for each minimum role, answering with the caller's role."""
    blp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")
    for role in ROLES:

        class Probe(MethodView):
            @auth_required(blp, role=role)
            def get(self):
                return {"role": current_user().role}

        blp.add_url_rule(f"/{role}", endpoint=f"probe_{role}", view_func=Probe)
    # Registered through the app's own Api, before the first request, as the real blueprints.
    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blp)
    return "/api/v1/probe"


ALLOWED = [
    (held, needed) for held in ROLES for needed in ROLES if ROLES.index(held) >= ROLES.index(needed)
]
REFUSED = [
    (held, needed) for held in ROLES for needed in ROLES if ROLES.index(held) < ROLES.index(needed)
]


@pytest.mark.parametrize(("held", "needed"), ALLOWED)
def test_a_role_at_or_above_the_minimum_passes(client, bearer, probe, held, needed):
    response = client.get(f"{probe}/{needed}", headers=bearer(f"{held}@example.com", role=held))

    assert response.status_code == 200
    assert response.get_json() == {"role": held}


@pytest.mark.parametrize(("held", "needed"), REFUSED)
def test_a_role_below_the_minimum_is_403(client, bearer, probe, held, needed):
    response = client.get(f"{probe}/{needed}", headers=bearer(f"{held}@example.com", role=held))

    body = assert_error_body(response, 403)
    assert needed in body["message"]
    # The token itself is fine: no invalid_token challenge for a missing role.
    assert "invalid_token" not in response.headers.get("WWW-Authenticate", "")


def test_an_admin_view_without_a_token_is_401(client, probe):
    response = client.get(f"{probe}/admin")

    assert_error_body(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_admin_view_checks_the_token_before_the_role(client, bearer, probe):
    # A forged role claim gets nowhere: the signature fails before the role is read.
    token = bearer("mallory@example.com", role="admin")["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"

    response = client.get(f"{probe}/admin", headers={"Authorization": f"Bearer {forged}"})

    assert_invalid_token(response, forged)
    assert user_by_sub("dev:mallory@example.com") is None


def test_a_demoted_admin_is_refused_by_the_next_newer_token(client, bearer, probe):
    assert (
        client.get(f"{probe}/admin", headers=bearer("ex@example.com", role="admin")).status_code
        == 200
    )
    # The development issuer stamps iat in whole seconds: the demotion must be newer.
    time.sleep(1.1)

    response = client.get(f"{probe}/admin", headers=bearer("ex@example.com", role="customer"))

    assert_error_body(response, 403)


def test_a_deactivated_admin_is_refused(client, bearer, probe):
    headers = bearer("gone@example.com", role="admin")
    assert client.get(f"{probe}/admin", headers=headers).status_code == 200
    user_by_sub("dev:gone@example.com").is_active = False
    db.session.commit()

    assert_error_body(client.get(f"{probe}/admin", headers=headers), 403)


def test_me_needs_no_role(client, bearer):
    assert client.get(ME, headers=bearer("ana@example.com", role="customer")).status_code == 200


def test_an_unknown_minimum_role_is_a_programming_error():
    blp = Blueprint("typo", __name__)

    with pytest.raises(ValueError, match="superuser"):
        auth_required(blp, role="superuser")


# --- OpenAPI -------------------------------------------------------------------------------------


def _documented(spec: dict, path: str) -> dict:
    operation = spec["paths"][path]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"401", "403"} <= set(operation["responses"])
    for code in ("401", "403"):
        reference = operation["responses"][code]["$ref"].rsplit("/", 1)[-1]
        assert reference in spec["components"]["responses"]
    return operation


def test_the_openapi_document_shows_me_needs_a_bearer_token(client):
    spec = client.get("/api/openapi.json").get_json()

    operation = _documented(spec, ME)
    assert "200" in operation["responses"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_the_openapi_document_shows_guarded_probe_views(client, probe):
    spec = client.get("/api/openapi.json").get_json()

    for role in ROLES:
        _documented(spec, f"{probe}/{role}")
