"""How the purchase-register exports people actually have map onto the canonical books columns.

A :class:`Preset` names, for each canonical field, the headers an export uses for it. Headers are
compared after :func:`header_key` (case, spaces, punctuation and underscores ignored), so
``Supplier GSTIN``, ``supplier_gstin`` and ``SUPPLIER  GSTIN`` are one header. Exports whose tax
columns are named after ledgers or accounts (Tally, ERPNext) find them by pattern and add up every
column of a tax head (``Input IGST 18%`` + ``Input IGST 12%``).

Where each mapping comes from is said in the preset's ``source``; the column names were checked against
the vendors' documentation and report code, summarised here in our own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The canonical fields a books file can carry (DESIGN.md "Canonical purchase register CSV").
MONEY_FIELDS = ("taxable_value", "igst", "cgst", "sgst", "cess", "invoice_value")
TAX_FIELDS = ("igst", "cgst", "sgst", "cess")
FIELDS = ("supplier_gstin", "supplier_name", "doc_type", "doc_number", "doc_date", *MONEY_FIELDS,
          "place_of_supply", "reverse_charge", "recipient_gstin", "payment_date", "ledger", "itc_eligible")
CANONICAL_REQUIRED = ("supplier_gstin", "supplier_name", "doc_type", "doc_number", "doc_date",
                      *MONEY_FIELDS, "place_of_supply", "reverse_charge")
FIELD_HELP: dict[str, str] = {
    "supplier_gstin": "the supplier's 15-character GSTIN",
    "supplier_name": "the supplier's name",
    "doc_type": "INV, CRN or DBN (Invoice, Credit Note, Debit Note also read)",
    "doc_number": "the supplier's document number, exactly as printed",
    "doc_date": "the supplier's document date (YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, 1-Apr-2025)",
    "taxable_value": "taxable value in rupees (1,23,456.50 or 123456.50)",
    "igst": "integrated tax in rupees", "cgst": "central tax in rupees",
    "sgst": "state / union-territory tax in rupees", "cess": "cess in rupees",
    "invoice_value": "document total in rupees",
    "place_of_supply": "state code (24), '24-Gujarat' or a state name",
    "reverse_charge": "Y or N (blank = N)",
    "recipient_gstin": "your GSTIN on the document (or pass --recipient GSTIN)",
    "payment_date": "optional: when the supplier was paid (for the 180-day rule)",
    "ledger": "optional: ledger or expense category (for blocked credits)",
    "itc_eligible": "optional: Y or N",
}

# A note's direction is carried by its type; these words on a canonical doc_type cell mean these types.
DOC_TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(["inv", "invoice", "tax invoice", "bill", "b2b", "r", "regular", "purchase"], "INV"),
    **dict.fromkeys(["crn", "cn", "c", "credit note", "credit", "cdn c", "vendor credit"], "CRN"),
    **dict.fromkeys(["dbn", "dn", "d", "debit note", "debit", "cdn d"], "DBN"),
}

# Two-letter state abbreviations, as Zoho Books writes Source/Destination of Supply (and as the GST
# portal abbreviates states); old and new spellings both read.
STATE_ABBREVIATIONS: dict[str, str] = {
    "JK": "01", "HP": "02", "PB": "03", "CH": "04", "UK": "05", "UT": "05", "HR": "06", "DL": "07",
    "RJ": "08", "UP": "09", "BR": "10", "SK": "11", "AR": "12", "NL": "13", "MN": "14", "MZ": "15",
    "TR": "16", "ML": "17", "AS": "18", "WB": "19", "JH": "20", "OR": "21", "OD": "21", "CG": "22",
    "CT": "22", "MP": "23", "GJ": "24", "DD": "26", "DN": "26", "DH": "26", "MH": "27", "KA": "29",
    "GA": "30", "LD": "31", "KL": "32", "TN": "33", "PY": "34", "AN": "35", "TS": "36", "TG": "36",
    "AP": "37", "AD": "37", "LA": "38", "OT": "97",
}


def header_key(header: object) -> str:
    """A header as presets compare it: lower case, runs of anything but letters/digits as one space."""
    return re.sub(r"[^0-9a-z%]+", " ", str(header).lower()).strip()


@dataclass(frozen=True)
class Preset:
    """One export's column names, and the few rules that differ between exports.

    ``columns``: field -> header keys, the first present wins. ``patterns``: field -> regular expressions
    over header keys; every matching column is summed (ledger-named tax columns). ``fill_blank``: field ->
    header keys whose cell is used where the main column's cell is empty. ``doc_type_rules``: ordered
    (regex, type) pairs searched in the doc-type cell; ``default_doc_type`` when the export has no such
    column. ``doc_type_by_header``: a doc-number header that implies the type (Zoho's vendor credits).
    ``negative_is_return``: a document whose total is negative is the supplier's credit note.
    ``line_items``: one row per line; rows of one document are added up (the header keys listed in
    ``summed_headers`` are per line, others repeat the document's figure). ``line_group`` names the
    export's own document id, so two documents that share a number stay two (a duplicate to report).
    ``skip_status``: a status column and the values that mean "not a real document" (void, draft).
    """

    name: str
    source: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fill_blank: dict[str, tuple[str, ...]] = field(default_factory=dict)
    doc_type_rules: tuple[tuple[str, str], ...] = ()
    default_doc_type: str = "INV"
    doc_type_by_header: dict[str, str] = field(default_factory=dict)
    negative_is_return: bool = False
    line_items: bool = False
    summed_headers: frozenset[str] = frozenset()
    line_group: tuple[str, ...] = ()
    skip_status: dict[str, frozenset[str]] = field(default_factory=dict)
    derive_taxable: bool = False


def _keys(*headers: str) -> tuple[str, ...]:
    return tuple(header_key(h) for h in headers)


# Tax columns named after ledgers/accounts: the tax head as a word of its own, never a rate column.
_TAX_PATTERNS: dict[str, tuple[str, ...]] = {
    "igst": (r"(?<![a-z])igst(?![a-z])",),
    "cgst": (r"(?<![a-z])cgst(?![a-z])",),
    "sgst": (r"(?<![a-z])(sgst|utgst)(?![a-z])",),
    "cess": (r"(?<![a-z])cess(?![a-z])",),
}
# Rate columns ("IGST Rate", "IGST %"; a ledger named "Input IGST 18%" is an amount), totals, GSTINs and
# purchase ledgers named after their tax type ("Purchase @18% IGST") are not tax amounts.
NOT_A_TAX_COLUMN = re.compile(r"\brate\b|\bpercent|(?<![0-9])%|^total\b|gstin|^purchase")

_OPTIONAL = {
    "payment_date": _keys("payment_date", "payment date", "paid on", "date of payment"),
    "ledger": _keys("ledger", "category", "expense category", "account"),
    "itc_eligible": _keys("itc_eligible", "itc eligible", "eligible for itc", "itc eligibility"),
}

CANONICAL = Preset(
    name="canonical",
    source="The columns DESIGN.md fixes for a hand-made or converted register; every preset maps onto it.",
    columns={f: _keys(f) for f in FIELDS} | {"ledger": _keys("ledger", "category")},
    required=CANONICAL_REQUIRED,
    doc_type_rules=tuple((rf"^{re.escape(word)}$", code) for word, code in DOC_TYPE_WORDS.items()),
)

TALLY = Preset(
    name="tally",
    source=(
        "Tally Prime's Purchase Register in columnar (detailed) view, exported to Excel or CSV: a few "
        "title rows (company, report name, period), then Date, Particulars (the supplier ledger), "
        "Voucher Type, Voucher No., the supplier's own number and date (Supplier Invoice No./Date, "
        "called Reference No./Date in some releases), GSTIN/UIN, Gross Total, then one column per "
        "ledger posted: purchase ledgers, input tax ledgers (named by the user, e.g. 'Input IGST 18%') "
        "and others. Tax heads are found by the tax word in the ledger name; taxable value is the "
        "Value column, else the purchase ledgers' columns, else Gross Total less tax. Voucher types: "
        "any '…Purchase…' type is a supplier invoice; a buyer's Debit Note voucher (purchase return) "
        "answers the supplier's credit note, so it is read as CRN; a buyer's Credit Note voucher (extra "
        "charge accepted) answers the supplier's debit note, DBN. Supplier date blank or absent -> the "
        "voucher Date."
    ),
    columns={
        "supplier_name": _keys("Particulars", "Party Name", "Supplier Name", "Party"),
        "doc_type": _keys("Voucher Type", "Vch Type"),
        "doc_number": _keys("Supplier Invoice No.", "Supplier Invoice No", "Reference No.", "Ref No.",
                            "Supplier Inv No", "Supplier Bill No"),
        "doc_date": _keys("Supplier Invoice Date", "Reference Date", "Ref Date", "Supplier Inv Date", "Date"),
        "supplier_gstin": _keys("GSTIN/UIN", "GSTIN", "Party GSTIN/UIN", "Party GSTIN"),
        "invoice_value": _keys("Gross Total", "Invoice Value", "Total"),
        "taxable_value": _keys("Value", "Taxable Value", "Assessable Value"),
        "place_of_supply": _keys("Place of Supply", "State", "Party State"),
        "reverse_charge": _keys("Reverse Charge", "Is Reverse Charge Applicable"),
        **_OPTIONAL,
    },
    required=("supplier_gstin", "supplier_name", "doc_type", "doc_number", "doc_date", "invoice_value"),
    patterns={"taxable_value": (r"^purchase(?!.*register)",), **_TAX_PATTERNS},
    fill_blank={"doc_date": _keys("Date", "Voucher Date")},
    doc_type_rules=((r"purchase", "INV"), (r"debit", "CRN"), (r"credit", "DBN")),
    derive_taxable=True,
)

ZOHO = Preset(
    name="zoho",
    source=(
        "Zoho Books (India) export of Bills, and of Vendor Credits, as CSV or XLSX: one row per line item "
        "with the bill's fields repeated (Bill Date, Bill Number, Vendor Name, the GSTIN under Zoho's "
        "import/export header 'GST Identification Number (GSTIN)', Source/Destination of Supply as "
        "two-letter state codes, SubTotal and Total per bill), and per line Item Total and the tax "
        "amounts IGST, CGST, SGST, CESS (beside rate columns, which are ignored). Lines of one bill are "
        "added up (by Zoho's Bill ID when present); void and draft bills are skipped. A file of vendor "
        "credits (Vendor Credit Number/Date) holds the suppliers' credit notes."
    ),
    columns={
        "doc_number": _keys("Bill Number", "Bill#", "Bill No", "Vendor Credit Number", "Vendor Credit#",
                            "Credit Note Number"),
        "doc_date": _keys("Bill Date", "Vendor Credit Date", "Credit Note Date", "Date"),
        "supplier_name": _keys("Vendor Name", "Vendor", "Contact Name"),
        "supplier_gstin": _keys("GST Identification Number (GSTIN)", "Vendor GSTIN", "GSTIN", "GST No"),
        "place_of_supply": _keys("Place of Supply", "Destination of Supply"),
        "taxable_value": _keys("SubTotal", "Sub Total", "Item Total"),
        "igst": _keys("IGST", "IGST Amount"), "cgst": _keys("CGST", "CGST Amount"),
        "sgst": _keys("SGST", "SGST Amount", "UTGST"), "cess": _keys("CESS", "Cess Amount"),
        "invoice_value": _keys("Total", "Bill Total", "Total (BCY)"),
        "reverse_charge": _keys("Is Reverse Charge Applied", "Reverse Charge"),
        "recipient_gstin": _keys("Organization GSTIN", "Company GSTIN"),
        **_OPTIONAL,
        "ledger": _keys("Account", "Category", "Ledger"),
    },
    required=("supplier_gstin", "supplier_name", "doc_number", "doc_date", "taxable_value", "invoice_value"),
    doc_type_by_header={header_key("Vendor Credit Number"): "CRN", header_key("Vendor Credit#"): "CRN",
                        header_key("Credit Note Number"): "CRN"},
    line_items=True,
    line_group=_keys("Bill ID", "Vendor Credit ID"),
    skip_status=dict.fromkeys(_keys("Bill Status", "Vendor Credit Status", "Status"),
                              frozenset({"void", "draft"})),
    summed_headers=frozenset(_keys("Item Total", "IGST", "IGST Amount", "CGST", "CGST Amount", "SGST",
                                   "SGST Amount", "UTGST", "CESS", "Cess Amount")),
)

ERPNEXT = Preset(
    name="erpnext",
    source=(
        "ERPNext's Purchase Register report (and india-compliance's GST Purchase Register built on it), "
        "exported from the report view: Invoice (ERPNext's own id), Posting Date, Supplier, Supplier "
        "Name, Tax Id, Bill No and Bill Date (the supplier's number and date), one column per expense "
        "account, Net Total, one column per tax account (default names like 'Input Tax IGST - ABC'), "
        "Total Tax, Grand Total, Rounded Total, Outstanding Amount; the GST variant adds Supplier GSTIN, "
        "Company GSTIN, Reverse Charge. A return (Is Return, or negative totals) is a debit note raised "
        "against the supplier's credit note: read as CRN. Bill Date blank -> Posting Date."
    ),
    columns={
        "doc_number": _keys("Bill No", "Supplier Invoice No"),
        "doc_date": _keys("Bill Date", "Supplier Invoice Date"),
        "supplier_name": _keys("Supplier Name", "Supplier"),
        "supplier_gstin": _keys("Supplier GSTIN", "Tax Id", "GSTIN"),
        "recipient_gstin": _keys("Company GSTIN"),
        "taxable_value": _keys("Net Total", "Base Net Total"),
        "invoice_value": _keys("Grand Total", "Base Grand Total"),
        "reverse_charge": _keys("Reverse Charge", "Is Reverse Charge"),
        "place_of_supply": _keys("Place Of Supply"),
        "doc_type": _keys("Is Return"),
        **_OPTIONAL,
    },
    required=("supplier_gstin", "supplier_name", "doc_number", "doc_date", "taxable_value", "invoice_value"),
    patterns=_TAX_PATTERNS,
    fill_blank={"doc_date": _keys("Posting Date")},
    doc_type_rules=((r"^(1|yes|y|true)$", "CRN"), (r"^(0|no|n|false)$", "INV")),
    negative_is_return=True,
)

PRESETS: dict[str, Preset] = {p.name: p for p in (CANONICAL, TALLY, ZOHO, ERPNEXT)}
PRESET_NAMES = ("auto", *PRESETS)


def resolve(preset: Preset, keys: list[str],
            overrides: dict[str, str]) -> tuple[dict[str, list[int]], list[str]]:
    """Which file columns (by position) hold each field, and which required fields have none.

    ``keys`` are the file's header keys; ``overrides`` maps header keys to fields (``--map``) and wins
    over the preset. Every column serves one field at most.
    """
    mapping: dict[str, list[int]] = {}
    taken: set[int] = set()
    for key, fld in overrides.items():
        if key in keys:
            col = keys.index(key)
            mapping.setdefault(fld, []).append(col)
            taken.add(col)
    for fld, aliases in preset.columns.items():
        if fld in mapping:
            continue
        for alias in aliases:
            if alias in keys and keys.index(alias) not in taken:
                mapping[fld] = [keys.index(alias)]
                taken.add(keys.index(alias))
                break
    for fld, patterns in preset.patterns.items():
        if fld in mapping:
            continue
        cols = [i for i, k in enumerate(keys) if i not in taken and k
                and (fld not in TAX_FIELDS or not NOT_A_TAX_COLUMN.search(k))
                and any(re.search(p, k) for p in patterns)]
        if cols:
            mapping[fld] = cols
            taken.update(cols)
    missing = [f for f in preset.required if f not in mapping]
    return mapping, missing
