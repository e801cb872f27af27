"""The ITC position's figures and the deadlines, answered from their last computation while nothing they
depend on has changed.

Computing either reads every record of a registration (about 5 s of CPU at 100,000 documents); the
digest, App Home and ``ims itc`` need an answer within a second (issues 15 and 19). Each computation is
stored (``figure_snapshot``) with a fingerprint of the state it came from, and reused only while the
fingerprint is the same:

- every change that moves a figure leaves a trace the fingerprint reads: an import (a new
  ``import_batch``), a reconciliation (a new ``reconciliation_run``), a decision, a period filed or
  reopened, a claim recorded, a registration changed (each an ``audit_event``; the trail is append-only);
  the registration row, its period locks and the counts of documents and decisions are read as well,
  so a change made outside those paths is caught too;
- the day the figures are as of is part of the key (limits lapse with the calendar);
- the settings the figures read (the GSTR-3B due day, the QRMP states of the 22nd) and the source of
  ``ims_core`` are part of it, so an upgrade or a changed setting never answers with figures computed
  by other rules. A setting the figures come to read must be added to ``FIGURE_SETTINGS``.

A stored snapshot that cannot be written (another writer holds the database) is simply not kept: the
answer is the same, only the next one is computed again. ``--details`` and anything that needs the
documents behind a figure compute the position itself (:func:`ims_core.itc.position.itc_position`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

from ims_core import clock
from ims_core.db.engine import is_sqlite
from ims_core.itc.figures import ItcFigure, ItcLine, ItcPosition
from ims_core.itc.heads import Heads
from ims_core.models import (
    AuditEvent,
    ImportBatch,
    ImsDecision,
    PeriodLock,
    PortalDocument,
    PurchaseDocument,
    Recipient,
    ReconciliationRun,
)
from ims_core.models.snapshots import FigureSnapshot
from ims_core.settings import get_settings

if TYPE_CHECKING:
    from ims_core.itc.deadlines import Deadline

log = logging.getLogger(__name__)
T = TypeVar("T")
STORE_WAIT_MS = 500  # SQLite: how long storing a snapshot may wait for another writer before giving up
FIGURE_SETTINGS = ("ims_gstr3b_due_day", "ims_qrmp_22nd_states")  # read by ims_core.gst.due_dates
FIGURES = ("table3_1d", "lost_16_4", "expected_not_filed", "pending", "pending_credit_notes", "rejected",
           "missing_in_portal", "at_risk", "unknown_originals")


def position_figures(session: Session, *, recipient_gstin: str, period: str,
                     today: dt.date | None = None) -> ItcPosition:
    """The ITC position's figures (Table 4 and the rest, with counts) without the documents behind them:
    from the snapshot when the data is unchanged, else computed and kept."""
    today = today or clock.today()

    def compute() -> ItcPosition:
        # loaded here, not with this module: an answer from the snapshot (``ims itc`` as a new process)
        # needs none of the computation's modules (pandas, the decision engine), a third of a second
        from ims_core.itc.position import itc_position

        return itc_position(session, recipient_gstin=recipient_gstin, period=period, today=today)

    return _kept(session, "position", recipient_gstin, period, today, compute, _dump_position, _load_position)


def deadlines_as_of(session: Session, *, recipient_gstin: str,
                    today: dt.date | None = None) -> list[Deadline]:
    """:func:`ims_core.itc.deadlines.deadlines`, from the snapshot when the data is unchanged."""
    from ims_core.itc.deadlines import deadlines  # as in position_figures (and Deadline, to load them)

    today = today or clock.today()
    return _kept(session, "deadlines", recipient_gstin, "", today,
                 lambda: deadlines(session, recipient_gstin=recipient_gstin, today=today),
                 _dump_deadlines, _load_deadlines)


def state(session: Session, recipient_gstin: str) -> str:
    """The fingerprint of everything the figures of ``recipient_gstin`` are computed from."""
    parts = [_code_version(), _settings_version()]
    for model in (AuditEvent, ImportBatch, ReconciliationRun, ImsDecision, PortalDocument, PurchaseDocument):
        parts.append(session.execute(select(func.count(), func.max(model.id))).one())
    recipient = session.get(Recipient, recipient_gstin)
    parts.append(_row(recipient) if recipient else "")
    locks = session.execute(select(PeriodLock).where(PeriodLock.recipient_gstin == recipient_gstin)
                            .order_by(PeriodLock.id)).scalars()
    parts.extend(_row(lock) for lock in locks)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _row(row: SQLModel) -> str:
    """A row's fields in a fixed order (a loaded row's own order varies by how it was loaded)."""
    return json.dumps(row.model_dump(mode="json"), sort_keys=True)


def _kept(session: Session, kind: str, gstin: str, key: str, today: dt.date, compute: Callable[[], T],
          dump: Callable[[T], dict | list], load: Callable[[dict | list], T]) -> T:
    fingerprint = state(session, gstin)
    row = session.execute(select(FigureSnapshot.state, FigureSnapshot.payload).where(
        FigureSnapshot.kind == kind, FigureSnapshot.recipient_gstin == gstin, FigureSnapshot.key == key,
        FigureSnapshot.as_of == today)).first()
    if row is not None and row.state == fingerprint:
        return load(json.loads(row.payload))
    value = compute()
    if _writing(session):  # figures of writes not yet committed are not kept (they may be rolled back)
        return value
    _store(session, FigureSnapshot(kind=kind, recipient_gstin=gstin, key=key, as_of=today, state=fingerprint,
                                   payload=json.dumps(dump(value), separators=(",", ":"))))
    return value


def _writing(session: Session) -> bool:
    """The caller's transaction holds uncommitted writes: figures computed from them may be rolled back.
    SQLite's driver opens a transaction only to write; PostgreSQL assigns a transaction id only then."""
    if is_sqlite(session.get_bind()):
        return bool(getattr(session.connection().connection.driver_connection, "in_transaction", False))
    return session.execute(text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")).scalar_one()


def _store(session: Session, snapshot: FigureSnapshot) -> None:
    """Keep ``snapshot`` in a transaction of its own (never the caller's), replacing the older one."""
    engine = session.get_bind()
    sqlite = is_sqlite(engine)
    try:
        with engine.connect() as conn:
            try:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
                conn.execute(delete(FigureSnapshot).where(
                    FigureSnapshot.kind == snapshot.kind,
                    FigureSnapshot.recipient_gstin == snapshot.recipient_gstin,
                    FigureSnapshot.key == snapshot.key, FigureSnapshot.as_of <= snapshot.as_of))
                conn.execute(FigureSnapshot.__table__.insert().values(**snapshot.model_dump(exclude={"id"})))
                conn.commit()
            finally:
                conn.rollback()
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
                    conn.commit()
    except SQLAlchemyError as exc:  # busy, or a concurrent writer stored the same key first
        log.debug("figure snapshot not kept: %s", type(exc).__name__)


@functools.cache
def _code_version() -> str:
    """The source of ``ims_core``: figures computed by older code are never reused."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _settings_version() -> str:
    """The settings the figures depend on (due dates; the day they are as of is in the key)."""
    settings = get_settings()
    return repr([getattr(settings, name) for name in FIGURE_SETTINGS])


def _heads(heads: Heads) -> list[int]:
    return [heads.igst, heads.cgst, heads.sgst, heads.cess]


def _figure(figure: ItcFigure) -> list[int]:
    return [*_heads(figure.heads), figure.count]


def _line(line: ItcLine) -> dict:
    return {"supplier": line.supplier_gstin, "doc_type": line.doc_type, "number": line.doc_number,
            "date": line.doc_date.isoformat(), "heads": _heads(line.heads), "action": line.action,
            "note": line.note, "portal": line.portal_document_id, "books": line.purchase_document_id}


def _dump_position(pos: ItcPosition) -> dict:
    return {"recipient": pos.recipient_gstin, "period": pos.period, "today": pos.today.isoformat(),
            "rows": {row: _figure(figure) for row, figure in pos.rows.items()},
            "figures": {name: _figure(getattr(pos, name)) for name in FIGURES},
            "recompute": [_line(line) for line in pos.recompute],
            "claimed": None if pos.claimed is None else {box: _heads(h) for box, h in pos.claimed.items()},
            "risk_by_supplier": pos.at_risk_by_supplier()}


def _load_figure(values: list[int]) -> ItcFigure:
    return ItcFigure.summary(Heads(*values[:4]), values[4])


def _load_position(data: dict) -> ItcPosition:
    pos = ItcPosition(data["recipient"], data["period"], dt.date.fromisoformat(data["today"]))
    pos.rows = {row: _load_figure(values) for row, values in data["rows"].items()}
    for name in FIGURES:
        setattr(pos, name, _load_figure(data["figures"][name]))
    pos.recompute = [ItcLine(d["supplier"], d["doc_type"], d["number"], dt.date.fromisoformat(d["date"]),
                             Heads(*d["heads"]), d["action"], d["note"], d["portal"], d["books"])
                     for d in data["recompute"]]
    if data["claimed"] is not None:
        pos.claimed = {box: Heads(*values) for box, values in data["claimed"].items()}
    pos.risk_by_supplier = data["risk_by_supplier"]
    return pos


def _dump_deadlines(found: list[Deadline]) -> list:
    return [{"kind": d.kind, "due": d.due.isoformat(), "title": d.title, "documents": d.documents,
             "amount": d.amount_paise, "registration": d.registration, "period": d.period, "fy": d.fy}
            for d in found]


def _load_deadlines(data: list) -> list[Deadline]:
    from ims_core.itc.deadlines import Deadline

    return [Deadline(d["kind"], dt.date.fromisoformat(d["due"]), d["title"], d["documents"], d["amount"],
                     d["registration"], d["period"], d["fy"]) for d in data]
