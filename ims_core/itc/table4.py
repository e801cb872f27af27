"""What each portal record contributes to GSTR-3B Table 4 (and 3.1(d)) of one period.

Rows (GSTR-3B as notified by Notification 14/2022-Central Tax; how to fill them: Circular
170/02/2022-GST of 6 July 2022):

- 4A(1) import of goods: bills of entry;
- 4A(3) inward supplies liable to reverse charge (the same tax is declared payable in 3.1(d));
- 4A(4) inward supplies from an ISD;
- 4A(5) all other ITC, net of accepted credit notes, which may make it negative (credit notes are
  netted here from the January 2023 period, as GSTR-2B reports them since; before, they were
  reversals in 4B(2): DOMAIN.md section 3, GSTN advisory on the changed GSTR-3B auto-population);
- 4D(2) ineligible ITC under Section 16(4) and place-of-supply rules (GSTR-2B ``itcavl`` N, reason ``P``
  or ``C``, and credit our own calendar finds time-barred).

Amendments count by difference: the amended value less what the original contributed (GSTR-3B is
auto-populated from GSTR-2B's amendment tables by the differential: GSTN advisory on auto-population of
GSTR-3B, 16 December 2020). A record re-reported after a wrong rejection contributes its full value:
the original contributed nothing (GSTN advisory on IMS, 19 June 2025, on recovering wrongly rejected
records). An amendment whose original is not in the data contributes nothing and is listed, so that the
difference is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ims_core.gst.dates import period_key
from ims_core.itc.heads import Heads
from ims_core.itc.records import Record

if TYPE_CHECKING:  # (only named here: loading it would load the decision engine with every figure)
    from ims_core.itc.landing import Landing

ROWS = ("4A(1)", "4A(3)", "4A(4)", "4A(5)", "4B(1)", "4B(2)", "4C", "4D(1)", "4D(2)")
JAN_2023 = 202301  # credit notes netted in 4A(5) from this period (see the module docstring)
ISD_SECTIONS = frozenset({"isd", "isda"})


@dataclass(frozen=True, slots=True)
class Contribution:
    """One record's effect on one row: ``heads`` may be negative (a credit note in 4A(5))."""

    row: str
    heads: Heads
    note: str = ""
    unknown_original: bool = False  # an amendment counted at nothing: its original is not in the data


def row_for(record: Record, twin: Record | None) -> str:
    """The Table 4 row a landed, accepted record belongs to. ``twin``: its GSTR-2B record, which alone
    says whether the supply is under reverse charge or from an ISD."""
    shown = twin or record
    if shown.reverse_charge:
        return "4A(3)"
    if shown.section in ISD_SECTIONS:
        return "4A(4)"
    if record.doc_type == "BOE":
        return "4A(1)"
    return "4A(5)"


def own_effect(record: Record) -> Heads:
    """A record's whole effect where it lands: an invoice's or debit note's tax adds, an accepted credit
    note subtracts the reduction chosen (full: its tax; partial: the declared amounts; nil: nothing)."""
    if record.doc_type != "CRN":
        return record.heads.copy()
    if record.reduction == "nil":
        return Heads()
    partial = record.reduction == "partial" and record.declared is not None
    return (record.declared if partial else record.heads).negated()


def contribution(record: Record, twin: Record | None, landing: Landing, period: str,
                 original: Record | None, original_effect: Heads | None) -> Contribution:
    """What an accepted (or deemed accepted) record landed in ``period`` adds to Table 4.
    ``original_effect``: what an amendment's original contributed (nothing when it was rejected, kept
    pending or lost); None when the original is not in the data."""
    row = row_for(record, twin)
    heads, note = own_effect(record), ""
    if landing.lapsed_on is not None:
        note = f"deemed accepted: its pending option lapsed on {landing.lapsed_on:%d-%m-%Y}"
    unknown = record.amendment and (original is None or original_effect is None)
    if record.amendment:
        heads, note = _difference(record, heads, original, original_effect, note)
    if record.doc_type == "CRN" and period_key(period) < JAN_2023:
        return Contribution("4B(2)", heads.negated(), note or "credit note (before January 2023: a reversal)",
                            unknown)
    return Contribution(row, heads, note, unknown)


def _difference(record: Record, heads: Heads, original: Record | None, original_effect: Heads | None,
                note: str) -> tuple[Heads, str]:
    if original is None or original_effect is None:
        return Heads(), _join(note, f"amends {record.original_number}, which is not in the data: import "
                                    "the IMS or GSTR-2B that holds it to count the difference")
    credited = original_effect if original_effect is not None else Heads()
    if not credited:
        return heads, _join(note, f"amends {record.original_number}, which gave no credit (rejected or never "
                                  "claimed): counted in full")
    difference = heads.minus(credited)
    if record.doc_type in ("INV", "DBN") and difference.total < 0 and record.reduction in ("partial", "nil"):
        reduced = record.declared if record.reduction == "partial" and record.declared else Heads()
        chosen = f"{record.reduction} ITC reduction chosen on a downward amendment"
        return reduced.negated(), _join(note, chosen)
    return difference, _join(note, f"amends {record.original_number}: the difference is counted")


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
