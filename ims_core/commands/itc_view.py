"""Printing an ITC position in a terminal: the summary, GSTR-3B Table 4, and (optionally) the documents."""

from __future__ import annotations

from rich.table import Table

from ims_core.commands.common import console
from ims_core.gst.money import format_inr
from ims_core.itc import Heads, ItcFigure, ItcPosition

FIGURES = (
    ("available", "ITC available (invoices, debit notes)"),
    ("imports", "ITC on imports (bills of entry)"),
    ("credit_notes", "ITC reduced by accepted credit notes"),
    ("rejected", "Rejected"),
    ("pending", "Left pending (blocked)"),
    ("pending_credit_notes", "Credit notes kept pending (reduction deferred)"),
    ("missing_in_portal", "Missing in portal (blocked)"),
    ("not_available", "In GSTR-2B but not available (4D)"),
    ("at_risk", "At risk (counted as available)"),
)


def _row(table: Table, label: str, heads: Heads, count: str = "", style: str = "") -> None:
    table.add_row(
        label,
        count,
        *(format_inr(getattr(heads, h)) for h in ("igst", "cgst", "sgst", "cess")),
        format_inr(heads.total),
        style=style,
    )


def _table(title: str) -> Table:
    table = Table(title=title)
    for column in ("", "docs", "IGST", "CGST", "SGST", "cess", "total"):
        table.add_column(column, justify="left" if column == "" else "right")
    return table


def print_position(pos: ItcPosition, *, details: bool = False) -> None:
    summary = _table(f"ITC position of {pos.recipient_gstin} for {pos.period}")
    for name, label in FIGURES:
        figure: ItcFigure = getattr(pos, name)
        _row(summary, label, figure.heads, str(len(figure.documents)))
    _row(summary, "Blocked in total", pos.blocked, style="bold")
    console.print(summary)
    table4 = _table("GSTR-3B Table 4 (preview)")
    for box, heads in pos.table_4().items():
        _row(table4, box, heads, style="bold" if box == "4C" else "")
    console.print(table4)
    if not details:
        return
    for name, label in FIGURES:
        figure = getattr(pos, name)
        if not figure.documents:
            continue
        console.print(f"[bold]{label}[/]")
        for line in figure.documents:
            note = f" - {line.note}" if line.note else ""
            console.print(
                f"  {line.supplier_gstin} {line.doc_type} {line.doc_number} {line.doc_date:%d-%m-%Y} "
                f"{format_inr(line.heads.total)} {line.action}{note}"
            )
