"""followups: supplier contacts, follow-ups and the documents each asks about

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_contact",
        sa.Column("gstin", sa.String(length=15), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("slack_channel", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gstin"),
    )
    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_gstin", sa.String(length=15), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("chat_text", sa.Text(), nullable=False),
        sa.Column("itc_held_paise", sa.BigInteger(), nullable=False),
        sa.Column("need_by", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(), nullable=False),
        sa.Column("sent_via", sa.String(length=12), nullable=False),
        sa.Column("sent_to", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=12), nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=False),
        sa.Column("slack_ts", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followup_supplier_status", "followup", ["supplier_gstin", "status"])
    op.create_table(
        "followup_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("purchase_document_id", sa.Integer(), nullable=True),
        sa.Column("portal_document_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.String(length=20), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("return_period", sa.String(length=6), nullable=False),
        sa.Column("doc_type", sa.String(length=3), nullable=False),
        sa.Column("doc_number", sa.String(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("taxable_paise", sa.BigInteger(), nullable=False),
        sa.Column("tax_paise", sa.BigInteger(), nullable=False),
        sa.Column("invoice_value_paise", sa.BigInteger(), nullable=False),
        sa.Column("itc_held_paise", sa.BigInteger(), nullable=False),
        sa.Column("what_is_wrong", sa.String(), nullable=False),
        sa.Column("what_we_need", sa.String(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["followup_id"], ["followup.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followup_item_followup_id", "followup_item", ["followup_id"])
    op.create_index("ix_followup_item_purchase_document_id", "followup_item", ["purchase_document_id"])
    op.create_index("ix_followup_item_portal_document_id", "followup_item", ["portal_document_id"])


def downgrade() -> None:
    op.drop_index("ix_followup_item_portal_document_id", table_name="followup_item")
    op.drop_index("ix_followup_item_purchase_document_id", table_name="followup_item")
    op.drop_index("ix_followup_item_followup_id", table_name="followup_item")
    op.drop_table("followup_item")
    op.drop_index("ix_followup_supplier_status", table_name="followup")
    op.drop_table("followup")
    op.drop_table("supplier_contact")
