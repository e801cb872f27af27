"""What the GST-portal parsers (GSTR-2B JSON and Excel, IMS, GSTR-2A) share.

The portal formats differ in shape but not in what a document is, so reading the file, telling a
user what a wrong file looks like, which recipient and period it is for, the document reader and the
final frame live here once (the field-level readers, amounts, dates and codes, in
:mod:`ims_core.ingest.portal_values`). Parsers collect every :class:`Problem` they find and raise one
:class:`IngestError` at the end, so a user fixes a file in one round instead of twenty.

Speed matters (a big GSTR-2B has a million documents): parsers build plain column lists per section,
convert dates per column with one vectorised call, and make a single DataFrame at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from ims_core.gst import gstin as gst
from ims_core.gst.dates import DateError, parse_period
from ims_core.ingest.document import (
    DATE_COLUMNS,
    MONEY,
    PORTAL_COLUMNS,
    IngestError,
    Problem,
    Problems,
    complete_frame,
)
from ims_core.ingest.file_kinds import COMMANDS, json_kind, what_it_is
from ims_core.ingest.portal_values import (
    NAT,
    AmountReader,
    Fields,
    Keys,
    Locate,
    Places,
    SupplierGstins,
    first_key,
    flag,
    mapped,
    month_period,
    parse_dates,
    pick,
    text,
    yes,
)

BOM = b"\xef\xbb\xbf"

# --- files -----------------------------------------------------------------------------------------

def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise IngestError(Path(path).name, f"cannot read the file ({exc.strerror or exc})") from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def combined_hash(hashes: Iterable[str]) -> str:
    """One hash for a return split over several files, independent of the order they were given in."""
    return sha256_hex("".join(sorted(hashes)).encode())


def load_json(name: str, data: bytes, expected: str) -> object:
    """Parse JSON (UTF-8, with or without a byte-order mark); a broken file is an IngestError."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not data.strip():
        raise IngestError(name, Problem("the file is empty", expected=expected))
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        looks = "a spreadsheet (xlsx)" if data[:2] == b"PK" else "not JSON"
        hint = f" ({found})" if (found := what_it_is(data, name)) else ""
        raise IngestError(name, Problem(f"the file is {looks}{hint}: {exc}", expected=expected)) from exc


def describe_shape(obj: object) -> str:
    """What a parsed JSON document looks like, in words (and the command that reads it, when it is a
    portal document), for 'wrong file' messages."""
    if isinstance(obj, list):
        return f"a JSON list of {len(obj)} items"
    if not isinstance(obj, dict):
        return f"a JSON {type(obj).__name__}"
    if found := json_kind(obj):
        kind, words = found
        return f"{words}, which `{COMMANDS[kind]}` reads" if kind in COMMANDS else words
    keys = ", ".join(list(obj)[:8]) or "none"
    return f"a JSON object with keys {keys}"


class RecipientMissing(IngestError):
    """A portal file that names no recipient GSTIN, read without ``--recipient``: a caller that knows the
    registration another way (the books just imported, the only one in the database) may read it again
    for that one."""


def resolve_recipient(name: str, in_file: object, argument: str | None, warnings: list[str],
                      required: bool = True) -> str:
    """The recipient GSTIN: the file's, else ``--recipient``; the two must agree when both are given.

    Anything that is not 15 letters/digits is refused (the import would land under a wrong key); a
    wrong check character only warns, since GSTN's own samples carry one.
    """
    found = gst.normalise(text(in_file))
    given = gst.normalise(argument)
    for g, where in ((found, "in the file"), (given, "given with --recipient")):
        if g and not gst.LOOSE_PATTERN.match(g):
            raise IngestError(name, Problem(
                f"the recipient GSTIN {where} is not a GSTIN", field="gstin", value=g,
                expected="15 characters: 2 digits, then 13 letters or digits"))
    if found and given and found != given:
        raise IngestError(name, Problem(f"the file is for recipient {found}, not {given}", field="gstin",
                                        value=found, expected=f"a return of {given}"))
    chosen = found or given
    if not chosen and required:
        raise RecipientMissing(name, "the file does not name the recipient GSTIN: pass --recipient GSTIN")
    why = gst.problem(chosen) if chosen else None
    if why:
        warnings.append(f"recipient GSTIN {chosen}: {why}")
    return chosen


def return_period(name: str, value: object, key: str) -> str:
    raw = text(value)
    if not raw:
        return ""
    try:
        return parse_period(raw)
    except DateError as exc:
        raise IngestError(name, Problem("not a return period", field=key, value=raw,
                                        expected="MMYYYY, e.g. 102025")) from exc


def common_period(periods: Iterable[str]) -> str:
    found = {p for p in periods if p}
    return found.pop() if len(found) == 1 else ""


# --- the frame -------------------------------------------------------------------------------------

class Columns:
    """Column pieces gathered section by section; one DataFrame is made at the end.

    ``add`` takes, per column, a list/array of ``n`` values or one scalar for all ``n`` rows; columns
    not given keep the default of :data:`PORTAL_COLUMNS`.
    """

    def __init__(self) -> None:
        self.pieces: dict[str, list] = {name: [] for name in PORTAL_COLUMNS}
        self.length = 0

    def add(self, n: int, **columns: object) -> None:
        unknown = set(columns) - set(PORTAL_COLUMNS)
        if unknown:
            raise KeyError(f"not portal columns: {sorted(unknown)}")
        for name, default in PORTAL_COLUMNS.items():
            value = columns.get(name, default)
            if isinstance(value, list | np.ndarray):
                if len(value) != n:
                    raise ValueError(f"column {name} has {len(value)} values, expected {n}")
                self.pieces[name].append(value)
            else:  # one value for all n rows, made into an array only at the end
                self.pieces[name].append(_Same(value, n))
        self.length += n

    def frame(self) -> pd.DataFrame:
        """The columns as one DataFrame, each column its own block: building it column by column
        skips the copy into one 2-D block per dtype that ``pd.DataFrame(dict)`` makes (a second of
        work for a million documents, for no later use)."""
        frame = pd.DataFrame(index=pd.RangeIndex(self.length))
        for name, pieces in self.pieces.items():
            if name in DATE_COLUMNS:
                kind: object = "datetime64[ns]"
            elif name in MONEY:
                kind = np.int64
            elif isinstance(PORTAL_COLUMNS[name], bool):
                kind = bool
            else:
                kind = object
            arrays = [_array(p, kind) for p in pieces] or [np.array([], dtype=kind)]
            values = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
            frame[name] = pd.Series(values, index=frame.index, dtype=values.dtype, copy=False)
        return complete_frame(frame, PORTAL_COLUMNS)


@dataclass(frozen=True)
class _Same:
    value: object
    n: int


def _array(piece: object, kind: object) -> np.ndarray:
    if isinstance(piece, _Same):
        value = NAT if kind == "datetime64[ns]" and piece.value is pd.NaT else piece.value
        return np.full(piece.n, value, dtype=kind)
    if kind is object:
        return _objects(piece)
    return np.asarray(piece, dtype=kind)


def _objects(values: object) -> np.ndarray:
    """An object array of ``values`` (a list of tuples stays a list of tuples, never a 2-D array)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def fill(frame: pd.DataFrame, **values: str) -> None:
    """Set whole text columns to one value, as object columns like the rest of the frame's text."""
    for name, value in values.items():
        frame[name] = np.full(len(frame), value, dtype=object)


def check_problems(name: str, problems: list[Problem]) -> None:
    if problems:
        raise IngestError(name, problems)


# --- documents -------------------------------------------------------------------------------------

TYPE_CODES = {"C": "CRN", "D": "DBN", "CRN": "CRN", "DBN": "DBN", "INV": "INV", "I": "INV",
              "ISDI": "INV", "ISD": "INV", "ISDC": "CRN", "ISDCN": "CRN"}
AMOUNT_COLUMNS = ("taxable_paise", "igst_paise", "cgst_paise", "sgst_paise", "cess_paise")


@dataclass(frozen=True)
class DocSpec:
    """Where one portal format keeps each field of a document (keys may list alternate spellings).

    ``doc_type`` is a constant type, or ``type_key`` names a C/D/ISDI/ISDC-style code to map.
    ``items``/``item_detail`` name the per-rate list (GSTR-2B v3 ``items``, GSTR-2A ``itms[].itm_det``)
    whose amounts are summed when a document has one; otherwise amounts are read off the document.
    """

    number: Keys
    date: Keys
    doc_type: str = "INV"
    type_key: Keys | None = None
    original_number: Keys | None = None
    original_date: Keys | None = None
    original_type_key: Keys | None = None
    amounts: tuple[Keys, ...] = ("txval", "igst", "cgst", "sgst", "cess")
    value: Keys = "val"
    items: str | None = None
    item_detail: str | None = None
    text: tuple[tuple[str, Keys], ...] = ()
    dates: tuple[tuple[str, Keys], ...] = ()
    bools: tuple[tuple[str, Keys], ...] = ()
    flags: tuple[tuple[str, Keys], ...] = ()
    optional_amounts: tuple[tuple[str, Keys], ...] = ()
    place: Keys | None = "pos"
    date_format: str = "%d-%m-%Y"


class Reader:
    """Per-file conversion state: the problems found, and cached amount and place readers."""

    def __init__(self) -> None:
        self.problems = Problems()
        self.amount = AmountReader(self.problems)
        self.place = Places(self.problems)
        self.gstins = SupplierGstins()

    def document_columns(self, docs: list[dict], spec: DocSpec, locate: Locate) -> dict[str, object]:
        """The document-level columns of ``docs``, each a list (or date array) as long as ``docs``.

        Work is column by column over plain lists (one comprehension per field), conversions once per
        distinct value: this is what keeps a million-document return to seconds.
        """
        problems, fmt = self.problems, spec.date_format
        fields = Fields(docs)
        numbers = [v.strip() if type(v) is str else text(v) for v in fields(spec.number)]
        for i in [i for i, v in enumerate(numbers) if not v]:
            problems.append(Problem("the document number is missing", row=locate(i),
                                    field=first_key(spec.number)))
        cols: dict[str, object] = {"doc_number": numbers}
        cols["doc_date"] = parse_dates(fields(spec.date), first_key(spec.date), locate, problems, fmt,
                                       required=True)
        cols["doc_type"] = self._types(fields, spec.type_key, locate) if spec.type_key else spec.doc_type
        if spec.original_number:
            originals = mapped(fields(spec.original_number), text)
            cols["original_doc_number"] = originals
            cols["original_doc_date"] = parse_dates(fields(spec.original_date),
                                                    first_key(spec.original_date), locate, problems, fmt)
            given = self._types(fields, spec.original_type_key, locate, optional=True) \
                if spec.original_type_key else [""] * len(docs)
            own = cols["doc_type"]
            own = [own] * len(docs) if isinstance(own, str) else own
            # an amendment without its own original type keeps the type of the section it is in
            cols["original_doc_type"] = [g or (t if o else "")
                                         for g, t, o in zip(given, own, originals, strict=True)]
        for name, keys in zip(AMOUNT_COLUMNS, spec.amounts, strict=True):
            cols[name] = self.amount.values(fields(keys), locate, first_key(keys))
        if spec.items and spec.items in fields:
            self._item_sums(docs, spec, locate, cols)
        cols["invoice_value_paise"] = self.amount.values(fields(spec.value), locate, first_key(spec.value))
        if spec.place:
            cols["place_of_supply"] = self.place.values(fields(spec.place), locate, first_key(spec.place))
        for name, keys in spec.text:
            cols[name] = mapped(fields(keys), text)
        for name, keys in spec.dates:
            cols[name] = parse_dates(fields(keys), first_key(keys), locate, problems, fmt)
        for name, keys in spec.bools:
            cols[name] = mapped(fields(keys), yes)
        for name, keys in spec.flags:
            cols[name] = mapped(fields(keys), flag)
        for name, keys in spec.optional_amounts:
            raw = fields(keys)
            paise = self.amount.values(raw, locate, first_key(keys)).astype(object)
            paise[np.asarray([r is None for r in raw], dtype=bool)] = None
            cols[name] = paise
        return cols

    def _types(self, fields: Fields, keys: Keys, locate: Locate, optional: bool = False) -> list[str]:
        raw = fields(keys)
        codes = mapped(raw, lambda v: TYPE_CODES.get(text(v).upper(), ""))
        for i in [i for i, c in enumerate(codes) if not c]:
            if text(raw[i]) or not optional:
                self.problems.append(Problem("not a document type", row=locate(i), field=first_key(keys),
                                             value=text(raw[i]), expected="C (credit) or D (debit note)"))
        return codes

    def _item_sums(self, docs: list[dict], spec: DocSpec, locate: Locate, cols: dict[str, object]) -> None:
        """Replace the amounts of documents that carry an item list by the sums over their items."""
        for i, doc in enumerate(docs):
            items = doc.get(spec.items)
            if not isinstance(items, list):
                continue
            sums = [0, 0, 0, 0, 0]
            for item in items:
                detail = item.get(spec.item_detail) if spec.item_detail and isinstance(item, dict) else item
                if not isinstance(detail, dict):
                    self.problems.append(Problem("an item is not a JSON object", row=locate(i),
                                                 field=spec.items, value=str(item)[:40]))
                    continue
                for n, keys in enumerate(spec.amounts):
                    sums[n] += self.amount(pick(detail, keys), locate, i, first_key(keys))
            for n, name in enumerate(AMOUNT_COLUMNS):
                cols[name][i] = sums[n]

    def supplier_columns(self, suppliers: list[dict], index: list[int] | np.ndarray, locate: Locate,
                         gstin_key: Keys = "ctin", name_key: Keys = "trdnm",
                         text_keys: tuple[tuple[str, Keys], ...] = (),
                         date_keys: tuple[tuple[str, Keys], ...] = (),
                         period_key: Keys | None = None, fmt: str = "%d-%m-%Y") -> dict[str, object]:
        """Columns read once per supplier record and repeated onto each of its documents."""
        checked = [self.gstins(pick(s, gstin_key)) for s in suppliers]
        per: dict[str, list] = {"supplier_gstin": [c[0] for c in checked],
                                "supplier_gstin_problem": [c[1] for c in checked],
                                "supplier_name": [text(pick(s, name_key)) for s in suppliers]}
        for name, keys in text_keys:
            per[name] = [text(pick(s, keys)) for s in suppliers]
        if period_key:
            key = first_key(period_key)
            per["supplier_return_period"] = [self.period(pick(s, period_key), locate, j, key)
                                             for j, s in enumerate(suppliers)]
        take = np.asarray(index, dtype=np.int64)
        cols: dict[str, object] = {name: _objects(values)[take] for name, values in per.items()}
        for name, keys in date_keys:
            dates = parse_dates([pick(s, keys) for s in suppliers], first_key(keys), locate, self.problems,
                                fmt)
            cols[name] = dates[take]
        return cols

    def period(self, value: object, locate: Locate, j: int, key: str) -> str:
        try:
            return month_period(value)
        except DateError:
            self.problems.append(Problem("not a return period", row=locate(j), field=key, value=value,
                                         expected="MMYYYY"))
            return ""
