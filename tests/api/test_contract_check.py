"""The contract check itself: it passes what the document describes and reports what it does not.

Each answer here is validated against the app's real OpenAPI document; the answers that break
it are made by hand (a werkzeug Response) or by a route the document does not list, never by
mocking the API's own HTTP layer.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from tests.api import conftest as api_conftest
from tests.api import contract


def _request(path: str, method: str = "GET"):
    return EnvironBuilder(path=path, method=method).get_request()


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _errors(app, path: str, response: Response, method: str = "GET") -> list[str]:
    return contract.violations_of(app, contract.openapi_for(app), _request(path, method), response)


def test_the_suite_client_checks_answers(client):
    assert isinstance(client, contract.ContractCheckingClient)


def test_a_documented_answer_passes(app, client, make_category):
    make_category(name="Breads")
    recorder = contract.recorder_of(app)

    assert client.get("/api/v1/categories").status_code == 200
    assert client.get("/api/v1/categories/no-such-category").status_code == 404

    assert recorder.checked == 2
    assert recorder.violations == []


def test_the_documentation_pages_are_not_checked(app, client):
    recorder = contract.recorder_of(app)

    assert client.get("/api/openapi.json").status_code == 200

    assert recorder.checked == 0


def test_a_body_that_breaks_the_schema_is_reported(app):
    wrong = _json({"slug": 42, "name": ["not", "a", "name"]})

    errors = _errors(app, "/api/v1/categories/breads", wrong)

    assert errors
    assert any("body" in error and "name" in error for error in errors), errors


def test_a_status_the_document_lacks_must_still_be_an_error(app):
    # Every operation documents `default` as the Error schema: a category is not an error.
    teapot = _json({"slug": "breads", "name": "Breads"}, status=418)

    errors = _errors(app, "/api/v1/categories/breads", teapot)

    assert any("(body)" in error for error in errors), errors


def test_an_undocumented_content_type_is_reported(app):
    page = Response("<p>Breads</p>", status=200, mimetype="text/html")

    errors = _errors(app, "/api/v1/categories/breads", page)

    assert any("text/html" in error for error in errors), errors


def test_an_invalid_documented_header_is_reported(app):
    # The product list documents X-Pagination as JSON.
    listing = _json([], headers={"X-Pagination": "page one of many"})

    errors = _errors(app, "/api/v1/products", listing)

    assert any("X-Pagination" in error for error in errors), errors


def test_an_undocumented_route_is_reported_and_fails_the_test(app, client, monkeypatch):
    monkeypatch.delenv("CONTRACT_MISMATCH_LOG", raising=False)
    app.add_url_rule("/api/v1/contract-probe", "contract_probe", lambda: {"probe": True})
    recorder = contract.recorder_of(app)

    assert client.get("/api/v1/contract-probe").status_code == 200

    [violation] = recorder.violations
    assert (violation.method, violation.path, violation.status) == (
        "GET",
        "/api/v1/contract-probe",
        200,
    )
    assert "undocumented operation" in violation.errors[0]
    assert "tests/api/test_contract_check.py:" in violation.caller
    report = recorder.report()
    assert "GET /api/v1/contract-probe -> 200" in report
    assert "undocumented operation" in report

    # The hook that runs each API test turns the recorded violation into the test's failure.
    item = SimpleNamespace(stash={api_conftest._CONTRACT: recorder}, funcargs={}, nodeid="probe")
    call = api_conftest.pytest_runtest_call(item)
    next(call)
    with pytest.raises(contract.ContractViolation, match="contract-probe"):
        call.send(None)

    # This test made the mismatch on purpose: it must not fail the test itself.
    recorder.violations.clear()


def test_an_unknown_path_must_answer_the_error_schema(app, client):
    recorder = contract.recorder_of(app)

    assert client.get("/api/v1/no-such-resource").status_code == 404
    assert recorder.violations == []

    wrong = Response("Not here", status=404, mimetype="text/plain")
    errors = _errors(app, "/api/v1/no-such-resource", wrong)
    assert any("text/plain" in error for error in errors), errors


def test_a_streamed_answer_is_checked_and_still_closes_as_a_server_would(app, client):
    closed = []
    app.add_url_rule("/api/v1/contract-stream", "contract_stream", lambda: {"probe": True})

    @app.after_request
    def on_close(response):
        response.call_on_close(lambda: closed.append(1))
        return response

    recorder = contract.recorder_of(app)

    response = client.get("/api/v1/contract-stream", buffered=False)

    assert "undocumented operation" in recorder.violations[0].errors[0]
    assert closed == []
    assert response.json == {"probe": True}
    response.close()
    assert closed == [1]
    recorder.violations.clear()


def test_a_text_body_is_read_as_text(app):
    csv = Response("product_id,product_name,quantity,order_count\r\n", mimetype="text/csv")

    assert _errors(app, "/api/v1/production/bake-list", csv) == []
