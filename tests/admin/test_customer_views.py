"""Customers on the dashboard: a read-only list for admins, with their number of orders."""

from __future__ import annotations

import re

from tests.admin.helpers import account, csrf_token

CUSTOMERS = "/admin/customers/"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_customers_are_listed_with_their_number_of_orders(
    admin_client, make_customer, make_order, make_staff
):
    make_staff(email="counter@example.com", role="staff")
    ada = make_customer(email="ada@example.com", name="Ada Lovelace")
    make_customer(email="ben@example.com", name="Ben Crumb")
    make_order(customer=ada)
    make_order(customer=ada)

    page = admin_client.get(CUSTOMERS).get_data(as_text=True)

    rows = {
        email: re.sub(r"<[^>]+>|\s+", " ", row)
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        for email in re.findall(r"[\w.]+@example\.com", row)
    }
    assert set(rows) == {"ada@example.com", "ben@example.com"}
    assert rows["ada@example.com"].split()[-1] == "2"
    assert rows["ben@example.com"].split()[-1] == "0"


def test_customers_are_searched_by_name_or_email(admin_client, make_customer):
    make_customer(email="ada@example.com", name="Ada Lovelace")
    make_customer(email="ben@example.com", name="Ben Crumb")

    by_name = admin_client.get(f"{CUSTOMERS}?search=lovelace").get_data(as_text=True)
    by_email = admin_client.get(f"{CUSTOMERS}?search=ben@").get_data(as_text=True)

    assert "ada@example.com" in by_name
    assert "ben@example.com" not in by_name
    assert "ben@example.com" in by_email
    assert "ada@example.com" not in by_email


def test_the_customer_list_is_read_only(admin_client, make_customer):
    shopper = make_customer(name="Ada Lovelace")

    page = admin_client.get(CUSTOMERS).get_data(as_text=True)
    for path in ("new/", "edit/", "delete/", "details/"):
        assert f"{CUSTOMERS}{path}" not in page
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.get(f"{CUSTOMERS}new/").status_code == 302
    assert admin_client.get(f"{CUSTOMERS}edit/?id={shopper.id}").status_code == 302
    admin_client.post(f"{CUSTOMERS}delete/", data={"id": shopper.id, "csrf_token": token})
    admin_client.post(
        f"{CUSTOMERS}edit/?id={shopper.id}", data={"name": "Changed", "csrf_token": token}
    )

    assert account("shopper@example.com").name == "Ada Lovelace"


def test_a_customer_name_with_markup_is_shown_as_text(admin_client, make_customer):
    make_customer(name=HOSTILE)

    page = admin_client.get(CUSTOMERS).get_data(as_text=True)

    assert HOSTILE_ESCAPED in page
    assert HOSTILE not in page


def test_the_customer_list_takes_the_same_queries_however_many_orders(
    admin_client, make_customer, make_order, count_queries
):
    def queries_for_list() -> int:
        with count_queries() as statements:
            assert admin_client.get(CUSTOMERS).status_code == 200
        return len(statements)

    make_order(customer=make_customer(email="first@example.com"))
    few = queries_for_list()
    for index in range(4):
        shopper = make_customer(email=f"shopper{index}@example.com")
        make_order(customer=shopper)
        make_order(customer=shopper)

    assert queries_for_list() == few
