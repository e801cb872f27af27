"""What an ITC position is made of: figures (tax per head) and the documents behind each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ims_core.itc.heads import HEADS, Heads
from ims_core.itc.records import _date
from ims_core.itc.table4 import ROWS
from ims_core.models.base import net_paise
from ims_core.models.vocabulary import Action

if TYPE_CHECKING:  # the frames come from the computation; a figure read back from a snapshot has none
    import pandas as pd

A_ROWS = ("4A(1)", "4A(3)", "4A(4)", "4A(5)")
B_ROWS = ("4B(1)", "4B(2)")


@dataclass
class ItcLine:
    """One document behind a figure."""

    supplier_gstin: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    heads: Heads
    action: str = ""
    note: str = ""
    portal_document_id: int | None = None
    purchase_document_id: int | None = None


@dataclass
class ItcFigure:
    """A figure and the documents behind it. The bulk path adds whole frames of documents, which become
    :class:`ItcLine` objects only when someone reads :attr:`documents`."""

    heads: Heads = field(default_factory=Heads)
    count: int = 0
    _lines: list[ItcLine] = field(default_factory=list)
    _frames: list[tuple[pd.DataFrame, str]] = field(default_factory=list)
    _summary: bool = False  # read back from a snapshot: figures without their documents

    @classmethod
    def summary(cls, heads: Heads, count: int) -> ItcFigure:
        """A figure as a snapshot keeps it (:mod:`ims_core.itc.snapshots`): its documents are not kept."""
        return cls(heads, count, _summary=True)

    def add(self, line: ItcLine) -> None:
        self.heads.add(line.heads)
        self._lines.append(line)
        self.count += 1

    def add_frame(self, frame: pd.DataFrame, note: str = "") -> None:
        """Documents of the bulk path (columns of ``ims_core.itc.frames``), each with ``note``, or with
        its own in a ``note`` column."""
        if frame.empty:
            return
        self.heads.add(Heads(*(int(frame[head].sum()) for head in HEADS)))
        self._frames.append((frame, note))
        self.count += len(frame)

    @property
    def documents(self) -> list[ItcLine]:
        if self._summary:
            raise ValueError("a snapshot's figures carry no documents: compute the position (itc_position)")
        if self._frames:
            for frame, note in self._frames:
                self._lines.extend(_frame_lines(frame, note))
            self._frames.clear()
            self._lines.sort(key=lambda line: (line.portal_document_id or 0, line.purchase_document_id or 0))
        return self._lines


def _frame_lines(frame: pd.DataFrame, note: str) -> list[ItcLine]:
    notes = frame["note"] if "note" in frame else [note] * len(frame)
    words = {code: Action.of(code).word for code in ("A", "R", "P", "N")}
    return [ItcLine(row.supplier, row.doc_type, row.number, _date(row.doc_date),
                    Heads(int(row.igst), int(row.cgst), int(row.sgst), int(row.cess)),
                    words.get(row.action, ""), row_note, portal_document_id=int(row.id))
            for row, row_note in zip(frame.itertuples(index=False), notes, strict=True)]


@dataclass
class ItcPosition:
    recipient_gstin: str
    period: str
    today: dt.date
    rows: dict[str, ItcFigure] = field(default_factory=lambda: {r: ItcFigure() for r in ROWS if r != "4C"})
    table3_1d: ItcFigure = field(default_factory=ItcFigure)  # tax payable on reverse-charge supplies
    lost_16_4: ItcFigure = field(default_factory=ItcFigure)  # time-barred: never in 4A
    expected_not_filed: ItcFigure = field(default_factory=ItcFigure)  # saved by suppliers, not filed
    pending: ItcFigure = field(default_factory=ItcFigure)  # invoices, debit notes, bills of entry pending
    pending_credit_notes: ItcFigure = field(default_factory=ItcFigure)  # reductions deferred
    rejected: ItcFigure = field(default_factory=ItcFigure)
    missing_in_portal: ItcFigure = field(default_factory=ItcFigure)  # in the books, not reported
    at_risk: ItcFigure = field(default_factory=ItcFigure)  # counted in 4A, but in question
    unknown_originals: ItcFigure = field(default_factory=ItcFigure)  # amendments counted at nothing
    recompute: list[ItcLine] = field(default_factory=list)  # decided after this GSTR-2B was generated
    claimed: dict[str, Heads] | None = None  # Table 4 as filed, when recorded
    risk_by_supplier: dict[str, int] | None = None  # kept by a snapshot, else worked out from at_risk

    def at_risk_by_supplier(self) -> dict[str, int]:
        """Net tax at risk per supplier GSTIN, in paise (a credit note's counts negative)."""
        if self.risk_by_supplier is None:
            by_supplier: dict[str, int] = {}
            for line in self.at_risk.documents:
                net = net_paise(line.heads.total, line.doc_type)
                by_supplier[line.supplier_gstin] = by_supplier.get(line.supplier_gstin, 0) + net
            self.risk_by_supplier = by_supplier
        return self.risk_by_supplier

    @property
    def recompute_needed(self) -> bool:
        """A decision taken after this period's GSTR-2B was generated (the 14th) changes it: GSTR-2B
        must be recomputed on the portal before GSTR-3B is filed (GSTN FAQ on IMS, recompute)."""
        return bool(self.recompute)

    @property
    def blocked(self) -> Heads:
        """Credit held up: records kept pending and books the supplier has not reported."""
        return self.pending.heads.plus(self.missing_in_portal.heads)

    def table_4(self) -> dict[str, Heads]:
        """Every row of Table 4, 4C = 4A - 4B head by head."""
        out = {row: figure.heads for row, figure in self.rows.items()}
        total_a = Heads()
        for row in A_ROWS:
            total_a.add(out[row])
        for row in B_ROWS:
            total_a.add(out[row], -1)
        out["4C"] = total_a
        return {row: out[row] for row in ROWS}

    def total_4a(self) -> Heads:
        total = Heads()
        for row in A_ROWS:
            total.add(self.rows[row].heads)
        return total

    def to_json(self) -> dict:
        """The machine-readable position (``ims itc --json``), a contract other tools rely on."""
        return {
            "recipient": self.recipient_gstin,
            "period": self.period,
            "table4": {row: heads.rupees() for row, heads in self.table_4().items()},
            "table3_1d": self.table3_1d.heads.rupees(),
            "lost_16_4": self.lost_16_4.heads.rupees(),
            "expected_not_filed": self.expected_not_filed.heads.rupees(),
            "pending": self.pending.heads.rupees(),
            "recompute_needed": self.recompute_needed,
        }


