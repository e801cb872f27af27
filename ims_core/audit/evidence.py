"""The auditor's evidence pack: the audit trail as CSV or XLSX, filtered by period, supplier or document.

Times appear in the user's timezone (IST by default) next to the stored UTC; every row keeps its hash
and the previous hash, and the event's ``before``/``after`` as stored (``before_json``/``after_json``),
so the chain can be re-checked from the file. ``before`` and ``after`` themselves are for the auditor:
field names in words and amounts in rupees (``Declared IGST: ₹1,200.00``), not JSON in paise. The
XLSX adds a sheet with the result of verifying the whole chain when the pack was made.

Text that a spreadsheet would run as a formula (an actor's name, a reason, a supplier's document
number starting with ``=``) is neutralised (:mod:`ims_core.reports.cells`): a leading ``'`` in the
CSV, a text cell in the XLSX.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.gst.money import format_inr
from ims_core.models import AuditEvent, PortalDocument
from ims_core.models.vocabulary import Action
from ims_core.outputs import output_path, writing
from ims_core.reports.cells import csv_text, inert_sheet

COLUMNS = [
    "event",
    "time_ist",
    "time_utc",
    "kind",
    "actor",
    "actor_id",
    "source",
    "recipient_gstin",
    "supplier_gstin",
    "period",
    "document_id",
    "document",
    "before",
    "after",
    "reason",
    "request_id",
    "prev_hash",
    "hash",
    "before_json",
    "after_json",
]
# Field names of the events' JSON as a person reads them; others are spelled with spaces for "_".
FIELD_NAMES = {"itc_reduction": "ITC reduction", "run_id": "reconciliation run", "igst": "IGST",
               "cgst": "CGST", "sgst": "SGST", "cess": "cess", "requested_action": "requested action",
               "requested_by": "requested by"}
ACTION_FIELDS = ("action", "requested_action", "prev_status")
MONEY_PARENTS = ("declared",)  # objects whose values are amounts in paise


def _field_name(key: str) -> str:
    return FIELD_NAMES.get(key, key.removesuffix("_paise").replace("_", " "))


def _value(key: str, value: object, money: bool) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "none"}[value]
    if isinstance(value, int) and (money or key.endswith("_paise")):
        return format_inr(value)
    if key in ACTION_FIELDS and isinstance(value, str) and value in {a.value for a in Action}:
        return Action(value).word
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def readable(stored: str | None) -> str:
    """An event's stored ``before``/``after`` JSON as "Field: value; …" with rupees for paise (a key
    ending in ``_paise``, or the declared ITC reduction's heads) and actions as words; nested objects
    named by both keys ("Declared IGST: ₹12.00")."""
    if not stored:
        return ""
    try:
        data = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(data, dict):
        return str(data)
    parts: list[str] = []

    def walk(prefix: str, obj: dict, money: bool) -> None:
        for key, value in obj.items():
            name = f"{prefix} {_field_name(key)}".strip()
            if isinstance(value, dict):
                walk(name, value, money or key in MONEY_PARENTS)
            else:
                parts.append(f"{name[:1].upper()}{name[1:]}: {_value(key, value, money)}")

    walk("", data, False)
    return "; ".join(parts)


def events_frame(
    session: Session,
    *,
    period: str | None = None,
    supplier: str | None = None,
    document_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if period:
        query = query.where(AuditEvent.return_period == period)
    if supplier:
        query = query.where(AuditEvent.supplier_gstin == supplier.strip().upper())
    if document_ids is not None:
        query = query.where(AuditEvent.document_id.in_(list(document_ids)))
    events = list(session.execute(query).scalars())
    doc_ids = {e.document_id for e in events if e.document_id is not None}
    labels = {}
    if doc_ids:
        for doc in session.execute(select(PortalDocument).where(PortalDocument.id.in_(doc_ids))).scalars():
            labels[doc.id] = f"{doc.source} {doc.doc_type} {doc.doc_number} dated {doc.doc_date:%d-%m-%Y}"
    rows = [
        {
            "event": e.id,
            "time_ist": clock.local_time(e.occurred_at).strftime("%d-%m-%Y %H:%M:%S"),
            "time_utc": audit.utc(e.occurred_at).isoformat(timespec="seconds"),
            "kind": e.kind,
            "actor": e.actor_name,
            "actor_id": e.actor_id,
            "source": e.actor_source,
            "recipient_gstin": e.recipient_gstin,
            "supplier_gstin": e.supplier_gstin,
            "period": e.return_period,
            "document_id": e.document_id,
            "document": labels.get(e.document_id, ""),
            "before": readable(e.before_json),
            "after": readable(e.after_json),
            "reason": e.reason,
            "request_id": e.request_id,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
            "before_json": e.before_json or "",
            "after_json": e.after_json or "",
        }
        for e in events
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def export_audit(session: Session, path: Path, *, period: str | None = None, supplier: str | None = None,
                 document_ids: Sequence[int] | None = None, actor: Actor | None = None) -> int:
    """Write the evidence pack and return the number of events in it. With an ``actor``, the export
    itself becomes an audit event (after the pack is written, so the pack never contains it)."""
    path = Path(path)
    path = output_path(path, "the evidence pack", (".csv", ".xlsx"))
    frame = events_frame(session, period=period, supplier=supplier, document_ids=document_ids)
    with writing(path):
        if path.suffix.lower() == ".csv":
            frame.map(csv_text).to_csv(path, index=False)
        else:
            _write_xlsx(session, path, frame, period=period, supplier=supplier, document_ids=document_ids)
    if actor is not None:
        audit.record(session, kind="export", actor=actor, document_id=None, before=None,
                     after={"export": "audit", "file": path.name, "events": len(frame), "period": period,
                            "supplier": supplier, "documents": list(document_ids or [])},
                     supplier_gstin=(supplier or "").strip().upper(), period=period or "")
    return len(frame)


def _write_xlsx(session: Session, path: Path, frame: pd.DataFrame, *, period: str | None,
                supplier: str | None, document_ids: Sequence[int] | None) -> None:
    check = audit.verify(session)
    made = clock.local_now().strftime("%d-%m-%Y %H:%M:%S")
    filters = ", ".join(f"{k}={v}" for k, v in (("period", period), ("supplier", supplier),
                                                 ("documents", document_ids)) if v)
    summary = pd.DataFrame([
        ("chain intact", "yes" if check.ok else "NO"), ("events checked", check.checked),
        ("first broken event", check.first_broken or ""), ("problem", check.problem),
        ("newest hash", check.head_hash), ("pack made (local time)", made), ("filters", filters or "none"),
    ], columns=["item", "value"])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="events", index=False)
        summary.to_excel(writer, sheet_name="verification", index=False)
        inert_sheet(writer.sheets["events"])  # pandas writes a text starting with "=" as a formula
