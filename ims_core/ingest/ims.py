"""IMS records as the portal's GETINV API returns them: one flat list per section.

Sections: ``b2b``, ``b2ba``, ``b2bdn``, ``b2bdna``, ``b2bcn``, ``b2bcna``, ``ecom``, ``ecoma`` and, from
the October-2025 period, the bill-of-entry sections ``impg``, ``impga``, ``impgsez``, ``impgseza``.
The file may hold them at the top level, under ``data``, or under ``invdata`` (the save-request shape a
tool re-downloads). A record carries the supplier (``stin``), the document, the recipient's action
(``action``: A/R/P/N), whether Pending is blocked (``ispendactblocked``), the supplier's form and
filing status, and, for credit notes from October 2025, the ITC-reduction block (``itcRedReq``,
``declIgst``…); unknown keys are ignored. ``rtnprd`` on a record is the supplier's return period: it
fills both ``supplier_return_period`` and the row's ``return_period`` (the GSTR-2B the record goes to
when acted on in time). The import's ``return_period`` is that period when all records share it, else
empty: IMS is a live dashboard spanning periods, not a return.

Bill-of-entry records are read with the GSTR-2B key names (``boenum``, ``boedt``, ``portcode``), also
accepting GSTR-2A's (``benum``, ``bedt``, ``portcd``); the SEZ supplier is ``stin`` (or ``sgstin``).
The recipient GSTIN is ``rtin`` when the file has it, else ``--recipient``.
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
    load_json,
    read_bytes,
    resolve_recipient,
    sha256_hex,
)
from ims_core.models.vocabulary import Action

EXPECTED = 'IMS records (GETINV): {"b2b": [{"stin", "inum", "idt", "action", …}], "b2bcn": […], …}'

_AMOUNTS = ("txval", ("iamt", "igst"), ("camt", "cgst"), ("samt", "sgst"), ("cess", "csamt"))
_TEXT = (("ims_action", "action"), ("src_form", "srcform"), ("supplier_filing_status", "srcfilstatus"),
         ("ims_hash", "hash"), ("itc_reduction_required", "itcRedReq"), ("remarks", "remarks"),
         ("invoice_type", "inv_typ"))
_COMMON = dict(
    amounts=_AMOUNTS, text=_TEXT,
    flags=(("pending_action_blocked", "ispendactblocked"),
           ("itc_reduction_blocked", ("isItcRedReqBlocked", "itcRedReqBlocked")),
           ("remarks_blocked", ("isRemarksBlocked", "remarksBlocked"))),
    optional_amounts=(("decl_igst_paise", "declIgst"), ("decl_cgst_paise", "declCgst"),
                      ("decl_sgst_paise", "declSgst"), ("decl_cess_paise", "declCess")),
)
_INVOICE = DocSpec(number="inum", date="idt", original_number="oinum", original_date="oidt", **_COMMON)
_CREDIT = DocSpec(number="nt_num", date="nt_dt", doc_type="CRN", original_number=("ont_num", "ontnum"),
                  original_date=("ont_dt", "ontdt"), **_COMMON)
_DEBIT = DocSpec(number="nt_num", date="nt_dt", doc_type="DBN", original_number=("ont_num", "ontnum"),
                 original_date=("ont_dt", "ontdt"), **_COMMON)
_BOE = DocSpec(number=("boenum", "benum"), date=("boedt", "bedt"), doc_type="BOE", place=None,
               original_number=("oboenum", "obenum"), original_date=("oboedt", "obedt"),
               amounts=_AMOUNTS, text=(("invoice_type", ("portcode", "portcd")),) + _TEXT[:-1],
               flags=_COMMON["flags"])
ACTIONS = {*Action, ""}  # an empty action is No action
SECTIONS: dict[str, DocSpec] = {
    "b2b": _INVOICE, "b2ba": _INVOICE, "ecom": _INVOICE, "ecoma": _INVOICE,
    "b2bcn": _CREDIT, "b2bcna": _CREDIT, "b2bdn": _DEBIT, "b2bdna": _DEBIT,
    "impg": _BOE, "impga": _BOE, "impgsez": _BOE, "impgseza": _BOE,
}


def parse_ims_json(path: Path, recipient_gstin: str | None = None) -> ParsedImport:
    """All sections of an IMS download as one import of flat portal documents."""
    path = Path(path)
    raw = read_bytes(path)
    document = load_json(path.name, raw, EXPECTED)
    block = _sections_block(path.name, document)
    warnings: list[str] = []
    data = document.get("data") if isinstance(document.get("data"), dict) else {}
    rtin = document.get("rtin") or data.get("rtin")
    recipient = resolve_recipient(path.name, rtin, recipient_gstin, warnings)
    reader = Reader()
    columns = Columns()
    periods: list[str] = []
    for section, records in block.items():
        spec = SECTIONS.get(section)
        if spec is None:
            continue
        if not isinstance(records, list):
            reader.problems.append(Problem("expected a list of records", row=section,
                                           value=type(records).__name__))
            continue
        kept = [(i, r) for i, r in enumerate(records) if isinstance(r, dict)]
        for i, r in enumerate(records):
            if not isinstance(r, dict):
                reader.problems.append(Problem("expected a JSON object", row=f"{section}[{i}]",
                                               value=str(r)[:40]))
        docs = [r for _, r in kept]

        def locate(i: int, section: str = section, kept: list = kept) -> str:
            return f"{section}[{kept[i][0]}]"

        cols = reader.document_columns(docs, spec, locate)
        for i, action in enumerate(cols["ims_action"]):
            if action not in ACTIONS:
                reader.problems.append(Problem("not an IMS action", row=locate(i), field="action",
                                               value=action, expected="A, R, P or N"))
        supplier = reader.supplier_columns(docs, list(range(len(docs))), locate,
                                           gstin_key=("stin", "sgstin", "ctin"), name_key=("trdnm", "tdname"),
                                           period_key="rtnprd")
        cols.update(supplier)
        periods.extend(supplier["supplier_return_period"])
        columns.add(len(docs), source="ims", section=section, recipient_gstin=recipient,
                    return_period=supplier["supplier_return_period"], **cols)
    check_problems(path.name, reader.problems)
    warnings.extend(reader.gstins.warnings())
    if columns.length == 0:
        warnings.append("the file holds no IMS records")
    return ParsedImport(kind="ims", frame=columns.frame(), file_name=path.name, content_hash=sha256_hex(raw),
                        recipient_gstin=recipient, return_period=common_period(periods), warnings=warnings)


def _sections_block(name: str, document: object) -> dict:
    """The object holding the section lists: the top level, ``data`` or ``invdata``."""
    if isinstance(document, dict):
        for candidate in (document, document.get("data"), document.get("invdata")):
            if isinstance(candidate, dict) and _looks_like_ims(candidate):
                return candidate
    raise IngestError(name, Problem(f"this looks like {describe_shape(document)}, not IMS records",
                                    expected=EXPECTED))


def _looks_like_ims(block: dict) -> bool:
    """IMS sections are flat record lists (``stin`` on each record), unlike GSTR-2A/2B supplier lists."""
    found = [block[s] for s in SECTIONS if isinstance(block.get(s), list)]
    if not found:
        return False
    firsts = [records[0] for records in found if records]
    return all(isinstance(r, dict) and ("stin" in r or "sgstin" in r or "boenum" in r or "benum" in r)
               for r in firsts)
