"""Records listed for a decision carry the supplier's name even when the IMS record has none; the
totals of results are net of credit notes while each record shows its own tax."""

from pathlib import Path

from support.matching import S1, book, insert_documents, portal

from ims_core.db import session_scope
from ims_core.ingest.books import parse_books
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.ims import parse_ims_json
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports.worklist import find_vendors, needing_decision, status_counts

DEMO = Path(__file__).resolve().parents[2] / "ims_core" / "data" / "demo"


def test_ims_records_borrow_the_name_the_gstr2b_gave(engine):
    books = parse_books(DEMO / "purchase_register_oct2025.csv")
    load(engine, books)
    load(engine, parse_gstr2b([DEMO / "gstr2b_102025.json"]))
    ims = parse_ims_json(DEMO / "ims_records_102025.json", recipient_gstin=books.recipient_gstin)
    assert (ims.frame["supplier_name"] == "").all()  # the IMS download has no trade names
    load(engine, ims)
    run_reconciliation(engine)
    with session_scope(engine) as session:
        page = needing_decision(session, limit=500)
    assert page.items and all(item.source == "ims" for item in page.items)
    assert all(item.supplier_name for item in page.items)


def test_totals_of_results_take_credit_notes_off(engine):
    """Matched: invoice 7 (₹1,800) and credit note C-1 (₹900) net ₹900. Not in books: invoice 10
    (₹1,800) and credit note C-3 (₹270) net ₹1,530, in the counts, the list's total and the vendor's
    open figure; the listed credit note still shows its own ₹270."""
    note = {"doc_type": "CRN", "cgst": 45_000, "sgst": 45_000}
    insert_documents(engine, [book(1, "7"), book(2, "C-1", **note)],
                     [portal(101, "7"), portal(102, "C-1", **note), portal(103, "10"),
                      portal(104, "C-3", doc_type="CRN", cgst=13_500, sgst=13_500)])
    run_reconciliation(engine, tolerances=Tolerances())
    with session_scope(engine) as session:
        counts = {c.status: (c.count, c.tax_paise) for c in status_counts(session)}
        page = needing_decision(session)
        [vendor] = find_vendors(session, S1)
    assert counts == {"matched": (2, 90_000), "missing_in_books": (2, 153_000)}
    assert (page.total, page.total_tax_paise) == (2, 153_000)
    assert [(i.doc_number, i.tax_paise) for i in page.items] == [("10", 180_000), ("C-3", 27_000)]
    assert (vendor.open_items, vendor.open_tax_paise) == (2, 153_000)
