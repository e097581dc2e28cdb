"""Command line: create-admin makes sound staff accounts; seed fills an empty catalog once."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from bakery.extensions import db
from bakery.models import EU_ALLERGENS, Category, OpeningWindow, Product, ProductImage, User
from bakery.services.images import VARIANTS, variant_name

STRONG_PASSWORD = "rye-and-spelt-2026"


def _users() -> list[User]:
    # A fresh read: what the command committed, not what this session remembers.
    db.session.expire_all()
    return list(db.session.scalars(select(User).order_by(User.id)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- create-admin --------------------------------------------------------------------------------


def test_create_admin_makes_an_admin_with_a_hashed_password(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "  Owner@Example.COM ", "--password", STRONG_PASSWORD]
    )

    assert result.exit_code == 0, result.output
    assert "Created admin account owner@example.com" in result.output
    [user] = _users()
    assert user.email == "owner@example.com"
    assert user.role == "admin"
    assert user.sub is None
    assert user.is_active
    assert user.password_hash != STRONG_PASSWORD
    assert STRONG_PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, STRONG_PASSWORD)
    assert not check_password_hash(user.password_hash, STRONG_PASSWORD.upper())


def test_create_admin_makes_a_staff_account_when_asked(runner):
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "counter@example.com",
            "--password",
            STRONG_PASSWORD,
            "--role",
            "staff",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "Created staff account counter@example.com" in result.output
    assert [(user.email, user.role) for user in _users()] == [("counter@example.com", "staff")]


def test_create_admin_prompts_for_what_is_missing(runner):
    # The password is typed twice: once, then again for confirmation.
    result = runner.invoke(
        args=["create-admin"],
        input=f"owner@example.com\n{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "Email:" in result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    # The prompt hides what is typed: the password never reaches the terminal.
    assert STRONG_PASSWORD not in result.output
    [user] = _users()
    assert user.email == "owner@example.com"
    assert check_password_hash(user.password_hash, STRONG_PASSWORD)


def test_create_admin_asks_again_when_the_two_passwords_differ(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "owner@example.com"],
        input=f"{STRONG_PASSWORD}\ntypo-{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    [user] = _users()
    assert check_password_hash(user.password_hash, STRONG_PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        pytest.param("owner@example.com", "Short-pw-1", "at least 12 characters", id="too-short"),
        pytest.param("owner@example.com", "password1234", "too easy to guess", id="common"),
        pytest.param(
            "baker.jane@example.com",
            "Baker.Jane-loves-rye",
            "must not contain the e-mail",
            id="contains-email",
        ),
        pytest.param("owner-at-example.com", STRONG_PASSWORD, "not a valid e-mail", id="email"),
        pytest.param("owner@example", STRONG_PASSWORD, "not a valid e-mail", id="email-no-dot"),
    ],
)
def test_create_admin_refuses_bad_input_and_writes_nothing(runner, email, password, message):
    result = runner.invoke(args=["create-admin", "--email", email, "--password", password])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert _users() == []


def test_create_admin_refuses_an_email_already_taken_whatever_its_case(runner):
    first = runner.invoke(
        args=["create-admin", "--email", "owner@example.com", "--password", STRONG_PASSWORD]
    )
    assert first.exit_code == 0, first.output

    second = runner.invoke(
        args=["create-admin", "--email", " OWNER@Example.com", "--password", "another-strong-2027"]
    )

    assert second.exit_code != 0
    assert "owner@example.com already exists" in second.output
    [user] = _users()
    # The first account is untouched: still its own password.
    assert check_password_hash(user.password_hash, STRONG_PASSWORD)


def test_create_admin_refuses_an_unknown_role(runner):
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "owner@example.com",
            "--password",
            STRONG_PASSWORD,
            "--role",
            "customer",
        ]
    )

    assert result.exit_code != 0
    assert "--role" in result.output
    assert "'staff'" in result.output
    assert "'admin'" in result.output
    assert _users() == []


# --- seed ----------------------------------------------------------------------------------------


def _seed(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result


def _files_under(folder: str | Path) -> list[Path]:
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def test_seed_fills_the_catalog_with_products_and_webp_pictures(app, runner):
    result = _seed(runner)

    categories, products = _count(Category), _count(Product)
    assert 5 <= categories <= 8
    assert 25 <= products <= 40
    # The summary agrees with what was written, and each product was announced as it was made.
    assert f"Seeded {categories} categories and {products} products" in result.output
    progress = re.findall(r"^\[\s*(\d+)/(\d+)\] \S", result.output, flags=re.MULTILINE)
    assert [int(number) for number, _ in progress] == list(range(1, products + 1))
    assert {int(total) for _, total in progress} == {products}

    db.session.expire_all()
    seeded = list(db.session.scalars(select(Product)))
    stocks = [product.stock for product in seeded]
    assert None in stocks
    assert 0 in stocks
    for product in seeded:
        assert type(product.price_cents) is int
        assert product.price_cents > 0, product.slug
        assert product.images, f"{product.slug} has no image"
        assert set(product.allergens) <= set(EU_ALLERGENS), product.slug
    assert any(product.allergens for product in seeded)
    assert any(product.tags for product in seeded)

    # Every picture is stored in each size as a real WebP; one test, as seeding takes seconds.
    upload_folder = Path(app.config["UPLOAD_FOLDER"])
    image_rows = list(db.session.scalars(select(ProductImage)))
    assert len(image_rows) >= _count(Product)
    expected = set()
    for image in image_rows:
        assert image.width > 0
        assert image.height > 0
        for variant, longest in VARIANTS.items():
            path = upload_folder / variant_name(image.file_key, variant)
            expected.add(path)
            assert path.is_file(), f"missing {path}"
            with Image.open(path) as picture:
                assert picture.format == "WEBP"
                # Decoding the pixels proves the file is a whole image, not just a header.
                picture.load()
                assert max(picture.size) <= longest
                assert max(picture.size) <= max(image.width, image.height)
    # Nothing else was left behind in the folder (no temporary or orphaned files).
    assert set(_files_under(upload_folder)) == expected


def test_seed_a_second_time_changes_nothing(app, runner):
    _seed(runner)
    counts = (_count(Category), _count(Product), _count(ProductImage))
    files = _files_under(app.config["UPLOAD_FOLDER"])

    again = _seed(runner)

    assert "nothing to seed" in again.output
    assert "Seeded" not in again.output
    assert not re.search(r"^\[\s*\d+/\d+\]", again.output, flags=re.MULTILINE)
    assert (_count(Category), _count(Product), _count(ProductImage)) == counts
    assert _files_under(app.config["UPLOAD_FOLDER"]) == files


def _week() -> list[tuple[int, str, str]]:
    db.session.expire_all()
    return [
        (window.weekday, f"{window.opens:%H:%M}", f"{window.closes:%H:%M}")
        for window in db.session.scalars(
            select(OpeningWindow).order_by(OpeningWindow.weekday, OpeningWindow.opens)
        )
    ]


def test_seed_sets_the_demo_opening_hours_and_products_that_need_notice(runner):
    result = _seed(runner)

    assert "opening hours" in result.output
    assert _week() == [
        *((weekday, "07:00", "18:00") for weekday in range(2, 7)),
        (7, "08:00", "12:00"),
    ]
    seeded = list(db.session.scalars(select(Product)))
    assert any(p.lead_days == 2 and p.daily_limit is not None for p in seeded)
    assert any(p.available_weekdays == [5] for p in seeded)


def test_seed_keeps_the_hours_a_shop_has_set(runner):
    from bakery.services import shop

    shop.update_shop({"pickup": {"opening_hours": [shop.Window(1, time(6), time(9))]}})
    db.session.commit()

    result = _seed(runner)

    assert "opening hours" not in result.output
    assert _week() == [(1, "06:00", "09:00")]


def test_the_bakery_console_script_offers_the_same_commands():
    bakery = Path(sys.executable).parent / "bakery"

    result = subprocess.run(
        [str(bakery), "--help"], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    for command in ("seed", "create-admin", "db"):
        assert command in result.stdout
