"""The ITC position's bulk path: most records of a month need no walk through the GSTR-2B calendar, and
are placed and counted column by column.

A record is *plain* when nothing about it changed since it reached the portal: an IMS record nobody
decided on here, not kept pending on the portal, not an amendment (nor amended); or a GSTR-2B record with
no IMS twin. Its action then never changed, so :func:`ims_core.itc.landing.land` reduces to a closed form
that this module applies to whole columns: it lands in its GSTR-2B twin's period, else in its own period
moved past every imported GSTR-2B that came without it; and it counts there as its section, flags and
type say (:mod:`ims_core.itc.table4`). Every other record goes through the per-record path. A test holds
the two paths to the same figures on mixed months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ims_core.gst.codes import UNAVAILABLE_REASONS
from ims_core.gst.dates import next_period, period_key
from ims_core.gst.due_dates import section_16_4_limit, tax_period_end
from ims_core.itc import books
from ims_core.itc import records as rec
from ims_core.itc.records import AMENDMENT_SECTIONS, ITC_REVERSAL, NOT_FILED, RegistrationRecords
from ims_core.itc.registrations import Filing
from ims_core.itc.table4 import ISD_SECTIONS, JAN_2023

HEADS = ["igst", "cgst", "sgst", "cess"]
SHORT = {"supplier_gstin": "supplier", "doc_number": "number", "return_period": "period",
         "igst_paise": "igst", "cgst_paise": "cgst", "sgst_paise": "sgst", "cess_paise": "cess",
         "original_doc_number": "original_number", "ims_action": "portal_action",
         "supplier_filing_status": "filing_status",
         "itc_unavailable_reason": "reason", "rejected_in_ims": "rejected", "reverse_charge": "reverse",
         "action": "decision"}


@dataclass
class Split:
    """A month's records: the plain ones as columns, the rows of the others for the per-record path."""

    plain: pd.DataFrame  # one row per plain item, with its GSTR-2B twin's period and flags
    complex_rows: list[tuple]  # driver tuples in ``records.COLUMN_NAMES`` order


def split_rows(rows: list[tuple], bulk: bool = True) -> Split:
    """Split the rows :func:`ims_core.itc.records.read_rows` gives into plain and not (with
    ``bulk=False``: all of them not)."""
    if not bulk:
        return Split(pd.DataFrame(), rows)
    names = [SHORT.get(n, n) for n in rec.COLUMN_NAMES]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    frame = pd.DataFrame({name: np.asarray(values, dtype=object) for name, values in zip(names, columns,
                                                                                            strict=True)})
    for name in ("igst", "cgst", "sgst", "cess", "fy", "id"):
        frame[name] = frame[name].astype("int64")
    frame["row"] = np.arange(len(frame))
    plain, complex_at = split(frame)
    return Split(plain, [rows[i] for i in complex_at])


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """(plain items, positions of the other rows): see the module docstring."""
    reversals = frame["section"].str.startswith(ITC_REVERSAL)
    complex_at = frame.loc[reversals, "row"].tolist()  # Rule 37A reversals: few, per record
    frame = frame[~reversals].copy()
    frame["original_number"] = frame["original_number"].fillna("")
    frame["amendment"] = frame["section"].isin(AMENDMENT_SECTIONS) | (frame["original_number"] != "")
    frame["item"] = frame.groupby(["amendment", "supplier", "doc_type", "number", "fy"], sort=False).ngroup()
    ims = frame["source"] == "ims"
    frame["decision"] = frame["decision"].fillna("")
    amended = _amended_items(frame)
    has_ims = frame.loc[ims, "item"].unique()
    busy = ims & ((frame["decision"] != "") | (frame["portal_action"] == "P"))
    busy |= frame["amendment"] | frame["item"].isin(amended)
    complex_items = set(frame.loc[busy, "item"])
    in_complex = frame["item"].isin(complex_items)
    complex_at += frame.loc[in_complex, "row"].tolist()
    plain = frame[~in_complex]
    twins = plain[plain["source"] == "gstr2b"].copy()
    twins["key"] = _keys(twins["period"])
    twins = twins.sort_values(["key", "rejected"]).drop_duplicates("item")  # its first GSTR-2B
    shown = ["id", "period", "section", "itc_available", "reason", "reverse"]
    own = plain[plain["source"] == "ims"].merge(
        twins[["item", *shown]].rename(columns=lambda c: c if c == "item" else f"twin_{c}"), on="item",
        how="left")
    alone = twins[~twins["item"].isin(has_ims)].copy()
    for column in shown:
        alone[f"twin_{column}"] = alone[column]
    return pd.concat([own, alone.drop(columns="key")], ignore_index=True), sorted(complex_at)


def _amended_items(frame: pd.DataFrame) -> list[int]:
    """Items that some amendment of the frame amends: their credit is what the amendment is measured by."""
    amendments = frame[frame["amendment"] & (frame["original_number"] != "")]
    if amendments.empty:
        return []
    originals = frame[~frame["amendment"]][["supplier", "number", "item"]]
    wanted = amendments[["supplier", "original_number"]].rename(columns={"original_number": "number"})
    return originals.merge(wanted, on=["supplier", "number"])["item"].tolist()


def _keys(periods: pd.Series) -> pd.Series:
    """Each period's :func:`period_key` (0 for none), worked out once per distinct period."""
    keys = {p: period_key(p) if isinstance(p, str) else 0 for p in periods.unique()}
    return periods.map(keys).astype("int64")


@dataclass(frozen=True)
class Calendar:
    """What placing a plain record needs of the registration: imported GSTR-2Bs, filed returns, today."""

    found: RegistrationRecords
    filing: Filing
    today: dt.date

    def natural(self, period: str) -> str:
        while period in self.found.imported_2b:
            period = next_period(period)
        return period

    def lost(self, period: str, fy: int) -> bool:
        """Section 16(4): see :func:`ims_core.itc.landing.lost_to_16_4` (the same rule, by period)."""
        from ims_core import clock

        limit = section_16_4_limit(int(fy))
        filed_at = self.found.filed_at(period)
        if filed_at is not None:
            return clock.local_time(filed_at).date() > limit
        return tax_period_end(period, self.filing.frequency) >= limit or self.today > limit


def place(plain: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Each plain record's landing: ``landing`` (period), ``action``, and ``expected`` (saved, not filed)."""
    out = plain.copy()
    ims = out["source"] == "ims"
    natural = {p: calendar.natural(p) for p in out["period"].unique()}
    out["natural"] = out["period"].map(natural)
    twin = out["twin_period"].notna() & (out["twin_period"] != "")
    out["landing"] = np.where(ims & twin, out["twin_period"], np.where(ims, out["natural"], out["period"]))
    out["action"] = np.where(ims, out["portal_action"].replace("", "N").fillna("N"),
                             np.where(out["rejected"].astype(bool), "R", "A"))
    out["expected"] = ims & ~twin & out["filing_status"].fillna("").str.strip().str.lower().isin(NOT_FILED)
    return out


def classify(placed: pd.DataFrame, period: str, calendar: Calendar) -> dict[str, pd.DataFrame]:
    """The plain records of ``period`` by where they count: a frame per figure, with signed heads."""
    here = placed[(placed["landing"] == period) & ~placed["expected"]]
    out: dict[str, pd.DataFrame] = {}
    expected = placed[placed["expected"] & (_keys(placed["natural"]) <= period_key(period))]
    out["expected_not_filed"] = _signed(expected)
    out["rejected"] = here[here["action"] == "R"]
    taken = here[here["action"] != "R"].copy()
    invoices = taken["doc_type"].isin(["INV", "DBN"])
    pairs = taken[["landing", "fy"]].drop_duplicates().itertuples(index=False)
    lost_by = {(p, fy): calendar.lost(p, fy) for p, fy in pairs}
    lost_at = [lost_by[(p, fy)] for p, fy in taken[["landing", "fy"]].itertuples(index=False)]
    lost = invoices & pd.Series(lost_at, index=taken.index, dtype=bool)
    out["lost_16_4"] = taken[lost]
    unavailable = ~lost & (taken["twin_itc_available"].fillna("") == "N")
    out["4D(2)"] = pd.concat([taken[lost], _signed(taken[unavailable])])  # credit notes net, as in 4A(5)
    counted = _signed(taken[~lost & ~unavailable])
    reverse = counted["twin_reverse"].isin([True, 1])
    isd = counted["twin_section"].isin(ISD_SECTIONS)
    imports = counted["doc_type"] == "BOE"
    old_note = (counted["doc_type"] == "CRN") & (period_key(period) < JAN_2023)
    out["4A(3)"] = counted[reverse]
    out["4A(4)"] = counted[~reverse & isd]
    out["4A(1)"] = counted[~reverse & ~isd & imports]
    out["4A(5)"] = counted[~reverse & ~isd & ~imports & ~old_note]
    out["4B(2) old credit notes"] = _negated(counted[~reverse & ~isd & ~imports & old_note])
    return out


def _signed(frame: pd.DataFrame) -> pd.DataFrame:
    """Heads as the record counts them: a credit note's (full reduction) subtracts."""
    out = frame.copy()
    notes = out["doc_type"] == "CRN"
    for head in HEADS:
        out[head] = np.where(notes, -out[head].astype("int64"), out[head].astype("int64"))
    return out


def _negated(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for head in HEADS:
        out[head] = -out[head].astype("int64")
    return out


def count(pos, plain: pd.DataFrame, calendar: Calendar, paired: books.Pairs) -> set[int]:
    """Add the plain records to the position (an ``ItcPosition``); return the book ids whose credit
    they took by the period (what Rule 37 may reverse)."""
    if plain.empty:
        return set()
    placed = place(plain, calendar)
    parts = classify(placed, pos.period, calendar)
    pos.expected_not_filed.add_frame(parts["expected_not_filed"],
                                     "saved by the supplier, not filed: not in any GSTR-2B yet")
    pos.rejected.add_frame(parts["rejected"])
    lost = _noted(parts["lost_16_4"], lambda row: "Section 16(4): the credit could be taken only until "
                                                  f"{section_16_4_limit(int(row.fy)):%d-%m-%Y}")
    pos.lost_16_4.add_frame(lost)
    unavailable = parts["4D(2)"][~parts["4D(2)"]["id"].isin(lost["id"])]
    pos.rows["4D(2)"].add_frame(lost)
    pos.rows["4D(2)"].add_frame(_noted(unavailable, lambda row: "GSTR-2B: ITC not available ("
                                       + UNAVAILABLE_REASONS.get(row.twin_reason, row.twin_reason or
                                                                 "no reason given") + ")"))
    for row in ("4A(1)", "4A(3)", "4A(4)", "4A(5)"):
        pos.rows[row].add_frame(parts[row])
    pos.table3_1d.add_frame(parts["4A(3)"], "tax payable on reverse charge")
    pos.rows["4B(2)"].add_frame(parts["4B(2) old credit notes"],
                                "credit note (before January 2023: a reversal)")
    counted = pd.concat([parts[row] for row in ("4A(1)", "4A(3)", "4A(4)", "4A(5)")])
    _books(pos, _with_pairs(counted, paired))
    return _credited_books(placed, pos.period, paired)


def _noted(frame: pd.DataFrame, note) -> pd.DataFrame:  # a function of a row
    out = frame.copy()
    out["note"] = [note(row) for row in frame.itertuples(index=False)]
    return out


def _with_pairs(frame: pd.DataFrame, paired: books.Pairs) -> pd.DataFrame:
    """The records with their book entry and verdict: their own pair, else their GSTR-2B twin's."""
    pairs = paired.frame
    own = frame["id"].map(pairs["status"])
    twin = frame["twin_id"].map(pairs["status"])
    use_twin = own.isna() & twin.notna()
    out = frame.copy()
    source = np.where(use_twin, frame["twin_id"], frame["id"])
    out["pair_status"] = pd.Series(source, index=frame.index).map(pairs["status"])
    reasons = pd.Series(source, index=frame.index).map(pairs["reasons"])
    out["pair_reasons"] = reasons.astype(object).where(reasons.notna(), "")
    out["pair_eligible"] = pd.Series(source, index=frame.index).map(pairs["itc_eligible"])
    return out


def _books(pos, frame: pd.DataFrame) -> None:  # an ItcPosition
    """4B(1), 4B(2) and the at-risk figure of what the books say of counted records."""
    credit = frame[(frame[HEADS].sum(axis=1) > 0) & frame["pair_status"].notna()]
    blocked = credit["pair_eligible"].map(lambda value: value is False or value == 0)
    pos.rows["4B(1)"].add_frame(credit[blocked],
                                "blocked credit: your books mark it not eligible (Section 17(5))")
    pos.rows["4B(2)"].add_frame(credit[~blocked & (credit["pair_status"] == "missing_in_books")],
                                "in GSTR-2B but not in your books: reverse it (Section 16(2)(b))")
    risky = credit[credit["pair_status"].isin(books.RISKY)].copy()
    shown = (risky["pair_reasons"] != "") & (risky["pair_status"] != "missing_in_books")
    reasons = np.where(shown, " (" + risky["pair_reasons"] + ")", "")
    risky["note"] = risky["pair_status"].map(books.RISKY) + reasons
    pos.at_risk.add_frame(risky)


def _credited_books(placed: pd.DataFrame, period: str, paired: books.Pairs) -> set[int]:
    taken = placed[(placed["action"] != "R") & ~placed["expected"]
                   & (_keys(placed["landing"]) <= period_key(period))]
    if taken.empty:
        return set()
    ids = pd.Series(np.where(taken["id"].isin(paired.frame.index), taken["id"], taken["twin_id"]),
                    index=taken.index).map(paired.frame["book_id"]).dropna()
    return {int(book) for book in ids}
