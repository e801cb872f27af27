"""The append-only, hash-chained audit trail: who did what, to which document, when and why.

Every event's ``hash`` is sha256 over the previous event's hash and the canonical JSON of the event's
own content (sorted keys, UTC ISO times, its sequence number). Editing, deleting or reordering any
event therefore breaks the chain at that point, and :func:`verify` names the first broken link.
Database triggers (migration 0002) refuse UPDATE and DELETE, so the chain only has to catch someone
who went around the application and the triggers.

Appending is serialised (a PostgreSQL advisory lock; SQLite's single writer lock) so two concurrent
writers can never both chain onto the same previous event. Events are written in the caller's
transaction: a decision and its audit event commit or vanish together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ims_core import clock
from ims_core.audit.actor import Actor
from ims_core.models import AuditEvent, PortalDocument

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 4_674_837_001  # any constant: the one key that serialises audit appends
_TABLE = AuditEvent.__table__
_INSERT = _TABLE.insert()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken: int | None = None
    problem: str = ""
    head_hash: str = GENESIS


def utc(moment: dt.datetime) -> dt.datetime:
    """Timezone-aware UTC (SQLite hands naive datetimes back; they were stored as UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return utc(moment).isoformat(timespec="microseconds")


def _json(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_content(row: object) -> str:
    """The exact text that is hashed for one event (row: an ``AuditEvent`` or a Core row)."""
    content = {
        "seq": row.id,
        "occurred_at": _iso(row.occurred_at),
        "kind": row.kind,
        "actor": {"id": row.actor_id, "name": row.actor_name, "source": row.actor_source},
        "document_id": row.document_id,
        "recipient_gstin": row.recipient_gstin,
        "supplier_gstin": row.supplier_gstin,
        "return_period": row.return_period,
        "before": json.loads(row.before_json) if row.before_json is not None else None,
        "after": json.loads(row.after_json) if row.after_json is not None else None,
        "reason": row.reason,
        "request_id": row.request_id,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, row: object) -> str:
    return hashlib.sha256((prev_hash + canonical_content(row)).encode("utf-8")).hexdigest()


def _serialise_appends(conn: Session | Connection) -> None:
    """Hold the one lock that orders appends until the caller's transaction ends."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # A write statement takes SQLite's writer lock (waiting out the busy timeout), so the read of
        # the chain's head below cannot be overtaken. It matches no row, so the triggers never fire.
        conn.execute(text("UPDATE audit_event SET kind = kind WHERE id < 0"))


def record(
    session: Session | Connection,
    *,
    kind: str,
    actor: Actor,
    document_id: int | None,
    before: dict | None,
    after: dict | None,
    reason: str = "",
    request_id: str = "",
    recipient_gstin: str = "",
    supplier_gstin: str = "",
    period: str = "",
    when: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction and return it (the caller commits).

    ``document_id`` is a ``portal_document`` id (or None for imports, runs, locks and exports); the
    recipient, supplier and period are filled from that document when not given. Kinds in use:
    ``decision``, ``refused``, ``reject_requested``, ``reject_approved``, ``reject_declined``,
    ``import``, ``reconciliation``, ``period_filed``, ``export``.
    """
    if not kind:
        raise ValueError("an audit event needs a kind")
    if document_id is not None and not (recipient_gstin and supplier_gstin and period):
        doc = conn_get_document(session, document_id)
        if doc is not None:
            recipient_gstin = recipient_gstin or doc.recipient_gstin
            supplier_gstin = supplier_gstin or doc.supplier_gstin
            period = period or doc.return_period
    _serialise_appends(session)
    head = session.execute(select(_TABLE.c.id, _TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)).first()
    event = AuditEvent(
        id=(head.id + 1) if head else 1,
        occurred_at=utc(when or clock.now()),
        kind=kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_source=actor.source,
        document_id=document_id,
        recipient_gstin=recipient_gstin,
        supplier_gstin=supplier_gstin,
        return_period=period,
        before_json=_json(before),
        after_json=_json(after),
        reason=reason or "",
        request_id=request_id or "",
        prev_hash=head.hash if head else GENESIS,
        hash="",
    )
    # Round-trip the JSON so the hash covers exactly what a later verify will read back.
    event.hash = chain_hash(event.prev_hash, event)
    values = event.model_dump()
    session.execute(_INSERT, values)  # bound parameters: one compiled statement for every event
    return event


def conn_get_document(session: Session | Connection, document_id: int) -> object | None:
    table = PortalDocument.__table__
    return session.execute(
        select(table.c.recipient_gstin, table.c.supplier_gstin, table.c.return_period).where(
            table.c.id == document_id
        )
    ).first()


def verify(session_or_engine: Session | Connection | Engine) -> VerifyResult:
    """Walk the chain from the first event; stop at the first event that does not fit."""
    if isinstance(session_or_engine, Engine):
        with session_or_engine.connect() as conn:
            return verify(conn)
    rows = session_or_engine.execute(select(_TABLE).order_by(_TABLE.c.id).execution_options(yield_per=2000))
    prev_hash, prev_id, checked = GENESIS, 0, 0
    for row in rows:
        if row.id != prev_id + 1:
            missing = (
                f"event {prev_id + 1}" if row.id == prev_id + 2 else f"events {prev_id + 1}-{row.id - 1}"
            )
            return VerifyResult(
                False,
                checked,
                row.id,
                f"{missing} missing before event {row.id} (deleted or renumbered)",
                prev_hash,
            )
        if row.prev_hash != prev_hash:
            return VerifyResult(
                False,
                checked,
                row.id,
                f"event {row.id} does not follow event {prev_id}: "
                "an event before it was changed, removed or moved",
                prev_hash,
            )
        if chain_hash(prev_hash, row) != row.hash:
            return VerifyResult(
                False,
                checked,
                row.id,
                f"event {row.id} ({row.kind}) was altered after it "
                "was written: its content no longer matches its hash",
                prev_hash,
            )
        prev_hash, prev_id, checked = row.hash, row.id, checked + 1
    return VerifyResult(True, checked, None, "", prev_hash)
