"""What Alembic's autogenerate compares: the models, less objects only migrations create."""

from __future__ import annotations

# Created by the initial migration on PostgreSQL only (trigram search indexes), so they exist
# in the database but cannot be declared on the dialect-neutral models.
MIGRATION_ONLY_INDEXES = frozenset({"ix_products_name_trgm", "ix_products_description_trgm"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and reflected and name in MIGRATION_ONLY_INDEXES)


def render_item(type_, obj, autogen_context):
    """Write our AwareDateTime as the plain column type it is stored as."""
    from bakery.models.base import AwareDateTime

    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False
