"""drop the supplier-PAN indexes of the two document tables

Revision ID: 0005
Revises: 0004

No frequent query filters documents by PAN (only ``ims explain``, for one supplier at a time), while
every large import rebuilds each index of the document tables: these two cost about a second of a
million-row import. The ``supplier_pan`` columns stay; only their indexes go.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_purchase_document_supplier_pan", table_name="purchase_document")
    op.drop_index("ix_portal_document_supplier_pan", table_name="portal_document")


def downgrade() -> None:
    op.create_index("ix_portal_document_supplier_pan", "portal_document", ["supplier_pan"])
    op.create_index("ix_purchase_document_supplier_pan", "purchase_document", ["supplier_pan"])
