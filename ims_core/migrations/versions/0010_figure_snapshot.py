"""figure_snapshot: the ITC position's figures and the deadlines, kept with the state they came from

Revision ID: 0010
Revises: 0009

Computing them reads every record of a registration (seconds at 100,000 documents, issue 15 and 19
ask for under 1 s); a snapshot answers while the data it came from is unchanged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("key", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "recipient_gstin", "key", "as_of", name="uq_figure_snapshot"),
    )


def downgrade() -> None:
    op.drop_table("figure_snapshot")
