"""Supplier contacts from the user's CSV: who to write to about which GSTIN.

Columns (header names are case-insensitive; ``supplier_gstin`` is accepted for ``gstin``):
``gstin, name, email, phone, slack_channel``. ``email`` may list several addresses separated by ``,``
or ``;``. Every row is checked before anything is written: one bad GSTIN, address, phone number or
channel rejects the whole file with each problem located by row and field, so a half-imported
address book never sends a reminder to the wrong place. Re-importing a GSTIN replaces its contact.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor, record
from ims_core.gst import gstin as gstin_rules
from ims_core.ingest.document import IngestError, Problem
from ims_core.models import SupplierContact

COLUMNS = ("gstin", "name", "email", "phone", "slack_channel")
_ALIASES = {
    "supplier_gstin": "gstin",
    "supplier_name": "name",
    "channel": "slack_channel",
    "slack": "slack_channel",
    "e-mail": "email",
    "mobile": "phone",
}
# Deliberately plain: one @, no spaces, a dot in the domain. Mail servers judge the rest.
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,19}$")
CHANNEL = re.compile(r"^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{8,12})$")


@dataclass(frozen=True)
class ContactsSummary:
    file_name: str
    added: int
    updated: int


# Optional cells checked for their shape only: (field, pattern, problem, what was expected).
_SHAPED_FIELDS = (
    ("phone", PHONE, "not a phone number", "digits, optionally with +, spaces, - or ()"),
    ("slack_channel", CHANNEL, "not a Slack channel", "#channel-name or a channel ID such as C0123456789"),
)


def split_emails(text: str) -> list[str]:
    """The addresses in one ``email`` cell."""
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]


def _header(raw: list[str], file_name: str) -> dict[str, int]:
    names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw]
    if "gstin" not in names:
        raise IngestError(
            file_name,
            Problem("no 'gstin' column in the header", row=1, expected=f"columns {', '.join(COLUMNS)}"),
        )
    return {name: i for i, name in enumerate(names) if name in COLUMNS}


def parse_contacts(text: str, file_name: str) -> list[SupplierContact]:
    """Read and check every row; raise :class:`IngestError` listing all problems, or return the rows."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise IngestError(file_name, "the file is empty; expected a header row and one row per supplier")
    index = _header(rows[0], file_name)
    problems: list[Problem] = []
    contacts: list[SupplierContact] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cell = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        found = _row_problems(cell, number, seen)
        problems.extend(found)
        gstin = gstin_rules.normalise(cell["gstin"])
        seen.setdefault(gstin, number)
        if not found:
            contacts.append(SupplierContact(
                gstin=gstin, name=cell.get("name", ""), email=", ".join(split_emails(cell.get("email", ""))),
                phone=cell.get("phone", ""), slack_channel=cell.get("slack_channel", "")))
    if problems:
        raise IngestError(file_name, problems)
    if not contacts:
        raise IngestError(file_name, "no contacts in the file; expected one row per supplier below it")
    return contacts


def _row_problems(cell: dict[str, str], row: int, seen: dict[str, int]) -> list[Problem]:
    problems = []
    gstin = gstin_rules.normalise(cell["gstin"])
    why = gstin_rules.problem(gstin) if gstin else "the GSTIN is empty"
    if why:
        problems.append(
            Problem(
                why,
                row=row,
                field="gstin",
                value=cell["gstin"] or None,
                expected="a 15-character GSTIN such as 27AHQPA7588L1ZJ",
            )
        )
    elif gstin in seen:
        problems.append(Problem(f"GSTIN {gstin} is already on row {seen[gstin]}", row=row, field="gstin"))
    for address in split_emails(cell.get("email", "")):
        if not EMAIL.match(address):
            problems.append(
                Problem(
                    "not an email address",
                    row=row,
                    field="email",
                    value=address,
                    expected="an address like accounts@supplier.in",
                )
            )
    for field, pattern, what, expected in _SHAPED_FIELDS:
        value = cell.get(field, "")
        if value and not pattern.match(value):
            problems.append(Problem(what, row=row, field=field, value=value, expected=expected))
    return problems


def import_contacts(session: Session, path: Path, *, actor: Actor) -> ContactsSummary:
    """Check the whole file, then add or replace its contacts in the caller's transaction."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(path.name, f"not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from exc
    contacts = parse_contacts(text, path.name)
    existing = {
        c.gstin: c
        for c in session.execute(
            select(SupplierContact).where(SupplierContact.gstin.in_([c.gstin for c in contacts]))
        ).scalars()
    }
    now = clock.now()
    for contact in contacts:
        current = existing.get(contact.gstin)
        if current is None:
            contact.updated_at = now
            session.add(contact)
            continue
        for name in ("name", "email", "phone", "slack_channel"):
            setattr(current, name, getattr(contact, name))
        current.updated_at = now
    session.flush()
    summary = ContactsSummary(path.name, len(contacts) - len(existing), len(existing))
    record(
        session,
        kind="contacts_import",
        actor=actor,
        document_id=None,
        before=None,
        after={"file": path.name, "added": summary.added, "updated": summary.updated},
    )
    return summary


def contact_for(session: Session, gstin: str) -> SupplierContact | None:
    return session.get(SupplierContact, gstin_rules.normalise(gstin))
