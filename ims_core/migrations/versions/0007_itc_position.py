"""itc position: the portal's blocked flags on IMS records, the GSTR-3B figures as filed, quarterly filers

Revision ID: 0007
Revises: 0006

``isItcRedReqBlocked`` and ``isRemarksBlocked`` of IMS records are kept, so a save request never
sends what the portal refuses; a filed period keeps the Table 4 figures actually claimed, to compare
with the GSTR-2B preview (Rule 88D); a quarterly (QRMP) registration is spelt ``quarterly``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("portal_document", sa.Column("itc_reduction_blocked", sa.Boolean(), nullable=True))
    op.add_column("portal_document", sa.Column("remarks_blocked", sa.Boolean(), nullable=True))
    op.add_column("period_lock", sa.Column("claimed_json", sa.Text(), nullable=True))
    op.execute("UPDATE recipient SET filing_frequency = 'quarterly' WHERE filing_frequency = 'qrmp'")


def downgrade() -> None:
    op.execute("UPDATE recipient SET filing_frequency = 'qrmp' WHERE filing_frequency = 'quarterly'")
    with op.batch_alter_table("period_lock") as batch:
        batch.drop_column("claimed_json")
    with op.batch_alter_table("portal_document") as batch:
        batch.drop_column("remarks_blocked")
        batch.drop_column("itc_reduction_blocked")
