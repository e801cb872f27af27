"""The normalised document shape every parser produces, and the error every parser raises.

A parser returns a :class:`ParsedImport` whose ``frame`` is a pandas DataFrame with one row per
document and the columns below (names are those of the ``purchase_document`` / ``portal_document``
tables). Money columns are int64 paise; date columns are ``datetime64[ns]`` (NaT when absent);
text columns are ``str`` ("" when absent). The loader derives ``fy``, ``supplier_pan``,
``period_key``, ``occurrence`` and ``content_hash`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ims_core.errors import UserFacingError
from ims_core.models.base import TAX_COLUMNS

MONEY = ["taxable_paise", "igst_paise", "cgst_paise", "sgst_paise", "cess_paise", "invoice_value_paise"]
TAX = list(TAX_COLUMNS)

# Books (the purchase register). Required: every parser fills these.
BOOK_COLUMNS: dict[str, object] = {
    "recipient_gstin": "", "supplier_gstin": "", "supplier_name": "", "supplier_gstin_problem": None,
    "doc_type": "INV", "doc_number": "", "doc_date": pd.NaT,
    **{m: 0 for m in MONEY},
    "place_of_supply": "", "reverse_charge": False, "payment_date": pd.NaT, "ledger": "",
    "itc_eligible": None, "source_file": "", "source_row": 0,
}

# Portal documents (IMS, GSTR-2B, GSTR-2A). Columns a source does not have keep these defaults.
PORTAL_COLUMNS: dict[str, object] = {
    "source": "", "section": "", "recipient_gstin": "", "return_period": "",
    "supplier_gstin": "", "supplier_name": "", "supplier_gstin_problem": None,
    "doc_type": "INV", "doc_number": "", "doc_date": pd.NaT,
    "original_doc_type": "", "original_doc_number": "", "original_doc_date": pd.NaT,
    "invoice_type": "", **{m: 0 for m in MONEY},
    "place_of_supply": "", "reverse_charge": False, "itc_available": "", "itc_unavailable_reason": "",
    "diff_percent": "", "supplier_filing_date": pd.NaT, "supplier_return_period": "",
    "supplier_filing_status": "", "gstr3b_filed": "", "src_form": "", "irn": "", "irn_date": pd.NaT,
    "ims_action": "", "pending_action_blocked": None, "itc_reduction_blocked": None, "remarks_blocked": None,
    "itc_reduction_required": "",
    "decl_igst_paise": None, "decl_cgst_paise": None, "decl_sgst_paise": None, "decl_cess_paise": None,
    "remarks": "", "ims_hash": "", "rejected_in_ims": False,
}

DATE_COLUMNS = {"doc_date", "payment_date", "original_doc_date", "supplier_filing_date", "irn_date"}


@dataclass
class Problem:
    """One thing wrong with an input file, located as precisely as the format allows."""

    problem: str
    row: int | str | None = None  # 1-based row, or a JSON path such as "docdata.b2b[3].inv[0]"
    field: str | None = None
    value: object = None
    expected: str | None = None

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.value is not None and f"'{self.value}'" not in text:
            text += f" (got '{self.value}')"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class Problems(list):
    """The problems found in one file: the first :attr:`limit` kept, the rest only counted
    (:attr:`more`), so a file of a million bad records costs a count, not gigabytes of messages."""

    limit = 500
    more = 0  # class defaults: a pickled list is refilled before its attributes come back

    def append(self, problem: Problem) -> None:
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems: object) -> None:
        for problem in problems:
            self.append(problem)

    @property
    def total(self) -> int:
        return len(self) + self.more


class IngestError(UserFacingError):
    """A file that cannot be imported. Nothing of it is written; the message says what and where."""

    MAX_LISTED = 20

    def __init__(self, file: str, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.file = file
        self.problems = problems
        super().__init__(self.message())

    def __reduce__(self):  # pickle protocol
        # rebuilt from what the constructor takes, so that it crosses from a forked worker intact
        return type(self), (self.file, self.problems)

    @property
    def total(self) -> int:
        """How many problems were found, including those only counted (:class:`Problems`)."""
        return len(self.problems) + getattr(self.problems, "more", 0)

    def message(self) -> str:
        lines = [p.describe() for p in self.problems[: self.MAX_LISTED]]
        more = self.total - len(lines)
        if more > 0:
            lines.append(f"… and {more:,} more problems")
        if len(lines) == 1:
            return f"{self.file}: {lines[0]}"
        return f"{self.file}: {self.total:,} problems\n  " + "\n  ".join(lines)


@dataclass
class ParsedImport:
    """What a parser read from one file (or one multi-file return), ready for the loader."""

    kind: str  # books, gstr2b, ims, gstr2a
    frame: pd.DataFrame
    file_name: str
    content_hash: str
    recipient_gstin: str = ""
    return_period: str = ""
    warnings: list[str] = field(default_factory=list)


def complete_frame(frame: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    """Add any missing column with its default and order the columns as ``columns`` lists them."""
    for name, default in columns.items():
        if name not in frame.columns:
            frame[name] = pd.Series([default] * len(frame), index=frame.index, dtype=object) \
                if default is None else default
    for name in MONEY:
        if name in frame.columns:
            frame[name] = frame[name].astype("int64")
    for name in DATE_COLUMNS & set(frame.columns):
        frame[name] = pd.to_datetime(frame[name])
    return frame[list(columns)]
