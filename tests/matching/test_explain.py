"""``explain``: the story of one document from the engine's own numbers."""

from __future__ import annotations

from support.matching import S1, S1_SISTER, book, insert_documents, portal

from ims_core.matching.explain import explain
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances


def test_paired_document_story(engine):
    insert_documents(
        engine, [book(1, "INV-1043"), book(2, "INV-1047")], [portal(101, "INV-1045"), portal(102, "INV-1047")]
    )
    run_reconciliation(engine, tolerances=Tolerances())
    story = explain(engine, S1, "inv 1043", Tolerances())
    assert story.startswith("books: INV 'INV-1043'")
    assert "paired with portal (ims, return period 052025): INV 'INV-1045'" in story
    assert "Result: probable (score" in story and "recommended IMS action P" in story
    assert "'INV-1045' (#101) score" in story and "CHOSEN" in story
    assert "'INV-1047' (#102)" in story and "taken by 'INV-1047' (#2)" in story
    assert "Nearest other: 'INV-1047'" in story


def test_unpaired_document_story_names_the_nearest(engine):
    insert_documents(
        engine, [book(1, "RENT/04", date="2025-04-01")], [portal(101, "RENT/05", date="2025-05-01")]
    )
    story = explain(engine, S1, "RENT/04", Tolerances())
    assert "Result: missing_in_portal" in story
    assert "not acceptable: number differs and the dates are too far apart" in story
    assert "Nearest: portal 'RENT/05'" in story and "dates are 30 days apart" in story


def test_gstin_slip_and_portal_side(engine):
    insert_documents(engine, [book(1, "SL-9", supplier=S1_SISTER)], [portal(101, "SL-9", supplier=S1)])
    story = explain(engine, S1, "SL-9", Tolerances())
    assert story.startswith("portal (ims, return period 052025)") or "paired with portal" in story
    assert "Result: mismatch" in story and "supplier_gstin: books" in story
    assert "other GSTIN of the PAN" in story


def test_explain_on_a_connection(engine):
    insert_documents(engine, [book(1, "INV-7")], [portal(101, "inv/0007")])
    with engine.connect() as conn:
        story = explain(conn, S1, "INV-7", Tolerances())
    assert "Result: matched" in story and "doc_number format only" in story
