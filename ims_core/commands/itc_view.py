"""Printing an ITC position in a terminal: GSTR-3B Table 4, what is outside it, the documents behind
each figure (``--details``), and the figures as filed against the GSTR-2B preview."""

from __future__ import annotations

from rich.table import Table

from ims_core.commands.common import console
from ims_core.gst.money import format_inr
from ims_core.itc.claims import Comparison, compare
from ims_core.itc.figures import ItcFigure, ItcPosition
from ims_core.itc.heads import HEADS, Heads

ROW_LABELS = {
    "4A(1)": "4A(1) Import of goods",
    "4A(3)": "4A(3) Inward supplies liable to reverse charge",
    "4A(4)": "4A(4) Inward supplies from ISD",
    "4A(5)": "4A(5) All other ITC (net of credit notes)",
    "4B(1)": "4B(1) Reversed: Rules 38, 42, 43 and Section 17(5)",
    "4B(2)": "4B(2) Reversed: others (Rule 37, 37A, not in books)",
    "4C": "4C Net ITC available (4A - 4B)",
    "4D(1)": "4D(1) ITC reclaimed (reversed earlier in 4B(2))",
    "4D(2)": "4D(2) Ineligible: Section 16(4), place of supply",
}
OUTSIDE = (
    ("table3_1d", "3.1(d) Tax payable on reverse-charge supplies"),
    ("lost_16_4", "Lost: past the Section 16(4) limit"),
    ("expected_not_filed", "Expected: saved by suppliers, not filed"),
    ("pending", "Kept pending (carried forward)"),
    ("pending_credit_notes", "Credit notes kept pending (reduction deferred)"),
    ("rejected", "Rejected"),
    ("missing_in_portal", "In your books, not reported by the supplier"),
    ("at_risk", "At risk (counted in 4A, in question)"),
    ("unknown_originals", "Amendments counted at nothing (original not in the data)"),
)


def _row(table: Table, label: str, heads: Heads, count: str = "", style: str = "") -> None:
    table.add_row(label, count, *(format_inr(getattr(heads, h)) for h in HEADS), format_inr(heads.total),
                  style=style)


def _table(title: str) -> Table:
    table = Table(title=title)
    for column in ("", "docs", "IGST", "CGST", "SGST", "cess", "total"):
        table.add_column(column, justify="left" if column == "" else "right")
    return table


def has_data(pos: ItcPosition) -> bool:
    figures = [*pos.rows.values(), *(getattr(pos, name) for name, _ in OUTSIDE)]
    return any(figure.count for figure in figures)


def print_position(pos: ItcPosition, *, details: bool = False) -> None:
    if not has_data(pos):
        console.print(f"No ITC data for {pos.recipient_gstin} in {pos.period}: import that month's IMS "
                      "records or GSTR-2B (and your books), then run ims reconcile.")
        return
    table4 = _table(f"GSTR-3B Table 4 of {pos.recipient_gstin} for {pos.period} (GSTR-2B preview, "
                    f"as of {pos.today:%d-%m-%Y})")
    for row, heads in pos.table_4().items():
        figure = pos.rows.get(row)
        _row(table4, ROW_LABELS[row], heads, str(figure.count) if figure else "",
             style="bold" if row == "4C" else "")
    console.print(table4)
    outside = _table("Outside Table 4")
    for name, label in OUTSIDE:
        figure: ItcFigure = getattr(pos, name)
        if figure.count:
            _row(outside, label, figure.heads, str(figure.count))
    console.print(outside)
    if pos.recompute_needed:
        console.print(f"[bold yellow]GSTR-2B must be recomputed on the portal before GSTR-3B:[/] "
                      f"{len(pos.recompute)} decision(s) were taken after it was generated.")
    if pos.claimed is not None:
        print_comparison(compare(pos))
    if details:
        _details(pos)


def print_comparison(comparison: Comparison) -> None:
    table = _table("Claimed in GSTR-3B against the GSTR-2B preview (Table 4A)")
    _row(table, "Claimed (4A, as filed)", comparison.claimed)
    _row(table, "GSTR-2B preview (4A)", comparison.preview)
    _row(table, "Claimed more than GSTR-2B", comparison.excess, style="bold")
    console.print(table)
    if comparison.flagged:
        console.print(f"[bold red]Rule 88D:[/] {comparison.reason}")
    else:
        console.print(comparison.reason)


def _details(pos: ItcPosition) -> None:
    sections = [(ROW_LABELS[row], pos.rows[row]) for row in pos.rows]
    sections += [(label, getattr(pos, name)) for name, label in OUTSIDE]
    recompute = ItcFigure()
    for line in pos.recompute:
        recompute.add(line)
    sections.append(("Decided after GSTR-2B was generated", recompute))
    for label, figure in sections:
        if not figure.count:
            continue
        console.print(f"[bold]{label}[/]")
        for line in figure.documents:
            note = f" - {line.note}" if line.note else ""
            console.print(f"  {line.supplier_gstin} {line.doc_type} {line.doc_number} "
                          f"{line.doc_date:%d-%m-%Y} {format_inr(line.heads.total)} {line.action}{note}",
                          markup=False)
