"""The IMS save request: only changes since the last export, prev_status, RESET, ITC-reduction block,
validation, and a round trip through the sample IMS download."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from support.documents import ASHA, RECIPIENT, TODAY

from ims_core import audit
from ims_core.decisions.engine import decide
from ims_core.decisions.rules import ItcReduction
from ims_core.decisions.save_request import build_requests, export_ims_actions, reset_path_for, validate
from ims_core.errors import UserFacingError
from ims_core.ingest.ims import parse_ims_json
from ims_core.ingest.loader import load
from ims_core.models import AuditEvent, PortalDocument

SAMPLE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "external"
    / "ims_getinvoices_sample_all-sections__india-compliance.json"
)
PORTAL_ONLY = {"action", "ispendactblocked", "srcfilstatus"}  # what GETINV has and a save row does not
MARCH_2023 = dt.date(2023, 3, 1)


def _load_sample(engine, session) -> dict[str, PortalDocument]:
    load(engine, parse_ims_json(SAMPLE, RECIPIENT))
    docs = session.execute(select(PortalDocument)).scalars().all()
    return {d.section: d for d in docs}


def test_round_trip_against_the_sample(engine, session, tmp_path):
    docs = _load_sample(engine, session)
    sample = json.loads(SAMPLE.read_text())
    decide(
        session,
        portal_document_id=docs["b2b"].id,
        action="reject",
        actor=ASHA,
        reason="not received",
        today=MARCH_2023,
    )
    decide(session, portal_document_id=docs["b2bdn"].id, action="pending", actor=ASHA, today=MARCH_2023)
    decide(session, portal_document_id=docs["b2bcn"].id, action="reset", actor=ASHA, today=MARCH_2023)
    decide(session, portal_document_id=docs["b2ba"].id, action="accept", actor=ASHA, today=MARCH_2023)
    session.commit()

    out = tmp_path / "ims-save.json"
    result = export_ims_actions(session, recipient_gstin=RECIPIENT, path=out, actor=ASHA)
    session.commit()
    assert (result.saved, result.reset) == (2, 1)  # b2ba was already accepted on the portal: not sent
    request = json.loads(out.read_text())
    assert (request["rtin"], request["reqtyp"]) == (RECIPIENT, "SAVE")
    assert set(request["invdata"]) == {"b2b", "b2bdn"}
    for section, action in (("b2b", "R"), ("b2bdn", "P")):
        (row,) = request["invdata"][section]
        original = sample[section][0]
        expected = {k: v for k, v in original.items() if k not in PORTAL_ONLY}
        assert {k: row[k] for k in expected} == expected  # every portal field comes back unchanged
        assert (row["action"], row["prev_status"]) == (action, "A")
    assert request["invdata"]["b2b"][0]["remarks"] == "not received"

    reset = json.loads(reset_path_for(out).read_text())
    assert reset["reqtyp"] == "RESET"
    (row,) = reset["invdata"]["b2bcn"]
    assert "action" not in row and row["prev_status"] == "A" and row["nt_num"] == "cn2"

    # The exported request reads back (the IMS parser accepts the invdata shape) to the same documents.
    back = parse_ims_json(out, RECIPIENT).frame.set_index("section")
    for section in ("b2b", "b2bdn"):
        doc = docs[section]
        got = back.loc[section]
        assert (got["doc_number"], got["supplier_gstin"], got["place_of_supply"]) == (
            doc.doc_number,
            doc.supplier_gstin,
            doc.place_of_supply,
        )
        assert [
            int(got[c])
            for c in ("taxable_paise", "igst_paise", "cgst_paise", "sgst_paise", "invoice_value_paise")
        ] == [doc.taxable_paise, doc.igst_paise, doc.cgst_paise, doc.sgst_paise, doc.invoice_value_paise]
        assert got["doc_date"].date() == doc.doc_date

    # Only what changed since the last export goes next time.
    again = export_ims_actions(session, recipient_gstin=RECIPIENT, path=tmp_path / "again.json", actor=ASHA)
    assert (again.saved, again.reset, again.save_path) == (0, 0, None)
    assert not (tmp_path / "again.json").exists()
    decide(session, portal_document_id=docs["b2b"].id, action="accept", actor=ASHA, today=MARCH_2023)
    session.commit()
    third = export_ims_actions(session, recipient_gstin=RECIPIENT, path=tmp_path / "third.json", actor=ASHA)
    session.commit()
    (row,) = json.loads((tmp_path / "third.json").read_text())["invdata"]["b2b"]
    assert (third.saved, row["action"], row["prev_status"]) == (1, "A", "R")

    exports = session.execute(select(AuditEvent).where(AuditEvent.kind == "export")).scalars().all()
    assert len(exports) == 2 and '"saved":2' in exports[0].after_json
    assert audit.verify(engine).ok


def test_credit_note_itc_reduction_block(session, make_doc, tmp_path):
    partial = make_doc(
        doc_type="CRN",
        section="b2bcn",
        doc_number="CN-P",
        igst_paise=50_000,
        cgst_paise=0,
        sgst_paise=0,
        invoice_value_paise=327_750,
        taxable_paise=277_750,
    )
    nil = make_doc(doc_type="CRN", section="b2bcn", doc_number="CN-N")
    full = make_doc(doc_type="CRN", section="b2bcn", doc_number="CN-F")
    decide(
        session,
        portal_document_id=partial.id,
        action="accept",
        actor=ASHA,
        reason="half returned",
        itc_reduction=ItcReduction("partial", igst_paise=12_345),
        today=TODAY,
    )
    decide(
        session,
        portal_document_id=nil.id,
        action="accept",
        actor=ASHA,
        reason="never claimed",
        itc_reduction=ItcReduction("nil"),
        today=TODAY,
    )
    decide(session, portal_document_id=full.id, action="accept", actor=ASHA, today=TODAY)
    session.commit()
    export_ims_actions(session, recipient_gstin=RECIPIENT, path=tmp_path / "cn.json", actor=ASHA)
    rows = {r["nt_num"]: r for r in json.loads((tmp_path / "cn.json").read_text())["invdata"]["b2bcn"]}
    assert rows["CN-P"]["itcRedReq"] == "Y"
    assert (rows["CN-P"]["declIgst"], rows["CN-P"]["declCgst"], rows["CN-P"]["iamt"]) == (123.45, 0, 500)
    assert (rows["CN-P"]["val"], rows["CN-P"]["txval"]) == (3277.5, 2777.5)
    assert rows["CN-P"]["remarks"] == "half returned"
    assert (rows["CN-N"]["itcRedReq"], rows["CN-N"]["remarks"]) == ("N", "never claimed")
    assert rows["CN-F"]["itcRedReq"] == "Y" and "declIgst" not in rows["CN-F"]


def test_invalid_rows_are_refused_and_nothing_is_written(session, make_doc, tmp_path):
    doc = make_doc(supplier_gstin="BAD-GSTIN", return_period="102025", src_form="R1")
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY)
    session.commit()
    problems = validate(build_requests(session, recipient_gstin=RECIPIENT))
    assert problems == ["SAVE b2b BAD-GSTIN/" + doc.doc_number + ": stin 'BAD-GSTIN' is not a GSTIN"]
    out = tmp_path / "bad.json"
    with pytest.raises(UserFacingError, match="stin 'BAD-GSTIN' is not a GSTIN"):
        export_ims_actions(session, recipient_gstin=RECIPIENT, path=out, actor=ASHA)
    session.rollback()
    assert not out.exists()
    assert build_requests(session, recipient_gstin=RECIPIENT).save_count == 1  # still waiting to go
