"""Deadlines and letters that are still true on the day they are read: a table of dated cases.

Each case builds a few records, sets the day, and reads ``ims deadlines --json`` as a script would (and,
where a supplier must act, the letter ``ims followup draft`` renders). Figures by hand: an invoice of
the fixture carries ₹900 CGST + ₹900 SGST = ₹1,800; a credit note made with ``NOTE`` ₹450 + ₹450 = ₹900.
The recipient is in Karnataka (29): quarterly GSTR-3B on the 22nd. Sources by case in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from support.documents import ASHA, RECIPIENT, SUPPLIER
from typer.testing import CliRunner

from ims_core import clock
from ims_core.cli import app
from ims_core.decisions.engine import decide
from ims_core.decisions.locks import mark_period_filed
from ims_core.models import ImportBatch, MatchResult, PurchaseDocument, Recipient, ReconciliationRun

runner = CliRunner()
D = dt.date
NOTE = dict(doc_type="CRN", section="b2bcn", cgst_paise=45_000, sgst_paise=45_000)


def on(day: dt.date, work, *args, **kwargs):
    with clock.frozen(day):
        return work(*args, **kwargs)


def act(session, doc, action: str, day: dt.date) -> None:
    on(day, decide, session, portal_document_id=doc.id, action=action, actor=ASHA, today=day)
    session.commit()


# --- the cases' records ----------------------------------------------------------------------------------

def invoice_and_note(session, make_doc) -> None:
    make_doc(doc_number="INV-1")
    make_doc(doc_number="CN-1", **NOTE)


def september_invoice_filed_late(session, make_doc) -> None:
    session.add(ImportBatch(kind="gstr2b", file_name="2b-092025.json", content_hash="h092025",
                            recipient_gstin=RECIPIENT, return_period="092025"))
    session.commit()
    make_doc(doc_number="SEP-1", return_period="092025")


def note_kept_pending(session, make_doc) -> None:
    act(session, make_doc(doc_number="CN-P", **NOTE), "pending", D(2025, 11, 5))


def september_note_kept_pending(session, make_doc) -> None:
    note = make_doc(doc_number="CN-S", return_period="092025", pending_action_blocked=False, **NOTE)
    act(session, note, "pending", D(2025, 10, 5))


def quarterly_note_kept_pending(session, make_doc) -> None:
    session.get(Recipient, RECIPIENT).filing_frequency = "quarterly"
    session.commit()
    note_kept_pending(session, make_doc)


def downward_amendment_kept_pending(session, make_doc) -> None:
    original = make_doc(doc_number="INV-A")
    act(session, original, "accept", D(2025, 11, 5))
    on(D(2025, 11, 20), mark_period_filed, session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA)
    session.commit()
    amended = make_doc(doc_number="INV-A", section="b2ba", original_doc_type="INV",
                       original_doc_number="INV-A", original_doc_date=D(2025, 10, 10), return_period="112025",
                       cgst_paise=60_000, sgst_paise=60_000)
    act(session, amended, "pending", D(2025, 12, 5))


def invoice_kept_pending(session, make_doc) -> None:
    act(session, make_doc(doc_number="INV-P", return_period="062025"), "pending", D(2025, 7, 5))


def decided_after_generation(session, make_doc) -> None:
    act(session, make_doc(doc_number="INV-R"), "reject", D(2025, 11, 16))


def book_not_reported(session, make_doc) -> None:
    book = PurchaseDocument(recipient_gstin=RECIPIENT, supplier_gstin=SUPPLIER, doc_type="INV",
                            doc_number="BK-1", doc_date=D(2025, 10, 17), fy=2025, taxable_paise=1_000_000,
                            cgst_paise=90_000, sgst_paise=90_000, invoice_value_paise=1_180_000,
                            place_of_supply="29")
    session.add(book)
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="")
    session.add(run)
    session.flush()
    session.add(MatchResult(run_id=run.id, purchase_document_id=book.id, status="missing_in_portal",
                            recipient_gstin=RECIPIENT, supplier_gstin=SUPPLIER, return_period="102025"))
    session.commit()


def invoice_only(session, make_doc) -> None:
    make_doc(doc_number="INV-9")


@dataclass
class Case:
    name: str
    setup: Callable
    today: str
    expected: list[tuple]  # (kind, date, period, records, tax): the entries of those kinds, in order
    words: dict[str, str] = field(default_factory=dict)  # kind: a phrase its "what" says
    letter: list[str] = field(default_factory=list)  # phrases the supplier's letter says


CASES = [
    # GSTN FAQ on IMS (23 September 2024): No action is deemed accepted when GSTR-2B is generated on the
    # 14th. Net tax: ₹1,800 - ₹900 = ₹900, in the radar and in the GSTR-3B line alike.
    Case("no action on the 12th is deemed accepted on the 14th", invoice_and_note, "2025-11-12",
         [("deemed_acceptance", "2025-11-14", "102025", 2, "900.00"), ("gstr3b", "2025-11-20", "102025", 2,
                                                                       "900.00")],
         {"deemed_acceptance": "2 records (1 invoices and debit notes, 1 credit notes) with no action"}),
    Case("on the 15th the same records are already in GSTR-2B", invoice_and_note, "2025-11-15",
         [("deemed_acceptance",), ("gstr3b", "2025-11-20", "102025", 2, "900.00")]),
    # GSTN advisory on GSTR-2B cut-offs: a September invoice filed after September's GSTR-2B is in
    # October's, generated on 14-11-2025.
    Case("a September invoice filed late is deemed accepted in October's GSTR-2B",
         september_invoice_filed_late, "2025-11-01",
         [("deemed_acceptance", "2025-11-14", "102025", 1, "1800.00")]),
    # GSTN FAQ of 17 October 2025, Q1/Q4: a credit note may stay pending for one tax period, until
    # November's GSTR-3B (20-12-2025); then it is deemed accepted at the next generation (14-01-2026).
    Case("a credit note kept pending lapses after one tax period", note_kept_pending, "2025-12-01",
         [("pending_lapse", "2025-12-20", "102025", 1, "-900.00"), ("deemed_acceptance",)],
         {"pending_lapse": "may stay pending only until 20-12-2025"}),
    Case("after the lapse it is deemed accepted in December's GSTR-2B", note_kept_pending, "2025-12-21",
         [("pending_lapse",), ("deemed_acceptance", "2026-01-14", "122025", 1, "-900.00")]),
    # FAQ Q3: the one-period rule is prospective, from the October 2025 GSTR-2B period: a September note
    # the portal let stay pending (ispendactblocked N) has no such limit, so nothing lapses.
    Case("before October 2025 no one-period limit", september_note_kept_pending, "2026-01-10",
         [("pending_lapse",), ("deemed_acceptance",)]),
    # FAQ Q4: a quarterly filer's tax period is a quarter: until the January-March 2026 return, due on
    # 22-04-2026 in Karnataka (Notification 76/2020-Central Tax: the 22nd for category 1 states).
    Case("a quarterly filer's credit note keeps its quarter", quarterly_note_kept_pending, "2026-01-10",
         [("pending_lapse", "2026-04-22", "102025", 1, "-900.00")]),
    # FAQ Q1: a downward amendment of an accepted, filed invoice gets one tax period from November's
    # GSTR-2B: until December's GSTR-3B, 20-01-2026. Its own tax ₹600 + ₹600.
    Case("a downward invoice amendment kept pending gets one period", downward_amendment_kept_pending,
         "2025-12-10", [("pending_lapse", "2026-01-20", "112025", 1, "1200.00")]),
    # Section 16(4): FY 2025-26 credit only in a return filed by 30-11-2026; an acceptance lands in the
    # GSTR-2B generated after it, so it must be taken by 13-11-2026 (October 2026's GSTR-2B).
    Case("an invoice kept pending: accept it by 13 November", invoice_kept_pending, "2026-11-01",
         [("section_16_4", "2026-11-13", "", 1, "1800.00")], {"section_16_4": "accept them by 13-11-2026"}),
    Case("an invoice kept pending past that day is lost", invoice_kept_pending, "2026-11-14",
         [("section_16_4", "2026-11-13", "", 1, "1800.00")], {"section_16_4": "their credit is lost"}),
    # GSTN FAQ on IMS (recompute): a decision after the 14th needs GSTR-2B recomputed before GSTR-3B.
    Case("a decision after generation asks for a recompute", decided_after_generation, "2025-11-17",
         [("gstr2b_recompute", "2025-11-20", "102025", 1, "1800.00")]),
    # Books no supplier reported: the supplier must file by 13-11-2026 (Section 16(4)); GSTR-1A for
    # October 2025 is open until the supplier's GSTR-3B, due 20-11-2025 (Notification 12/2024-CT).
    Case("a book missing from the portal while GSTR-1A is open", book_not_reported, "2025-11-12",
         [("section_16_4", "2026-11-13", "", 1, "1800.00")], {},
         ["in GSTR-1A for Oct 2025 by 20-11-2025", "or else in your next GSTR-1 / IFF, filed by 13-11-2026",
          "do this by 20-11-2025: the due date of your GSTR-3B for Oct 2025"]),
    Case("the same book once GSTR-1A has closed", book_not_reported, "2025-12-01",
         [("section_16_4", "2026-11-13", "", 1, "1800.00")], {},
         ["in your next GSTR-1 / IFF, filed by 13-11-2026", "do this by 13-11-2026"]),
    Case("the same book on 7 December 2026: the credit is lost", book_not_reported, "2026-12-07",
         [("section_16_4", "2026-11-13", "", 1, "1800.00")], {"section_16_4": "their credit is lost"},
         ["please make good the ₹1,800.00 of tax we cannot claim",
          "we can no longer claim on them: ₹1,800.00"]),
    # An October 2025 GSTR-3B still unfiled after 30-11-2026: its credit is lost, the return still owed.
    Case("a GSTR-3B unfiled past Section 16(4)", invoice_only, "2026-12-07",
         [("gstr3b", "2025-11-20", "102025", 1, "1800.00")], {"gstr3b": "is lost, the Section 16(4) limit"}),
    Case("a GSTR-3B overdue before Section 16(4)", invoice_only, "2025-12-01",
         [("gstr3b", "2025-11-20", "102025", 1, "1800.00")],
         {"gstr3b": "overdue since 20-11-2025 (1 no action; ₹1,800.00 net tax in accepted and no-action "
                    "records): late fee and interest run; file it by 30-11-2026"}),
]


@pytest.fixture
def cli(env_db, session):
    session.add(Recipient(gstin=RECIPIENT, state_code="29", legal_name="Chola Castings Pvt Ltd"))
    session.commit()
    return session


def deadlines_json(today: str) -> list[dict]:
    result = runner.invoke(app, ["deadlines", "--recipient", RECIPIENT, "--today", today, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(cli, make_doc, case: Case):
    case.setup(cli, make_doc)
    found = deadlines_json(case.today)
    for kind in {entry[0] for entry in case.expected}:
        got = [(d["kind"], d["date"], d["period"], d["records"], d["tax"])
               for d in found if d["kind"] == kind]
        assert got == [entry for entry in case.expected if entry[0] == kind and len(entry) > 1], kind
    for kind, phrase in case.words.items():
        assert any(phrase in d["what"] for d in found if d["kind"] == kind), [d["what"] for d in found]
    assert all(d["registration"] == RECIPIENT for d in found)
    if case.letter:
        letter = draft_letter(case.today)
        for phrase in case.letter:
            assert phrase in letter, letter
        never_a_past_date(letter, dt.date.fromisoformat(case.today))


def draft_letter(today: str) -> str:
    result = runner.invoke(app, ["followup", "draft", SUPPLIER, "--today", today, "--by", "asha"])
    assert result.exit_code == 0, result.output
    assert "Accounts payable, Chola Castings Pvt Ltd" in result.output  # the company's name, not a GSTIN
    assert "(when included)" not in result.output
    return " ".join(result.output.split())  # rich wraps long lines


def never_a_past_date(letter: str, today: dt.date) -> None:
    """What the letter asks for, and by when, names no day already past."""
    asks = re.findall(r"What we need: (.*?)(?= \d+\. |Input tax credit|$)", letter)
    asks += re.findall(r"do this by [^.]*\.", letter)
    for text in asks:
        for day, month, year in re.findall(r"\b(\d{2})-(\d{2})-(\d{4})\b", text):
            assert dt.date(int(year), int(month), int(day)) >= today, text


def test_deadlines_cover_every_registration_without_recipient(cli, make_doc):
    make_doc(doc_number="INV-X")
    make_doc(doc_number="INV-Y", recipient_gstin="27AADCD4821K1ZM")
    result = runner.invoke(app, ["deadlines", "--today", "2025-11-12", "--json"])
    assert result.exit_code == 0, result.output
    assert {d["registration"] for d in json.loads(result.output)} == {RECIPIENT, "27AADCD4821K1ZM"}
