"""Reading decision states: many records at once agree with one at a time, in one query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from support.documents import ASHA, CLI_ASHA, RAVI, TODAY

from ims_core import clock
from ims_core.decisions.engine import decide, decline_rejection
from ims_core.decisions.store import current_decision, decision_states


def _statements(engine, work) -> tuple[object, list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        return work(), seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive UTC; PostgreSQL an aware time."""
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


def test_states_of_many_records_match_current_decision_and_take_one_query(session, make_doc, engine):
    untouched = make_doc()
    portal_accepted = make_doc(ims_action="A")  # accepted on the portal, not by anyone here
    by_slack, by_cli, reset = make_doc(), make_doc(), make_doc()
    big = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)  # ₹1,20,000 of tax: maker-checker
    declined = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)
    at = dt.datetime(2025, 11, 5, 5, 2, tzinfo=dt.UTC)
    with clock.frozen(at):
        decide(session, portal_document_id=by_slack.id, action="accept", actor=ASHA, today=TODAY)
        decide(session, portal_document_id=by_cli.id, action="pending", actor=CLI_ASHA, today=TODAY)
        decide(session, portal_document_id=reset.id, action="accept", actor=ASHA, today=TODAY)
        decide(session, portal_document_id=reset.id, action="reset", actor=ASHA, today=TODAY)
        decide(
            session, portal_document_id=big.id, action="reject", actor=RAVI, reason="not ours", today=TODAY
        )
        decide(session, portal_document_id=declined.id, action="reject", actor=RAVI, today=TODAY)
        decline_rejection(session, portal_document_id=declined.id, approver=ASHA)
    session.commit()
    docs = [untouched, portal_accepted, by_slack, by_cli, reset, big, declined]
    ids = [d.id for d in docs] + [999_999]

    states, statements = _statements(engine, lambda: decision_states(session, ids))

    assert len(statements) == 1
    assert 999_999 not in states and set(states) == {d.id for d in docs}
    for doc in docs:
        assert states[doc.id] == current_decision(session, doc.id)
    summary = {
        d.id: (states[d.id].action, states[d.id].version, states[d.id].undecided) for d in docs
    }
    assert summary == {
        untouched.id: ("N", 0, True),
        portal_accepted.id: ("A", 0, True),  # the portal's action, but nobody here decided
        by_slack.id: ("A", 1, False),
        by_cli.id: ("P", 1, False),
        reset.id: ("N", 2, True),
        big.id: ("N", 1, False),  # a rejection awaits a second approver
        declined.id: ("N", 2, True),  # declined: open again, at version 2 (a button must carry 2)
    }
    slack = states[by_slack.id]
    assert (slack.decided_by, slack.decided_by_id, slack.decided_by_source, _utc(slack.decided_at)) == (
        "Asha",
        "U0ASHA",
        "slack",
        at,
    )
    assert (states[by_cli.id].decided_by_id, states[by_cli.id].decided_by_source) == ("Asha", "cli")
    waiting = states[big.id]
    assert (waiting.pending_approval, waiting.requested_by) == (True, "Ravi")
    assert waiting.requested_by_id == "U0RAVI"
    assert (_utc(waiting.requested_at), waiting.request_reason, waiting.decided_by) == (at, "not ours", "")


def test_a_gstr2b_copy_reads_the_decision_of_its_ims_twin(session, make_doc):
    ims = make_doc(doc_number="SHP/101")
    copy = make_doc(source="gstr2b", doc_number="SHP/101", ims_action="")
    alone = make_doc(source="gstr2b", doc_number="SHP/999", ims_action="")
    decide(session, portal_document_id=ims.id, action="reject", actor=ASHA, reason="returned", today=TODAY)
    session.commit()
    states = decision_states(session, [copy.id, alone.id])
    assert (states[copy.id].portal_document_id, states[copy.id].action) == (ims.id, "R")
    assert states[copy.id] == current_decision(session, copy.id)
    assert (states[alone.id].action, states[alone.id].version, states[alone.id].undecided) == ("N", 0, True)
    assert decision_states(session, []) == {}
