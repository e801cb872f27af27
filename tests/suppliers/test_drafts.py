"""The follow-up texts: every escalation level for every kind of document and problem."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import UndefinedError

from ims_core.suppliers.asks import DocumentAsk, _Doc, what_is_wrong, what_we_need
from ims_core.suppliers.drafts import LEVELS, environment, render
from ims_core.suppliers.remedies import route_for

SUPPLIER = "27AHQPA7588L1ZJ"
RECIPIENT = "27AADCD4821K1ZM"
KINDS = {"INV": "Invoice", "CRN": "Credit note", "DBN": "Debit note"}
PROBLEMS = ("missing_in_portal", "mismatch", "probable", "missing_in_books")


def ask(
    doc_type: str = "INV",
    problem: str = "missing_in_portal",
    number: str = "A-102",
    taxable: int = 10_000_000,
    tax: int = 1_800_000,
    held: int = 1_800_000,
) -> DocumentAsk:
    return DocumentAsk(
        purchase_document_id=1,
        portal_document_id=None,
        problem=problem,
        recipient_gstin=RECIPIENT,
        return_period="102025",
        doc_type=doc_type,
        doc_number=number,
        doc_date=dt.date(2025, 10, 10),
        taxable_paise=taxable,
        tax_paise=tax,
        invoice_value_paise=taxable + tax,
        itc_held_paise=held,
        what_is_wrong=f"wrong-{problem}",
        what_we_need=f"need-{problem}",
    )


def _render(level: int, asks: list[DocumentAsk], previous: list[dt.date] = ()):
    return render(
        level,
        supplier_name="Shree Polymers",
        supplier_gstin=SUPPLIER,
        contact_name="Mr Rao",
        company="Deccan Polymers Pvt Ltd",
        asks=asks,
        need_by_date=dt.date(2025, 11, 20),
        previous_requests=list(previous),
    )


SUBJECT_START = {1: "GST documents to report or correct", 2: "Reminder:", 3: "Final notice:"}


@pytest.mark.parametrize("level", sorted(LEVELS))
@pytest.mark.parametrize("doc_type", sorted(KINDS))
@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_level_lists_every_kind_of_document(level, doc_type, problem):
    text = _render(level, [ask(doc_type, problem)], [dt.date(2025, 11, 1)] * (level - 1))
    assert text.subject.startswith(SUBJECT_START[level]) and "Deccan Polymers Pvt Ltd" in text.subject
    line = (
        f"1. {KINDS[doc_type]} A-102 dated 10-10-2025: "
        "value ₹1,18,000.00, taxable ₹1,00,000.00, tax ₹18,000.00"
    )
    assert line in text.body
    assert f"What is wrong: wrong-{problem}" in text.body and f"What we need: need-{problem}" in text.body
    assert "Dear Mr Rao," in text.body and "(GSTIN 27AHQPA7588L1ZJ)" in text.body
    assert "Input tax credit held up on our side: ₹18,000.00." in text.body
    assert "20-11-2025" in text.body and "November 2025" not in text.body  # dates as DD-MM-YYYY
    assert f"• {KINDS[doc_type]} A-102 (10-10-2025, tax ₹18,000.00): need-{problem}" in text.chat_text
    assert "{{" not in text.body + text.chat_text + text.subject


def test_reminder_and_final_notice_cite_the_earlier_requests_and_the_policy():
    earlier = [dt.date(2025, 11, 1), dt.date(2025, 11, 8)]
    reminder = _render(2, [ask()], earlier)
    assert "We wrote to you on 01-11-2025, 08-11-2025" in reminder.body
    final = _render(3, [ask()], earlier)
    assert "reverse the input tax credit on these documents and hold the payment" in final.body
    assert "Section 16(2)(aa)" in final.body and "Unless resolved by 20-11-2025" in final.chat_text
    first = _render(1, [ask()])
    assert "reverse" not in first.body and "Reminder" not in first.subject


def test_plural_wording_and_chat_truncation():
    asks = [ask(number=f"A-{n}") for n in range(7)]
    text = _render(1, asks)
    assert "7 documents" in text.subject and "that need your action" in text.body
    assert (
        text.chat_text.count("• Invoice A-") == 5 and "… and 2 more (details in the email)" in text.chat_text
    )
    assert "7. Invoice A-6" in text.body
    assert "Input tax credit held up on our side: ₹1,26,000.00." in text.body
    single = _render(1, [ask()])
    assert "1 document for" in single.subject and "that needs your action" in single.body


def test_templates_refuse_missing_values():
    with pytest.raises(UndefinedError):
        environment().get_template("followups/first_request.subject.j2").render({"document_count": 1})


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="escalation level 4"):
        _render(4, [ask()])


def _doc(**kw) -> _Doc:
    base = dict(
        id=1,
        supplier_gstin=SUPPLIER,
        doc_type="INV",
        doc_number="A-103",
        doc_date=dt.date(2025, 10, 15),
        taxable_paise=2_000_000,
        igst_paise=0,
        cgst_paise=180_000,
        sgst_paise=180_000,
        cess_paise=0,
        invoice_value_paise=2_360_000,
        place_of_supply="27",
    )
    base.update(kw)
    return _Doc(**base)


# A document of October 2025 (FY 2025-26) on 5 November 2025: GSTR-1A for October is open until the
# supplier's GSTR-3B, due 20-11-2025; a later GSTR-1 may still correct it until 30-11-2026 (Section
# 37(3)), and our credit is saved by a filing up to 13-11-2026 (Section 16(4); see test_remedies).
EARLY = route_for(period="102025", fy=2025, credit_at_stake=False, today=dt.date(2025, 11, 5))
LATER = route_for(period="102025", fy=2025, credit_at_stake=False, today=dt.date(2025, 12, 1))
SAVES_CREDIT = route_for(period="102025", fy=2025, credit_at_stake=True, today=dt.date(2025, 12, 1))


def test_what_we_need_follows_the_direction_of_the_difference():
    higher = _doc(taxable_paise=2_200_000)
    need = what_we_need("mismatch", "INV", RECIPIENT, _doc(), higher, EARLY)
    assert need == (
        "please issue a credit note for ₹2,000.00 of taxable value (and the tax on it), or amend the invoice "
        "to ₹20,000.00 — in GSTR-1A for Oct 2025 by 20-11-2025 (before you file your GSTR-3B for that "
        "month), or else in your next GSTR-1 / IFF, filed by 30-11-2026"
    )
    lower = _doc(taxable_paise=1_500_000)
    assert what_we_need("mismatch", "INV", RECIPIENT, _doc(), lower, LATER) == (
        "please amend the invoice to ₹20,000.00 of taxable value, or issue a debit note for ₹5,000.00 — in "
        "your next GSTR-1 / IFF, filed by 30-11-2026"
    )
    credit = what_we_need(
        "mismatch", "CRN", RECIPIENT, _doc(doc_type="CRN"), _doc(doc_type="CRN", taxable_paise=1), LATER
    )
    assert credit.startswith("please amend the credit note to a taxable value of ₹20,000.00")


def test_what_we_need_for_date_place_gstin_and_tax_heads():
    other = _doc(
        supplier_gstin="29AHQPA7588L1ZF",
        doc_date=dt.date(2025, 10, 16),
        place_of_supply="29",
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=360_000,
    )
    need = what_we_need("mismatch", "INV", RECIPIENT, _doc(), other, SAVES_CREDIT)
    assert "report it from your GSTIN 27AHQPA7588L1ZJ" in need
    assert "correct the date to 15-10-2025" in need
    assert "place of supply to 27 (Maharashtra)" in need
    assert "correct the tax to IGST ₹0.00, CGST ₹1,800.00, SGST ₹1,800.00" in need
    assert need.endswith("in your next GSTR-1 / IFF, filed by 13-11-2026")


def test_what_we_need_for_missing_and_unknown_documents():
    assert what_we_need("missing_in_portal", "DBN", RECIPIENT, _doc(), None, SAVES_CREDIT) == (
        "please report this debit note against our GSTIN 27AADCD4821K1ZM — in your next GSTR-1 / IFF, filed "
        "by 13-11-2026"
    )
    # GSTR-1A cannot change the recipient GSTIN (GSTN advisory on GSTR-1A): only a later GSTR-1
    copy = what_we_need("missing_in_books", "CRN", RECIPIENT, None, _doc(),
                        route_for(period="102025", fy=2025, credit_at_stake=False, gstr1a_possible=False,
                                  today=dt.date(2025, 11, 5)))
    assert copy == ("please send us a copy of this credit note; if it was not meant for us, amend it in your "
                    "next GSTR-1 / IFF (GSTR-1A cannot change the recipient) or issue a credit note, by "
                    "30-11-2026")
    assert "our books have 'A-103', you reported 'A-1O3'" in what_we_need(
        "probable", "INV", RECIPIENT, _doc(), _doc(doc_number="A-1O3"), EARLY
    )


def test_what_we_need_once_the_credit_is_lost_or_the_return_is_closed():
    lost = route_for(period="102025", fy=2025, credit_at_stake=True, today=dt.date(2026, 11, 14))
    assert what_we_need("missing_in_portal", "INV", RECIPIENT, _doc(), None, lost, 360_000) == (
        "a correction can no longer reach a GSTR-2B in time for us to claim its credit (Section 16(4)): "
        "please make good the ₹3,600.00 of tax we cannot claim, by a financial credit note or a refund"
    )
    closed = route_for(period="102025", fy=2025, credit_at_stake=False, today=dt.date(2026, 12, 1))
    assert "no longer be amended for it (Section 37(3))" in what_we_need(
        "mismatch", "INV", RECIPIENT, _doc(), _doc(doc_date=dt.date(2025, 10, 16)), closed)
    assert "can no longer be declared in a return (Section 34(2))" in what_we_need(
        "missing_in_portal", "CRN", RECIPIENT, _doc(doc_type="CRN"), None, closed)


def test_what_is_wrong_rewords_engine_reasons_for_the_supplier():
    assert what_is_wrong("mismatch", "doc_date: books 2025-10-01 vs portal 2025-10-05 (+4 days)", "INV") == (
        "date: our books 01-10-2025 vs your return 05-10-2025 (+4 days)"
    )
    reasons = (
        "taxable_value: books ₹20,000.00 vs portal ₹22,000.00 (+₹2,000.00); "
        "cess: books ₹0.00 vs portal ₹0.50 (+₹0.50, within tolerance); "
        "doc_number format only (case): books 'a' vs portal 'A'; portal: rejected in IMS"
    )
    assert what_is_wrong("mismatch", reasons, "INV") == (
        "taxable value: our books ₹20,000.00 vs your return ₹22,000.00 (+₹2,000.00)"
    )
    assert "missing from your GSTR-1 / IFF" in what_is_wrong("missing_in_portal", "", "INV")
    assert (
        what_is_wrong("missing_in_books", "", "CRN")
        == "you reported this credit note to us, but we have no record of it"
    )
