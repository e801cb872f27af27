"""The ITC position's figures and the deadlines answered from a snapshot: the same figures as computed,
reused only while nothing they depend on has changed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update
from support.documents import ASHA, RECIPIENT, TODAY

from ims_core.decisions.engine import decide
from ims_core.decisions.locks import mark_period_filed
from ims_core.itc.deadlines import deadlines
from ims_core.itc.position import itc_position
from ims_core.itc.snapshots import deadlines_as_of, position_figures, state
from ims_core.models import PortalDocument
from ims_core.models.snapshots import FigureSnapshot


def _heads(igst=0, cgst=0, sgst=0) -> dict:
    return dict(igst_paise=igst, cgst_paise=cgst, sgst_paise=sgst)


def _month(session, make_doc) -> dict:
    docs = {
        "inv1": make_doc(doc_number="INV-1", **_heads(cgst=900_000, sgst=900_000)),
        "inv2": make_doc(doc_number="INV-2", **_heads(igst=500_000)),
        "crn1": make_doc(doc_number="CRN-1", doc_type="CRN", section="b2bcn", **_heads(igst=50_000)),
    }
    session.commit()
    return docs


def _figures(session, today=TODAY):
    return position_figures(session, recipient_gstin=RECIPIENT, period="102025", today=today)


def _tamper(session, kind: str, change) -> None:
    """Rewrite the stored snapshot, so that an answer read from it is told apart from one computed."""
    row = session.execute(select(FigureSnapshot).where(FigureSnapshot.kind == kind)).scalar_one()
    payload = json.loads(row.payload)
    change(payload)
    session.execute(update(FigureSnapshot).where(FigureSnapshot.id == row.id)
                    .values(payload=json.dumps(payload)))
    session.commit()


def _mark_4a5(payload: dict) -> None:
    payload["rows"]["4A(5)"][0] = 123


def test_figures_from_the_snapshot_are_the_computed_figures(session, make_doc):
    _month(session, make_doc)
    computed = itc_position(session, recipient_gstin=RECIPIENT, period="102025", today=TODAY)
    first = _figures(session)
    again = _figures(session)
    # 4A(5): INV-1 9,000 + 9,000 and INV-2 5,000 IGST (no action: deemed accepted), less CRN-1 500 IGST
    assert computed.rows["4A(5)"].heads.total == 450_000 + 1_800_000
    for pos in (first, again):
        assert pos.to_json() == computed.to_json()
        assert [f.count for f in pos.rows.values()] == [f.count for f in computed.rows.values()]
    with pytest.raises(ValueError, match="no documents"):
        again.rows["4A(5)"].documents  # noqa: B018  (reading it is the test)


def test_the_snapshot_is_reused_while_nothing_changed(session, make_doc):
    _month(session, make_doc)
    _figures(session)
    _tamper(session, "position", _mark_4a5)
    assert _figures(session).rows["4A(5)"].heads.igst == 123  # read back, not computed again


def test_a_decision_makes_the_figures_computed_again(session, make_doc):
    docs = _month(session, make_doc)
    _figures(session)
    _tamper(session, "position", _mark_4a5)
    decide(session, portal_document_id=docs["inv2"].id, action="reject", actor=ASHA, today=TODAY)
    session.commit()
    pos = _figures(session)
    # INV-2 rejected: 4A(5) keeps INV-1 (9,000 + 9,000) less CRN-1 (500 IGST)
    assert pos.rows["4A(5)"].heads.igst == -50_000
    assert pos.rejected.heads.igst == 500_000


def test_a_new_document_a_filed_period_and_another_day_are_seen(session, make_doc):
    _month(session, make_doc)
    _figures(session)
    _tamper(session, "position", _mark_4a5)
    make_doc(doc_number="INV-3", **_heads(igst=100_000))
    session.commit()
    assert _figures(session).rows["4A(5)"].heads.igst == 500_000 - 50_000 + 100_000

    before = state(session, RECIPIENT)
    mark_period_filed(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA)
    session.commit()
    assert state(session, RECIPIENT) != before

    _tamper(session, "position", _mark_4a5)
    day = TODAY + dt.timedelta(days=1)
    later = _figures(session, today=day)
    assert later.rows["4A(5)"].heads.igst != 123
    computed = itc_position(session, recipient_gstin=RECIPIENT, period="102025", today=day)
    assert later.to_json() == computed.to_json()


def test_uncommitted_writes_are_never_kept(session, make_doc):
    docs = _month(session, make_doc)
    # an update that changes no count and no id: only not keeping its figures protects the next answer
    session.execute(update(PortalDocument).where(PortalDocument.id == docs["inv2"].id)
                    .values(igst_paise=570_000))
    assert _figures(session).rows["4A(5)"].heads.igst == 520_000
    session.rollback()
    assert session.execute(select(FigureSnapshot)).first() is None
    assert _figures(session).rows["4A(5)"].heads.igst == 450_000


def test_deadlines_from_the_snapshot(session, make_doc):
    docs = _month(session, make_doc)
    computed = [d.to_json() for d in deadlines(session, recipient_gstin=RECIPIENT, today=TODAY)]
    assert [d.to_json() for d in deadlines_as_of(session, recipient_gstin=RECIPIENT, today=TODAY)] == computed
    assert [d.to_json() for d in deadlines_as_of(session, recipient_gstin=RECIPIENT, today=TODAY)] == computed
    deemed = next(d for d in computed if d["kind"] == "deemed_acceptance")
    assert deemed["records"] == 3 and deemed["tax"] == "22500.00"  # 18,000 + 5,000 - 500

    decide(session, portal_document_id=docs["inv1"].id, action="accept", actor=ASHA, today=TODAY)
    session.commit()
    found = deadlines_as_of(session, recipient_gstin=RECIPIENT, today=TODAY)
    deemed = next(d for d in found if d.kind == "deemed_acceptance")
    assert (deemed.records, deemed.amount_paise) == (2, 450_000)  # INV-2 and CRN-1 still have no action
