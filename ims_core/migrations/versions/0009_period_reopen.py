"""period_lock.reopen_*: a request to reopen a period marked filed, waiting for a second person

Revision ID: 0009
Revises: 0008

A period marked filed by mistake can be reopened (issue 16), by two people: the first asks, with a
reason, and the request waits on the lock; a different person's reopen removes the lock. Both steps
are audit events.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("reopen_requested_by_id", "reopen_requested_by_name", "reopen_reason")


def upgrade() -> None:
    with op.batch_alter_table("period_lock") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reopen_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("period_lock") as batch:
        for name in (*COLUMNS, "reopen_requested_at"):
            batch.drop_column(name)
