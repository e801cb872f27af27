"""The ITC position's rules, one case each, through ``ims itc --json`` as a script would read it.

Each case names the rule it proves and cites its source; the figures were worked out by hand from the
documents the case creates (amounts in the comments are rupees). Decisions and filings happen on the
day the case says (the clock is frozen there), so the GSTR-2B calendar sees them when they happened.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from support.documents import ASHA, RECIPIENT, SUPPLIER
from typer.testing import CliRunner

from ims_core import clock
from ims_core.cli import app
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.locks import mark_period_filed
from ims_core.decisions.rules import ItcReduction
from ims_core.models import (
    AuditEvent,
    ImportBatch,
    MatchResult,
    PurchaseDocument,
    Recipient,
    ReconciliationRun,
)

runner = CliRunner()
ZERO = {"igst": "0.00", "cgst": "0.00", "sgst": "0.00", "cess": "0.00"}


def rupees(igst: str = "0.00", cgst: str = "0.00", sgst: str = "0.00", cess: str = "0.00") -> dict:
    return {"igst": igst, "cgst": cgst, "sgst": sgst, "cess": cess}


def itc(period: str, today: str) -> dict:
    result = runner.invoke(app, ["itc", "--period", period, "--today", today, "--recipient", RECIPIENT,
                                 "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def on(day: dt.date, work, *args, **kwargs):
    """Do ``work`` with the clock at ``day``: decisions and filings are stamped then."""
    with clock.frozen(day):
        return work(*args, **kwargs)


def act(session, doc, action: str, day: dt.date, **more) -> None:
    on(day, decide, session, portal_document_id=doc.id, action=action, actor=ASHA, today=day, **more)
    session.commit()


def file(session, period: str, day: dt.date, allow_empty: bool = False) -> None:
    on(day, mark_period_filed, session, recipient_gstin=RECIPIENT, period=period, actor=ASHA,
       allow_empty=allow_empty)
    session.commit()


def imported_2b(session, period: str) -> None:
    session.add(ImportBatch(kind="gstr2b", file_name=f"2b-{period}.json", content_hash=f"h{period}",
                            recipient_gstin=RECIPIENT, return_period=period))
    session.commit()


def heads(igst: int = 0, cgst: int = 0, sgst: int = 0, cess: int = 0) -> dict:
    """Tax in paise for ``make_doc``."""
    return dict(igst_paise=igst, cgst_paise=cgst, sgst_paise=sgst, cess_paise=cess)


@pytest.fixture
def cli(env_db, session):
    session.add(Recipient(gstin=RECIPIENT, state_code="29"))  # Karnataka: QRMP returns on the 22nd
    session.commit()
    return session


# --- 1. Amendments count by difference --------------------------------------------------------------
# GSTN advisory on auto-population of GSTR-3B from GSTR-2B (16 December 2020): amendment tables by the
# differential; GSTN advisory on IMS of 19 June 2025: a record re-reported after a wrong rejection in full.

def test_a_downward_invoice_amendment_reduces_4a5_by_the_difference(cli, make_doc):
    original = make_doc(doc_number="INV-A", **heads(cgst=100_000, sgst=100_000))  # Oct, ₹2,000
    act(cli, original, "accept", dt.date(2025, 11, 5))
    file(cli, "102025", dt.date(2025, 11, 20))
    make_doc(doc_number="INV-A", section="b2ba", original_doc_type="INV", original_doc_number="INV-A",
             original_doc_date=dt.date(2025, 10, 10), return_period="112025",
             **heads(cgst=60_000, sgst=60_000))
    assert itc("102025", "2025-12-10")["table4"]["4A(5)"] == rupees(cgst="1000.00", sgst="1000.00")
    # November: ₹1,200 - ₹2,000 = -₹800, -₹400 a head, not +₹1,200
    assert itc("112025", "2025-12-10")["table4"]["4A(5)"] == rupees(cgst="-400.00", sgst="-400.00")


def test_an_upward_debit_note_amendment_adds_the_difference(cli, make_doc):
    make_doc(doc_number="DN-1", doc_type="DBN", section="b2bdn", **heads(igst=50_000))  # ₹500, no action
    make_doc(doc_number="DN-1", doc_type="DBN", section="b2bdna", original_doc_type="DBN",
             original_doc_number="DN-1", original_doc_date=dt.date(2025, 10, 10), return_period="112025",
             **heads(igst=80_000))
    assert itc("112025", "2025-12-10")["table4"]["4A(5)"] == rupees(igst="300.00")  # ₹800 - ₹500


def test_an_upward_credit_note_amendment_reduces_only_the_difference(cli, make_doc):
    note = make_doc(doc_number="CN-1", doc_type="CRN", section="b2bcn", **heads(igst=100_000))
    act(cli, note, "accept", dt.date(2025, 11, 5))  # full reduction: -₹1,000 in October
    file(cli, "102025", dt.date(2025, 11, 20))  # the original's period filed before its amendment is decided
    amended = make_doc(doc_number="CN-1", doc_type="CRN", section="b2bcna", original_doc_type="CRN",
                       original_doc_number="CN-1", original_doc_date=dt.date(2025, 10, 10),
                       return_period="112025", **heads(igst=150_000))
    act(cli, amended, "accept", dt.date(2025, 12, 5))
    assert itc("102025", "2025-12-10")["table4"]["4A(5)"] == rupees(igst="-1000.00")
    assert itc("112025", "2025-12-10")["table4"]["4A(5)"] == rupees(igst="-500.00")  # -(₹1,500 - ₹1,000)


def test_a_wrongly_rejected_invoice_re_reported_counts_in_full(cli, make_doc):
    original = make_doc(doc_number="INV-W", **heads(igst=200_000))
    act(cli, original, "reject", dt.date(2025, 11, 5), reason="not ours")
    make_doc(doc_number="INV-W", section="b2ba", original_doc_type="INV", original_doc_number="INV-W",
             original_doc_date=dt.date(2025, 10, 10), return_period="112025", **heads(igst=200_000))
    assert itc("102025", "2025-12-10")["table4"]["4A(5)"] == ZERO
    assert itc("112025", "2025-12-10")["table4"]["4A(5)"] == rupees(igst="2000.00")


# --- 2. A record's GSTR-2B month is the month its supplier filed it -------------------------------
# GSTN advisory on GSTR-2B cut-off dates; GSTN FAQ on the October 2025 IMS changes, examples 3 and 4.

def test_a_september_invoice_filed_in_october_is_in_octobers_gstr2b(cli, make_doc):
    late = make_doc(doc_number="S-LATE", return_period="092025", **heads(cgst=50_000, sgst=50_000))  # ₹1,000
    imported_2b(cli, "092025")  # September's GSTR-2B came without it, October's with it
    imported_2b(cli, "102025")
    make_doc(doc_number="S-LATE", source="gstr2b", return_period="102025", supplier_return_period="092025",
             supplier_filing_date=dt.date(2025, 10, 20), doc_date=dt.date(2025, 9, 10),
             **heads(cgst=50_000, sgst=50_000))
    assert itc("092025", "2025-11-12")["table4"]["4A(5)"] == ZERO
    assert itc("102025", "2025-11-12")["table4"]["4A(5)"] == rupees(cgst="500.00", sgst="500.00")
    file(cli, "092025", dt.date(2025, 10, 20))
    act(cli, late, "reject", dt.date(2025, 11, 12), reason="price differs")  # September's lock: not its
    assert itc("102025", "2025-11-12")["table4"]["4A(5)"] == ZERO


def test_without_a_gstr2b_the_imported_ones_and_the_cut_off_decide(cli, make_doc):
    make_doc(doc_number="S-IMS", return_period="092025", **heads(igst=30_000))  # IMS only, ₹300
    assert itc("092025", "2025-10-10")["table4"]["4A(5)"] == rupees(igst="300.00")  # September's to come
    imported_2b(cli, "092025")  # ...but September's GSTR-2B came without it: October's, generated 14-11
    assert itc("092025", "2025-10-10")["table4"]["4A(5)"] == ZERO
    assert itc("102025", "2025-11-12")["table4"]["4A(5)"] == rupees(igst="300.00")


# --- 3. A pending record accepted later lands in the GSTR-2B after its acceptance -------------------
# GSTN FAQ on IMS (23 September 2024): pending records are carried forward; actions change until that
# period's GSTR-3B is filed.

def test_a_pending_invoice_accepted_in_december_is_novembers_credit_and_stays_changeable(cli, make_doc):
    record = make_doc(doc_number="INV-P", **heads(igst=100_000))  # ₹1,000
    act(cli, record, "pending", dt.date(2025, 11, 10))
    file(cli, "102025", dt.date(2025, 11, 20))
    act(cli, record, "accept", dt.date(2025, 12, 5))
    assert itc("102025", "2025-12-06")["table4"]["4A(5)"] == ZERO
    assert itc("112025", "2025-12-06")["table4"]["4A(5)"] == rupees(igst="1000.00")
    act(cli, record, "reject", dt.date(2025, 12, 6), reason="goods returned")  # October's filing: not its
    assert itc("112025", "2025-12-06")["table4"]["4A(5)"] == ZERO
    file(cli, "112025", dt.date(2025, 12, 20), allow_empty=True)  # no record of its own: carried-in only
    with pytest.raises(ActionRefused, match="112025"):  # November's does
        act(cli, record, "accept", dt.date(2025, 12, 21))


# --- 4. A credit note whose pending option lapsed reduces the month it lapses into ------------------
# GSTN FAQ on the IMS changes from the October 2025 tax period (17 October 2025), Q4 and Q5.

def test_a_lapsed_pending_credit_note_reduces_december(cli, make_doc):
    note = make_doc(doc_number="CN-L", doc_type="CRN", section="b2bcn", **heads(cgst=20_000, sgst=20_000))
    act(cli, note, "pending", dt.date(2025, 11, 10))  # may stay pending until 20-12-2025
    assert itc("112025", "2025-12-21")["table4"]["4A(5)"] == ZERO
    assert itc("122025", "2025-12-21")["table4"]["4A(5)"] == rupees(cgst="-200.00", sgst="-200.00")
    assert itc("122025", "2025-12-20")["table4"]["4A(5)"] == ZERO  # the last day it may stay pending


# --- 5. Saved, not filed: expected, never available --------------------------------------------------
# Section 16(2)(aa) CGST Act: only what reaches GSTR-2B; GSTN FAQ on IMS, Q6 (saved records in IMS).

def test_a_record_saved_but_not_filed_is_expected_not_available(cli, make_doc):
    make_doc(doc_number="SAVED-1", supplier_filing_status="Not Filed", **heads(igst=300_000))
    position = itc("102025", "2025-11-12")
    assert position["table4"]["4A(5)"] == ZERO
    assert position["expected_not_filed"] == rupees(igst="3000.00")


# --- 6. Table 4 in today's layout -------------------------------------------------------------------
# Notification 14/2022-Central Tax and Circular 170/02/2022-GST: credit notes netted in 4A(5) (which may
# go negative), ISD in 4A(4), reverse charge in 4A(3) and 3.1(d).

def test_credit_notes_are_netted_in_4a5_which_may_go_negative(cli, make_doc):
    make_doc(doc_number="INV-6", **heads(igst=100_000))
    note = make_doc(doc_number="CN-6", doc_type="CRN", section="b2bcn", **heads(igst=300_000))
    act(cli, note, "accept", dt.date(2025, 11, 5))
    table = itc("102025", "2025-11-12")["table4"]
    assert table["4A(5)"] == table["4C"] == rupees(igst="-2000.00")  # ₹1,000 - ₹3,000
    assert table["4B(2)"] == ZERO


def test_isd_credit_goes_to_4a4_and_reverse_charge_to_4a3_and_3_1d(cli, make_doc):
    make_doc(doc_number="ISD-1", source="gstr2b", section="isd", **heads(cgst=20_000, sgst=20_000))
    make_doc(doc_number="RCM-1", source="gstr2b", reverse_charge=True, **heads(igst=180_000))
    position = itc("102025", "2025-11-12")
    assert position["table4"]["4A(4)"] == rupees(cgst="200.00", sgst="200.00")
    assert position["table4"]["4A(3)"] == position["table3_1d"] == rupees(igst="1800.00")
    assert position["table4"]["4A(5)"] == ZERO
    assert position["table4"]["4C"] == rupees(igst="1800.00", cgst="200.00", sgst="200.00")


# --- 7. Credit past its Section 16(4) limit is lost, never in 4A -----------------------------------
# Section 16(4) CGST Act: 30 November after the end of the financial year.

def test_credit_of_last_year_accepted_after_30_november_is_lost(cli, make_doc):
    old = make_doc(doc_number="INV-OLD", return_period="022025", doc_date=dt.date(2025, 2, 10),
                   **heads(cgst=40_000, sgst=40_000))  # FY 2024-25: limit 30-11-2025
    act(cli, old, "pending", dt.date(2025, 3, 5))
    act(cli, old, "accept", dt.date(2025, 12, 5))  # lands in November 2025: filed after the limit
    position = itc("112025", "2025-12-06")
    assert position["table4"]["4A(5)"] == ZERO
    assert position["lost_16_4"] == position["table4"]["4D(2)"] == rupees(cgst="400.00", sgst="400.00")


# --- 8. What the books say ---------------------------------------------------------------------------
# Circular 170/02/2022-GST para 4: 4B(1) for Section 17(5) and Rules 38/42/43; 4B(2) for Rule 37, Rule
# 37A and credit not in the books; 4D(1) for credit reversed earlier and reclaimed; 4D(2) for itcavl N.

def _paired(session, pairs: list[tuple[object, object, str]]) -> None:
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="")
    session.add(run)
    session.flush()
    for portal, book, status in pairs:
        session.add(MatchResult(run_id=run.id, portal_document_id=portal.id,
                                purchase_document_id=book.id if book is not None else None, status=status,
                                recipient_gstin=RECIPIENT, return_period=portal.return_period))
    session.commit()


def _book(session, number: str, doc_date: dt.date, **fields) -> PurchaseDocument:
    book = PurchaseDocument(recipient_gstin=RECIPIENT, supplier_gstin=SUPPLIER, doc_type="INV",
                            doc_number=number, doc_date=doc_date, fy=2025, **fields)
    session.add(book)
    session.commit()
    return book


def test_blocked_credit_not_in_books_rule_37a_and_itcavl_n(cli, make_doc):
    blocked = make_doc(doc_number="CAR-1", **heads(cgst=50_000, sgst=50_000))  # a car: Section 17(5)
    stranger = make_doc(doc_number="X-1", **heads(igst=60_000))  # not in the books
    _paired(cli, [(blocked, _book(cli, "CAR-1", dt.date(2025, 10, 10), itc_eligible=False,
                                  cgst_paise=50_000, sgst_paise=50_000), "matched"),
                  (stranger, None, "missing_in_books")])
    make_doc(doc_number="REV-1", source="gstr2b", section="itcrev:b2b", **heads(igst=70_000))  # Rule 37A
    make_doc(doc_number="POS-1", source="gstr2b", itc_available="N", itc_unavailable_reason="P",
             **heads(igst=25_000))
    table = itc("102025", "2025-11-12")["table4"]
    assert table["4A(5)"] == rupees(igst="600.00", cgst="500.00", sgst="500.00")
    assert table["4B(1)"] == rupees(cgst="500.00", sgst="500.00")
    assert table["4B(2)"] == rupees(igst="1300.00")  # ₹600 not in the books + ₹700 Rule 37A
    assert table["4C"] == rupees(igst="-700.00")
    assert table["4D(2)"] == rupees(igst="250.00")


def test_rule_37_reverses_in_the_month_of_day_180_and_reclaims_when_paid(cli, make_doc):
    record = make_doc(doc_number="R37-1", return_period="052025", doc_date=dt.date(2025, 5, 1),
                      **heads(cgst=30_000, sgst=30_000))
    book = _book(cli, "R37-1", dt.date(2025, 5, 1), payment_date=dt.date(2025, 12, 10),
                 cgst_paise=30_000, sgst_paise=30_000)  # day 180 is 28-10-2025; paid on 10-12-2025
    _paired(cli, [(record, book, "matched")])
    october = itc("102025", "2025-12-15")["table4"]
    assert october["4B(2)"] == rupees(cgst="300.00", sgst="300.00")
    december = itc("122025", "2025-12-15")["table4"]
    assert december["4A(5)"] == december["4D(1)"] == rupees(cgst="300.00", sgst="300.00")
    assert itc("112025", "2025-12-15")["table4"]["4B(2)"] == ZERO


# --- 9. The portal's flags on IMS records ------------------------------------------------------------
# GSTN FAQ of 17 October 2025: isItcRedReqBlocked and isRemarksBlocked; the save request must not send
# what the portal refuses.

def test_blocked_reduction_and_remarks_are_refused_and_not_sent(cli, make_doc, tmp_path):
    note = make_doc(doc_number="CN-B", doc_type="CRN", section="b2bcn", itc_reduction_blocked=True,
                    **heads(igst=10_000))
    quiet = make_doc(doc_number="INV-Q", remarks_blocked=True, **heads(igst=10_000))
    with pytest.raises(ActionRefused, match="does not let you declare the ITC reduction"):
        act(cli, note, "accept", dt.date(2025, 11, 5), reason="half returned",
            itc_reduction=ItcReduction("partial", igst_paise=5_000))
    act(cli, note, "accept", dt.date(2025, 11, 5))
    act(cli, quiet, "reject", dt.date(2025, 11, 5), reason="never received")
    out = tmp_path / "save.json"
    assert runner.invoke(app, ["export", "ims-actions", "-o", str(out), "--by", "asha"]).exit_code == 0
    rows = json.loads(out.read_text())["invdata"]
    (cn,) = rows["b2bcn"]
    (inv,) = rows["b2b"]
    assert cn["action"] == "A" and "itcRedReq" not in cn and "declIgst" not in cn
    assert inv["action"] == "R" and "remarks" not in inv


# --- 10. Quarterly (QRMP) filers ---------------------------------------------------------------------
# Rule 61(5) and Notification 1/2020-Central Tax: quarterly GSTR-3B on the 22nd or 24th; GSTN FAQ of
# 17 October 2025, Q4: "one tax period" of a quarterly filer is a quarter.

def test_a_quarterly_filers_credit_note_may_stay_pending_into_the_next_quarters_return(cli, make_doc):
    result = runner.invoke(app, ["registration", "set", RECIPIENT, "--frequency", "quarterly",
                                 "--by", "asha"])
    assert result.exit_code == 0 and "quarterly" in result.output, result.output
    event = cli.execute(select(AuditEvent).where(AuditEvent.kind == "registration")).scalars().one()
    assert '"filing_frequency":"quarterly"' in event.after_json
    note = make_doc(doc_number="CN-Q", doc_type="CRN", section="b2bcn", **heads(igst=40_000))
    act(cli, note, "pending", dt.date(2025, 11, 10))  # Oct-Dec quarter: pending until the Jan-Mar return
    assert itc("042026", "2026-04-22")["table4"]["4A(5)"] == ZERO  # due 22-04-2026 (Karnataka)
    assert itc("042026", "2026-04-23")["table4"]["4A(5)"] == rupees(igst="-400.00")
    due = runner.invoke(app, ["deadlines", "--today", "2025-11-12"])
    assert "GSTR-3B for 102025 due 22-01-2026" in due.output, due.output


# --- 11. A decision after GSTR-2B is generated asks for a recompute ---------------------------------
# GSTN FAQ on IMS: actions after the 14th require GSTR-2B to be recomputed before GSTR-3B.

def test_a_decision_after_the_14th_needs_a_recompute_said_once_in_the_digest(cli, make_doc):
    early = make_doc(doc_number="INV-E", **heads(igst=10_000))
    late = make_doc(doc_number="INV-L", **heads(igst=10_000))
    act(cli, early, "accept", dt.date(2025, 11, 10))
    assert itc("102025", "2025-11-15")["recompute_needed"] is False
    act(cli, late, "reject", dt.date(2025, 11, 16), reason="duplicate")
    assert itc("102025", "2025-11-17")["recompute_needed"] is True
    assert itc("102025", "2025-11-13")["recompute_needed"] is False  # before generation: nothing to redo
    _paired(cli, [(early, None, "missing_in_books")])  # a reconciliation gives the digest its period
    digest = runner.invoke(app, ["digest", "--dry-run", "--today", "2025-11-17"])
    assert digest.exit_code == 0, digest.output
    assert digest.output.count("must be recomputed") == 1


# --- 12. Before filing, compare what GSTR-3B claims with GSTR-2B -------------------------------------
# Rule 88D (Notification 38/2023-Central Tax); GSTN advisory on DRC-01C: more than ₹25 lakh and 20%.

def test_a_claim_beyond_the_rule_88d_threshold_is_flagged(cli, make_doc):
    make_doc(doc_number="INV-C", **heads(igst=100_000))  # GSTR-2B gives ₹1,000
    with clock.frozen(dt.date(2025, 11, 20)):
        filed = runner.invoke(app, ["period", "filed", "102025", "--by", "asha",
                                    "--claim", "4A(5)=3000000,0,0,0"])
    assert filed.exit_code == 0, filed.output
    shown = runner.invoke(app, ["itc", "--period", "102025", "--today", "2025-11-25"], terminal_width=200)
    assert "Rule 88D" in shown.output and "₹29,99,000.00 more than GSTR-2B" in shown.output, shown.output


def test_a_small_excess_is_shown_but_not_flagged(cli, make_doc, tmp_path):
    make_doc(doc_number="INV-D", **heads(igst=100_000))
    gstr3b = tmp_path / "gstr3b.json"
    gstr3b.write_text(json.dumps({"gstin": RECIPIENT, "ret_period": "102025", "itc_elg": {
        "itc_avl": [{"ty": "OTH", "iamt": 1200, "camt": 0, "samt": 0, "csamt": 0}],
        "itc_rev": [{"ty": "RUL", "iamt": 0, "camt": 0, "samt": 0, "csamt": 0}],
        "itc_inelg": [{"ty": "OTH", "iamt": 0, "camt": 0, "samt": 0, "csamt": 0}]}}))
    with clock.frozen(dt.date(2025, 11, 20)):
        filed = runner.invoke(app, ["period", "filed", "102025", "--by", "asha", "--3b", str(gstr3b)])
    assert filed.exit_code == 0, filed.output
    shown = runner.invoke(app, ["itc", "--period", "102025", "--today", "2025-11-25"], terminal_width=200)
    assert "₹200.00 more than GSTR-2B allows" in shown.output and "Rule 88D:" not in shown.output


# --- The demo's month, worked out by hand once more --------------------------------------------------

def test_the_demo_month_as_of_12_november_2025(tmp_path, monkeypatch):
    """The bundled October 2025: IMS invoices tax IGST ₹18,68,820.24, CGST ₹10,97,426.54, SGST ₹10,97,427.45
    (337 records, all "No action": deemed accepted); credit notes IGST ₹29,984.74, CGST ₹2,90,949.94, SGST
    ₹2,90,949.98 (11, full reduction); the reconciliation finds 16 records not in the books, IGST
    ₹1,44,463.96, CGST ₹1,35,553.23, SGST ₹1,35,553.25. Nothing is pending, lost or expected; the GSTR-2B
    of October is generated on 14 November, two days later."""
    from ims_core.settings import get_settings

    database = tmp_path / "demo.db"
    assert runner.invoke(app, ["demo", "--database", str(database)]).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    from ims_core.db.engine import _cached_engine

    _cached_engine.cache_clear()
    result = runner.invoke(app, ["itc", "--period", "102025", "--today", "2025-11-12", "--json"])
    position = json.loads(result.output)
    table = position["table4"]
    # 4A(5) = invoices - credit notes: 18,68,820.24 - 29,984.74 = 18,38,835.50 (IGST),
    # 10,97,426.54 - 2,90,949.94 = 8,06,476.60 (CGST), 10,97,427.45 - 2,90,949.98 = 8,06,477.47 (SGST)
    assert table["4A(5)"] == rupees("1838835.50", "806476.60", "806477.47")
    assert table["4B(2)"] == rupees("144463.96", "135553.23", "135553.25")  # in GSTR-2B, not in the books
    # 4C = 4A(5) - 4B(2): 16,94,371.54 + 6,70,923.37 + 6,70,924.22 = ₹30,36,219.13
    assert table["4C"] == rupees("1694371.54", "670923.37", "670924.22")
    assert position["pending"] == position["lost_16_4"] == position["expected_not_filed"] == ZERO
    assert position["recompute_needed"] is False
    get_settings.cache_clear()
    _cached_engine.cache_clear()
