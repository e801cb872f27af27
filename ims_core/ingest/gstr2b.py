"""GSTR-2B as the portal's JSON download (one return, possibly split over several files) or its Excel.

Shape (DOMAIN.md §6): ``{chksum, data: {gstin, rtnprd, version, gendt, fc?, docdata, docRejdata?}}``.
``docdata`` holds the sections; ``docRejdata`` the same sections for documents rejected in IMS (kept
with the same section name and ``rejected_in_ims=True``). Version 3 and older give amounts per rate in
``items[]`` (summed here); version 4 gives them on the document; a document is read whichever way it
carries them. Bills of entry (``impg``, ``impgsez``) become doc type ``BOE`` with the port code in
``invoice_type``; ``impg`` has no supplier GSTIN. ``itcrev`` (the ITC to reverse under Rule 37A:
documents of earlier returns whose supplier has not filed GSTR-3B) holds its own b2b, b2ba, cdnr and
cdnra lists; they are imported under sections ``itcrev:b2b`` and so on, apart from the documents they
repeat. Sections this parser does not know are skipped with a warning naming them, rather than guessed
at.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ims_core.ingest.document import PORTAL_COLUMNS, IngestError, ParsedImport, Problem, complete_frame
from ims_core.ingest.portal_common import (
    Columns,
    DocSpec,
    Reader,
    check_problems,
    combined_hash,
    describe_shape,
    fill,
    load_json,
    read_bytes,
    resolve_recipient,
    return_period,
    sha256_hex,
)
from ims_core.ingest.portal_values import Locate, text

EXPECTED = 'a GSTR-2B JSON download: {"data": {"gstin", "rtnprd", "docdata": {…}}}'

_TEXT = (("itc_available", "itcavl"), ("itc_unavailable_reason", "rsn"), ("diff_percent", "diffprcnt"),
         ("irn", "irn"))
_DOC = dict(dates=(("irn_date", "irngendate"),), bools=(("reverse_charge", "rev"),), items="items")
_INVOICE = DocSpec(number="inum", date="dt", original_number="oinum", original_date="oidt",
                   text=_TEXT + (("invoice_type", "typ"),), **_DOC)
_NOTE = DocSpec(number="ntnum", date="dt", type_key="typ", original_number="ontnum", original_date="ontdt",
                original_type_key="onttyp", text=_TEXT + (("invoice_type", "suptyp"),), **_DOC)
_ISD = DocSpec(number="docnum", date="docdt", type_key="doctyp", original_number="odocnum",
               original_date="odocdt", original_type_key="odoctyp", place=None,
               text=(("itc_available", "itcelg"),), items="items")
_BOE = DocSpec(number="boenum", date="boedt", doc_type="BOE", place=None,
               text=(("invoice_type", "portcode"),), items="items")

# section -> (key of the document list inside a supplier record, or None for a flat list; spec)
SECTIONS: dict[str, tuple[str | None, DocSpec]] = {
    "b2b": ("inv", _INVOICE), "b2ba": ("inv", _INVOICE), "ecom": ("inv", _INVOICE),
    "ecoma": ("inv", _INVOICE), "cdnr": ("nt", _NOTE), "cdnra": ("nt", _NOTE),
    "isd": ("doclist", _ISD), "isda": ("doclist", _ISD), "impg": (None, _BOE), "impgsez": ("boe", _BOE),
}
REVERSALS = "itcrev"  # GSTR-2B v4: the Rule 37A reversals of this return


def parse_gstr2b(paths: list[Path], recipient_gstin: str | None = None) -> ParsedImport:
    """JSON files of one return, or one portal Excel file: told apart by content, not only extension."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise IngestError("gstr2b", "no file given")
    excel = [p for p in paths if _is_excel(p)]
    if excel:
        if len(paths) > 1:
            raise IngestError(excel[0].name, "a GSTR-2B Excel download is one file; give it alone "
                                             "(several files are accepted only for a split JSON return)")
        from ims_core.ingest.gstr2b_excel import parse_gstr2b_excel

        return parse_gstr2b_excel(paths[0], recipient_gstin)
    return parse_gstr2b_json(paths, recipient_gstin)


def _is_excel(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"  # a zip container: xlsx, not JSON
    except OSError:
        return False


def parse_gstr2b_json(paths: list[Path], recipient_gstin: str | None = None) -> ParsedImport:
    """Merge the files of one GSTR-2B (same ``gstin`` and ``rtnprd``) into one import."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise IngestError("gstr2b", "no file given")
    with _gc_paused():
        return _parse_json_files(paths, recipient_gstin)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A big return is millions of small dicts and lists, none of them in a reference cycle: the cyclic
    garbage collector would only walk them again and again while they are being read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_json_files(paths: list[Path], recipient_gstin: str | None) -> ParsedImport:
    warnings: list[str] = []
    frames, hashes = [], []
    recipient = period = ""
    declared_files = 0
    for path in paths:
        raw = read_bytes(path)
        digest = sha256_hex(raw)
        if digest in hashes:
            raise IngestError(path.name, "the same file is given twice")
        hashes.append(digest)
        data = _data_block(path.name, load_json(path.name, raw, EXPECTED))
        gstin = resolve_recipient(path.name, data.get("gstin"), recipient_gstin,
                                  warnings if not frames else [])
        rtnprd = return_period(path.name, data.get("rtnprd"), "rtnprd")
        if not rtnprd:
            raise IngestError(path.name, Problem("the return period is missing", field="data.rtnprd",
                                                 expected="MMYYYY"))
        if frames and (gstin, rtnprd) != (recipient, period):
            raise IngestError(path.name, Problem(
                f"this file is GSTR-2B {rtnprd} of {gstin}, but {paths[0].name} is {period} of {recipient}; "
                "all files of one import must be parts of the same return", field="data.gstin/rtnprd"))
        recipient, period = gstin, rtnprd
        declared_files = max(declared_files, _file_count(path.name, data.get("fc")))
        frames.append(_parse_data(path.name, data, gstin, rtnprd, warnings))
    if declared_files > len(paths):
        warnings.append(f"GSTR-2B {period} comes in {declared_files} files (fc) but {len(paths)} were given: "
                        "documents in the missing files are not imported")
    frame = frames[0] if len(frames) == 1 else complete_frame(pd.concat(frames, ignore_index=True),
                                                              PORTAL_COLUMNS)
    if frame.empty:
        warnings.append("the return holds no documents")
    return ParsedImport(kind="gstr2b", frame=frame, file_name=", ".join(p.name for p in paths),
                        content_hash=hashes[0] if len(hashes) == 1 else combined_hash(hashes),
                        recipient_gstin=recipient, return_period=period, warnings=warnings)


def _data_block(name: str, document: object) -> dict:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("docdata", {}), dict) \
            or not ({"docdata", "rtnprd"} & set(data)):
        raise IngestError(name, Problem(f"this looks like {describe_shape(document)}, not a GSTR-2B return",
                                        expected=EXPECTED))
    return data


def _file_count(name: str, value: object) -> int:
    if value is None or value == "":
        return 0
    try:
        return int(text(value))
    except ValueError as exc:
        raise IngestError(name, Problem("not a file count", field="data.fc", value=value,
                                        expected="a whole number")) from exc


def _parse_data(name: str, data: dict, recipient: str, period: str, warnings: list[str]) -> pd.DataFrame:
    reader = Reader()
    columns = Columns()
    for block, rejected in (("docdata", False), ("docRejdata", True)):
        sections = data.get(block)
        if sections is None:
            continue
        if not isinstance(sections, dict):
            reader.problems.append(Problem("expected a JSON object of sections", row=f"data.{block}",
                                           value=type(sections).__name__))
            continue
        for section, records in sections.items():
            _read_section(reader, columns, f"{block}.{section}", section, records, rejected, warnings)
    check_problems(name, reader.problems)
    warnings.extend(reader.gstins.warnings())
    frame = columns.frame()
    fill(frame, source="gstr2b", recipient_gstin=recipient, return_period=period)
    return frame


def _read_section(reader: Reader, columns: Columns, where: str, section: str, records: object,
                  rejected: bool, warnings: list[str]) -> None:
    if section == REVERSALS:
        if not rejected:  # a rejected record gave no credit: nothing of it to reverse
            _read_reversals(reader, columns, where, records, warnings)
        return
    if section.removeprefix(REVERSALS + ":") not in SECTIONS:
        if records:
            warnings.append(f"{where}: unknown section, not imported")
        return
    if not isinstance(records, list):
        reader.problems.append(Problem("expected a list", row=where, value=type(records).__name__))
        return
    list_key, spec = SECTIONS[section.removeprefix(REVERSALS + ":")]
    if list_key is None:
        kept = _dicts(reader, records, where)
        docs = [doc for _, doc in kept]
        locate: Locate = lambda i: f"{where}[{kept[i][0]}]"  # noqa: E731 - a tiny closure per section
        cols = reader.document_columns(docs, spec, locate)
        columns.add(len(docs), section=section, rejected_in_ims=rejected, **cols)
        return
    suppliers = [supplier if isinstance(supplier, dict) else {} for supplier in records]
    _dicts(reader, records, where)
    docs, counts = [], []
    for j, supplier in enumerate(suppliers):
        own = supplier.get(list_key) or []
        if not isinstance(own, list):
            reader.problems.append(Problem("expected a list", row=f"{where}[{j}]", field=list_key,
                                           value=type(own).__name__))
            own = []
        if set(map(type, own)) - {dict}:
            own = [doc for _, doc in _dicts(reader, own, f"{where}[{j}].{list_key}")]
        docs.extend(own)
        counts.append(len(own))
    owner = np.repeat(np.arange(len(suppliers)), counts)
    starts = np.cumsum([0] + counts[:-1]) if counts else np.zeros(0, dtype=np.int64)

    def locate(i: int) -> str:
        j = int(owner[i])
        return f"{where}[{j}].{list_key}[{i - int(starts[j])}]"

    cols = reader.document_columns(docs, spec, locate)
    cols.update(reader.supplier_columns(
        suppliers, owner, lambda j: f"{where}[{j}]", date_keys=(("supplier_filing_date", "supfildt"),),
        period_key="supprd"))
    columns.add(len(docs), section=section, rejected_in_ims=rejected, **cols)


def _dicts(reader: Reader, items: list, where: str) -> list[tuple[int, dict]]:
    """``(position, record)`` of the JSON objects in ``items``; anything else is a Problem."""
    kept = []
    for i, item in enumerate(items):
        if type(item) is dict:
            kept.append((i, item))
        else:
            reader.problems.append(Problem("expected a JSON object", row=f"{where}[{i}]",
                                           value=str(item)[:40]))
    return kept


def _read_reversals(reader: Reader, columns: Columns, where: str, records: object,
                    warnings: list[str]) -> None:
    """``itcrev``: one object of section lists, or a list of such objects (the portal's sample)."""
    blocks = records if isinstance(records, list) else [records]
    for n, block in enumerate(blocks):
        if not isinstance(block, dict):
            reader.problems.append(Problem("expected a JSON object of sections", row=f"{where}[{n}]",
                                           value=type(block).__name__))
            continue
        for section, inner in block.items():
            if section not in SECTIONS or SECTIONS[section][0] is None:
                if inner:
                    warnings.append(f"{where}[{n}].{section}: unknown ITC reversal section, not imported")
                continue
            before = columns.length
            _read_section(reader, columns, f"{where}[{n}].{section}", f"{REVERSALS}:{section}", inner,
                          False, warnings)
            if columns.length > before and not _carries_amounts(inner):
                warnings.append(f"{where}[{n}].{section}: ITC reversal (Rule 37A) records without amounts: "
                                "they reverse nothing until the portal's file carries them")


def _carries_amounts(suppliers: object) -> bool:
    """Whether any document of a supplier list states a tax amount (the portal's sample has none)."""
    amounts = ("igst", "cgst", "sgst", "cess", "items")
    for supplier in suppliers if isinstance(suppliers, list) else []:
        lists = [v for v in supplier.values() if isinstance(v, list)] if isinstance(supplier, dict) else []
        if any(isinstance(doc, dict) and any(k in doc for k in amounts) for docs in lists for doc in docs):
            return True
    return False
