"""Webhook endpoints keep every secret rotated out within the last day, not only the last one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:05:00.000000

"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

endpoints = sa.table(
    "webhook_endpoints",
    sa.column("id", sa.Integer),
    sa.column("previous_secret", sa.String),
    sa.column("previous_secret_until", sa.DateTime(timezone=True)),
    sa.column("old_secrets", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("old_secrets", sa.JSON(), server_default="[]", nullable=False)
        )

    # An old secret still in its day goes on signing until then.
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    rotated = connection.execute(
        sa.select(
            endpoints.c.id, endpoints.c.previous_secret, endpoints.c.previous_secret_until
        ).where(
            endpoints.c.previous_secret.is_not(None),
            endpoints.c.previous_secret_until.is_not(None),
        )
    ).all()
    for endpoint_id, secret, until in rotated:
        # SQLite gives the stored UTC time back without its zone.
        until = until.replace(tzinfo=timezone.utc) if until.tzinfo is None else until
        if until > now:
            until_utc = until.astimezone(timezone.utc).isoformat()
            connection.execute(
                endpoints.update()
                .where(endpoints.c.id == endpoint_id)
                .values(old_secrets=[{"secret": secret, "until": until_utc}])
            )

    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")


def downgrade():
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True)
        )

    # The newest old secret is the one the earlier schema can keep.
    connection = op.get_bind()
    rows = connection.execute(sa.select(endpoints.c.id, endpoints.c.old_secrets)).all()
    for endpoint_id, old_secrets in rows:
        if old_secrets:
            newest = old_secrets[0]
            connection.execute(
                endpoints.update()
                .where(endpoints.c.id == endpoint_id)
                .values(
                    previous_secret=newest["secret"],
                    previous_secret_until=datetime.fromisoformat(newest["until"]),
                )
            )

    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("old_secrets")
