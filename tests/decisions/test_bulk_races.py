"""Bulk against clicks, with real concurrent writers on the test's database (SQLite or PostgreSQL):
a click made while a preview is shown is kept, and clicks during a bulk apply neither deadlock with
it nor get lost."""

from __future__ import annotations

import threading

from sqlmodel import Session
from support.documents import RAVI, RECIPIENT, TODAY, insert_document, reconciled

from ims_core import audit
from ims_core.audit import Actor
from ims_core.decisions.bulk import apply_bulk, preview_bulk
from ims_core.decisions.engine import decide
from ims_core.decisions.store import decision_states

BULKBOT = Actor(id="root", name="bulkbot", source="cli")


def _month(engine, count):
    with Session(engine, expire_on_commit=False) as s:
        docs = [insert_document(s, doc_number=f"R-{n:03d}") for n in range(count)]
        reconciled(s, docs)
        return [d.id for d in docs]


def _click(engine, doc_id, action):
    """One person's click: its own session and transaction, committed, as a Slack handler does."""
    with Session(engine) as s:
        decision = decide(s, portal_document_id=doc_id, action=action, actor=RAVI, today=TODAY)
        s.commit()
        return decision


def test_a_click_while_the_preview_is_shown_is_kept(engine):
    ids = _month(engine, 5)
    with Session(engine, expire_on_commit=False) as bulk:
        preview = preview_bulk(bulk, recipient_gstin=RECIPIENT, period="102025", which="matched", today=TODAY)
        assert preview.count == 5
        clicks = threading.Thread(target=lambda: (_click(engine, ids[2], "pending"),
                                                  _click(engine, ids[3], "accept"),
                                                  _click(engine, ids[3], "reset")))
        clicks.start()
        clicks.join()
        result = apply_bulk(bulk, recipient_gstin=RECIPIENT, period="102025", which="matched", actor=BULKBOT,
                            today=TODAY, preview=preview)
        bulk.commit()
        states = decision_states(bulk, ids)
    assert result.count == 3
    assert [(label.split(" ")[1], why.split(" (")[0]) for label, why in result.skipped] == [
        ("R-002", "changed since the preview"), ("R-003", "changed since the preview")]
    assert "pending by Ravi" in result.skipped[0][1]
    assert (states[ids[2]].action, states[ids[2]].decided_by) == ("P", "Ravi")
    assert (states[ids[3]].action, states[ids[3]].decided_by) == ("N", "Ravi")  # his reset, not bulk's accept
    assert {states[i].decided_by for i in (ids[0], ids[1], ids[4])} == {"bulkbot"}


def test_clicks_during_a_bulk_apply_neither_deadlock_nor_get_lost(engine):
    ids = _month(engine, 400)
    clicked: list[int] = []
    errors: list[BaseException] = []
    bulk_result = []
    start = threading.Barrier(2)

    with Session(engine) as s:  # the preview the user confirmed; the clicks come during the apply
        preview = preview_bulk(s, recipient_gstin=RECIPIENT, period="102025", which="matched", today=TODAY)

    def run_bulk():
        start.wait()
        try:
            with Session(engine) as s:
                bulk_result.append(apply_bulk(s, recipient_gstin=RECIPIENT, period="102025", which="matched",
                                              actor=BULKBOT, today=TODAY, preview=preview))
                s.commit()
        except BaseException as exc:  # a deadlock or any failure of the bulk is the test's failure
            errors.append(exc)

    def run_clicks():
        start.wait()
        for doc_id in reversed(ids[-60:]):  # from the end: rows the bulk has not reached yet
            try:
                _click(engine, doc_id, "pending")
                clicked.append(doc_id)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=run_bulk), threading.Thread(target=run_clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    (result,) = bulk_result
    with Session(engine) as s:
        states = decision_states(s, ids)
    assert len(clicked) == 60
    for doc_id in ids:  # every click holds; the bulk decided every record nobody clicked
        expected = ("P", "Ravi") if doc_id in clicked else ("A", "bulkbot")
        assert (states[doc_id].action, states[doc_id].decided_by) == expected, doc_id
    assert result.count + len(result.skipped) == 400 - sum(
        1 for d in result.decisions if not d.changed)
    assert all("changed since the preview" in why for _, why in result.skipped)
    assert audit.verify(engine).ok


def test_a_confirmation_that_carries_only_ids_and_versions_is_applied_as_shown(engine):
    """A Slack confirmation keeps the ids and versions it showed, not the preview object."""
    ids = _month(engine, 3)
    _click(engine, ids[1], "accept")  # decided by a person: not in the preview
    with Session(engine) as s:
        shown = {i.portal_document_id: i.version for i in preview_bulk(
            s, recipient_gstin=RECIPIENT, period="102025", which="matched", today=TODAY).items}
    assert sorted(shown) == [ids[0], ids[2]]
    _click(engine, ids[0], "accept")
    _click(engine, ids[0], "reset")  # changed and set back: undecided again, but not as shown
    _click(engine, ids[1], "reset")  # undecided now, but nobody confirmed it
    with Session(engine) as s:
        result = apply_bulk(s, recipient_gstin=RECIPIENT, period="102025", which="matched", actor=BULKBOT,
                            today=TODAY, expected_versions=shown)
        s.commit()
        states = decision_states(s, ids)
    assert {label.split(" ")[1]: why.split(" (")[0].split(";")[0] for label, why in result.skipped} == {
        "R-001": "not in the preview that was confirmed", "R-000": "changed since the preview"}
    assert (states[ids[0]].action, states[ids[1]].action) == ("N", "N")
    assert (states[ids[2]].action, states[ids[2]].decided_by) == ("A", "bulkbot")
