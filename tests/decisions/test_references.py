"""What a user types to name a document, read in one place: ``GSTIN/NUMBER`` or an id."""

from __future__ import annotations

import pytest
from support.documents import SUPPLIER

from ims_core.decisions.references import Reference, find_documents, parse_reference, supplier_and_number
from ims_core.errors import UserFacingError


def test_the_two_forms():
    assert parse_reference(" 42 ") == parse_reference("#42") == Reference(document_id=42)
    # only the first slash ends the GSTIN: numbers keep theirs, as the supplier wrote them
    assert parse_reference("27lzzfy8443r1zv/SP/2025-26/0069 ") == Reference(
        supplier_gstin="27LZZFY8443R1ZV", doc_number="SP/2025-26/0069")
    for bad in ("INV-12", "/INV-12", "27LZZFY8443R1ZV/", "#"):
        with pytest.raises(UserFacingError, match="expected SUPPLIER_GSTIN/DOC_NUMBER"):
            parse_reference(bad)


def test_finding_what_a_reference_names(session, make_doc):
    doc = make_doc(doc_number="SP/25-26/7")
    assert find_documents(session, f"{SUPPLIER.lower()}/sp/25-26/7") == [doc]  # any case when not exact
    assert find_documents(session, f"#{doc.id}") == [doc] and find_documents(session, "999999") == []
    assert supplier_and_number(session, str(doc.id)) == Reference(doc.id, SUPPLIER, "SP/25-26/7")
    with pytest.raises(UserFacingError, match="there is no portal document #999999"):
        supplier_and_number(session, "999999")
