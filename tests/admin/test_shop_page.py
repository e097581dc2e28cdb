"""The "Shop & pickup" page: profile, the week's hours, pickup rules and closures, for admins."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models import User
from bakery.models.orders import Order
from bakery.models.shop import Closure, OpeningWindow, ShopProfile
from bakery.services import shop
from bakery.services.orders import change_status
from tests.admin.helpers import csrf_token, post_form

PAGE = "/admin/shop/"
CLOSURES = "/admin/shop/closures/"
BERLIN = pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])


def settings_form(**fields) -> dict:
    """What the browser sends from the settings form, with the fields given replaced."""
    form = {
        "name": "Rye & Co",
        "address": "1 Mill Lane\nOldtown",
        "phone": "+49 30 1234567",
        "email": "Hello@Rye.example",
        "monday": "",
        "tuesday": "07:00-12:00, 14:00-18:00",
        "wednesday": "8-10",
        "thursday": "07:00 \N{EN DASH} 12:00",
        "friday": "7:30-18:00",
        "saturday": "07:00-13:00",
        "sunday": "",
        "slot_minutes": "15",
        "slot_capacity": "",
        "min_lead_minutes": "30",
        "cutoff_time": "17:30",
        "horizon_days": "21",
    }
    form.update(fields)
    return form


def save(client, **fields):
    return post_form(client, PAGE, settings_form(**fields))


def add_closure(client, date_from, date_to=None, reason="", **kw):
    data = {
        "date_from": date_from.isoformat() if isinstance(date_from, date) else date_from,
        "date_to": date_to.isoformat() if isinstance(date_to, date) else (date_to or ""),
        "reason": reason,
    }
    return post_form(client, CLOSURES, data, token_from=PAGE, **kw)


def messages(page: str) -> str:
    """The text of the flashed messages and field errors on the page."""
    parts = re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</div>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>|&times;", " ", part) for part in parts)
    return html.unescape(re.sub(r"\s+", " ", text)).strip()


def stored_shop() -> tuple:
    """The profile and the week as the database has them now (not as the session remembers)."""
    db.session.expire_all()
    profile = db.session.get(ShopProfile, 1)
    week = db.session.execute(
        select(OpeningWindow.weekday, OpeningWindow.opens, OpeningWindow.closes).order_by(
            OpeningWindow.weekday, OpeningWindow.opens
        )
    ).all()
    settings = (
        profile.name,
        profile.address,
        profile.phone,
        profile.email,
        profile.slot_minutes,
        profile.slot_capacity,
        profile.min_lead_minutes,
        profile.cutoff_time,
        profile.horizon_days,
    )
    return settings, [tuple(window) for window in week]


def stored_closures() -> list[tuple[date, date, str]]:
    db.session.expire_all()
    return [
        (closure.date_from, closure.date_to, closure.reason)
        for closure in db.session.scalars(select(Closure).order_by(Closure.date_from))
    ]


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def today() -> date:
    return shop.shop_today()


def t(text: str) -> time:
    return time.fromisoformat(text)


@pytest.fixture
def opening_hours():
    """Tuesday to Saturday 07:00-18:00, as the demo shop has them."""
    shop.update_shop(
        {
            "pickup": {
                "opening_hours": [
                    shop.Window(weekday, t("07:00"), t("18:00")) for weekday in range(2, 7)
                ]
            }
        }
    )
    db.session.commit()


@pytest.fixture
def loaf(make_product):
    return make_product(name="Sourdough loaf", price_cents=620, stock=50)


@pytest.fixture
def order_on(make_order, make_customer, loaf):
    """order_on("ada", day, "08:00"): an order with a 30-minute pickup slot on that day."""

    def factory(who: str, day: date, start: str = "08:00") -> Order:
        customer = make_customer(email=f"{who}@example.com", name=f"{who.title()} Shopper")
        order = make_order(customer=customer, items=[(loaf, 1)])
        opens = datetime.combine(day, t(start), tzinfo=shop_zone())
        order.pickup_at = opens.astimezone(UTC)
        order.pickup_until = (opens + timedelta(minutes=30)).astimezone(UTC)
        order.pickup_date = day
        db.session.commit()
        return order

    return factory


def slot_text(day: date, start: str, end: str) -> str:
    """How the dashboard writes a slot: 'Sat 2026-12-12 08:00 to 08:30 CET'."""
    zone = datetime.combine(day, t(start), tzinfo=shop_zone()).tzname()
    return f"{day:%a %Y-%m-%d} {start} to {end} {zone}"


# --- who may use it ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    token = csrf_token(client)

    for path in (PAGE, CLOSURES, "/admin/shop/closures/1/delete"):
        method = client.get if path == PAGE else client.post
        response = method(path, data={"csrf_token": token})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login/?next="), path


def test_staff_are_refused_and_not_shown_the_page_in_the_menu(staff_client):
    token = csrf_token(staff_client, "/admin/")
    before = stored_shop()

    assert staff_client.get(PAGE).status_code == 403
    refused = staff_client.post(
        PAGE, data={**settings_form(name="Staff's shop"), "csrf_token": token}
    )
    assert refused.status_code == 403
    assert staff_client.post(CLOSURES, data={"csrf_token": token}).status_code == 403
    assert stored_shop() == before
    assert "/admin/shop/" not in staff_client.get("/admin/").get_data(as_text=True)


def test_admins_find_the_page_in_the_menu_with_the_stored_settings(admin_client):
    menu = admin_client.get("/admin/").get_data(as_text=True)
    page = admin_client.get(PAGE).get_data(as_text=True)

    assert re.search(r'href="/admin/shop/">\s*Shop &amp; pickup', menu)
    assert input_value(page, "name") == "Bakery"
    assert input_value(page, "slot_capacity") == "10"
    assert input_value(page, "min_lead_minutes") == "60"
    assert input_value(page, "cutoff_time") == "18:00"
    assert input_value(page, "horizon_days") == "14"
    assert '<option selected value="30">30 minutes</option>' in page
    assert [input_value(page, day) for day in ("monday", "sunday")] == ["", ""]
    assert 'id="no-closures"' in page


@pytest.mark.parametrize(
    "path", [PAGE, CLOSURES, "/admin/shop/closures/1/delete"], ids=["settings", "add", "delete"]
)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(admin_client, path):
    closure = shop.add_closure(today() + timedelta(days=2), reason="Inventory")
    db.session.commit()
    before = stored_shop(), stored_closures()
    data = {**settings_form(name="Forged"), "date_from": today().isoformat()}

    response = admin_client.post(path.replace("/1/", f"/{closure.id}/"), data=data)

    assert response.status_code == 400
    assert (stored_shop(), stored_closures()) == before


# --- the profile, the week and the pickup rules ---------------------------------------------


def test_saving_writes_the_profile_the_week_and_the_pickup_rules(admin_client):
    response = save(admin_client)

    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    settings, week = stored_shop()
    assert settings == (
        "Rye & Co",
        "1 Mill Lane\nOldtown",
        "+49 30 1234567",
        "hello@rye.example",
        15,
        None,
        30,
        t("17:30"),
        21,
    )
    assert week == [
        (2, t("07:00"), t("12:00")),
        (2, t("14:00"), t("18:00")),
        (3, t("08:00"), t("10:00")),
        (4, t("07:00"), t("12:00")),
        (5, t("07:30"), t("18:00")),
        (6, t("07:00"), t("13:00")),
    ]
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "The shop&#39;s settings are saved." in page
    assert input_value(page, "tuesday") == "07:00-12:00, 14:00-18:00"
    assert input_value(page, "wednesday") == "08:00-10:00"
    assert input_value(page, "monday") == ""
    assert input_value(page, "slot_capacity") == ""


def test_the_api_shows_what_the_dashboard_saved(admin_client):
    save(admin_client, wednesday="08:00-10:00, 11:00-12:30")

    answer = admin_client.get("/api/v1/shop").get_json()

    assert answer["name"] == "Rye & Co"
    assert answer["pickup"]["slot_minutes"] == 15
    assert answer["pickup"]["slot_capacity"] is None
    wednesday = [w for w in answer["pickup"]["opening_hours"] if w["weekday"] == 3]
    assert [(w["opens"], w["closes"]) for w in wednesday] == [
        ("08:00", "10:00"),
        ("11:00", "12:30"),
    ]


def test_windows_are_changed_added_and_removed_per_weekday(admin_client, opening_hours):
    response = save(
        admin_client,
        monday="",
        tuesday="",
        wednesday="06:30-11:00",
        thursday="07:00-18:00",
        friday="07:00-12:00; 15:00-18:00",
        saturday="07:00-18:00",
        sunday="08:00-12:00",
    )

    assert response.status_code == 302
    assert stored_shop()[1] == [
        (3, t("06:30"), t("11:00")),
        (4, t("07:00"), t("18:00")),
        (5, t("07:00"), t("12:00")),
        (5, t("15:00"), t("18:00")),
        (6, t("07:00"), t("18:00")),
        (7, t("08:00"), t("12:00")),
    ]


def test_emptying_every_day_turns_the_calendar_off(admin_client, opening_hours):
    week = dict.fromkeys(("tuesday", "wednesday", "thursday", "friday", "saturday"), "")

    assert save(admin_client, **week).status_code == 302

    assert stored_shop()[1] == []


# Each refusal: a message on the page, the owner's typing kept, and nothing saved, the valid
# fields sent with it included.
REFUSALS = [
    ("tuesday", "07:00-12:00, 11:00-14:00", "On Tuesday the windows 07:00-12:00 and 11:00-14:00"),
    ("wednesday", "12:00-08:00", "On Wednesday the window opening at 12:00 must close after it"),
    ("friday", "09:00-09:00", "must close after it, not at 09:00"),
    ("thursday", "7 to 12", "write each window as opening-closing, like 07:00-12:00"),
    ("saturday", "07:00-24:00", "times run from 00:00 to 23:59"),
    ("slot_minutes", "25", "slot_minutes must be one of 10, 15, 20, 30, 60"),
    ("slot_minutes", "thirty", "Invalid Choice: could not coerce"),
    ("slot_capacity", "0", "slot_capacity must be a whole number from 1 to 1000"),
    ("min_lead_minutes", "10081", "min_lead_minutes must be a whole number from 0 to 10080"),
    ("min_lead_minutes", "", "This field is required"),
    ("cutoff_time", "25:00", "Not a valid time value"),
    ("horizon_days", "61", "horizon_days must be a whole number from 1 to 60"),
    ("email", "not-an-address", "'not-an-address' is not a valid e-mail address"),
    ("name", "   ", "The name cannot be blank"),
    ("phone", "1" * 41, "The phone may be 40 characters at most"),
]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    REFUSALS,
    ids=[f"{field}={value[:12]}" for field, value, _ in REFUSALS],
)
def test_a_refused_value_is_explained_and_nothing_is_saved(
    admin_client, opening_hours, field, value, message
):
    before = stored_shop()

    response = save(admin_client, **{"name": "Renamed bakery", field: value})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in messages(page)
    assert "Nothing was saved" in messages(page)
    assert stored_shop() == before
    if field not in ("slot_minutes", "name"):
        assert input_value(page, field) == value


def test_the_dashboard_and_the_api_refuse_overlapping_windows_in_the_same_words(
    admin_client, bearer, make_staff
):
    make_staff(email="api-admin@example.com", role="admin")
    windows = [
        {"weekday": 2, "opens": "07:00", "closes": "12:00"},
        {"weekday": 2, "opens": "11:00", "closes": "14:00"},
    ]
    api = admin_client.patch(
        "/api/v1/shop",
        json={"pickup": {"opening_hours": windows}},
        headers=bearer("api-admin@example.com", role="admin"),
    )
    page = save(admin_client, tuesday="07:00-12:00, 11:00-14:00").get_data(as_text=True)

    assert api.status_code == 422
    refusal = "On Tuesday the windows 07:00-12:00 and 11:00-14:00 overlap"
    assert refusal in str(api.get_json())
    assert refusal in messages(page)


# --- closures ---------------------------------------------------------------------------------


def test_adding_a_closure_lists_it_with_its_reason(admin_client):
    first = today() + timedelta(days=3)

    response = add_closure(admin_client, first, first + timedelta(days=2), "Oven repair")

    assert stored_closures() == [(first, first + timedelta(days=2), "Oven repair")]
    closure_id = db.session.scalar(select(Closure.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{PAGE}#closure-{closure_id}"
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "No orders are placed for those dates." in messages(page)
    card = page[page.index(f'id="closure-{closure_id}"') :]
    assert f"{first:%a %Y-%m-%d} to {first + timedelta(days=2):%a %Y-%m-%d}" in card
    assert "Oven repair" in card
    assert "No orders placed for these dates." in card


def test_one_day_closure_without_an_end_date(admin_client):
    day = today() + timedelta(days=1)

    add_closure(admin_client, day)

    assert stored_closures() == [(day, day, "")]
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert re.search(rf'class="h6 mb-1 closure-dates">{day:%a %Y-%m-%d}</h3>', page)


@BERLIN
def test_a_closure_lists_the_orders_already_placed_for_its_dates(admin_client, order_on):
    first = today() + timedelta(days=4)
    ada = order_on("ada", first, "08:00")
    bea = order_on("bea", first + timedelta(days=1), "16:30")
    cancelled = order_on("cid", first, "09:00")
    owner = db.session.scalar(select(User).where(User.email == "owner@example.com"))
    change_status(cancelled, "cancelled", by=owner)
    db.session.commit()
    outside = order_on("dan", first + timedelta(days=2), "08:00")

    response = add_closure(admin_client, first, first + timedelta(days=1), "Family wedding")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)

    assert "2 orders are already placed for those dates: call the customers listed below" in (
        messages(page)
    )
    card = page[page.index('class="card mb-3 closure"') :]
    assert "2 orders placed for these dates" in card
    rows = re.findall(r'<tr data-order-number="([^"]+)">(.*?)</tr>', card, re.S)
    assert [number for number, _ in rows] == [ada.number, bea.number]
    ada_row, bea_row = (row for _, row in rows)
    assert f'<a href="/admin/orders/details/?id={ada.id}">{ada.number}</a>' in ada_row
    assert "Ada Shopper" in ada_row
    assert "ada@example.com" in ada_row
    assert slot_text(first, "08:00", "08:30") in ada_row
    assert 'data-status="pending">Pending<' in ada_row
    assert slot_text(first + timedelta(days=1), "16:30", "17:00") in bea_row
    assert cancelled.number not in card
    assert outside.number not in card
    # Closing dates keeps their orders: the shop calls the customers.
    db.session.expire_all()
    assert db.session.get(Order, ada.id).status == "pending"


def test_each_upcoming_closure_lists_its_own_orders_and_past_ones_are_gone(admin_client, order_on):
    soon, later = today() + timedelta(days=2), today() + timedelta(days=9)
    running = Closure(date_from=today() - timedelta(days=1), date_to=today(), reason="Running now")
    past = Closure(
        date_from=today() - timedelta(days=5), date_to=today() - timedelta(days=4), reason="Past"
    )
    db.session.add_all([running, past])
    for day, reason in ((soon, "Soon"), (later, "Later")):
        shop.add_closure(day, reason=reason)
    db.session.commit()
    on_soon = order_on("ada", soon)
    on_later = order_on("bea", later)

    page = admin_client.get(PAGE).get_data(as_text=True)

    listing = page[: page.index('id="add-closure-title"')]
    cards = listing.split('class="card mb-3 closure"')[1:]
    reasons = [re.search(r'closure-reason">([^<]*)<', card).group(1) for card in cards]
    assert reasons == ["Running now", "Soon", "Later"]
    assert on_soon.number in cards[1]
    assert on_later.number not in cards[1]
    assert on_later.number in cards[2]
    assert on_soon.number not in cards[2]
    assert "No orders placed for these dates." in cards[0]


def test_the_closures_cost_the_same_queries_however_many(admin_client, order_on, count_queries):
    def close_with_orders(offset: int) -> None:
        day = today() + timedelta(days=offset)
        shop.add_closure(day, reason=f"Closed {offset}")
        db.session.commit()
        order_on(f"shopper{offset}", day)

    close_with_orders(2)
    admin_client.get(PAGE)
    with count_queries() as few:
        assert admin_client.get(PAGE).status_code == 200
    for offset in (3, 5, 8):
        close_with_orders(offset)
    with count_queries() as many:
        page = admin_client.get(PAGE).get_data(as_text=True)

    assert page.count('class="card mb-3 closure"') == 4
    assert len(many) == len(few), "\n".join(many)


# (first day, last day, reason, message): days as offsets from today, or as typed.
CLOSURE_REFUSALS = [
    (3, 2, "Holidays", "date_to cannot be before date_from"),
    (-3, -2, "Holidays", "The closure ends in the past"),
    (2, 402, "Holidays", "A closure may last 366 days at most"),
    (2, 3, "x" * 201, "The reason may be 200 characters at most"),
    ("", 3, "Holidays", "This field is required"),
    ("24/12/2026", "", "Holidays", "Not a valid date value"),
]


@pytest.mark.parametrize(
    ("first", "last", "reason", "message"),
    CLOSURE_REFUSALS,
    ids=[message[:24] for *_, message in CLOSURE_REFUSALS],
)
def test_a_refused_closure_is_explained_and_nothing_is_added(
    admin_client, first, last, reason, message
):
    def typed(day):
        return today() + timedelta(days=day) if isinstance(day, int) else day

    response = add_closure(admin_client, typed(first), typed(last), reason)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in messages(page)
    assert "No closure was added" in messages(page)
    assert stored_closures() == []
    if reason == "Holidays":
        assert input_value(page, "reason") == reason


def test_removing_a_closure_reopens_its_dates(admin_client):
    keep = shop.add_closure(today() + timedelta(days=2), reason="Keep")
    remove = shop.add_closure(today() + timedelta(days=5), reason="Remove")
    db.session.commit()

    response = post_form(admin_client, f"/admin/shop/closures/{remove.id}/delete", token_from=PAGE)

    assert response.status_code == 302
    assert stored_closures() == [(keep.date_from, keep.date_to, "Keep")]
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Closure removed" in messages(page)
    assert f'action="/admin/shop/closures/{keep.id}/delete"' in page
    assert f'action="/admin/shop/closures/{remove.id}/delete"' not in page


def test_removing_a_closure_that_is_gone_is_explained(admin_client):
    response = post_form(
        admin_client, "/admin/shop/closures/999999/delete", token_from=PAGE, follow_redirects=True
    )

    assert response.status_code == 200
    assert "Nothing was removed. No closure 999999." in messages(response.get_data(as_text=True))


def test_reasons_and_names_render_as_text(admin_client):
    hostile = "<img src=x onerror=alert(1)>"
    shop.update_shop({"name": hostile})
    shop.add_closure(today() + timedelta(days=2), reason=hostile)
    db.session.commit()

    page = admin_client.get(PAGE).get_data(as_text=True)

    assert hostile not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
