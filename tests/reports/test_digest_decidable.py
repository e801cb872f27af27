"""The digest shows with buttons only what the buttons can decide: records of a filed period and
records only in GSTR-2B are shown apart, as information; its header's period is its records' period."""

from __future__ import annotations

import datetime as dt

from support.documents import ASHA, RECIPIENT, TODAY, reconciled

from ims_core.decisions.engine import decide
from ims_core.decisions.locks import mark_period_filed
from ims_core.reports.digest import collect, render_text
from ims_core.reports.worklist import KeptApart, kept_apart, needing_decision, open_records


def test_a_filed_period_moves_its_records_apart(session, make_doc):
    docs = [make_doc(doc_number=f"M-{n}") for n in range(3)]
    kept_pending = make_doc(doc_number="P-1", ims_action="P")  # the portal holds it pending: carried forward
    reconciled(session, [*docs, kept_pending], status="mismatch", tax_paise=180_000)
    assert collect(session, day=TODAY).open_total == 4
    mark_period_filed(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA)
    session.commit()
    data = collect(session, day=TODAY)
    assert [r.doc_number for r in data.records] == ["P-1"] and data.open_total == 1
    assert data.apart.locked[:2] == (3, 540_000)
    text = render_text(data)
    assert "1 record(s) of Oct 2025 need a decision, ₹1,800.00 net tax" in text
    assert "For information: 3 record(s) in periods marked filed: locked, no decision possible, ₹5,400.00" \
           in text


def test_the_header_names_the_period_whose_records_are_listed(session, make_doc):
    may = [make_doc(doc_number=f"MAY-{n}", return_period="052025") for n in range(3)]
    june = make_doc(doc_number="JUN-1", return_period="062025")
    reconciled(session, [*may, june], status="mismatch", tax_paise=180_000)
    data = collect(session, day=dt.date(2025, 6, 10))
    text = render_text(data)
    assert data.period == "052025" and text.splitlines()[0].endswith("period May 2025")
    assert sorted(r.doc_number for r in data.records) == ["MAY-0", "MAY-1", "MAY-2"]
    assert "3 record(s) of May 2025 need a decision" in text
    assert "Also to decide: 1 record(s) of Jun 2025, ₹1,800.00 net tax" in text


def test_gstr2b_only_records_are_information_and_a_twin_decision_counts(session, make_doc):
    only_2b = make_doc(doc_number="RCM-1", source="gstr2b")
    with_twin = make_doc(doc_number="TW-1", source="gstr2b")
    twin = make_doc(doc_number="TW-1")
    reconciled(session, [only_2b, with_twin], status="missing_in_books", tax_paise=180_000)
    page = needing_decision(session, recipients=[RECIPIENT])
    assert [i.doc_number for i in page.items] == ["TW-1"]
    data = collect(session, day=TODAY)
    assert data.apart.not_in_ims[0] == 1 and data.apart.not_in_ims[2][0].doc_number == "RCM-1"
    assert "For information: 1 record(s) only in GSTR-2B/2A, not in IMS" in render_text(data)
    decide(session, portal_document_id=twin.id, action="accept", actor=ASHA, today=TODAY)
    session.commit()
    assert needing_decision(session, recipients=[RECIPIENT]).total == 0  # decided on its IMS twin


def test_one_pass_counts_what_is_open_and_what_is_kept_apart(session, make_doc):
    """``open_records`` counts by period the records a button can decide and, apart, those it cannot:
    the same figures ``kept_apart`` and ``needing_decision`` give, which the digest then skips."""
    filed = [make_doc(doc_number=f"SEP-{n}", return_period="092025") for n in range(2)]
    only_2b = make_doc(doc_number="RCM-1", source="gstr2b")
    october = [make_doc(doc_number=f"OCT-{n}") for n in range(3)]
    reconciled(session, [*filed, only_2b, *october], status="mismatch", tax_paise=100_000)
    mark_period_filed(session, recipient_gstin=RECIPIENT, period="092025", actor=ASHA)
    session.commit()
    found = open_records(session, [RECIPIENT])
    assert found.periods == {"102025": (3, 300_000)}
    assert found.apart == {"locked": (2, 200_000), "not_in_ims": (1, 100_000)}
    apart = kept_apart(session, recipients=[RECIPIENT])
    assert (apart.locked[:2], apart.not_in_ims[:2]) == ((2, 200_000), (1, 100_000))
    page = needing_decision(session, recipients=[RECIPIENT], period="102025")
    assert (page.total, page.total_tax_paise) == found.periods["102025"]
    nothing = {"locked": (0, 0), "not_in_ims": (0, 0)}
    assert kept_apart(session, recipients=[RECIPIENT], totals=nothing) == KeptApart((0, 0, []), (0, 0, []))
