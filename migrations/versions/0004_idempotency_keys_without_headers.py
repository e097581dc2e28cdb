"""Idempotency keys no longer keep response headers: a replay is the status code and JSON body.

The column was never written: a checkout's answer has no header worth replaying (the request id
belongs to each request, and the rate-limit headers to the moment of the retry).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('response_headers')


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_headers', sa.JSON(), nullable=True))
