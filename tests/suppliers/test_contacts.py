"""Supplier contacts from CSV: every row checked first, a bad row rejects the file whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ims_core.audit import Actor
from ims_core.db import session_scope
from ims_core.ingest.document import IngestError
from ims_core.models import AuditEvent, SupplierContact
from ims_core.suppliers.contacts import import_contacts, parse_contacts

CLI = Actor(id="anita", name="anita", source="cli")
HEADER = "GSTIN,Name,Email,Phone,Slack_Channel\n"
GOOD = HEADER + (
    "27AHQPA7588L1ZJ,Mr Rao,accounts@shreepolymers.in; rao@shreepolymers.in,+91 98200 12345,"
    "#vendor-shree\n29aafcc9980m1zr,Kaveri Chemicals,ar@kaveri.co.in,,C0123456789\n"
)


def _write(tmp_path, text: str, name: str = "contacts.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(SupplierContact)).scalar()


def test_import_adds_then_updates_contacts(engine, tmp_path):
    with session_scope(engine) as session:
        summary = import_contacts(session, _write(tmp_path, GOOD), actor=CLI)
    assert (summary.added, summary.updated) == (2, 0)
    with session_scope(engine) as session:
        rao = session.get(SupplierContact, "27AHQPA7588L1ZJ")
        kaveri = session.get(SupplierContact, "29AAFCC9980M1ZR")
    assert (
        rao.email == "accounts@shreepolymers.in, rao@shreepolymers.in"
        and rao.slack_channel == "#vendor-shree"
    )
    assert kaveri.name == "Kaveri Chemicals" and kaveri.phone == ""
    newer = HEADER + "27AHQPA7588L1ZJ,Mrs Rao,new@shreepolymers.in,,\n"
    with session_scope(engine) as session:
        summary = import_contacts(session, _write(tmp_path, newer, "b.csv"), actor=CLI)
        assert session.get(SupplierContact, "27AHQPA7588L1ZJ").email == "new@shreepolymers.in"
        events = (
            session.execute(select(AuditEvent).where(AuditEvent.kind == "contacts_import")).scalars().all()
        )
    assert (summary.added, summary.updated) == (0, 1) and len(events) == 2 and _count(engine) == 2


def test_invalid_email_rejects_the_file_and_names_the_row(engine, tmp_path):
    bad = GOOD + "24AAQCA8719H1ZC,Aqua,sales@aqua@in,,\n"
    with pytest.raises(IngestError) as caught, session_scope(engine) as session:
        import_contacts(session, _write(tmp_path, bad), actor=CLI)
    assert str(caught.value) == (
        "contacts.csv: row 4, field 'email': not an email address (got 'sales@aqua@in'); "
        "expected an address like accounts@supplier.in"
    )
    assert _count(engine) == 0


def test_every_problem_is_listed(engine):
    text = HEADER + (
        "27AHQPA7588L1ZK,A,a@b.in,,\n"
        "12345,B,b@c.in,,\n"
        "27AHQPA7588L1ZJ,C,c@d.in,call me,#Bad Channel\n"
        "27AHQPA7588L1ZJ,D,d@e.in,,\n"
    )
    with pytest.raises(IngestError) as caught:
        parse_contacts(text, "c.csv")
    described = [p.describe() for p in caught.value.problems]
    assert described == [
        "row 2, field 'gstin': the check character should be 'J', not 'K' (got '27AHQPA7588L1ZK'); "
        "expected a 15-character GSTIN such as 27AHQPA7588L1ZJ",
        "row 3, field 'gstin': a GSTIN has 15 characters, this has 5 (got '12345'); "
        "expected a 15-character GSTIN such as 27AHQPA7588L1ZJ",
        "row 4, field 'phone': not a phone number (got 'call me'); "
        "expected digits, optionally with +, spaces, - or ()",
        "row 4, field 'slack_channel': not a Slack channel (got '#Bad Channel'); expected #channel-name or a "
        "channel ID such as C0123456789",
        "row 5, field 'gstin': GSTIN 27AHQPA7588L1ZJ is already on row 4",
    ]


def test_header_without_gstin_and_empty_files_are_refused():
    with pytest.raises(IngestError, match="row 1: no 'gstin' column in the header"):
        parse_contacts("name,email\nA,a@b.in\n", "c.csv")
    with pytest.raises(IngestError, match="the file is empty"):
        parse_contacts("", "c.csv")
    with pytest.raises(IngestError, match="no contacts in the file"):
        parse_contacts(HEADER + "\n , , \n", "c.csv")


def test_aliases_and_byte_order_mark_are_accepted():
    [contact] = parse_contacts(
        "\ufeffsupplier_gstin,supplier_name,e-mail\n27AHQPA7588L1ZJ,Rao,r@s.in\n", "c.csv"
    )
    assert (contact.gstin, contact.name, contact.email) == ("27AHQPA7588L1ZJ", "Rao", "r@s.in")
