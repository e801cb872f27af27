"""The audit trail: triggers refuse changes, the hash chain catches whoever goes around them, and
concurrent writers never fork the chain or lose an update."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import exc, select, text
from sqlmodel import Session
from support.documents import ASHA, TODAY, insert_document

from ims_core import audit
from ims_core.audit import Actor
from ims_core.db import session_scope
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionConflict
from ims_core.decisions.store import current_decision
from ims_core.models import AuditEvent


def _write_events(session, count: int) -> None:
    for n in range(count):
        audit.record(
            session,
            kind="import",
            actor=ASHA,
            document_id=None,
            before=None,
            after={"file": f"ims-{n}.json", "documents": n, "tax_paise": 12345 * n},
            recipient_gstin="29AAFCC9980M1ZR",
            period="102025",
        )
    session.commit()


def _drop_triggers(engine) -> None:
    """What an attacker with database access would do first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))


def test_intact_chain_verifies(engine, session):
    _write_events(session, 5)
    result = audit.verify(engine)
    assert (result.ok, result.checked, result.first_broken) == (True, 5, None)
    last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert result.head_hash == last.hash and len(last.hash) == 64


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET reason = 'edited' WHERE id = 2", "DELETE FROM audit_event WHERE id = 2"],
)
def test_triggers_refuse_update_and_delete(engine, session, statement):
    _write_events(session, 3)
    with pytest.raises(exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert audit.verify(engine).ok


def test_edited_event_is_named(engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET after_json = REPLACE(after_json, '12345', '99999') WHERE id = 2")
        )
    result = audit.verify(engine)
    assert (result.ok, result.first_broken, result.checked) == (False, 2, 1)
    assert "event 2" in result.problem and "altered" in result.problem


def test_edited_event_with_recomputed_hash_breaks_the_next_link(engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor_name = 'Mallory' WHERE id = 2"))
    with Session(engine) as s:  # the forger recomputes event 2's own hash…
        row = s.execute(select(AuditEvent.__table__).where(AuditEvent.id == 2)).first()
        forged = audit.chain_hash(row.prev_hash, row)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET hash = :h WHERE id = 2"), {"h": forged})
    result = audit.verify(engine)  # …but event 3 still points at the original
    assert (result.ok, result.first_broken) == (False, 3)
    assert "does not follow event 2" in result.problem


def test_deleted_event_is_named(engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = 3"))
    result = audit.verify(engine)
    assert (result.ok, result.first_broken) == (False, 4)
    assert "event 3 missing" in result.problem


def test_reordered_events_are_caught(engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:  # swap events 2 and 3, numbers and all
        conn.execute(text("UPDATE audit_event SET id = 1000 WHERE id = 2"))
        conn.execute(text("UPDATE audit_event SET id = 2 WHERE id = 3"))
        conn.execute(text("UPDATE audit_event SET id = 3 WHERE id = 1000"))
    result = audit.verify(engine)
    assert (result.ok, result.first_broken) == (False, 2)


def test_many_threads_deciding_one_record_one_wins(engine):
    with Session(engine) as s:
        doc_id = insert_document(s).id
    threads, barrier = 12, threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(n: int) -> None:
        actor = Actor(id=f"U{n}", name=f"User {n}", source="slack")
        action = ("accept", "reject", "pending")[n % 3]
        barrier.wait()
        try:
            with session_scope(engine) as s:
                decide(
                    s, portal_document_id=doc_id, action=action, actor=actor, expected_version=0, today=TODAY
                )
            outcome = f"won:{actor.name}"
        except ActionConflict as conflict:
            outcome = f"conflict:{conflict.decided_by}"
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=click, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == threads and len(winners) == 1
    winner = winners[0].removeprefix("won:")
    assert all(o == f"conflict:{winner}" for o in outcomes if o not in winners)
    with Session(engine) as s:
        state = current_decision(s, doc_id)
        events = list(s.execute(select(AuditEvent)).scalars())
    assert (state.version, state.decided_by) == (1, winner)
    assert len(events) == 1 and events[0].actor_name == winner
    assert audit.verify(engine).ok


def test_concurrent_writers_keep_one_linear_chain(engine):
    with Session(engine) as s:
        doc_ids = [insert_document(s).id for _ in range(10)]
    barrier = threading.Barrier(len(doc_ids))
    errors: list[BaseException] = []

    def decide_own(doc_id: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as s:
                decide(s, portal_document_id=doc_id, action="accept", actor=ASHA, today=TODAY)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    workers = [threading.Thread(target=decide_own, args=(d,)) for d in doc_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    result = audit.verify(engine)
    assert (result.ok, result.checked) == (True, len(doc_ids))


def test_concurrent_bare_appends_never_fork_the_chain(engine):
    """Imports, exports and period locks append without a decision row to serialise them first."""
    writers = 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as s:
                audit.record(s, kind="import", actor=ASHA, document_id=None, before=None, after={"file": n})
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(writers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert (audit.verify(engine).ok, audit.verify(engine).checked) == (True, writers)
