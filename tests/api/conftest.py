"""API fixtures: bearer headers for each role, a second shopper and two products to buy.

Every answer an API test receives is checked against the OpenAPI document (tests/api/contract.py).
"""

from __future__ import annotations

import pytest

from tests.api import contract


@pytest.fixture
def admin(bearer) -> dict:
    return bearer("admin@example.com", role="admin")


@pytest.fixture
def staff(bearer) -> dict:
    return bearer("baker@example.com", role="staff")


@pytest.fixture
def customer(bearer) -> dict:
    return bearer("ana@example.com", role="customer")


@pytest.fixture
def loaf(make_product):
    return make_product(name="Sourdough loaf", price_cents=450, stock=10)


@pytest.fixture
def croissant(make_product):
    return make_product(name="Croissant", price_cents=180)


@pytest.fixture
def ben(bearer) -> dict:
    return bearer("ben@example.com")


# The contract check: each API answer a test receives is validated against the OpenAPI document.
_CONTRACT = pytest.StashKey[contract.Recorder]()


@pytest.fixture(autouse=True)
def _answers_match_the_document(request):
    """Install the checking test client on the test's app (see tests/api/contract.py)."""
    if "app" not in request.fixturenames:
        yield
        return
    recorder = contract.install(request.getfixturevalue("app"))
    request.node.stash[_CONTRACT] = recorder
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test whose answers do not match the document fails, after its own assertions ran."""
    recorder = item.stash.get(_CONTRACT, None)
    client = getattr(item, "funcargs", {}).get("client")
    # The client must be the checking one, or the test's answers would go unchecked.
    assert client is None or isinstance(client, contract.ContractCheckingClient), type(client)
    try:
        result = yield
    except BaseException as exc:
        if recorder is not None and recorder.violations:
            contract.log(item.nodeid, recorder)
            exc.add_note(recorder.report())
        raise
    if recorder is not None and recorder.violations:
        contract.log(item.nodeid, recorder)
        raise contract.ContractViolation(recorder.report())
    return result
