"""The purchase register (the books): CSV or XLSX, canonical or an accounting package's export.

Reading is tolerant of how registers are really written (title rows above the header, BOM or cp1252
text, Indian digit grouping, several date forms, voucher-type words) and strict about what matters:
every unreadable value is collected with its row and column, and the file is refused as a whole, so
nothing half-read reaches the database. Values are converted column by column (see
``money_columns.series_to_paise`` and ``dates.series_to_dates``) so a million rows take seconds; only the bad
rows are visited one by one, to word their problems. Where an export's columns come from is in
``book_presets``; the file reading itself is in ``book_files``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ims_core.gst import gstin as gstin_rules
from ims_core.gst.dates import date_problem, series_to_dates
from ims_core.gst.money import AmountError, to_paise
from ims_core.gst.money_columns import series_to_paise
from ims_core.ingest.book_amounts import (
    negative_invoice_warning,
    split_named_tax,
    tax_name_columns,
    zero_tax_problem,
)
from ims_core.ingest.book_files import RawTable, read_table
from ims_core.ingest.book_presets import (
    MONEY_FIELDS,
    PRESET_NAMES,
    STATE_ABBREVIATIONS,
    TAX_FIELDS,
    header_key,
)
from ims_core.ingest.cells import Cells
from ims_core.ingest.document import (
    BOOK_COLUMNS,
    IngestError,
    ParsedImport,
    Problem,
    Problems,
    complete_frame,
)
from ims_core.ingest.file_kinds import wrong_command_hint

PAISE_COLUMN = {"taxable_value": "taxable_paise", "invoice_value": "invoice_value_paise",
                **{t: f"{t}_paise" for t in TAX_FIELDS}}
EXPECT_AMOUNT = "an amount like 1,23,456.50 or 123456.50"
EXPECT_DATE = "a date like 2025-04-01, 01-04-2025, 01/04/2025 or 1-Apr-2025"
EXPECT_GSTIN = "a 15-character GSTIN like 27AHQPA7588L1ZJ"
EXPECT_POS = "a state code (24), '24-Gujarat' or a state name"
UNREGISTERED = {"", "URP", "NA", "N/A", "-", "NIL", "NONE", "UNREGISTERED"}
_YES = {"y", "yes", "true", "t", "1", "eligible"}
_NO = {"n", "no", "false", "f", "0", "", "ineligible", "not eligible", "blocked"}
_TOTAL_WORDS = {"total", "grand total", "sub total", "subtotal", "totals"}


def parse_books(path: Path, preset: str = "auto", recipient_gstin: str | None = None,
                column_map: dict[str, str] | None = None) -> ParsedImport:
    """Read a purchase register into the normalised books frame, or raise one ``IngestError``.

    ``preset`` picks the export's column names ("auto" chooses by the header row); ``column_map``
    (file column -> canonical field, the CLI's ``--map``) overrides the preset; ``recipient_gstin``
    fills the recipient where the file has none and must agree with it where it has one.
    """
    path = Path(path)
    data = path.read_bytes()
    name = path.name
    if preset not in PRESET_NAMES:
        raise IngestError(name, Problem(f"unknown preset '{preset}'", field="--preset", value=preset,
                                        expected="one of " + ", ".join(PRESET_NAMES)))
    recipient = _recipient_argument(name, recipient_gstin)
    if data[:2] != b"PK" and (hint := wrong_command_hint(data, name, "books")):  # (a workbook: read_table)
        raise IngestError(name, Problem(hint, expected="a purchase register (CSV or XLSX)"))
    table = read_table(data, name, preset, column_map or {})
    return _Books(table, name, recipient).parse(hashlib.sha256(data).hexdigest())


def _recipient_argument(name: str, value: str | None) -> str:
    recipient = gstin_rules.normalise(value)
    if recipient and (why := gstin_rules.problem(recipient)):
        raise IngestError(name, Problem(why, field="--recipient", value=recipient, expected=EXPECT_GSTIN))
    return recipient


class _Books:
    """One file's conversion: holds the raw table and collects every problem before raising."""

    def __init__(self, table: RawTable, name: str, recipient: str):
        self.t, self.name, self.recipient = table, name, recipient
        self.problems = Problems()
        self.warnings: list[str] = list(table.warnings)
        self._stripped: dict[int, Cells] = {}
        self.tax_by_name = False  # tax heads from a tax name per line (book_amounts), summed per document

    # --- helpers over the raw text -------------------------------------------------------------
    def column(self, col: int) -> Cells:
        """One file column's cells, stripped (computed once; rows dropped later are dropped here too)."""
        if col not in self._stripped:
            self._stripped[col] = Cells.of(self.t.frame[col].to_numpy(dtype=object)).map(str.strip)
        return self._stripped[col]

    def text(self, fld: str) -> Cells:
        """The field's cells, stripped, with blanks filled from the preset's fallback columns."""
        cols = self.t.mapping.get(fld)
        out = self.column(cols[0]) if cols else Cells.constant("", len(self.t.frame))
        for key in self.t.preset.fill_blank.get(fld, ()):
            if key in self.t.keys:
                out = out.fill(out.empty(), self.column(self.t.keys.index(key)))
        return out

    def header(self, fld: str) -> str:
        cols = self.t.mapping.get(fld)
        return self.t.headers[cols[0]] if cols else fld

    def report(self, bad: np.ndarray, fld: str, values: Cells | np.ndarray, problem: object, expected: str,
               column: str | None = None) -> None:
        """A Problem for each bad row. ``problem``: a text, a function of the raw value, or per-row texts."""
        for i in np.flatnonzero(bad):
            raw = values.uniques[values.codes[i]] if isinstance(values, Cells) else values[i]
            words = (problem[i] if isinstance(problem, np.ndarray)
                     else problem(raw) if callable(problem) else str(problem))
            self.problems.append(Problem(words, row=int(self.t.rows[i]), field=column or self.header(fld),
                                         value=raw, expected=expected))

    @staticmethod
    def by_unique(cells: Cells, convert: Callable[[str], object],
                  default: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply ``convert`` once per distinct value; a ValueError marks its rows bad, with its words.

        Returns the converted values, the bad-row mask and each row's problem words (None when good).
        """
        results = np.empty(len(cells.uniques), dtype=object)
        errors = np.full(len(cells.uniques), None, dtype=object)
        for i, u in enumerate(cells.uniques):
            try:
                results[i] = convert(u)
            except ValueError as exc:
                results[i], errors[i] = default, str(exc)
        bad = np.array([e is not None for e in errors], dtype=bool)
        return results[cells.codes], bad[cells.codes], errors[cells.codes]

    # --- the conversion ------------------------------------------------------------------------
    def parse(self, content_hash: str) -> ParsedImport:
        self._drop_rows_that_are_not_documents()
        if not len(self.t.frame):
            raise IngestError(self.name, Problem("the file has a header row but no documents below it",
                                                 row=self.t.header_row))
        frame = pd.DataFrame(index=self.t.frame.index)
        frame["supplier_gstin"] = self._gstins("supplier_gstin", self.text("supplier_gstin"))
        frame["supplier_name"] = self.text("supplier_name").values()
        frame["doc_number"] = self._doc_numbers()
        frame["doc_date"] = self._dates("doc_date", required=True)
        frame["payment_date"] = self._dates("payment_date", required=False)
        self._money(frame)
        frame["doc_type"] = self._doc_types(frame)
        frame["place_of_supply"] = self._places()
        frame["reverse_charge"] = self._flags("reverse_charge", blank=False).astype(bool)
        frame["itc_eligible"] = self._flags("itc_eligible", blank=None)
        frame["ledger"] = self.text("ledger").values()
        frame["recipient_gstin"] = self._recipients()
        frame["source_row"] = self.t.rows.astype("int64")
        if self.problems:
            self.problems.sort(key=lambda p: (p.row or 0, p.field or ""))
            raise IngestError(self.name, self.problems)
        frame = self._combine_line_items(frame)
        headers = {PAISE_COLUMN[f]: self.header(f) for f in MONEY_FIELDS}
        if warning := negative_invoice_warning(frame, headers):
            self.warnings.append(warning)
        notes = frame["doc_type"].isin(["CRN", "DBN"]).to_numpy()
        for col in PAISE_COLUMN.values():  # a note's direction is its type; the portal shows it positive
            frame[col] = np.where(notes, np.abs(frame[col].to_numpy()), frame[col].to_numpy())
        frame["source_file"] = self.name
        frame = complete_frame(frame.reset_index(drop=True), BOOK_COLUMNS)
        for col in ("doc_date", "payment_date"):
            frame[col] = frame[col].astype("datetime64[ns]")
        recipients = frame["recipient_gstin"].unique()
        return ParsedImport(kind="books", frame=frame, file_name=self.name, content_hash=content_hash,
                            recipient_gstin=str(recipients[0]) if len(recipients) == 1 else "",
                            warnings=self.warnings)

    def _drop_rows_that_are_not_documents(self) -> None:
        """Blank rows, the register's total rows, Tally's cancelled vouchers and unregistered suppliers."""
        raw = self.t.frame
        amounts = {c for f in MONEY_FIELDS for c in self.t.mapping.get(f, [])}  # read raw: no second pass
        blank = np.ones(len(raw), dtype=bool)
        for col in {0, *(c for cols in self.t.mapping.values() for c in cols)}:
            blank &= (raw[col].to_numpy(dtype=object) == "" if col in amounts
                      else self.column(col).empty())
        name = self.text("supplier_name")
        number_empty = self.text("doc_number").empty()
        total = (name.test(lambda v: v.lower() in _TOTAL_WORDS)
                 | self.column(0).test(lambda v: v.lower() in _TOTAL_WORDS)) & number_empty
        cancelled = name.test(lambda v: "(cancelled)" in v.lower())
        for key, values in self.t.preset.skip_status.items():
            if key in self.t.keys:
                cancelled |= self.column(self.t.keys.index(key)).test(lambda v, vs=values: v.lower() in vs)
        unregistered = (self.text("supplier_gstin").test(lambda v: v.upper() in UNREGISTERED)
                        & ~blank & ~total & ~cancelled)
        if cancelled.any():
            self.warnings.append(f"skipped {int(cancelled.sum())} cancelled, void or draft document(s), rows "
                                 + _rows_text(self.t.rows[cancelled]))
        if unregistered.any():
            self.warnings.append(
                f"skipped {int(unregistered.sum())} row(s) without a supplier GSTIN (unregistered "
                "purchases are not reported in IMS or GSTR-2B), rows "
                + _rows_text(self.t.rows[unregistered]))
        keep = ~(blank | total | cancelled | unregistered)
        if not keep.all():
            self.t.frame = raw.loc[keep].reset_index(drop=True)
            self.t.rows = self.t.rows[keep]
            self._stripped = {col: cells.take(keep) for col, cells in self._stripped.items()}

    def _gstins(self, fld: str, values: Cells) -> np.ndarray:
        values = values.map(lambda v: v.upper().replace(" ", ""))

        def check(g: str) -> str:
            if why := gstin_rules.problem(g):
                raise ValueError(why)
            return g

        out, bad, words = self.by_unique(values, check, "")
        self.report(bad, fld, values, words, EXPECT_GSTIN)
        return out

    def _doc_numbers(self) -> np.ndarray:
        numbers = self.text("doc_number")
        self.report(numbers.empty(), "doc_number", numbers, "the document number is empty",
                    "the supplier's document number")
        return numbers.values()

    def _dates(self, fld: str, required: bool) -> np.ndarray:
        values = self.text(fld)
        dates, bad = series_to_dates(pd.Series(values.uniques, dtype=object))
        self.report(bad.to_numpy()[values.codes], fld, values, date_problem, EXPECT_DATE)
        if required:
            empty = values.empty()
            self.report(empty, fld, values, "the document date is empty", EXPECT_DATE)
        return dates.to_numpy()[values.codes]

    def _money(self, frame: pd.DataFrame) -> None:
        for fld in MONEY_FIELDS:
            total = np.zeros(len(frame), dtype="int64")
            for col in self.t.mapping.get(fld, []):
                values = self.t.frame[col]
                paise, bad = series_to_paise(values)
                values = values.to_numpy(dtype=object)
                self.report(bad.to_numpy(), fld, values, _amount_problem, EXPECT_AMOUNT,
                            column=self.t.headers[col])
                total += paise
            frame[PAISE_COLUMN[fld]] = total
        named = tax_name_columns(self.t)
        if named is not None:  # Zoho's tax name and amount per line
            heads, problems = split_named_tax(self.t, named)
            for head, paise in heads.items():
                frame[PAISE_COLUMN[head]] = paise
            for problem in problems:
                self.problems.append(problem)
            self.tax_by_name = True
        if "taxable_value" not in self.t.mapping and self.t.preset.derive_taxable:
            tax = sum(frame[PAISE_COLUMN[t]] for t in TAX_FIELDS)
            frame["taxable_paise"] = frame["invoice_value_paise"] - tax
            self.warnings.append("no taxable-value column (Value or purchase ledgers): taxable value is "
                                 "taken as the gross total less tax")
        tax = sum(frame[PAISE_COLUMN[t]].to_numpy() for t in TAX_FIELDS)
        if why := zero_tax_problem(self.t, tax, frame["taxable_paise"].to_numpy(),
                                   frame["invoice_value_paise"].to_numpy(), named is not None):
            self.problems.append(why)

    def _doc_types(self, frame: pd.DataFrame) -> np.ndarray:
        preset = self.t.preset
        number_key = self.t.keys[self.t.mapping["doc_number"][0]] if "doc_number" in self.t.mapping else ""
        default = preset.doc_type_by_header.get(number_key, preset.default_doc_type)
        if "doc_type" in self.t.mapping:
            def classify(v: str) -> str:
                key = header_key(v)
                for pattern, code in preset.doc_type_rules:
                    if re.search(pattern, key):
                        return code
                raise ValueError("unknown document type")

            values = self.text("doc_type")
            types, bad, _ = self.by_unique(values, classify, default)
            expected = ("a voucher type naming Purchase, Debit Note or Credit Note" if preset.name == "tally"
                        else "Yes or No" if preset.name == "erpnext"
                        else "INV, CRN or DBN (or Invoice, Credit Note, Debit Note)")
            self.report(bad, "doc_type", values, "unknown document type", expected)
        else:
            types = np.full(len(frame), default, dtype=object)
        if preset.negative_is_return:
            negative = (frame["invoice_value_paise"] < 0) | (frame["taxable_paise"] < 0)
            types = np.where(negative.to_numpy() & (types == "INV"), "CRN", types)
        return types

    def _places(self) -> np.ndarray:
        def code(v: str) -> str:
            if v.upper() in STATE_ABBREVIATIONS:
                return STATE_ABBREVIATIONS[v.upper()]
            return gstin_rules.state_code(v)

        values = self.text("place_of_supply")
        out, bad, _ = self.by_unique(values, code, "")
        self.report(bad, "place_of_supply", values, "not a state", EXPECT_POS)
        return out

    def _flags(self, fld: str, blank: bool | None) -> np.ndarray:
        def flag(v: str) -> bool | None:
            key = v.strip().lower()
            if key == "":
                return blank
            if key in _YES:
                return True
            if key in _NO:
                return False
            raise ValueError("not a yes/no value")

        values = self.text(fld)
        out, bad, _ = self.by_unique(values, flag, blank)
        self.report(bad, fld, values, "not a yes/no value", "Y or N (Yes/No, true/false also read)")
        return out

    def _recipients(self) -> np.ndarray:
        values = self.text("recipient_gstin").map(lambda v: v.upper().replace(" ", ""))
        given = self.recipient
        if "recipient_gstin" not in self.t.mapping and not given:
            self.problems.append(Problem(
                "the file has no recipient GSTIN column: pass --recipient GSTIN (your GSTIN)",
                field="recipient_gstin", expected="a recipient_gstin column or --recipient GSTIN"))
            return values.values()
        if given:
            differs = values.test(lambda v: v not in ("", given))
            self.report(differs, "recipient_gstin", values, f"differs from --recipient {given}",
                        f"{given} on every row, or leave out --recipient")
            values = values.map(lambda v: v or given)
        empty = values.empty()
        self.report(empty, "recipient_gstin", values, "the recipient GSTIN is empty: pass --recipient GSTIN",
                    EXPECT_GSTIN)
        out = self._gstins("recipient_gstin", values.map(lambda v: v or "-"))
        return np.where(empty, "", out)

    def _combine_line_items(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Exports with one row per line (Zoho): add up each document's lines into one row."""
        preset = self.t.preset
        key = ["supplier_gstin", "doc_type", "doc_number", "doc_date"]
        if not preset.line_items or not frame.duplicated(key).any():
            return frame
        group = next((self.t.keys.index(k) for k in preset.line_group if k in self.t.keys), None)
        if group is not None:
            frame = frame.assign(_document=self.column(group).values())
            key = [*key, "_document"]
        summed = {PAISE_COLUMN[f] for f, cols in self.t.mapping.items() if f in PAISE_COLUMN
                  and any(self.t.keys[c] in preset.summed_headers for c in cols)}
        if self.tax_by_name:
            summed |= {PAISE_COLUMN[head] for head in TAX_FIELDS}
        how = {c: ("sum" if c in summed else "first") for c in frame.columns if c not in key}
        combined = frame.groupby(key, sort=False, dropna=False).agg(how).reset_index()
        self.warnings.append(f"{len(frame)} line rows combined into {len(combined)} documents")
        return combined.drop(columns=["_document"], errors="ignore")


def _amount_problem(value: object) -> str:
    try:
        to_paise(value)
    except AmountError as exc:
        return str(exc)
    return f"'{value}' is not an amount"


def _rows_text(rows: np.ndarray, limit: int = 10) -> str:
    listed = ", ".join(str(int(r)) for r in rows[:limit])
    return listed + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
