"""GSTR-2A as the portal's JSON (API ``GSTR2A`` response, all sections in one object).

Shape (DOMAIN.md §6): ``{gstin, fp, b2b: [{ctin, cfs, cfs3b, fldtr1, flprdr1, inv: [{inum, idt, …,
itms: [{num, itm_det: {rt, txval, iamt, camt, samt, csamt}}]}]}], b2ba, cdn, cdna, isd, impg, impgsez}``.
Amounts are summed over ``itms`` (ISD and bill-of-entry records carry them on the record). Section names
stay as the file writes them (``cdn``, not GSTR-2B's ``cdnr``). ``cfs`` (supplier filed GSTR-1) goes to
``supplier_filing_status``, ``cfs3b`` to ``gstr3b_filed``, ``fldtr1``/``flprdr1`` (``10-Feb-24`` /
``Jan-24``) to the filing date and the supplier's period. ``tds``/``tcs`` are not purchase documents and
are skipped with a warning, as is any section this parser does not know.

Files pasted from an API response without the envelope (no ``gstin``/``fp``) are accepted: the
recipient then comes from ``--recipient`` and the period from the suppliers' ``flprdr1`` when they all
agree (each row keeps its own supplier period either way).
"""

from __future__ import annotations

from pathlib import Path

from ims_core.ingest.document import IngestError, ParsedImport, Problem
from ims_core.ingest.portal_common import (
    Columns,
    DocSpec,
    Reader,
    check_problems,
    common_period,
    describe_shape,
    fill,
    load_json,
    read_bytes,
    resolve_recipient,
    return_period,
    sha256_hex,
)
from ims_core.ingest.portal_values import Locate

EXPECTED = 'a GSTR-2A JSON: {"gstin", "fp", "b2b": [{"ctin", "inv": [{"inum", "idt", "itms": […]}]}], …}'

_ITEMS = dict(amounts=("txval", "iamt", "camt", "samt", "csamt"), items="itms", item_detail="itm_det",
              dates=(("irn_date", "irngendate"),), bools=(("reverse_charge", "rchrg"),))
_TEXT = (("invoice_type", "inv_typ"), ("diff_percent", "diff_percent"), ("irn", "irn"))
_INVOICE = DocSpec(number="inum", date="idt", original_number="oinum", original_date="oidt", text=_TEXT,
                   **_ITEMS)
_NOTE = DocSpec(number="nt_num", date="nt_dt", type_key="ntty", original_number="ont_num",
                original_date="ont_dt", original_type_key=("ont_ty", "onttyp", "ontty"), text=_TEXT, **_ITEMS)
_ISD = DocSpec(number="docnum", date="docdt", type_key=("isd_docty", "doctyp"), original_number="odocnum",
               original_date="odocdt", original_type_key=("oisd_docty", "odoctyp"), place=None,
               amounts=("txval", "iamt", "camt", "samt", ("cess", "csamt")),
               text=(("itc_available", ("itc_elg", "itcelg")),))
_BOE = DocSpec(number=("benum", "boenum"), date=("bedt", "boedt"), doc_type="BOE", place=None,
               amounts=("txval", "iamt", "camt", "samt", ("csamt", "cess")),
               text=(("invoice_type", ("portcd", "portcode")),))

# section -> (key of the document list in a supplier record, or None for flat records; spec)
SECTIONS: dict[str, tuple[str | None, DocSpec]] = {
    "b2b": ("inv", _INVOICE), "b2ba": ("inv", _INVOICE), "ecom": ("inv", _INVOICE),
    "ecoma": ("inv", _INVOICE), "cdn": ("nt", _NOTE), "cdna": ("nt", _NOTE),
    "isd": ("doclist", _ISD), "isda": ("doclist", _ISD), "impg": (None, _BOE), "impgsez": (None, _BOE),
}
NOT_DOCUMENTS = {"tds", "tcs", "tcsa", "tdsa"}
ENVELOPE = {"gstin", "fp", "chksum"}


def parse_gstr2a_json(path: Path, recipient_gstin: str | None = None) -> ParsedImport:
    """Every document section of a GSTR-2A JSON as one import."""
    path = Path(path)
    raw = read_bytes(path)
    document = load_json(path.name, raw, EXPECTED)
    data = document.get("data") if isinstance(document, dict) else None
    if isinstance(data, dict) and "docdata" not in data:
        document = data
    if not isinstance(document, dict) or not any(
            isinstance(document.get(s), list) and _is_gstr2a_section(s, document[s]) for s in SECTIONS):
        raise IngestError(path.name, Problem(
            f"this looks like {describe_shape(document)}, not a GSTR-2A return", expected=EXPECTED))
    warnings: list[str] = []
    recipient = resolve_recipient(path.name, document.get("gstin"), recipient_gstin, warnings)
    period = return_period(path.name, document.get("fp"), "fp")
    reader, columns = Reader(), Columns()
    for section, records in document.items():
        if section in ENVELOPE:
            continue
        if section in NOT_DOCUMENTS or section not in SECTIONS:
            if records:
                why = "TDS/TCS credits are not purchase documents" if section in NOT_DOCUMENTS \
                    else "unknown section"
                warnings.append(f"{section}: not imported ({why})")
            continue
        if not isinstance(records, list):
            reader.problems.append(Problem("expected a list", row=section, value=type(records).__name__))
            continue
        _read_section(reader, columns, section, records)
    check_problems(path.name, reader.problems)
    warnings.extend(reader.gstins.warnings())
    frame = columns.frame()
    if frame.empty:
        warnings.append("the file holds no documents")
    if not period:
        period = common_period(frame["supplier_return_period"])
        if period:
            warnings.append(f"the file has no return period (fp); using {period}, the period all suppliers "
                            "filed for")
    if period:
        fill(frame, return_period=period)
    fill(frame, source="gstr2a", recipient_gstin=recipient)
    return ParsedImport(kind="gstr2a", frame=frame, file_name=path.name, content_hash=sha256_hex(raw),
                        recipient_gstin=recipient, return_period=period, warnings=warnings)


def _is_gstr2a_section(section: str, records: list) -> bool:
    """GSTR-2A supplier records nest documents (``inv``/``nt``/``doclist``); IMS records are flat."""
    list_key = SECTIONS[section][0]
    first = records[0] if records else None
    if first is None:
        return True
    return isinstance(first, dict) and (list_key is None or list_key in first) and "stin" not in first


def _read_section(reader: Reader, columns: Columns, section: str, records: list) -> None:
    list_key, spec = SECTIONS[section]
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    for i in bad:
        reader.problems.append(Problem("expected a JSON object", row=f"{section}[{i}]",
                                       value=str(records[i])[:40]))
    suppliers = [r if isinstance(r, dict) else {} for r in records]
    if list_key is None:
        locate: Locate = lambda i: f"{section}[{i}]"  # noqa: E731 - a tiny closure per section
        cols = reader.document_columns(suppliers, spec, locate)
        cols.update(reader.supplier_columns(suppliers, list(range(len(suppliers))), locate,
                                            gstin_key="sgstin", name_key="tdname"))
        columns.add(len(suppliers), section=section, **cols)
        return
    docs, owner, position = [], [], []
    for j, supplier in enumerate(suppliers):
        own = supplier.get(list_key) or []
        if not isinstance(own, list):
            reader.problems.append(Problem("expected a list", row=f"{section}[{j}]", field=list_key,
                                           value=type(own).__name__))
            continue
        for k, doc in enumerate(own):
            if not isinstance(doc, dict):
                reader.problems.append(Problem("expected a JSON object",
                                               row=f"{section}[{j}].{list_key}[{k}]", value=str(doc)[:40]))
                continue
            docs.append(doc)
            owner.append(j)
            position.append(k)
    locate = lambda i: f"{section}[{owner[i]}].{list_key}[{position[i]}]"  # noqa: E731
    cols = reader.document_columns(docs, spec, locate)
    cols.update(reader.supplier_columns(
        suppliers, owner, lambda j: f"{section}[{j}]", name_key=("trdnm", "tdname"),
        text_keys=(("supplier_filing_status", "cfs"), ("gstr3b_filed", "cfs3b")),
        date_keys=(("supplier_filing_date", "fldtr1"),), period_key="flprdr1"))
    columns.add(len(docs), section=section, **cols)
