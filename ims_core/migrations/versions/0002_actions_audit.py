"""actions and audit: the user's IMS decisions, period locks, the append-only audit trail

Revision ID: 0002
Revises: 0001

The audit table is protected by triggers that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL), so the application cannot rewrite history even by mistake; the hash chain catches
anyone who goes around the triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFUSAL = "audit_event is append-only"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP; END; $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "ims_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_document_id", sa.Integer(), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("return_period", sa.String(length=6), nullable=False),
        sa.Column("action", sa.String(length=1), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.String(), nullable=False),
        sa.Column("decided_by_name", sa.String(), nullable=False),
        sa.Column("decided_by_source", sa.String(length=8), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("itc_reduction", sa.String(length=8), nullable=False),
        sa.Column("decl_igst_paise", sa.BigInteger(), nullable=True),
        sa.Column("decl_cgst_paise", sa.BigInteger(), nullable=True),
        sa.Column("decl_sgst_paise", sa.BigInteger(), nullable=True),
        sa.Column("decl_cess_paise", sa.BigInteger(), nullable=True),
        sa.Column("requested_action", sa.String(length=1), nullable=False),
        sa.Column("requested_by_id", sa.String(), nullable=False),
        sa.Column("requested_by_name", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_reason", sa.String(), nullable=False),
        sa.Column("exported_signature", sa.String(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["portal_document_id"], ["portal_document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_document_id"),
    )
    op.create_index("ix_ims_decision_recipient_period", "ims_decision", ["recipient_gstin", "return_period"])

    op.create_table(
        "period_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("period_key", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by_id", sa.String(), nullable=False),
        sa.Column("filed_by_name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient_gstin", "period", name="uq_period_lock"),
    )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_name", sa.String(), nullable=False),
        sa.Column("actor_source", sa.String(length=8), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("recipient_gstin", sa.String(length=15), nullable=False),
        sa.Column("supplier_gstin", sa.String(length=15), nullable=False),
        sa.Column("return_period", sa.String(length=6), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_event_document_id", "audit_event", ["document_id"])
    op.create_index("ix_audit_event_supplier_gstin", "audit_event", ["supplier_gstin"])
    op.create_index("ix_audit_event_recipient_period", "audit_event", ["recipient_gstin", "return_period"])

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.drop_index("ix_audit_event_recipient_period", table_name="audit_event")
    op.drop_index("ix_audit_event_supplier_gstin", table_name="audit_event")
    op.drop_index("ix_audit_event_document_id", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("period_lock")
    op.drop_index("ix_ims_decision_recipient_period", table_name="ims_decision")
    op.drop_table("ims_decision")
