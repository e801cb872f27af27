"""The follow-up texts: every escalation level for every kind of document and problem."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import UndefinedError

from ims_core.suppliers.drafts import (
    LEVELS,
    DocumentAsk,
    _Doc,
    environment,
    render,
    what_is_wrong,
    what_we_need,
)

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
    assert "20 November 2025" in text.body
    assert f"• {KINDS[doc_type]} A-102 (10-10-2025, tax ₹18,000.00): need-{problem}" in text.chat_text
    assert "{{" not in text.body + text.chat_text + text.subject


def test_reminder_and_final_notice_cite_the_earlier_requests_and_the_policy():
    earlier = [dt.date(2025, 11, 1), dt.date(2025, 11, 8)]
    reminder = _render(2, [ask()], earlier)
    assert "We wrote to you on 01 November 2025, 08 November 2025" in reminder.body
    final = _render(3, [ask()], earlier)
    assert "reverse the input tax credit on these documents and hold the payment" in final.body
    assert "Section 16(2)(aa)" in final.body and "Unless resolved by 20 November 2025" in final.chat_text
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


def test_what_we_need_follows_the_direction_of_the_difference():
    higher = _doc(taxable_paise=2_200_000)
    need = what_we_need("mismatch", "INV", RECIPIENT, _doc(), higher)
    assert need.startswith("please issue a credit note for ₹2,000.00 of taxable value")
    lower = _doc(taxable_paise=1_500_000)
    assert (
        "amend the invoice in GSTR-1A to ₹20,000.00 of taxable value, or issue a debit note for ₹5,000.00"
        in what_we_need("mismatch", "INV", RECIPIENT, _doc(), lower)
    )
    credit = what_we_need(
        "mismatch", "CRN", RECIPIENT, _doc(doc_type="CRN"), _doc(doc_type="CRN", taxable_paise=1)
    )
    assert credit.startswith("please amend the credit note in GSTR-1A to a taxable value of ₹20,000.00")


def test_what_we_need_for_date_place_gstin_and_tax_heads():
    other = _doc(
        supplier_gstin="29AHQPA7588L1ZF",
        doc_date=dt.date(2025, 10, 16),
        place_of_supply="29",
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=360_000,
    )
    need = what_we_need("mismatch", "INV", RECIPIENT, _doc(), other)
    assert "report it from your GSTIN 27AHQPA7588L1ZJ" in need
    assert "correct the date to 15-10-2025 in GSTR-1A" in need
    assert "place of supply to 27 (Maharashtra)" in need
    assert "correct the tax in GSTR-1A to IGST ₹0.00, CGST ₹1,800.00, SGST ₹1,800.00" in need


def test_what_we_need_for_missing_and_unknown_documents():
    assert what_we_need("missing_in_portal", "DBN", RECIPIENT, _doc(), None) == (
        "please report this debit note in your GSTR-1 / IFF (or GSTR-1A) against our GSTIN 27AADCD4821K1ZM"
    )
    assert what_we_need("missing_in_books", "CRN", RECIPIENT, None, _doc()).startswith(
        "please send us a copy of this credit note"
    )
    assert "our books have 'A-103', you reported 'A-1O3'" in what_we_need(
        "probable", "INV", RECIPIENT, _doc(), _doc(doc_number="A-1O3")
    )


def test_what_is_wrong_rewords_engine_reasons_for_the_supplier():
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
