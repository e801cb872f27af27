"""The append-only, hash-chained audit trail: who did what, to which document, when and why.

Every event's ``hash`` is sha256 over the previous event's hash and the canonical JSON of the event's
own content (sorted keys, UTC ISO times, its sequence number). Editing, deleting or reordering any
event therefore breaks the chain at that point, and :func:`verify` names the first broken link.
Database triggers (migration 0002) refuse UPDATE and DELETE, so the chain only has to catch someone
who went around the application and the triggers.

The chain alone cannot tell a trail cut short at its end, or rebuilt whole, from an intact one:
``ims_core.audit.anchor`` keeps a sealed checkpoint outside the database for that, and :func:`verify`
checks the chain against it.

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
from ims_core.audit import anchor
from ims_core.audit.actor import Actor
from ims_core.models import AuditEvent, PortalDocument

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 4_674_837_001  # any constant: the one key that serialises audit appends
_TABLE = AuditEvent.__table__
_INSERT = _TABLE.insert()


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found. ``first_broken`` is the first event that does not fit (None when
    the fault is the trail's length or the checkpoint itself); ``anchored`` is how many events the
    checkpoint vouches for (None: there is no checkpoint to compare with), ``unanchored`` how many
    newer events it does not cover yet."""

    ok: bool
    checked: int
    first_broken: int | None = None
    problem: str = ""
    head_hash: str = GENESIS
    checkpoint: str = ""
    anchored: int | None = None
    unanchored: int = 0


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


def hold_append_lock(conn: Session | Connection) -> None:
    """Hold the one lock that orders appends until the caller's transaction ends. Writers that change
    rows and then append (the decisions) take it *first*, so that they all lock in one order: the
    trail, then their rows (a writer holding a row while waiting for the trail would deadlock)."""
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
    hold_append_lock(session)
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
    connection = session.connection() if isinstance(session, Session) else session
    anchor.note_append(connection, event.id, event.hash)  # checkpointed once committed
    return event


def conn_get_document(session: Session | Connection, document_id: int) -> object | None:
    table = PortalDocument.__table__
    return session.execute(
        select(table.c.recipient_gstin, table.c.supplier_gstin, table.c.return_period).where(
            table.c.id == document_id
        )
    ).first()


def _bind_url(target: Session | Connection | Engine) -> object:
    if isinstance(target, Session):
        return target.get_bind().url
    return target.engine.url if isinstance(target, Connection) else target.url


def verify(session_or_engine: Session | Connection | Engine, *, anchored: bool = True) -> VerifyResult:
    """Walk the chain from the first event, stop at the first event that does not fit, then hold the
    chain against its checkpoint (``anchored``): cut short, rewritten, or a checkpoint missing or
    forged are failures too."""
    if isinstance(session_or_engine, Engine):
        with session_or_engine.connect() as conn:
            return verify(conn, anchored=anchored)
    path = anchor.checkpoint_path(_bind_url(session_or_engine)) if anchored else None
    try:  # read before the walk: every event it names was committed before the walk began
        checkpoint = anchor.read_checkpoint(path, anchor.audit_key()) if path else None
    except anchor.AnchorProblem as problem:
        return VerifyResult(False, 0, None, str(problem), GENESIS, str(path))
    result, hash_at = _walk(session_or_engine, checkpoint.events if checkpoint else 0)
    if not result.ok or path is None:
        return result
    return _against(result, checkpoint, hash_at, path)


def _walk(conn: Session | Connection, mark: int) -> tuple[VerifyResult, str | None]:
    """The chain walked link by link, and the hash of event number ``mark`` (None if absent)."""
    rows = conn.execute(select(_TABLE).order_by(_TABLE.c.id).execution_options(yield_per=2000))
    prev_hash, prev_id, checked, hash_at = GENESIS, 0, 0, None
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
            ), hash_at
        if row.prev_hash != prev_hash:
            return VerifyResult(
                False,
                checked,
                row.id,
                f"event {row.id} does not follow event {prev_id}: "
                "an event before it was changed, removed or moved",
                prev_hash,
            ), hash_at
        if chain_hash(prev_hash, row) != row.hash:
            return VerifyResult(
                False,
                checked,
                row.id,
                f"event {row.id} ({row.kind}) was altered after it "
                "was written: its content no longer matches its hash",
                prev_hash,
            ), hash_at
        prev_hash, prev_id, checked = row.hash, row.id, checked + 1
        if row.id == mark:
            hash_at = row.hash
    return VerifyResult(True, checked, None, "", prev_hash), hash_at


def _against(chain: VerifyResult, checkpoint: anchor.Checkpoint | None, hash_at: str | None,
             path: object) -> VerifyResult:
    """An intact chain held against its checkpoint."""
    where = str(path)
    if checkpoint is None:
        if chain.checked == 0:
            return VerifyResult(True, 0, None, "", GENESIS, where, None)
        return VerifyResult(False, chain.checked, None, (
            f"there is no checkpoint at {where}, so the trail cannot be checked for events deleted at its "
            "end or rewritten whole (moved or deleted? IMS_AUDIT_CHECKPOINT names it; after a reviewed "
            "restore, `ims audit verify --anchor` anchors the trail as it stands)"), chain.head_hash, where)
    if chain.checked < checkpoint.events:
        gone = checkpoint.events - chain.checked
        return VerifyResult(False, chain.checked, chain.checked + 1, (
            f"the trail ends at event {chain.checked}, but the checkpoint written outside the database "
            f"on {checkpoint.written_at} vouches for {checkpoint.events}: the newest {gone} event(s) "
            "were deleted"), chain.head_hash, where, checkpoint.events)
    if hash_at != checkpoint.head:
        return VerifyResult(False, chain.checked, None, (
            f"event {checkpoint.events} does not carry the hash the checkpoint of {checkpoint.written_at} "
            f"recorded for it: the trail up to event {checkpoint.events} was rewritten and its hashes "
            "recomputed"), chain.head_hash, where, checkpoint.events)
    return VerifyResult(True, chain.checked, None, "", chain.head_hash, where, checkpoint.events,
                        chain.checked - checkpoint.events)


def reanchor(engine: Engine, actor: Actor) -> VerifyResult:
    """Anchor the trail as it stands: after a reviewed restore from a backup (fewer events than the
    checkpoint), or for a trail older than its checkpoints. The chain's links must hold; the old
    checkpoint is replaced and the re-anchoring is itself an event, so it shows in the trail."""
    chain = verify(engine, anchored=False)
    path = anchor.checkpoint_path(engine.url)
    if not chain.ok or path is None:
        return chain
    key = anchor.audit_key()
    try:
        old = anchor.read_checkpoint(path, key)
        before = {"events": old.events, "head": old.head, "written_at": old.written_at} if old else None
    except anchor.AnchorProblem as problem:
        before = {"problem": str(problem)}
    anchor.write_checkpoint(path, key, chain.checked, chain.head_hash, force=True)
    with Session(engine) as session:
        record(session, kind="audit_anchored", actor=actor, document_id=None, before=before,
               after={"events": chain.checked, "head": chain.head_hash, "checkpoint": str(path)})
        session.commit()
    return verify(engine)
