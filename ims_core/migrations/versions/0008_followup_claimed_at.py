"""followup.claimed_at: when the current send claimed the follow-up

Revision ID: 0008
Revises: 0007

A follow-up being emailed is in the state ``sending`` from its claim until the SMTP conversation has
ended (issue 18: two Send clicks 0.7 s apart sent two emails). The claim's time lets a send whose
process died be taken over once the send deadline has surely passed, and lets a send queued behind
slow ones notice that it was taken over meanwhile.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("followup", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("followup", "claimed_at")
