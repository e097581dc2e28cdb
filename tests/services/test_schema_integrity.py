"""The database itself enforces the domain's rules: checks, unique keys, ON DELETE and UTC times.

Rows are built straight from the models, never through the services, so a check in Python cannot
hide a rule missing from the schema that the migrations build. Each test runs on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError, StatementError

from bakery.extensions import db
from bakery.models import (
    Cart,
    CartItem,
    Category,
    Order,
    OrderItem,
    OrderStatusChange,
    Product,
    ProductAllergen,
    ProductImage,
    ProductTag,
    User,
)

# --- raw rows ------------------------------------------------------------------------------------


def _category(slug: str = "breads") -> Category:
    category = Category(slug=slug, name=slug.title())
    db.session.add(category)
    db.session.flush()
    return category


def _product(category: Category, slug: str = "sourdough", **fields) -> Product:
    fields.setdefault("price_cents", 450)
    product = Product(slug=slug, name=slug.title(), category=category, **fields)
    db.session.add(product)
    db.session.flush()
    return product


def _customer(sub: str = "idp|shopper", **fields) -> User:
    user = User(sub=sub, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def _order(user: User, number: str = "B-0001", **fields) -> Order:
    fields.setdefault("subtotal_cents", 0)
    fields.setdefault("total_cents", 0)
    order = Order(number=number, customer=user, currency="EUR", **fields)
    db.session.add(order)
    db.session.flush()
    return order


def _cart(user: User) -> Cart:
    cart = Cart(user=user)
    db.session.add(cart)
    db.session.flush()
    return cart


def _count(model, *criteria) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*criteria))


def assert_refused(*rows) -> None:
    """The database rejects these rows; the savepoint keeps the test's own transaction usable.

    Rows name their parents by id: linking them through a relationship would leave the refused
    row in the parent's collection after the savepoint rolls back.
    """
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add_all(rows)


def assert_delete_refused(statement) -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(statement)


# --- CHECK constraints ---------------------------------------------------------------------------


def test_negative_price_is_refused(app):
    category = _category()

    assert_refused(Product(slug="free", name="Free", category_id=category.id, price_cents=-1))
    assert _count(Product) == 0


def test_zero_price_is_allowed(app):
    # A free sample is a real product; only negative prices are nonsense.
    product = _product(_category(), price_cents=0)

    assert db.session.scalar(select(Product.price_cents).where(Product.id == product.id)) == 0


def test_negative_stock_is_refused(app):
    category = _category()

    assert_refused(
        Product(slug="loaf", name="Loaf", category_id=category.id, price_cents=1, stock=-1)
    )
    assert _count(Product) == 0


@pytest.mark.parametrize("stock", [None, 0])
def test_untracked_and_sold_out_stock_are_allowed(app, stock):
    product = _product(_category(), stock=stock)

    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == stock


@pytest.mark.parametrize("quantity", [0, 100])
def test_cart_quantity_outside_1_to_99_is_refused(app, quantity):
    product = _product(_category())
    cart = _cart(_customer())

    assert_refused(CartItem(cart_id=cart.id, product_id=product.id, quantity=quantity))
    assert _count(CartItem) == 0


@pytest.mark.parametrize("quantity", [1, 99])
def test_cart_quantity_at_the_bounds_is_allowed(app, quantity):
    product = _product(_category())
    cart = _cart(_customer())
    db.session.add(CartItem(cart=cart, product=product, quantity=quantity))
    db.session.flush()

    assert db.session.scalar(select(CartItem.quantity)) == quantity


def test_order_item_with_inconsistent_line_total_is_refused(app):
    product = _product(_category(), price_cents=300)
    order = _order(_customer(), subtotal_cents=500, total_cents=500)

    assert_refused(
        OrderItem(
            order_id=order.id,
            product_id=product.id,
            product_name=product.name,
            unit_price_cents=300,
            quantity=2,
            line_total_cents=500,
        )
    )
    assert _count(OrderItem) == 0


def test_order_item_with_consistent_line_total_is_allowed(app):
    # The counterpart of the test above: the check must not refuse correct arithmetic.
    product = _product(_category(), price_cents=300)
    order = _order(_customer(), subtotal_cents=600, total_cents=600)
    db.session.add(
        OrderItem(
            order=order,
            product_id=product.id,
            product_name=product.name,
            unit_price_cents=300,
            quantity=2,
            line_total_cents=600,
        )
    )
    db.session.flush()

    assert db.session.scalar(select(OrderItem.line_total_cents)) == 600


def test_unknown_allergen_is_refused(app):
    product = _product(_category())

    assert_refused(ProductAllergen(product_id=product.id, allergen="chocolate"))
    assert _count(ProductAllergen) == 0


def test_unknown_user_role_is_refused(app):
    assert_refused(User(sub="idp|someone", role="superuser"))
    assert _count(User) == 0


def test_unknown_order_status_is_refused(app):
    user = _customer()

    assert_refused(
        Order(
            number="B-0001",
            user_id=user.id,
            status="shipped",
            subtotal_cents=0,
            total_cents=0,
            currency="EUR",
        )
    )
    assert _count(Order) == 0


# --- unique constraints --------------------------------------------------------------------------


def test_duplicate_product_slug_is_refused(app):
    category = _category()
    _product(category, slug="baguette")

    assert_refused(Product(slug="baguette", name="Other", category_id=category.id, price_cents=1))
    assert _count(Product, Product.slug == "baguette") == 1


def test_duplicate_category_slug_is_refused(app):
    _category(slug="breads")

    assert_refused(Category(slug="breads", name="More breads"))
    assert _count(Category, Category.slug == "breads") == 1


def test_a_cart_holds_one_line_per_product(app):
    product = _product(_category())
    cart = _cart(_customer())
    db.session.add(CartItem(cart=cart, product=product, quantity=1))
    db.session.flush()

    assert_refused(CartItem(cart_id=cart.id, product_id=product.id, quantity=2))
    assert _count(CartItem) == 1


def test_a_user_has_one_cart(app):
    user = _customer()
    _cart(user)

    assert_refused(Cart(user_id=user.id))
    assert _count(Cart) == 1


def test_duplicate_order_number_is_refused(app):
    _order(_customer("idp|first"), number="B-0042")

    assert_refused(
        Order(
            number="B-0042",
            user_id=_customer("idp|second").id,
            subtotal_cents=0,
            total_cents=0,
            currency="EUR",
        )
    )
    assert _count(Order, Order.number == "B-0042") == 1


def test_two_password_accounts_cannot_share_a_login_email(app):
    db.session.add(User(email="owner@example.com", role="admin", password_hash="hash-one"))
    db.session.flush()

    assert_refused(User(email="owner@example.com", role="staff", password_hash="hash-two"))
    assert _count(User, User.email == "owner@example.com") == 1


def test_shoppers_without_password_may_share_an_email(app):
    # The index is partial: identity-provider accounts are told apart by subject, not e-mail,
    # and a staff member may also shop under the same address.
    db.session.add_all(
        [
            User(sub="idp|one", email="family@example.com"),
            User(sub="idp|two", email="family@example.com"),
            User(email="family@example.com", role="staff", password_hash="hash"),
        ]
    )
    db.session.flush()

    assert _count(User, User.email == "family@example.com") == 3


# --- foreign keys and ON DELETE ------------------------------------------------------------------


def test_deleting_a_category_that_has_products_is_refused(app):
    category = _category()
    _product(category)

    assert_delete_refused(delete(Category).where(Category.id == category.id))
    assert _count(Category) == 1
    assert _count(Product) == 1


def test_deleting_an_empty_category_is_allowed(app):
    category = _category()

    db.session.execute(delete(Category).where(Category.id == category.id))

    assert _count(Category) == 0


def test_deleting_a_product_removes_its_tags_allergens_images_and_cart_lines(app):
    category = _category()
    product = _product(category)
    other = _product(category, slug="rye")
    product_id = product.id
    db.session.add_all(
        [
            ProductTag(product_id=product_id, tag="vegan"),
            ProductAllergen(product_id=product_id, allergen="gluten"),
            ProductImage(product_id=product_id, file_key="a" * 32, width=10, height=10),
            CartItem(cart=_cart(_customer()), product_id=product_id, quantity=1),
            # Rows of another product show the cascade stops at the deleted one.
            ProductTag(product_id=other.id, tag="vegan"),
        ]
    )
    db.session.flush()

    # A bulk DELETE skips the ORM's own cascades, so only the database can remove the children.
    db.session.execute(delete(Product).where(Product.id == product_id))

    assert _count(ProductTag, ProductTag.product_id == product_id) == 0
    assert _count(ProductAllergen, ProductAllergen.product_id == product_id) == 0
    assert _count(ProductImage, ProductImage.product_id == product_id) == 0
    assert _count(CartItem, CartItem.product_id == product_id) == 0
    assert _count(ProductTag, ProductTag.product_id == other.id) == 1


def test_deleting_a_product_that_was_ordered_is_refused(app):
    product = _product(_category(), price_cents=300)
    order = _order(_customer(), subtotal_cents=300, total_cents=300)
    db.session.add(
        OrderItem(
            order=order,
            product_id=product.id,
            product_name=product.name,
            unit_price_cents=300,
            quantity=1,
            line_total_cents=300,
        )
    )
    db.session.flush()

    assert_delete_refused(delete(Product).where(Product.id == product.id))
    assert _count(Product) == 1
    assert _count(OrderItem) == 1


def test_deleting_a_user_with_orders_is_refused(app):
    # Sales history outlives accounts.
    user = _customer()
    _order(user)

    assert_delete_refused(delete(User).where(User.id == user.id))
    assert _count(User) == 1


def test_deleting_a_user_keeps_the_status_changes_they_made_without_them(app):
    staff = User(email="staff@example.com", role="staff", password_hash="hash")
    db.session.add(staff)
    order = _order(_customer())
    change = OrderStatusChange(order=order, status="confirmed", by_user=staff, by_role="staff")
    db.session.add(change)
    db.session.flush()

    db.session.execute(delete(User).where(User.id == staff.id))

    row = db.session.execute(
        select(OrderStatusChange.by_user_id, OrderStatusChange.by_role).where(
            OrderStatusChange.id == change.id
        )
    ).one()
    assert tuple(row) == (None, "staff")


# --- time ----------------------------------------------------------------------------------------


def test_timestamps_come_back_timezone_aware_utc(app):
    category = _category()
    # Expiring forces a reload, so the value is the one the database hands back.
    db.session.expire(category)

    created_at = category.created_at
    assert created_at.tzinfo is not None
    assert created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created_at) < timedelta(minutes=5)


def test_an_aware_time_in_another_zone_is_stored_as_the_same_instant_in_utc(app):
    paris_winter = timezone(timedelta(hours=1))
    category = Category(
        slug="breads", name="Breads", created_at=datetime(2026, 11, 24, 10, 30, tzinfo=paris_winter)
    )
    db.session.add(category)
    db.session.flush()
    db.session.expire(category)

    assert category.created_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert category.created_at.utcoffset() == timedelta(0)


def test_a_naive_datetime_is_refused(app):
    # A naive value has no zone to convert from; guessing would shift times silently.
    naive = datetime(2026, 11, 24, 9, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime"), db.session.begin_nested():
        db.session.add(Category(slug="breads", name="Breads", created_at=naive))

    assert _count(Category) == 0


# --- tags and allergens --------------------------------------------------------------------------


def test_tags_and_allergens_round_trip_as_lists(app):
    product = _product(_category())
    product.tags = ["vegan", "sourdough"]
    product.allergens = ["sesame", "gluten"]
    db.session.flush()
    product_id = product.id
    # A fresh session-state read, so the lists come from the rows and not from memory.
    db.session.expunge_all()

    reloaded = db.session.get(Product, product_id)
    assert list(reloaded.tags) == ["sourdough", "vegan"]
    assert list(reloaded.allergens) == ["gluten", "sesame"]
    assert _count(ProductTag, ProductTag.product_id == product_id) == 2


def _catalog_for_filters() -> None:
    category = _category()
    for slug, tags, allergens in [
        ("baguette", ["vegan", "bestseller"], ["gluten"]),
        ("brioche", ["sweet"], ["gluten", "eggs", "milk"]),
        ("rye", ["vegan", "wholegrain"], ["gluten"]),
        ("macaron", ["sweet", "gluten-free"], ["nuts", "eggs"]),
        ("focaccia", [], []),
    ]:
        product = _product(category, slug=slug)
        product.tags = tags
        product.allergens = allergens
    db.session.flush()


def _slugs(*criteria) -> list[str]:
    return list(db.session.scalars(select(Product.slug).where(*criteria).order_by(Product.slug)))


def _tagged(tag: str):
    return exists().where(ProductTag.product_id == Product.id, ProductTag.tag == tag)


def _contains(allergen: str):
    return exists().where(
        ProductAllergen.product_id == Product.id, ProductAllergen.allergen == allergen
    )


def test_filtering_by_tag_finds_each_tagged_product_once(app):
    _catalog_for_filters()

    # EXISTS rather than a join: a product with several tags must not come back twice.
    assert _slugs(_tagged("vegan")) == ["baguette", "rye"]
    assert _slugs(_tagged("sweet")) == ["brioche", "macaron"]
    assert _slugs(_tagged("unknown")) == []


def test_excluding_allergens_keeps_products_without_them(app):
    _catalog_for_filters()

    assert _slugs(~_contains("milk")) == ["baguette", "focaccia", "macaron", "rye"]
    assert _slugs(~_contains("gluten"), ~_contains("nuts")) == ["focaccia"]
    assert _slugs(_tagged("sweet"), ~_contains("eggs")) == []
