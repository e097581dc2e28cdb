"""Command line: seed, create-admin, issue-token, purge-idempotency-keys (`flask --app wsgi`)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bakery.extensions import db
from bakery.models.accounts import Role
from bakery.services.errors import DomainError


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Fill an empty catalog with a demo bakery, and set demo opening hours if there are none.

    Does nothing to a catalog that has any product, nor to hours the shop has set.
    """
    from bakery.demo_catalog import CATEGORIES, OPENING_HOURS, PRODUCTS
    from bakery.demo_pictures import draw_product_picture
    from bakery.services import catalog, images, shop

    if not shop.opening_hours():
        week = [shop.Window(*window) for window in OPENING_HOURS]
        shop.update_shop({"pickup": {"opening_hours": week}})
        db.session.commit()
        click.echo("Set demo opening hours: Tuesday to Saturday 07:00-18:00, Sunday 08:00-12:00.")
    if not catalog.catalog_is_empty():
        click.echo("The catalog already has products; nothing to seed.")
        return
    total = len(PRODUCTS)
    try:
        # Categories the shop already made under the same slugs are used as they are.
        categories = {spec["slug"]: catalog.category_for_seed(**spec) for spec in CATEGORIES}
        for number, spec in enumerate(PRODUCTS, start=1):
            click.echo(f"[{number:>2}/{total}] {spec['name']}")
            fields = {key: value for key, value in spec.items() if key != "category"}
            product = catalog.create_product(category=categories[spec["category"]], **fields)
            picture = draw_product_picture(spec["name"], spec["category"])
            images.add_product_image(product, picture)
        db.session.commit()
    except (DomainError, SQLAlchemyError) as exc:
        db.session.rollback()
        raise click.ClickException(f"Seeding failed and nothing was kept: {exc}") from exc
    click.echo(f"Seeded {len(categories)} categories and {total} products with pictures.")


@click.command("create-admin")
@click.option("--email", prompt=True, help="Sign-in e-mail of the staff account.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters; prompted (hidden) when not given.",
)
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role.staff_roles()]),
    default=Role.ADMIN.value,
    show_default=True,
    help="staff runs orders; admin also runs the catalog and accounts.",
)
@click.option("--name", default=None, help="Display name.")
@with_appcontext
def create_admin_command(email: str, password: str, role: str, name: str | None) -> None:
    """Create a staff account for the dashboard at /admin/."""
    from bakery.services.accounts import create_staff_account

    try:
        user = create_staff_account(email=email, password=password, role=role, name=name)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    except IntegrityError as exc:
        # The same e-mail created by another run at the same moment.
        db.session.rollback()
        raise click.ClickException(f"A staff account for {email} already exists") from exc
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@click.command("issue-token")
@click.option("--email", required=True, help="E-mail claim; the subject is derived from it.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.CUSTOMER.value,
    show_default=True,
)
@click.option("--name", default=None, help="Name claim.")
@click.option(
    "--ttl",
    type=click.IntRange(min=60, max=30 * 24 * 3600),
    default=3600,
    show_default=True,
    help="Lifetime in seconds.",
)
@with_appcontext
def issue_token_command(email: str, role: str, name: str | None, ttl: int) -> None:
    """Print a bearer token from the built-in development issuer (last line: the bare token)."""
    from datetime import timedelta

    from flask import current_app

    from bakery.auth import development_issuer

    if not development_issuer.is_enabled(current_app):
        raise click.ClickException(
            "issue-token only works with the built-in development issuer: this app trusts "
            "an identity provider (BAKERY_AUTH_JWKS_URL) or runs in production"
        )
    try:
        issued = development_issuer.issue(
            current_app,
            email=email,
            role=role,
            name=name,
            ttl=timedelta(seconds=ttl),
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"# {role} token for {issued.email}, valid {ttl} s; use: Authorization: Bearer <token>"
    )
    click.echo(issued.token)


@click.command("purge-idempotency-keys")
@with_appcontext
def purge_idempotency_keys_command() -> None:
    """Delete expired Idempotency-Key records (safe to run from cron, e.g. hourly)."""
    from bakery.services.idempotency import purge_expired

    removed = purge_expired()
    db.session.commit()
    click.echo(f"Removed {removed} expired idempotency key(s).")


commands = [
    seed_command,
    create_admin_command,
    issue_token_command,
    purge_idempotency_keys_command,
]


def _create_app():
    from bakery import create_app
    from bakery.config import ConfigurationError, refuse_to_start

    try:
        return create_app()
    except ConfigurationError as error:
        refuse_to_start(error)


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Manage the bakery platform."""


__all__ = ["commands", "main"]
