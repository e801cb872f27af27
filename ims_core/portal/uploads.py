"""The bookkeeping of an upload: which decision each row of a save request stands for, how a large
request is cut into parts, and what the portal's settled status (REQSTS) does to the decisions.

After ``P`` every record sent is on the portal: its decision's ``exported_signature`` becomes what was
sent (the next ``prev_status``), as an export would make it, and ``uploaded_at`` is stamped. After
``PE`` the records in the error report are refused: each keeps the error code and message and stays
un-uploaded (its ``exported_signature`` untouched, so the next push sends it again); the rest are
uploaded. After ``ER`` the whole request was refused. A ``PE`` whose report names no record we sent
cannot say which records were taken: none is marked uploaded, and a re-pull shows the portal's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from ims_core import clock
from ims_core.decisions.save_request import SaveRequests
from ims_core.errors import UserFacingError
from ims_core.models import ImsDecision, PortalDocument

NUMBER_KEYS = ("inum", "nt_num", "ntnum", "boenum", "docnum")  # where a row or a report names the document
# a request is base64 text of JSON, encrypted, then base64 again: about 16/9 of the JSON's size
ENCODED_GROWTH = (16, 9)


@dataclass(frozen=True)
class Item:
    """One record of a request: its decision, the signature sent, and the keys the portal reports by."""

    decision_id: int
    signature: str
    section: str
    stin: str
    number: str
    rtnprd: str

    def as_json(self) -> dict:
        return {"id": self.decision_id, "sig": self.signature, "section": self.section, "stin": self.stin,
                "num": self.number, "rtnprd": self.rtnprd}

    @classmethod
    def from_json(cls, data: dict) -> Item:
        return cls(data["id"], data["sig"], data["section"], data["stin"], data["num"], data["rtnprd"])


@dataclass(frozen=True)
class Part:
    """One request to send: SAVE or RESET rows by section, and the items they carry."""

    request_type: str
    invdata: dict[str, list[dict]]
    items: list[Item]


@dataclass(frozen=True)
class Refusal:
    """A record the portal refused (``decision_id`` None when the report names a record not sent)."""

    section: str
    supplier_gstin: str
    doc_number: str
    code: str
    message: str
    decision_id: int | None = None


def _number(row: dict) -> str:
    return str(next((row[k] for k in NUMBER_KEYS if row.get(k)), ""))


def parts_of(session: Session, requests: SaveRequests, max_bytes: int) -> list[Part]:
    """The SAVE rows, then the RESET rows, in parts whose encrypted body stays under ``max_bytes``."""
    items = _items(session, requests)
    budget = max_bytes * ENCODED_GROWTH[1] // ENCODED_GROWTH[0]
    parts: list[Part] = []
    for request_type, block in (("SAVE", requests.save), ("RESET", requests.reset)):
        invdata: dict[str, list[dict]] = {}
        carried: list[Item] = []
        size = 0
        for section, rows in block.items():
            for row in rows:
                row_size = len(json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode()) + 1
                if carried and size + row_size > budget:
                    parts.append(Part(request_type, invdata, carried))
                    invdata, carried, size = {}, [], 0
                invdata.setdefault(section, []).append(row)
                carried.append(items[(section, str(row["stin"]), _number(row), str(row["rtnprd"]))])
                size += row_size
        if carried:
            parts.append(Part(request_type, invdata, carried))
    return parts


def _items(session: Session, requests: SaveRequests) -> dict[tuple[str, str, str, str], Item]:
    """Each decision of ``requests`` keyed as its row names it: section, supplier, number, period."""
    signatures = dict(requests.decision_ids)
    found = {}
    ids = list(signatures)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ImsDecision.id, PortalDocument.section, PortalDocument.supplier_gstin,
                   PortalDocument.doc_number, PortalDocument.supplier_return_period,
                   PortalDocument.return_period)
            .join(PortalDocument, PortalDocument.id == ImsDecision.portal_document_id)
            .where(ImsDecision.id.in_(ids[start:start + 500]))
        ).all()
        for decision_id, section, stin, number, supplier_period, period in rows:
            item = Item(decision_id, signatures[decision_id], section, stin, number,
                        supplier_period or period)
            key = (section, stin, number, item.rtnprd)
            if key in found:  # the portal could not tell the two apart in its answer either
                raise UserFacingError(f"two IMS records in {section} are {stin}/{number} of {item.rtnprd}: "
                                      "pull IMS again before pushing")
            found[key] = item
    return found


def refusals_in(status: dict, items: list[Item]) -> list[Refusal]:
    """The records a settled status refuses, matched to the items sent (see the module docstring)."""
    code = status["status_cd"]
    if code == "P":
        return []
    report = status.get("error_report") if isinstance(status.get("error_report"), dict) else {}
    refused = [r for section, entries in report.items() for r in _report_entries(section, entries, items)]
    named = {r.decision_id for r in refused if r.decision_id is not None}
    if code == "PE" and named:
        return refused
    why = str(status.get("err_cd") or status.get("error_cd") or code)
    message = str(status.get("err_msg") or status.get("error_msg") or (
        "the portal refused the whole request" if code == "ER" else
        "processed with errors, but the portal's report names none of the records sent: pull IMS to see "
        "what the portal holds"))
    return refused + [Refusal(i.section, i.stin, i.number, why, message, i.decision_id)
                      for i in items if i.decision_id not in named]


def _report_entries(section: str, entries: object, items: list[Item]) -> list[Refusal]:
    """One section of an error report: a list per supplier of ``{stin, error_cd, error_msg, inv}``
    (a flat record with its own number is read too; section names vary, so any key is taken)."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        stin = str(entry.get("stin") or entry.get("ctin") or "").upper()
        code = str(entry.get("error_cd") or "")
        message = str(entry.get("error_msg") or entry.get("msg") or "")
        documents = entry.get("inv") or entry.get("nt") or entry.get("docs") or [entry]
        for document in documents if isinstance(documents, list) else []:
            if not isinstance(document, dict):
                continue
            number = _number(document)
            code_here = str(document.get("error_cd") or code)
            message_here = str(document.get("error_msg") or message)
            match = _match(items, section, stin, number, str(document.get("rtnprd") or ""))
            found.append(Refusal(match.section if match else section, stin, number, code_here, message_here,
                                 match.decision_id if match else None))
    return found


def _match(items: list[Item], section: str, stin: str, number: str, rtnprd: str) -> Item | None:
    candidates = [i for i in items if i.stin.upper() == stin and i.number.upper() == number.upper()]
    if len(candidates) > 1:
        candidates = [i for i in candidates if i.section == section] or candidates
    if len(candidates) > 1 and rtnprd:
        candidates = [i for i in candidates if i.rtnprd == rtnprd] or candidates
    return candidates[0] if candidates else None


def mark(session: Session, items: list[Item], refusals: list[Refusal], reference: str) -> int:
    """Record the outcome on the decisions (in the caller's transaction); the count uploaded."""
    refused = {r.decision_id: r for r in refusals if r.decision_id is not None}
    now = clock.now()
    table = ImsDecision.__table__
    taken = [{"b_id": i.decision_id, "b_sig": i.signature} for i in items if i.decision_id not in refused]
    if taken:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                exported_signature=bindparam("b_sig"), exported_at=now, uploaded_at=now,
                upload_reference_id=reference, upload_error_code="", upload_error_message=""), taken)
    if refused:
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                upload_reference_id=reference, upload_error_code=bindparam("b_code"),
                upload_error_message=bindparam("b_message")),
            [{"b_id": r.decision_id, "b_code": r.code[:20], "b_message": r.message[:1000]}
             for r in refused.values()])
    return len(taken)
