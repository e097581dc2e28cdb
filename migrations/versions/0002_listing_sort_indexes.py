"""Listing indexes end with the id, the tie-breaker of every product sort.

With (is_active, price_cents) alone, PostgreSQL had to fetch and sort every product of the
first price to order them by id; with the id in the index a page is read straight off it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 05:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SORT_COLUMNS = ('name', 'price_cents', 'created_at')


def upgrade():
    for column in SORT_COLUMNS:
        op.create_index(
            op.f(f'ix_products_is_active_{column}_id'), 'products', ['is_active', column, 'id']
        )
        op.drop_index(op.f(f'ix_products_is_active_{column}'), table_name='products')


def downgrade():
    for column in SORT_COLUMNS:
        op.create_index(op.f(f'ix_products_is_active_{column}'), 'products', ['is_active', column])
        op.drop_index(op.f(f'ix_products_is_active_{column}_id'), table_name='products')
