"""Records listed for a decision carry the supplier's name even when the IMS record has none."""

from pathlib import Path

from ims_core.db import session_scope
from ims_core.ingest.books import parse_books
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.ims import parse_ims_json
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.reports.worklist import needing_decision

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
