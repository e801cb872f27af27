"""``ims explain``: the story of one document, told from the engine's own numbers.

The engine blocks by recipient, doc type and supplier PAN, so re-running it on the supplier's PAN
alone reproduces exactly what a full run decided for these documents, and also yields every scored
candidate. The story lists the document(s) with that number, the result, the candidates with their
scores and the rule that decided each, why the chosen one won and why the nearest other was not taken.
The newest stored result is shown too, so a difference (new imports since) is visible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ims_core.errors import UserFacingError
from ims_core.gst import gstin as gstin_rules
from ims_core.gst.money import format_inr
from ims_core.matching.engine import Reconciliation, reconcile_detailed
from ims_core.matching.frames import read_books, read_portal
from ims_core.matching.normalise import normalise_number
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult

SHOWN_CANDIDATES = 5
KIND_WORDS = {"same_number": "same number", "gstin_slip": "same number, other GSTIN of the PAN",
              "typo": "number one slip away, amounts within tolerance, dates close",
              "typo_short": "short number one slip away, everything else identical"}


def explain(engine: Engine | Connection, gstin: str, number: str,
            tolerances: Tolerances | None = None) -> str:
    """A plain-text account of how document ``number`` of supplier ``gstin`` was reconciled."""
    gstin = gstin_rules.normalise(gstin)
    if len(gstin) != 15:
        raise UserFacingError(f"'{gstin}' is not a GSTIN (15 characters expected)")
    pan = gstin_rules.pan_of(gstin)
    books, portal = read_books(engine, supplier_pans=[pan]), read_portal(engine, supplier_pans=[pan])
    rec = reconcile_detailed(books, portal, tolerances or Tolerances.from_settings())
    years = set(rec.books["fy"].tolist()) | set(rec.portal["fy"].tolist())
    wanted = {normalise_number(number, int(fy)) for fy in years} | {normalise_number(number)}
    plain = "".join(ch for ch in number.upper() if ch.isalnum())
    hits_b = np.flatnonzero((rec.books["supplier_gstin"] == gstin).to_numpy()
                            & (rec.books["norm"].isin(wanted) | (rec.books["plain"] == plain)).to_numpy())
    hits_p = np.flatnonzero((rec.portal["supplier_gstin"] == gstin).to_numpy()
                            & (rec.portal["norm"].isin(wanted) | (rec.portal["plain"] == plain)).to_numpy())
    if len(hits_b) == 0 and len(hits_p) == 0:
        raise UserFacingError(f"no document '{number}' from {gstin} in the books or the portal")
    stored = _stored(engine, rec, hits_b, hits_p)
    parts = [_story(rec, "b", i, stored) for i in hits_b]
    parts += [_story(rec, "p", i, stored) for i in hits_p if rec.portal_partner[i] not in hits_b]
    return "\n\n".join(parts)


def _describe(frame: pd.DataFrame, i: int, side: str) -> str:
    row = frame.iloc[i]
    where = "books" if side == "b" else f"portal ({row['source']}, return period {row['return_period']})"
    return (f"{where}: {row['doc_type']} '{row['doc_number']}' of {row['supplier_gstin']} to "
            f"{row['recipient_gstin']}, dated {pd.Timestamp(row['doc_date']).date().isoformat()}, taxable "
            f"{format_inr(row['taxable_paise'])}, tax {format_inr(row['tax'])} (#{row['id']})")


def _story(rec: Reconciliation, side: str, i: int, stored: dict) -> str:
    me, other = (rec.books, rec.portal) if side == "b" else (rec.portal, rec.books)
    other_side = "p" if side == "b" else "b"
    partner = (rec.book_partner if side == "b" else rec.portal_partner)[i]
    ident = int(me["id"].iat[i])
    column = "purchase_document_id" if side == "b" else "portal_document_id"
    result = rec.results[rec.results[column] == ident].iloc[0]
    lines = [_describe(me, i, side)]
    if partner >= 0:
        lines.append("  paired with " + _describe(other, partner, other_side))
    action = result["recommended_action"]
    lines.append(f"Result: {result['status']} (score {result['score']:.2f})"
                 + (f", recommended IMS action {action}" if action else ""))
    if result["reasons"]:
        lines += [f"  - {reason}" for reason in str(result["reasons"]).split("; ")]
    if (side, ident) in stored:
        run_id, status = stored[(side, ident)]
        same = "the same" if status == result["status"] else f"'{status}'; documents changed since"
        lines.append(f"Stored result of run #{run_id}: {same}")

    mine = rec.pairs[rec.pairs[side].to_numpy() == i].sort_values("score", ascending=False, kind="stable")
    mine = mine.drop_duplicates(other_side)
    if mine.empty:
        lines.append("Candidates: none (no document of the same recipient, doc type and supplier PAN "
                     "came close on number, amounts or date)")
        return "\n".join(lines)
    lines.append(f"Candidates ({len(mine)} scored, best {min(len(mine), SHOWN_CANDIDATES)} shown):")
    taken_by = rec.portal_partner if side == "b" else rec.book_partner
    for row in mine.head(SHOWN_CANDIDATES).itertuples():
        j = getattr(row, other_side)
        if j == partner:
            verdict = f"CHOSEN: {KIND_WORDS.get(row.kind, row.kind)}"
        elif taken_by[j] >= 0:
            verdict = f"taken by '{me['doc_number'].iat[taken_by[j]]}' (#{me['id'].iat[taken_by[j]]})"
        elif row.kind:
            verdict = "acceptable but scored lower"
        else:
            verdict = "not acceptable: " + _refusal(row)
        lines.append(f"  {other['doc_number'].iat[j]!r} (#{other['id'].iat[j]}) score {row.score:.2f}: "
                     f"{_features(row)}; {verdict}")
    if partner >= 0:
        lines.append("Why this one: the highest-scoring acceptable candidate (number 50%, amounts 30%, "
                     "date 20%), taken before any other pair claimed either document.")
        runner = mine[mine[other_side].to_numpy() != partner]
        if not runner.empty:
            row = next(runner.itertuples())
            j = getattr(row, other_side)
            why = (f"it is paired with '{me['doc_number'].iat[taken_by[j]]}'" if taken_by[j] >= 0
                   else ("it scored lower" if row.kind else _refusal(row)))
            lines.append(f"Nearest other: '{other['doc_number'].iat[j]}' (score {row.score:.2f}): {why}")
    elif result["nearest_note"]:
        lines.append(f"Nearest: {result['nearest_note']}")
    return "\n".join(lines)


def _features(row) -> str:  # a pairs itertuples row
    number = "number equal in format" if row.norm_eq else f"number {row.dist} edit(s) apart"
    money = sum(abs(getattr(row, f"d_{name}")) for name in ("taxable_value", "igst", "cgst", "sgst", "cess"))
    amounts = "amounts within tolerance" if row.amounts_ok else f"amounts off by {format_inr(money)} in total"
    date = "same date" if row.dd == 0 else f"dates {abs(row.dd)} day(s) apart"
    gstin = "" if row.same_gstin else "; other GSTIN of the PAN"
    return f"{number}, {amounts}, {date}{gstin}"


def _refusal(row) -> str:
    if not row.norm_eq and row.dist > 1:
        return "numbers differ beyond a one-character slip"
    if not row.amounts_ok:
        return "number differs and amounts differ beyond tolerance"
    return "number differs and the dates are too far apart"


def _stored(engine: Engine | Connection, rec: Reconciliation, hits_b: np.ndarray,
            hits_p: np.ndarray) -> dict:
    """The newest stored status per document: ``{("b"|"p", id): (run_id, status)}``."""
    table = MatchResult.__table__
    book_ids = [int(x) for x in rec.books["id"].to_numpy()[hits_b]]
    portal_ids = [int(x) for x in rec.portal["id"].to_numpy()[hits_p]]
    query = select(table.c.run_id, table.c.purchase_document_id, table.c.portal_document_id, table.c.status) \
        .where(table.c.purchase_document_id.in_(book_ids) | table.c.portal_document_id.in_(portal_ids)) \
        .order_by(table.c.run_id)
    out: dict = {}
    if isinstance(engine, Connection):
        rows = engine.execute(query).fetchall()
    else:
        with engine.connect() as conn:
            rows = conn.execute(query).fetchall()
    for run_id, book_id, portal_id, status in rows:
        if book_id in book_ids:
            out[("b", book_id)] = (run_id, status)
        if portal_id in portal_ids:
            out[("p", portal_id)] = (run_id, status)
    return out
