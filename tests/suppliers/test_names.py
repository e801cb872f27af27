"""A supplier's display name: the register's, else the books', else the portal's, else nothing."""

from __future__ import annotations

import datetime as dt

from support.documents import insert_document

from ims_core.models import PurchaseDocument, Supplier
from ims_core.suppliers.names import supplier_names

REGISTERED, BOOKED = "27AHQPA7588L1ZJ", "29AAFCC9980M1ZR"
REPORTED, UNNAMED, UNKNOWN = "06AAMCS8709B1ZA", "24AAQCA8719H1ZC", "33AAACT1234A1Z5"


def _book(session, supplier: str, name: str) -> None:  # a Session
    session.add(PurchaseDocument(recipient_gstin="27AADCD4821K1ZM", supplier_gstin=supplier,
                                 supplier_name=name, doc_type="INV", doc_number=f"B-{supplier[:4]}",
                                 doc_date=dt.date(2025, 10, 3), fy=2025))
    session.commit()


def test_each_source_in_its_turn(session):
    session.add_all([Supplier(gstin=REGISTERED, name="Shree Polymers"), Supplier(gstin=BOOKED, name="")])
    _book(session, REGISTERED, "SHREE POLYMERS (ledger)")
    _book(session, BOOKED, "Kaveri Chemicals")
    insert_document(session, supplier_gstin=BOOKED, supplier_name="KAVERI CHEM PVT LTD")
    insert_document(session, supplier_gstin=REPORTED, supplier_name="Sharma Steel & Sons")
    insert_document(session, supplier_gstin=REPORTED, supplier_name="")  # an IMS record: no trade name
    insert_document(session, supplier_gstin=UNNAMED, supplier_name="")

    asked = supplier_names(session, [REGISTERED, BOOKED, REPORTED, UNNAMED, UNKNOWN])
    assert asked == {REGISTERED: "Shree Polymers", BOOKED: "Kaveri Chemicals",
                     REPORTED: "Sharma Steel & Sons", UNNAMED: "", UNKNOWN: ""}
    assert supplier_names(session) == {g: n for g, n in asked.items() if g != UNKNOWN}
    assert supplier_names(session, []) == {}
