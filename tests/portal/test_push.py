"""Pushing decisions: what is sent (and what is not), polling with back-off, P / PE / ER applied to the
decisions, one upload in flight per GSTIN, resuming an upload a run did not see settle, large uploads
in parts, and RESET."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.models import AuditEvent, ImsDecision, PortalDocument, PortalPush
from ims_core.portal import service, sessions
from ims_core.portal.errors import PushInFlight
from ims_core.portal.outcomes import portal_states, refused_records, upload_note
from ims_core.portal.push import preview_push, push_pending

from .records import ACME, BHARAT, CHOLA, RECIPIENT, USERNAME

ASHA = Actor(id="asha", name="Asha", source="cli")
NOON = dt.datetime(2025, 11, 12, 6, 30, tzinfo=dt.UTC)


@pytest.fixture
def pulled(portal_env, engine, gsp):
    """Logged in and the sample IMS records pulled, on 12 November 2025."""
    with clock.frozen(NOON):
        sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                       username=USERNAME, otp="575757", actor=ASHA)
        service.pull(engine, RECIPIENT, actor=ASHA, sleep=lambda s: None)
    gsp.requests.clear()
    return engine


def _decide(engine, stin: str, number: str, action: str) -> int:
    with Session(engine) as session, clock.frozen(NOON):
        doc = session.execute(select(PortalDocument).where(PortalDocument.supplier_gstin == stin,
                                                           PortalDocument.doc_number == number)).scalar_one()
        decide(session, portal_document_id=doc.id, action=action, actor=ASHA, today=clock.today())
        session.commit()
        return doc.id


def _push(engine, sleeps=None):
    with clock.frozen(NOON):
        return service.push(engine, RECIPIENT, actor=ASHA,
                            sleep=sleeps if sleeps is not None else (lambda s: None))


def _decision(engine, doc_id: int) -> ImsDecision:
    with Session(engine) as session:
        query = select(ImsDecision).where(ImsDecision.portal_document_id == doc_id)
        return session.execute(query).scalar_one()


def test_what_is_sent_is_what_changed_with_the_portal_status_as_prev_status(pulled, gsp):
    _decide(pulled, ACME, "ACM/101", "accept")
    _decide(pulled, BHARAT, "BH-7", "accept")  # already accepted on the portal: nothing to send
    _decide(pulled, ACME, "ACM/CN/3", "reject")
    result = _push(pulled)
    (save,) = [r for r in gsp.requests if r["action"] == "SAVE"]
    sent = save["data"]
    assert (sent["rtin"], sent["reqtyp"]) == (RECIPIENT, "SAVE")
    assert {s: [(r["stin"], r.get("inum") or r["nt_num"], r["action"], r["prev_status"]) for r in rows]
            for s, rows in sent["invdata"].items()} == {
        "b2b": [(ACME, "ACM/101", "A", "N")], "b2bcn": [(ACME, "ACM/CN/3", "R", "N")]}
    assert (result.status, result.uploaded, result.refused) == ("P", 2, 0)
    assert gsp.actions()[(ACME, "ACM/101")] == "A" and gsp.actions()[(ACME, "ACM/CN/3")] == "R"
    assert _push(pulled).parts == []  # the portal has them now: a second push sends nothing


def test_processed_records_become_the_next_prev_status_and_are_audited(pulled, gsp):
    doc = _decide(pulled, CHOLA, "CH0091", "reject")
    _push(pulled)
    decision = _decision(pulled, doc)
    assert decision.exported_signature.startswith("R|") and decision.upload_reference_id == "IMSREF0001"
    assert decision.uploaded_at is not None and decision.upload_error_code == ""
    _decide(pulled, CHOLA, "CH0091", "accept")
    _push(pulled)
    (second,) = [r["data"] for r in gsp.requests if r["action"] == "SAVE"][1:]
    assert second["invdata"]["b2b"][0]["prev_status"] == "R" and second["invdata"]["b2b"][0]["action"] == "A"
    with Session(pulled) as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.kind.like("portal_push%"))
                                 .order_by(AuditEvent.id)).scalars().all()
    assert [e.kind for e in events] == ["portal_push", "portal_push_result"] * 2
    sent, settled = json.loads(events[0].after_json), json.loads(events[1].after_json)
    assert sent == {"reference_id": "IMSREF0001", "request": "SAVE", "part": "1/1", "records": 1,
                    "actions": {"reject": 1}}
    assert (settled["status"], settled["uploaded"], settled["refused"]) == ("P", 1, 0)
    assert events[0].actor_name == "Asha" and events[0].recipient_gstin == RECIPIENT


def test_refused_records_keep_the_portal_reason_and_stay_un_uploaded(pulled, gsp):
    refused_doc = _decide(pulled, ACME, "ACM/102", "accept")
    taken_doc = _decide(pulled, CHOLA, "CH0092", "reject")
    credit_doc = _decide(pulled, ACME, "ACM/CN/3", "accept")
    gsp.refuse[(ACME, "ACM/102")] = ("IMSSAV0010", "The record was modified by the supplier")
    gsp.refuse[(ACME, "ACM/CN/3")] = ("IMSSAV005", "Invalid value of itcRedReq")
    result = _push(pulled)
    assert (result.status, result.uploaded, result.refused) == ("PE", 1, 2)
    by_number = {r.doc_number: (r.section, r.code, r.message) for r in result.refusals}
    assert by_number == {"ACM/102": ("b2b", "IMSSAV0010", "The record was modified by the supplier"),
                         "ACM/CN/3": ("b2bcn", "IMSSAV005", "Invalid value of itcRedReq")}  # reported as "cn"
    refused = _decision(pulled, refused_doc)
    assert (refused.upload_error_code, refused.exported_signature) == ("IMSSAV0010", "")
    assert _decision(pulled, taken_doc).exported_signature.startswith("R|")
    with Session(pulled) as session:
        assert upload_note(session, refused_doc) == (
            "refused by the portal: IMSSAV0010 The record was modified by the supplier (upload IMSREF0001); "
            "not uploaded")
        assert upload_note(session, taken_doc).startswith("uploaded to the portal 12-11-2025 12:00")
        assert {d.doc_number for d, _ in refused_records(session, RECIPIENT)} == {"ACM/102", "ACM/CN/3"}
    preview = preview_push(pulled, RECIPIENT)
    assert preview.by_action == {"A": 2} and preview.records == 2  # still pending: the next push resends them
    assert _decision(pulled, credit_doc).uploaded_at is None


def test_an_erred_request_refuses_every_record_in_it(pulled, gsp):
    docs = [_decide(pulled, ACME, "ACM/101", "accept"), _decide(pulled, CHOLA, "CH0091", "reject")]
    gsp.error_all = ("IMSSAV005", "Invalid JSON schema")
    result = _push(pulled)
    assert (result.status, result.uploaded, result.refused) == ("ER", 0, 2)
    assert {(r.code, r.message) for r in result.refusals} == {("IMSSAV005", "Invalid JSON schema")}
    assert all(_decision(pulled, d).exported_signature == "" for d in docs)


def test_in_progress_answers_are_polled_on_the_schedule(pulled, gsp, sleeps, monkeypatch):
    from ims_core.settings import get_settings

    monkeypatch.setenv("IMS_GSP_POLL_SECONDS", "2,3,15,30,60,120,300,600,720")  # the default
    get_settings.cache_clear()
    _decide(pulled, ACME, "ACM/101", "accept")
    gsp.ip_polls = 4
    result = _push(pulled, sleeps)
    assert result.status == "P"
    assert sleeps == [2, 3, 15, 30, 60]  # four IP answers, the fifth look settled it
    assert [r["action"] for r in gsp.requests].count("REQSTS") == 5


def test_an_upload_still_in_progress_is_collected_by_the_next_push_before_anything_new(pulled, gsp):
    first = _decide(pulled, ACME, "ACM/101", "accept")
    gsp.ip_polls = 10  # more than the four looks of IMS_GSP_POLL_SECONDS
    with pytest.raises(PushInFlight, match="still processing upload IMSREF0001 after 0 min"):
        _push(pulled)
    with Session(pulled) as session:
        row = session.execute(select(PortalPush)).scalar_one()
        assert (row.status, row.in_flight, row.reference_id) == ("IP", RECIPIENT, "IMSREF0001")
        (state,) = portal_states(session, RECIPIENT)
        assert state.in_flight == ("IMSREF0001",)
    second = _decide(pulled, CHOLA, "CH0091", "reject")
    gsp.ip_polls = 0
    gsp.uploads["IMSREF0001"].ip_left = 1
    result = _push(pulled)
    assert [(p.reference_id, p.status, p.resumed) for p in result.parts] == [
        ("IMSREF0001", "P", True), ("IMSREF0002", "P", False)]
    saved = [r["data"]["invdata"]["b2b"] for r in gsp.requests if r["action"] == "SAVE"]
    assert [[row["inum"] for row in rows] for rows in saved] == [["ACM/101"], ["CH0091"]]
    assert _decision(pulled, first).upload_reference_id == "IMSREF0001"
    assert _decision(pulled, second).upload_reference_id == "IMSREF0002"


def test_only_one_upload_per_gstin_is_in_flight(pulled, gsp):
    _decide(pulled, ACME, "ACM/101", "accept")
    with Session(pulled) as session:  # another process has claimed an upload and is sending it
        session.add(PortalPush(recipient_gstin=RECIPIENT, request_type="SAVE", status="sending",
                               in_flight=RECIPIENT, sent_at=NOON, pushed_by="ravi"))
        session.commit()
    with pytest.raises(PushInFlight, match=r"upload for 29AAFCC9980M1ZR is being sent \(started by ravi"):
        _push(pulled)
    assert not gsp.uploads
    with clock.frozen(NOON + dt.timedelta(minutes=20)):  # that process died: its claim is abandoned
        result = service.push(pulled, RECIPIENT, actor=ASHA, sleep=lambda s: 0)
    assert result.status == "P" and len(gsp.uploads) == 1
    with Session(pulled) as session:
        statuses = list(session.execute(select(PortalPush.status).order_by(PortalPush.id)).scalars())
    assert statuses == ["abandoned", "P"]


def test_a_large_upload_goes_in_parts_one_at_a_time_and_resets_go_as_resetims(pulled, gsp, engine):
    for number in ("ACM/101", "ACM/102"):
        _decide(pulled, ACME, number, "accept")
    _decide(pulled, CHOLA, "CH0091", "reject")
    _decide(pulled, BHARAT, "BH-7", "reset")  # accepted on the portal, set back to No action
    with clock.frozen(NOON):
        client = service.connect(pulled, RECIPIENT, ASHA, sleep=lambda s: 0)
        result = push_pending(pulled, client, actor=ASHA, max_bytes=700)  # about one row per request
    assert [(p.request_type, p.part, p.parts, p.status) for p in result.parts] == [
        ("SAVE", 1, 3, "P"), ("SAVE", 2, 3, "P"), ("SAVE", 3, 3, "P"), ("RESET", 1, 1, "P")]
    actions = [r["action"] for r in gsp.requests if r["method"] == "PUT"]
    assert actions == ["SAVE", "SAVE", "SAVE", "RESETIMS"]
    reset = [r["data"] for r in gsp.requests if r["action"] == "RESETIMS"][0]
    assert reset["reqtyp"] == "RESET" and "action" not in reset["invdata"]["b2b"][0]
    assert reset["invdata"]["b2b"][0]["prev_status"] == "A"
    assert gsp.actions()[(BHARAT, "BH-7")] == "N" and result.uploaded == 4


def test_the_dry_run_preview_counts_records_and_tax(pulled, gsp):
    _decide(pulled, ACME, "ACM/102", "accept")  # 25,000 at 18%: 4,500 of tax
    _decide(pulled, CHOLA, "CH0091", "reject")  # 1,500 at 18%: 270
    preview = preview_push(pulled, RECIPIENT)
    assert (preview.by_action, preview.tax_paise, preview.in_flight) == ({"A": 1, "R": 1}, 477_000, [])
    assert not gsp.requests
