"""portal: the GSP connector's sessions, pulls and pushes, and each decision's upload outcome

Revision ID: 0006
Revises: 0005

``portal_session`` keeps one encrypted session per GSTIN; ``portal_pull`` and ``portal_push`` record
what was downloaded and uploaded (a push's unique ``in_flight`` lets one upload per GSTIN be in
flight); ``ims_decision`` gains the portal's answer to the last upload of the record. The new
``ims_decision`` columns get a server default so existing rows are filled.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_session",
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("otp_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("logged_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recipient_gstin"),
    )
    op.create_table(
        "portal_pull",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pulled_by", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_pull_recipient_kind", "portal_pull", ["recipient_gstin", "kind"])
    op.create_table(
        "portal_push",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("request_type", sa.String(length=5), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("in_flight", sa.String(length=15), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pushed_by", sa.String(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("uploaded", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=20), nullable=False),
        sa.Column("error_message", sa.String(), nullable=False),
        sa.Column("items_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("in_flight"),
    )
    op.create_index("ix_portal_push_recipient", "portal_push", ["recipient_gstin", "id"])
    with op.batch_alter_table("ims_decision") as batch_op:
        batch_op.add_column(sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("upload_reference_id", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("upload_error_code", sa.String(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("upload_error_message", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ims_decision") as batch_op:
        batch_op.drop_column("upload_error_message")
        batch_op.drop_column("upload_error_code")
        batch_op.drop_column("upload_reference_id")
        batch_op.drop_column("uploaded_at")
    op.drop_index("ix_portal_push_recipient", table_name="portal_push")
    op.drop_table("portal_push")
    op.drop_index("ix_portal_pull_recipient_kind", table_name="portal_pull")
    op.drop_table("portal_pull")
    op.drop_table("portal_session")
