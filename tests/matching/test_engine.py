"""The engine's rules, one small case each, on frames (no database)."""

from __future__ import annotations

import pandas as pd
from support.matching import R2, S1, S1_SISTER, book, frame, portal

from ims_core.matching.engine import RESULT_COLUMNS, reconcile_frames
from ims_core.matching.scoring import Tolerances


def run(books: list[dict], portals: list[dict], **tolerances: int) -> pd.DataFrame:
    return reconcile_frames(frame(books), frame(portals), Tolerances(**tolerances) if tolerances else None)


def by_book(results: pd.DataFrame, book_id: int) -> pd.Series:
    return results[results["purchase_document_id"] == book_id].iloc[0]


def by_portal(results: pd.DataFrame, portal_id: int) -> pd.Series:
    return results[results["portal_document_id"] == portal_id].iloc[0]


def test_exact_copy_is_matched_and_accepted():
    r = run([book(1, "INV-7")], [portal(101, "INV-7")])
    assert list(r.columns) == RESULT_COLUMNS
    row = by_book(r, 1)
    assert (row["status"], row["portal_document_id"], row["reasons"], row["recommended_action"]) == (
        "matched",
        101,
        "",
        "A",
    )
    assert row["score"] == 1.0 and row["tax_paise"] == 180_000 and row["return_period"] == "052025"


def test_format_only_difference_is_matched_with_a_reason():
    row = by_book(run([book(1, "inv/0007/25-26")], [portal(101, "INV-7")]), 1)
    assert row["status"] == "matched" and row["portal_document_id"] == 101
    assert "doc_number format only" in row["reasons"] and "'inv/0007/25-26'" in row["reasons"]


def test_rounding_within_a_rupee_is_matched_and_shown():
    row = by_book(run([book(1, "7")], [portal(101, "7", taxable=1_000_099, cgst=89_901)]), 1)
    assert row["status"] == "matched"
    assert "taxable_value: books ₹10,000.00 vs portal ₹10,000.99 (+₹0.99, within tolerance)" in row["reasons"]
    assert "cgst: books ₹900.00 vs portal ₹899.01 (-₹0.99, within tolerance)" in row["reasons"]


def test_amount_beyond_tolerance_is_a_mismatch_naming_the_field():
    row = by_book(run([book(1, "7")], [portal(101, "7", taxable=1_050_000)]), 1)
    assert row["status"] == "mismatch" and row["recommended_action"] == "P"
    assert row["reasons"] == "taxable_value: books ₹10,000.00 vs portal ₹10,500.00 (+₹500.00)"


def test_tolerances_are_overridable():
    books, portals = [book(1, "7")], [portal(101, "7", taxable=1_050_000, date="2025-05-12")]
    row = by_book(run(books, portals, amount_paise=100_000, date_days=3), 1)
    assert row["status"] == "matched"
    assert "within tolerance" in row["reasons"]


def test_date_difference_is_a_mismatch_in_days():
    row = by_book(run([book(1, "7", date="2025-05-10")], [portal(101, "7", date="2025-05-13")]), 1)
    assert row["status"] == "mismatch"
    assert row["reasons"] == "doc_date: books 2025-05-10 vs portal 2025-05-13 (+3 days)"


def test_place_of_supply_difference_is_a_mismatch():
    row = by_book(run([book(1, "7")], [portal(101, "7", place_of_supply="29")]), 1)
    assert row["status"] == "mismatch" and row["reasons"] == "place_of_supply: books 27 vs portal 29"


def test_typo_is_probable_and_pending():
    row = by_book(run([book(1, "INV-1043")], [portal(101, "INV-1048")]), 1)
    assert (row["status"], row["portal_document_id"], row["recommended_action"]) == ("probable", 101, "P")
    assert "doc_number: books 'INV-1043' vs portal 'INV-1048' (differs beyond format" in row["reasons"]


def test_gstin_slip_within_pan_is_a_mismatch():
    row = by_book(run([book(1, "INV-9", supplier=S1_SISTER)], [portal(101, "INV-9", supplier=S1)]), 1)
    assert row["status"] == "mismatch" and row["portal_document_id"] == 101
    assert row["reasons"].startswith(f"supplier_gstin: books {S1_SISTER} vs portal {S1} (same PAN)")


def test_never_pairs_across_doc_types():
    r = run([book(1, "55", doc_type="INV")], [portal(101, "55", doc_type="CRN")])
    assert by_book(r, 1)["status"] == "missing_in_portal"
    assert by_portal(r, 101)["status"] == "missing_in_books"


def test_never_pairs_across_recipients():
    r = run([book(1, "55")], [portal(101, "55", recipient=R2)])
    assert by_book(r, 1)["status"] == "missing_in_portal"
    assert by_portal(r, 101)["status"] == "missing_in_books"


def test_short_number_trap_prefers_the_exact_number():
    books = [book(1, "12", taxable=500_000), book(2, "112", taxable=700_000)]
    portals = [portal(101, "112", taxable=700_000), portal(102, "12", taxable=500_000)]
    r = run(books, portals)
    assert by_book(r, 1)["portal_document_id"] == 102 and by_book(r, 2)["portal_document_id"] == 101
    assert set(r["status"]) == {"matched"}


def test_short_number_with_other_amounts_is_not_paired():
    r = run([book(1, "12", taxable=500_000)], [portal(101, "112", taxable=700_000)])
    assert by_book(r, 1)["status"] == "missing_in_portal"
    assert by_book(r, 1)["nearest_document_id"] == 101
    assert "not paired" in by_book(r, 1)["nearest_note"]


def test_monthly_rent_is_not_paired_with_another_month():
    rent = dict(taxable=15_000_000, cgst=1_350_000, sgst=1_350_000)
    books = [book(1, "RENT/04", date="2025-04-01", **rent), book(2, "RENT/05", date="2025-05-01", **rent)]
    portals = [
        portal(101, "RENT/05", date="2025-05-01", **rent),
        portal(102, "RENT/06", date="2025-06-01", **rent),
    ]
    r = run(books, portals)
    assert by_book(r, 2)["portal_document_id"] == 101
    april = by_book(r, 1)
    assert april["status"] == "missing_in_portal"
    assert "dates are" in april["nearest_note"] or "already paired" in april["nearest_note"]
    assert by_portal(r, 102)["status"] == "missing_in_books"


def test_best_assignment_beats_first_fit():
    # book 1 could take either portal record; first fit would take 101 and leave book 2 unpaired
    books = [book(1, "INV-1043"), book(2, "INV-1047", date="2025-05-11")]
    portals = [portal(101, "INV-1047", date="2025-05-11"), portal(102, "INV-1045")]
    r = run(books, portals)
    assert by_book(r, 2)["portal_document_id"] == 101 and by_book(r, 2)["status"] == "matched"
    assert by_book(r, 1)["portal_document_id"] == 102 and by_book(r, 1)["status"] == "probable"


def test_duplicate_in_books_points_at_the_first_copy():
    r = run([book(1, "77"), book(2, "77")], [portal(101, "77")])
    assert by_book(r, 1)["status"] == "matched"
    dup = by_book(r, 2)
    assert dup["status"] == "duplicate" and dup["nearest_document_id"] == 101
    assert "repeats book #1" in dup["reasons"] and dup["recommended_action"] == ""


def test_unpaired_documents_name_their_nearest_and_why():
    books = [book(1, "A-5001", taxable=2_000_000)]
    portals = [portal(101, "A-9377", taxable=2_000_000, date="2025-05-10")]
    r = run(books, portals)
    row = by_book(r, 1)
    assert row["status"] == "missing_in_portal" and row["nearest_document_id"] == 101
    assert "portal 'A-9377'" in row["nearest_note"] and "differs by" in row["nearest_note"]
    assert "doc_number: no INV 'A-5001'" in row["reasons"]
    other = by_portal(r, 101)
    assert other["status"] == "missing_in_books" and other["nearest_document_id"] == 1
    assert other["recommended_action"] == "P"


def test_one_record_per_portal_document_prefers_ims():
    books = [book(1, "9")]
    portals = [
        portal(101, "9", source="gstr2b"),
        portal(102, "9", source="ims"),
        portal(103, "9", source="gstr2a"),
    ]
    r = run(books, portals)
    assert len(r) == 1 and by_book(r, 1)["portal_document_id"] == 102


def test_amendment_supersedes_its_original():
    books = [book(1, "9-A", taxable=1_100_000)]
    portals = [
        portal(101, "9", taxable=1_000_000),
        portal(
            102,
            "9-A",
            section="b2ba",
            taxable=1_100_000,
            original_doc_number="9",
            original_doc_date=pd.Timestamp("2025-05-10"),
        ),
    ]
    r = run(books, portals)
    assert len(r) == 1 and by_book(r, 1)["portal_document_id"] == 102 and by_book(r, 1)["status"] == "matched"


def test_recommendations_respect_itc_and_pending_block():
    books = [book(1, "1"), book(2, "2")]
    portals = [
        portal(101, "1", itc_available="N"),
        portal(102, "2", taxable=2_000_000, pending_action_blocked=True),
        portal(103, "3", rejected_in_ims=True),
    ]
    r = run(books, portals)
    assert by_book(r, 1)["status"] == "matched" and by_book(r, 1)["recommended_action"] == ""
    assert "portal: ITC not available" in by_book(r, 1)["reasons"]
    assert by_book(r, 2)["status"] == "mismatch" and by_book(r, 2)["recommended_action"] == ""
    rejected = by_portal(r, 103)
    assert rejected["status"] == "missing_in_books" and "portal: rejected in IMS" in rejected["reasons"]


def test_large_supplier_block_without_a_full_matrix():
    # 3000 invoices of one supplier, every tenth keyed with a typo: the big-block path must find them
    books, portals = [], []
    for n in range(3000):
        number = f"{1000 + n * 3}"
        typo = f"{number[:-1]}{(int(number[-1]) + 1) % 10}" if n % 10 == 0 else number
        books.append(book(n + 1, typo, taxable=100_000 + n * 7))
        portals.append(portal(10_000 + n, number, taxable=100_000 + n * 7))
    r = run(books, portals)
    typos = r[r["purchase_document_id"] % 10 == 1]
    assert (typos["status"] == "probable").all() and len(typos) == 300
    assert ((typos["portal_document_id"] - 10_000) == typos["purchase_document_id"] - 1).all()
    assert (r["status"].value_counts().to_dict()) == {"matched": 2700, "probable": 300}


def test_empty_sides():
    no_portal = frame([portal(101, "1")]).iloc[0:0]
    assert reconcile_frames(frame([book(1, "1")]), no_portal)["status"].tolist() == ["missing_in_portal"]
    r = reconcile_frames(frame([book(1, "1")]).iloc[0:0], frame([portal(101, "1")]))
    assert r["status"].tolist() == ["missing_in_books"]
