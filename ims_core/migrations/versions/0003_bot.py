"""bot: channel subscriptions, posted digests, decision message refs, scheduled job runs

Revision ID: 0003
Revises: 0002

``bot_job_run``'s unique (job, period) key is how several bot processes agree that a scheduled job
runs once: the first to insert the row runs it, the others see the conflict and skip.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("days", sa.String(length=40), nullable=False),
        sa.Column("time_hhmm", sa.String(length=5), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "recipient_gstin", name="uq_bot_subscription"),
    )
    op.create_index("ix_bot_subscription_channel_id", "bot_subscription", ["channel_id"])

    op.create_table(
        "bot_digest_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("head_json", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "day", "page", name="uq_bot_digest_message"),
    )
    op.create_index("ix_bot_digest_message_ts", "bot_digest_message", ["channel_id", "ts"])

    op.create_table(
        "bot_decision_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("portal_document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "ts", "portal_document_id", name="uq_bot_decision_message"),
    )
    op.create_index("ix_bot_decision_message_document", "bot_decision_message", ["portal_document_id"])

    op.create_table(
        "bot_job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("runner", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period", name="uq_bot_job_run"),
    )


def downgrade() -> None:
    op.drop_table("bot_job_run")
    op.drop_index("ix_bot_decision_message_document", table_name="bot_decision_message")
    op.drop_table("bot_decision_message")
    op.drop_index("ix_bot_digest_message_ts", table_name="bot_digest_message")
    op.drop_table("bot_digest_message")
    op.drop_index("ix_bot_subscription_channel_id", table_name="bot_subscription")
    op.drop_table("bot_subscription")
