"""foundation: registrations, documents, imports, reconciliation

Revision ID: 0001
Revises:
Create Date: 2026-11-29 23:45:27.671449
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('file_name', sa.String(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('recipient_gstin', sa.String(), nullable=False),
    sa.Column('return_period', sa.String(length=6), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(), nullable=False),
    sa.Column('documents_total', sa.Integer(), nullable=False),
    sa.Column('documents_added', sa.Integer(), nullable=False),
    sa.Column('documents_updated', sa.Integer(), nullable=False),
    sa.Column('documents_unchanged', sa.Integer(), nullable=False),
    sa.Column('taxable_paise', sa.BigInteger(), nullable=False),
    sa.Column('tax_paise', sa.BigInteger(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_recipient_gstin'), ['recipient_gstin'], unique=False)

    op.create_table('recipient',
    sa.Column('gstin', sa.String(length=15), nullable=False),
    sa.Column('legal_name', sa.String(), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('filing_frequency', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('gstin')
    )
    op.create_table('reconciliation_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_gstin', sa.String(), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('settings_json', sa.Text(), nullable=False),
    sa.Column('counts_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_run_recipient_gstin'), ['recipient_gstin'], unique=False)

    op.create_table('supplier',
    sa.Column('gstin', sa.String(length=15), nullable=False),
    sa.Column('pan', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('gstin_problem', sa.String(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('gstin')
    )
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_pan'), ['pan'], unique=False)

    op.create_table('document_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_kind', sa.String(length=6), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('previous_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_history_document_id'), ['document_id'], unique=False)

    op.create_table('match_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('purchase_document_id', sa.Integer(), nullable=True),
    sa.Column('portal_document_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.String(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('recommended_action', sa.String(length=1), nullable=False),
    sa.Column('recipient_gstin', sa.String(), nullable=False),
    sa.Column('supplier_gstin', sa.String(), nullable=False),
    sa.Column('return_period', sa.String(length=6), nullable=False),
    sa.Column('tax_paise', sa.BigInteger(), nullable=False),
    sa.Column('nearest_document_id', sa.Integer(), nullable=True),
    sa.Column('nearest_note', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('match_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_result_portal_document_id'), ['portal_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_result_purchase_document_id'), ['purchase_document_id'], unique=False)
        batch_op.create_index('ix_match_result_run_period', ['run_id', 'return_period'], unique=False)
        batch_op.create_index('ix_match_result_run_status', ['run_id', 'status'], unique=False)
        batch_op.create_index('ix_match_result_run_supplier', ['run_id', 'supplier_gstin'], unique=False)

    op.create_table('portal_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('section', sa.String(length=12), nullable=False),
    sa.Column('recipient_gstin', sa.String(length=15), nullable=False),
    sa.Column('return_period', sa.String(length=6), nullable=False),
    sa.Column('period_key', sa.Integer(), nullable=False),
    sa.Column('supplier_gstin', sa.String(length=15), nullable=False),
    sa.Column('supplier_pan', sa.String(length=10), nullable=False),
    sa.Column('supplier_name', sa.String(), nullable=False),
    sa.Column('supplier_gstin_problem', sa.String(), nullable=True),
    sa.Column('doc_type', sa.String(length=3), nullable=False),
    sa.Column('doc_number', sa.String(), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('fy', sa.Integer(), nullable=False),
    sa.Column('original_doc_type', sa.String(length=3), nullable=False),
    sa.Column('original_doc_number', sa.String(), nullable=False),
    sa.Column('original_doc_date', sa.Date(), nullable=True),
    sa.Column('invoice_type', sa.String(), nullable=False),
    sa.Column('taxable_paise', sa.BigInteger(), nullable=False),
    sa.Column('igst_paise', sa.BigInteger(), nullable=False),
    sa.Column('cgst_paise', sa.BigInteger(), nullable=False),
    sa.Column('sgst_paise', sa.BigInteger(), nullable=False),
    sa.Column('cess_paise', sa.BigInteger(), nullable=False),
    sa.Column('invoice_value_paise', sa.BigInteger(), nullable=False),
    sa.Column('place_of_supply', sa.String(length=2), nullable=False),
    sa.Column('reverse_charge', sa.Boolean(), nullable=False),
    sa.Column('itc_available', sa.String(length=1), nullable=False),
    sa.Column('itc_unavailable_reason', sa.String(), nullable=False),
    sa.Column('diff_percent', sa.String(), nullable=False),
    sa.Column('supplier_filing_date', sa.Date(), nullable=True),
    sa.Column('supplier_return_period', sa.String(length=6), nullable=False),
    sa.Column('supplier_filing_status', sa.String(), nullable=False),
    sa.Column('gstr3b_filed', sa.String(length=1), nullable=False),
    sa.Column('src_form', sa.String(), nullable=False),
    sa.Column('irn', sa.String(), nullable=False),
    sa.Column('irn_date', sa.Date(), nullable=True),
    sa.Column('ims_action', sa.String(length=1), nullable=False),
    sa.Column('pending_action_blocked', sa.Boolean(), nullable=True),
    sa.Column('itc_reduction_required', sa.String(length=1), nullable=False),
    sa.Column('decl_igst_paise', sa.BigInteger(), nullable=True),
    sa.Column('decl_cgst_paise', sa.BigInteger(), nullable=True),
    sa.Column('decl_sgst_paise', sa.BigInteger(), nullable=True),
    sa.Column('decl_cess_paise', sa.BigInteger(), nullable=True),
    sa.Column('remarks', sa.String(), nullable=False),
    sa.Column('ims_hash', sa.String(), nullable=False),
    sa.Column('rejected_in_ims', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('portal_document', schema=None) as batch_op:
        batch_op.create_index('ix_portal_document_recipient_period', ['recipient_gstin', 'period_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_document_supplier_gstin'), ['supplier_gstin'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_document_supplier_pan'), ['supplier_pan'], unique=False)
        batch_op.create_index('uq_portal_document_key', ['recipient_gstin', 'source', 'section', 'rejected_in_ims', 'supplier_gstin', 'doc_type', 'doc_number', 'fy'], unique=True)

    op.create_table('purchase_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_gstin', sa.String(length=15), nullable=False),
    sa.Column('supplier_gstin', sa.String(length=15), nullable=False),
    sa.Column('supplier_pan', sa.String(length=10), nullable=False),
    sa.Column('supplier_name', sa.String(), nullable=False),
    sa.Column('supplier_gstin_problem', sa.String(), nullable=True),
    sa.Column('doc_type', sa.String(length=3), nullable=False),
    sa.Column('doc_number', sa.String(), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('fy', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('taxable_paise', sa.BigInteger(), nullable=False),
    sa.Column('igst_paise', sa.BigInteger(), nullable=False),
    sa.Column('cgst_paise', sa.BigInteger(), nullable=False),
    sa.Column('sgst_paise', sa.BigInteger(), nullable=False),
    sa.Column('cess_paise', sa.BigInteger(), nullable=False),
    sa.Column('invoice_value_paise', sa.BigInteger(), nullable=False),
    sa.Column('place_of_supply', sa.String(length=2), nullable=False),
    sa.Column('reverse_charge', sa.Boolean(), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=True),
    sa.Column('ledger', sa.String(), nullable=False),
    sa.Column('itc_eligible', sa.Boolean(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('purchase_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_document_supplier_gstin'), ['supplier_gstin'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_document_supplier_pan'), ['supplier_pan'], unique=False)
        batch_op.create_index('uq_purchase_document_key', ['recipient_gstin', 'supplier_gstin', 'doc_type', 'doc_number', 'fy', 'occurrence'], unique=True)




def downgrade() -> None:

    with op.batch_alter_table('purchase_document', schema=None) as batch_op:
        batch_op.drop_index('uq_purchase_document_key')
        batch_op.drop_index(batch_op.f('ix_purchase_document_supplier_pan'))
        batch_op.drop_index(batch_op.f('ix_purchase_document_supplier_gstin'))

    op.drop_table('purchase_document')
    with op.batch_alter_table('portal_document', schema=None) as batch_op:
        batch_op.drop_index('uq_portal_document_key')
        batch_op.drop_index(batch_op.f('ix_portal_document_supplier_pan'))
        batch_op.drop_index(batch_op.f('ix_portal_document_supplier_gstin'))
        batch_op.drop_index('ix_portal_document_recipient_period')

    op.drop_table('portal_document')
    with op.batch_alter_table('match_result', schema=None) as batch_op:
        batch_op.drop_index('ix_match_result_run_supplier')
        batch_op.drop_index('ix_match_result_run_status')
        batch_op.drop_index('ix_match_result_run_period')
        batch_op.drop_index(batch_op.f('ix_match_result_purchase_document_id'))
        batch_op.drop_index(batch_op.f('ix_match_result_portal_document_id'))

    op.drop_table('match_result')
    with op.batch_alter_table('document_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_history_document_id'))

    op.drop_table('document_history')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_pan'))

    op.drop_table('supplier')
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_run_recipient_gstin'))

    op.drop_table('reconciliation_run')
    op.drop_table('recipient')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_recipient_gstin'))
        batch_op.drop_index(batch_op.f('ix_import_batch_kind'))
        batch_op.drop_index(batch_op.f('ix_import_batch_content_hash'))

    op.drop_table('import_batch')

