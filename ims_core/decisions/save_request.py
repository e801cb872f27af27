"""The IMS save request (DOMAIN.md §6): the user's decisions in the JSON the portal's IMS upload takes.

Only records whose decision differs from what the portal last heard carry over: what the previous
export told it, or, before any export, the action seen in the latest IMS download. ``prev_status``
is that earlier action. Records set back to No action go into a separate RESET request (same rows
without ``action``). Credit notes from the October 2025 period carry the ITC-reduction block
(``itcRedReq`` Y/N and, for a partial reduction, ``declIgst``/``declCgst``/``declSgst``/``declCess``).
Every row is validated before anything is written; after writing, the exported state is remembered
and the export is audited, all in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.rules import oct_2025_rules_apply
from ims_core.errors import UserFacingError
from ims_core.gst.dates import PERIOD
from ims_core.gst.gstin import has_valid_shape
from ims_core.models import ImsDecision, PortalDocument
from ims_core.models.base import TAX_HEADS
from ims_core.models.vocabulary import Action
from ims_core.outputs import output_path, writing

SECTIONS = (
    "b2b",
    "b2ba",
    "b2bdn",
    "b2bdna",
    "b2bcn",
    "b2bcna",
    "ecom",
    "ecoma",
    "impg",
    "impga",
    "impgsez",
    "impgseza",
)
_AMOUNT_KEYS = (
    ("txval", "taxable_paise"),
    ("iamt", "igst_paise"),
    ("camt", "cgst_paise"),
    ("samt", "sgst_paise"),
    ("cess", "cess_paise"),
)
_DECL_KEYS = {"igst": "declIgst", "cgst": "declCgst", "sgst": "declSgst", "cess": "declCess"}


@dataclass
class SaveRequests:
    """What an export would send: the SAVE rows and the RESET rows, per section."""

    recipient_gstin: str
    save: dict[str, list[dict]] = field(default_factory=dict)
    reset: dict[str, list[dict]] = field(default_factory=dict)
    decision_ids: list[tuple[int, str]] = field(default_factory=list)  # (decision id, new signature)

    @property
    def save_count(self) -> int:
        return sum(len(rows) for rows in self.save.values())

    @property
    def reset_count(self) -> int:
        return sum(len(rows) for rows in self.reset.values())

    def save_request(self) -> dict:
        return {"rtin": self.recipient_gstin, "reqtyp": "SAVE", "invdata": self.save}

    def reset_request(self) -> dict:
        return {"rtin": self.recipient_gstin, "reqtyp": "RESET", "invdata": self.reset}


def _amount(paise: int) -> int | float:
    """Rupees as the portal writes them: whole numbers bare, else two-decimal numbers."""
    return paise // 100 if paise % 100 == 0 else float(f"{paise / 100:.2f}")


def _signature(action: str, reduction: str, declared: dict[str, int | None]) -> str:
    return "|".join(
        [action, reduction] + [str(declared.get(h) or 0) if reduction == "partial" else "" for h in TAX_HEADS]
    )


def _portal_signature(doc: PortalDocument) -> str:
    """What the latest IMS download says the portal holds for the record."""
    mode = {"Y": "full", "N": "nil"}.get(doc.itc_reduction_required, "")
    declared = {h: getattr(doc, f"decl_{h}_paise") for h in TAX_HEADS}
    if mode == "full" and any(v is not None for v in declared.values()):
        mode = "partial"
    action = Action.of(doc.ims_action)
    accepted_note = action == Action.ACCEPT and doc.doc_type == "CRN"
    if not mode and accepted_note and oct_2025_rules_apply(doc.return_period):
        mode = "full"  # the portal's default when the download does not say
    return _signature(action, mode if action == Action.ACCEPT else "", declared)


def _row(doc: PortalDocument, decision: ImsDecision, prev_status: str, *, with_action: bool) -> dict:
    row: dict[str, object] = {"stin": doc.supplier_gstin}
    section = doc.section
    if section.startswith("impg"):
        row.update(boenum=doc.doc_number, boedt=f"{doc.doc_date:%d-%m-%Y}", portcode=doc.invoice_type)
        if doc.original_doc_number:
            row.update(
                oboenum=doc.original_doc_number,
                oboedt=f"{doc.original_doc_date:%d-%m-%Y}" if doc.original_doc_date else "",
            )
    elif doc.doc_type in ("CRN", "DBN"):
        row.update(nt_num=doc.doc_number, nt_dt=f"{doc.doc_date:%d-%m-%Y}", inv_typ=doc.invoice_type)
        if doc.original_doc_number:
            row.update(
                ont_num=doc.original_doc_number,
                ont_dt=f"{doc.original_doc_date:%d-%m-%Y}" if doc.original_doc_date else "",
            )
    else:
        row.update(inum=doc.doc_number, idt=f"{doc.doc_date:%d-%m-%Y}", inv_typ=doc.invoice_type)
        if doc.original_doc_number:
            row.update(
                oinum=doc.original_doc_number,
                oidt=f"{doc.original_doc_date:%d-%m-%Y}" if doc.original_doc_date else "",
            )
    row.update(
        srcform=doc.src_form,
        rtnprd=doc.supplier_return_period or doc.return_period,
        val=_amount(doc.invoice_value_paise),
        pos=doc.place_of_supply,
        prev_status=prev_status,
    )
    row.update({key: _amount(getattr(doc, column)) for key, column in _AMOUNT_KEYS})
    if doc.ims_hash:
        row["hash"] = doc.ims_hash
    if with_action:
        row["action"] = decision.action
        if (  # the portal refuses a reduction declaration where it blocks one (isItcRedReqBlocked)
            decision.action == Action.ACCEPT
            and decision.itc_reduction
            and doc.doc_type in ("CRN", "INV", "DBN")
            and oct_2025_rules_apply(doc.return_period)
            and doc.itc_reduction_blocked is not True
        ):
            row["itcRedReq"] = "N" if decision.itc_reduction == "nil" else "Y"
            if decision.itc_reduction == "partial":
                row.update(
                    {key: _amount(getattr(decision, f"decl_{h}_paise") or 0) for h, key in _DECL_KEYS.items()}
                )
        if decision.reason and doc.remarks_blocked is not True and (  # isRemarksBlocked: none sent
            decision.action in (Action.REJECT, Action.PENDING) or decision.itc_reduction in ("partial", "nil")
        ):
            row["remarks"] = decision.reason[:500]
    return row


def build_requests(session: Session, *, recipient_gstin: str) -> SaveRequests:
    """Gather the changed decisions of one recipient into SAVE and RESET rows (nothing written)."""
    requests = SaveRequests(recipient_gstin)
    pairs = session.execute(
        select(ImsDecision, PortalDocument)
        .join(PortalDocument, PortalDocument.id == ImsDecision.portal_document_id)
        .where(ImsDecision.recipient_gstin == recipient_gstin, ImsDecision.action != "")
        .order_by(PortalDocument.section, PortalDocument.id)
    ).all()
    for decision, doc in pairs:
        declared = {h: getattr(decision, f"decl_{h}_paise") for h in TAX_HEADS}
        reduction = decision.itc_reduction if decision.action == Action.ACCEPT else ""
        mine = _signature(decision.action, reduction, declared)
        known = decision.exported_signature or _portal_signature(doc)
        if mine == known:
            continue
        prev_status = known.split("|", 1)[0] or Action.NO_ACTION
        if decision.action == Action.NO_ACTION:
            requests.reset.setdefault(doc.section, []).append(
                _row(doc, decision, prev_status, with_action=False)
            )
        else:
            requests.save.setdefault(doc.section, []).append(
                _row(doc, decision, prev_status, with_action=True)
            )
        requests.decision_ids.append((decision.id, mine))
    return requests


def validate(requests: SaveRequests) -> list[str]:
    """Everything wrong with the rows, each naming the section, the document and the field."""
    problems = []
    if not has_valid_shape(requests.recipient_gstin):
        problems.append(f"rtin '{requests.recipient_gstin}' is not a GSTIN")
    for kind, block in (("SAVE", requests.save), ("RESET", requests.reset)):
        for section, rows in block.items():
            for row in rows:
                number = row.get("inum") or row.get("nt_num") or row.get("boenum")
                where = f"{kind} {section} {row.get('stin')}/{number}"
                problems.extend(f"{where}: {p}" for p in _row_problems(section, row, kind))
    return problems


def _row_problems(section: str, row: dict, kind: str) -> list[str]:
    found = []
    if section not in SECTIONS:
        found.append(f"section '{section}' is not an IMS section")
    if not re.fullmatch(r"[0-9A-Z]{15}", str(row.get("stin", ""))):
        found.append(f"stin '{row.get('stin')}' is not a GSTIN")
    number = row.get("inum") or row.get("nt_num") or row.get("boenum")
    if not number or len(str(number)) > 16 and not section.startswith("impg"):
        found.append(f"document number '{number}' is empty or longer than 16 characters")
    date = row.get("idt") or row.get("nt_dt") or row.get("boedt")
    if not re.fullmatch(r"\d{2}-\d{2}-\d{4}", str(date or "")):
        found.append(f"date '{date}' is not DD-MM-YYYY")
    if not PERIOD.fullmatch(str(row.get("rtnprd", ""))):
        found.append(f"rtnprd '{row.get('rtnprd')}' is not MMYYYY")
    if row.get("prev_status") not in tuple(Action):
        found.append(f"prev_status '{row.get('prev_status')}' is not A, R, P or N")
    if kind == "SAVE" and row.get("action") not in (Action.ACCEPT, Action.REJECT, Action.PENDING):
        found.append(f"action '{row.get('action')}' is not A, R or P")
    if kind == "SAVE" and row.get("action") == Action.REJECT and section.startswith("impg"):
        found.append("a bill of entry cannot be rejected")
    if kind == "RESET" and "action" in row:
        found.append("a RESET row carries no action")
    for key, _ in _AMOUNT_KEYS:
        if not isinstance(row.get(key), int | float) or row[key] < 0:
            found.append(f"{key} '{row.get(key)}' is not a non-negative amount")
    head_of = {"declIgst": "iamt", "declCgst": "camt", "declSgst": "samt", "declCess": "cess"}
    for decl, head in head_of.items():
        if decl in row and not 0 <= row[decl] <= row.get(head, 0):
            found.append(f"{decl} {row[decl]} is outside 0..{head} {row.get(head)}")
    if row.get("itcRedReq") not in (None, "Y", "N"):
        found.append(f"itcRedReq '{row.get('itcRedReq')}' is not Y or N")
    return found


@dataclass
class ExportResult:
    save_path: Path | None
    reset_path: Path | None
    saved: int
    reset: int


def reset_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}-reset{path.suffix or '.json'}")


def export_ims_actions(
    session: Session, *, recipient_gstin: str, path: Path, actor: Actor, request_id: str = ""
) -> ExportResult:
    """Write the SAVE request to ``path`` (and a RESET request next to it, ``<name>-reset.json``, when
    records went back to No action); remember what was sent; audit it. The caller commits."""
    requests = build_requests(session, recipient_gstin=recipient_gstin)
    if not requests.decision_ids:
        return ExportResult(None, None, 0, 0)
    problems = validate(requests)
    if problems:
        raise UserFacingError(
            "the IMS save request is not valid, nothing written:\n  " + "\n  ".join(problems)
        )
    path = output_path(path, "the IMS save request")
    written: dict[Path, str] = {}
    if requests.save_count:
        written[path] = json.dumps(requests.save_request(), indent=2, ensure_ascii=False)
    if requests.reset_count:
        written[reset_path_for(path)] = json.dumps(requests.reset_request(), indent=2, ensure_ascii=False)
    now = clock.now()
    table = ImsDecision.__table__
    for decision_id, signature in requests.decision_ids:
        session.execute(
            update(table)
            .where(table.c.id == decision_id)
            .values(exported_signature=signature, exported_at=now)
        )
    audit.record(
        session,
        kind="export",
        actor=actor,
        document_id=None,
        before=None,
        after={
            "export": "ims-actions",
            "saved": requests.save_count,
            "reset": requests.reset_count,
            "files": {p.name: hashlib.sha256(text.encode()).hexdigest() for p, text in written.items()},
        },
        recipient_gstin=recipient_gstin,
        request_id=request_id,
    )
    session.flush()
    for target, text in written.items():
        with writing(target):
            target.write_text(text + "\n", encoding="utf-8")
    return ExportResult(
        path if requests.save_count else None,
        reset_path_for(path) if requests.reset_count else None,
        requests.save_count,
        requests.reset_count,
    )
