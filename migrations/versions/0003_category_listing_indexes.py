"""A category's listing is read off an index that starts with the category, in every sort.

With only (category_id, is_active), a small category among many products was listed by walking
the whole catalog in name order until twenty of its products turned up.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SORT_COLUMNS = ('name', 'price_cents', 'created_at')


def upgrade():
    for column in SORT_COLUMNS:
        op.create_index(
            op.f(f'ix_products_category_id_is_active_{column}_id'),
            'products',
            ['category_id', 'is_active', column, 'id'],
        )
    op.drop_index(op.f('ix_products_category_id_is_active'), table_name='products')


def downgrade():
    op.create_index(
        op.f('ix_products_category_id_is_active'), 'products', ['category_id', 'is_active']
    )
    for column in SORT_COLUMNS:
        op.drop_index(
            op.f(f'ix_products_category_id_is_active_{column}_id'), table_name='products'
        )
