"""Realistic sample months: a purchase register and the portal's files for the same purchases.

Used by ``ims demo`` (a bundled month generated with a fixed seed) and by the benchmarks (any size).
The suppliers, numbers and amounts are invented but shaped like an Indian mid-size manufacturer's
month: a few large suppliers with many invoices, monthly rent of equal amounts, intra-state CGST+SGST
and inter-state IGST at 5/12/18/28 %, invoice values rounded to the rupee, and the usual findings:
numbers keyed differently in the books, rounding, typos, a GSTIN of the supplier's other state,
amounts and dates that differ, documents missing on either side, duplicates, credit notes.
Every books row carries the finding it was generated with (``finding``), so tests can check results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from ims_core.gst import gstin as gstin_rules
from ims_core.gst.dates import financial_year, fy_label, period_bounds
from ims_core.gst.money import group_indian

RECIPIENT_PAN = "AADCD4821K"
RECIPIENT_STATE = "27"

# finding → share of documents. Matched documents dominate a real month.
FINDINGS: dict[str, float] = {
    "matched": 0.56,
    "format": 0.12,
    "rounding": 0.05,
    "typo": 0.03,
    "gstin_slip": 0.02,
    "amount": 0.04,
    "date": 0.03,
    "missing_in_portal": 0.05,
    "missing_in_books": 0.05,
    "duplicate": 0.02,
    "credit_note": 0.03,
}
_FIRST = [
    "Shree",
    "Sai",
    "Om",
    "Balaji",
    "Ganesh",
    "Laxmi",
    "Maruti",
    "Kaveri",
    "Sahyadri",
    "Narmada",
    "Vindhya",
    "Shakti",
    "Kalpana",
    "Sunrise",
    "Orient",
    "Pioneer",
    "Prakash",
    "Jai Hind",
    "Sagar",
    "Triveni",
]
_SECOND = [
    "Packaging",
    "Chemicals",
    "Engineering",
    "Logistics",
    "Traders",
    "Polymers",
    "Electricals",
    "Steel",
    "Plastics",
    "Fasteners",
    "Solvents",
    "Transport",
    "Printers",
    "Industrial Gases",
    "Tools",
    "Pigments",
]
_SUFFIX = ["Pvt Ltd", "LLP", "Enterprises", "& Co", "Private Limited", "Industries"]
_STATES = ["27", "27", "27", "24", "29", "33", "07", "09", "36", "06"]
_RATES = np.array([5, 12, 18, 18, 18, 28])
_STYLES = ["{p}/{fy}/{n:04d}", "{p}-{n:05d}", "{n}", "{fyshort}/{n:03d}", "{p}{n:06d}", "{p}/{n}/{fyshort}"]


@dataclass
class SampleMonth:
    """One generated month: the books and the portal's view, in the parsers' column shapes."""

    recipient_gstin: str
    period: str
    books: pd.DataFrame  # canonical columns + ``finding``
    portal: pd.DataFrame  # one row per portal document + ``finding``


def make_gstin(rng: np.random.Generator, state: str, pan: str | None = None) -> str:
    pan = pan or (
        "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ"), 3))
        + rng.choice(list("CFPH"))
        + rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
        + f"{rng.integers(1000, 9999)}"
        + rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    )
    body = f"{state}{pan}1Z"
    return body + gstin_rules.check_character(body)


def recipient_gstin() -> str:
    body = f"{RECIPIENT_STATE}{RECIPIENT_PAN}1Z"
    return body + gstin_rules.check_character(body)


def _suppliers(rng: np.random.Generator, count: int) -> pd.DataFrame:
    rows = []
    for i in range(count):
        state = _STATES[i % len(_STATES)]
        name = (
            f"{_FIRST[i % len(_FIRST)]} {_SECOND[(i * 7) % len(_SECOND)]} {_SUFFIX[(i * 3) % len(_SUFFIX)]}"
        )
        gstin = make_gstin(rng, state)
        other_state = "29" if state != "29" else "24"
        rows.append(
            {
                "gstin": gstin,
                "name": name,
                "state": state,
                "style": _STYLES[i % len(_STYLES)],
                "prefix": "".join(w[0] for w in name.split()[:2]).upper() + ("INV" if i % 2 else ""),
                "sister": make_gstin(rng, other_state, gstin[2:12]),
            }
        )
    return pd.DataFrame(rows)


def _number(style: str, prefix: str, n: int, fy: int) -> str:
    return style.format(p=prefix, n=n, fy=fy_label(fy), fyshort=f"{fy % 100:02d}-{(fy + 1) % 100:02d}")


def _books_variant(number: str, rng: np.random.Generator) -> str:
    """The same number as a clerk might key it: other case, separators, zeros or FY token."""
    choice = int(rng.integers(0, 4))
    if choice == 0:
        return number.lower()
    if choice == 1:
        return number.replace("/", "-") if "/" in number else number.replace("-", "/")
    if choice == 2:
        return "".join(ch for ch in number if ch not in "/-")
    return number.replace("2025-26", "25-26") if "2025-26" in number else " " + number.replace("/", " / ")


def _typo(number: str, rng: np.random.Generator) -> str:
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    i = digits[-1] if digits else len(number) - 1
    other = str((int(number[i]) + 1 + int(rng.integers(0, 8))) % 10) if number[i].isdigit() else "X"
    return number[:i] + other + number[i + 1 :]


def generate(
    n_docs: int, period: str = "102025", seed: int = 7, n_suppliers: int | None = None
) -> SampleMonth:
    """Generate ``n_docs`` purchases of one month with every kind of finding, deterministically."""
    rng = np.random.default_rng(seed)
    first, last = period_bounds(period)
    fy = financial_year(first)
    suppliers = _suppliers(rng, n_suppliers or max(8, min(4000, n_docs // 12)))
    weights = 1 / np.arange(1, len(suppliers) + 1) ** 0.9  # a few large suppliers, a long tail
    sup = rng.choice(len(suppliers), n_docs, p=weights / weights.sum())
    findings = rng.choice(
        list(FINDINGS), n_docs, p=np.array(list(FINDINGS.values())) / sum(FINDINGS.values())
    )
    days = rng.integers(0, (last - first).days + 1, n_docs)
    taxable = np.round(np.exp(rng.normal(10.5, 1.3, n_docs)) * 100).astype("int64")  # paise, ~₹36k median
    rate = rng.choice(_RATES, n_docs)
    # monthly rent: a handful of equal-amount invoices from the first supplier
    rent = np.arange(n_docs) % 97 == 5
    sup[rent], taxable[rent], rate[rent], findings[rent] = 0, 15_000_000, 18, "matched"
    intra = suppliers["state"].to_numpy()[sup] == RECIPIENT_STATE
    tax = taxable * rate // 100
    igst = np.where(intra, 0, tax)
    cgst = np.where(intra, tax // 2, 0)
    sgst = np.where(intra, tax - tax // 2, 0)
    value = ((taxable + tax + 50) // 100) * 100  # invoice value rounded to the rupee
    steps = rng.integers(1, 4, n_docs)  # numbers run on per supplier, with gaps
    serial = pd.Series(steps).groupby(sup).cumsum().to_numpy()
    styles, prefixes = suppliers["style"].tolist(), suppliers["prefix"].tolist()
    numbers = [
        _number(styles[s], prefixes[s], int(n), fy)
        for s, n in zip(sup.tolist(), serial.tolist(), strict=True)
    ]
    doc_types = np.where(findings == "credit_note", "CRN", "INV")
    dates = pd.to_datetime(first) + pd.to_timedelta(days, unit="D")
    portal = pd.DataFrame(
        {
            "supplier_gstin": suppliers["gstin"].to_numpy()[sup],
            "supplier_name": suppliers["name"].to_numpy()[sup],
            "doc_type": doc_types,
            "doc_number": numbers,
            "doc_date": dates,
            "taxable_paise": taxable,
            "igst_paise": igst,
            "cgst_paise": cgst,
            "sgst_paise": sgst,
            "cess_paise": np.zeros(n_docs, dtype="int64"),
            "invoice_value_paise": value,
            "place_of_supply": RECIPIENT_STATE,
            "finding": findings,
        }
    )
    books = portal.copy()
    f = books["finding"].to_numpy()
    numbers_b = books["doc_number"].to_numpy(dtype=object)
    for i in np.flatnonzero(f == "format"):
        numbers_b[i] = _books_variant(numbers_b[i], rng)
    for i in np.flatnonzero(f == "typo"):
        numbers_b[i] = _typo(numbers_b[i], rng)
    books["doc_number"] = numbers_b
    rounding = f == "rounding"
    books.loc[rounding, "taxable_paise"] += rng.integers(-60, 61, rounding.sum())
    slip = f == "gstin_slip"
    books.loc[slip, "supplier_gstin"] = suppliers["sister"].to_numpy()[sup[slip]]
    amount = f == "amount"
    books.loc[amount, "taxable_paise"] = books.loc[amount, "taxable_paise"] * 11 // 10
    for head in ("igst_paise", "cgst_paise", "sgst_paise"):
        books.loc[amount, head] = books.loc[amount, head] * 11 // 10
    books.loc[amount, "invoice_value_paise"] = books.loc[amount, "invoice_value_paise"] * 11 // 10
    shifted = f == "date"
    books.loc[shifted, "doc_date"] = books.loc[shifted, "doc_date"] - pd.to_timedelta(
        rng.integers(1, 6, shifted.sum()), unit="D"
    )
    books = pd.concat([books.loc[f != "missing_in_books"], books.loc[f == "duplicate"]], ignore_index=True)
    portal = portal.loc[portal["finding"] != "missing_in_portal"].reset_index(drop=True)
    me = recipient_gstin()
    books.insert(0, "recipient_gstin", me)
    portal.insert(0, "recipient_gstin", me)
    return SampleMonth(recipient_gstin=me, period=period, books=books, portal=portal)


def _rupees(paise: pd.Series, indian_grouping: np.ndarray | None = None) -> pd.Series:
    """Paise as rupee text; where ``indian_grouping`` is set, grouped as books print it (1,23,456.50)."""
    values = paise.astype("int64").to_numpy()
    whole = (np.abs(values) // 100).astype(str)
    if indian_grouping is not None:
        whole = np.where(indian_grouping, [group_indian(w) for w in whole], whole)
    sign = np.where(values < 0, "-", "")
    fraction = pd.Series(np.abs(values) % 100).astype(str).str.zfill(2).to_numpy()
    return pd.Series(
        np.char.add(np.char.add(np.char.add(sign, whole.astype(str)), "."), fraction.astype(str)),
        index=paise.index,
    )


def write_books_csv(month: SampleMonth, path: Path) -> Path:
    """The books as the canonical purchase-register CSV (DESIGN.md columns)."""
    b = month.books
    grouped = np.arange(len(b)) % 3 == 0  # a third of the rows typed with Indian digit grouping
    out = pd.DataFrame(
        {
            "supplier_gstin": b["supplier_gstin"],
            "supplier_name": b["supplier_name"],
            "doc_type": b["doc_type"],
            "doc_number": b["doc_number"],
            "doc_date": pd.to_datetime(b["doc_date"]).dt.strftime("%d-%m-%Y"),
            "taxable_value": _rupees(b["taxable_paise"], grouped),
            "igst": _rupees(b["igst_paise"]),
            "cgst": _rupees(b["cgst_paise"]),
            "sgst": _rupees(b["sgst_paise"]),
            "cess": _rupees(b["cess_paise"]),
            "invoice_value": _rupees(b["invoice_value_paise"], grouped),
            "place_of_supply": b["place_of_supply"],
            "reverse_charge": "N",
            "recipient_gstin": b["recipient_gstin"],
        }
    )
    out.to_csv(path, index=False)
    return path


def _amount(paise: int) -> float | int:
    """A JSON number as the portal writes it: 1234.5, or 1234 when whole."""
    return paise // 100 if paise % 100 == 0 else paise / 100


def write_gstr2b_json(month: SampleMonth, path: Path) -> Path:
    """The portal side as a GSTR-2B JSON of schema version 4 (amounts on the document)."""
    p = month.portal
    filed = dt.date(
        int(month.period[2:]) + (month.period[:2] == "12"), int(month.period[:2]) % 12 + 1, 11
    ).strftime("%d-%m-%Y")
    b2b: dict[str, dict] = {}
    cdnr: dict[str, dict] = {}
    columns = [
        "supplier_gstin",
        "supplier_name",
        "doc_type",
        "doc_number",
        "doc_date",
        "taxable_paise",
        "igst_paise",
        "cgst_paise",
        "sgst_paise",
        "cess_paise",
        "invoice_value_paise",
    ]
    for g, name, typ, num, date, txval, igst, cgst, sgst, cess, val in p[columns].itertuples(index=False):
        amounts = {
            "txval": _amount(txval),
            "igst": _amount(igst),
            "cgst": _amount(cgst),
            "sgst": _amount(sgst),
        }
        amounts = {k: v for k, v in amounts.items() if v or k == "txval"}  # the portal drops zero heads
        doc = {
            "dt": date.strftime("%d-%m-%Y"),
            "val": _amount(val),
            "pos": RECIPIENT_STATE,
            "rev": "N",
            "itcavl": "Y",
            "rsn": "",
            "diffprcnt": 1,
            "srctyp": "",
            "irn": "",
            "irngendate": "",
            **amounts,
        }
        if cess:
            doc["cess"] = _amount(cess)
        target = cdnr if typ == "CRN" else b2b
        entry = target.setdefault(g, {"ctin": g, "trdnm": name, "supfildt": filed, "supprd": month.period})
        if typ == "CRN":
            entry.setdefault("nt", []).append({"ntnum": num, "typ": "C", "suptyp": "R", **doc})
        else:
            entry.setdefault("inv", []).append({"inum": num, "typ": "R", **doc})
    data = {
        "gstin": month.recipient_gstin,
        "rtnprd": month.period,
        "version": "4.0",
        "gendt": f"14-{int(month.period[:2]) % 12 + 1:02d}-{month.period[2:]}",
        "docdata": {"b2b": list(b2b.values()), "cdnr": list(cdnr.values())},
    }
    path.write_bytes(orjson.dumps({"chksum": "", "data": data}))
    return path


def write_ims_json(month: SampleMonth, path: Path) -> Path:
    """The same portal documents as IMS records awaiting action (all "No action")."""
    p = month.portal
    sections: dict[str, list] = {"b2b": [], "b2bcn": []}
    for r in p.itertuples(index=False):
        row = {
            "stin": r.supplier_gstin,
            "inv_typ": "R",
            "action": "N",
            "ispendactblocked": "N",
            "srcform": "R1",
            "rtnprd": month.period,
            "srcfilstatus": "Filed",
            "val": _amount(r.invoice_value_paise),
            "pos": RECIPIENT_STATE,
            "txval": _amount(r.taxable_paise),
            "iamt": _amount(r.igst_paise),
            "camt": _amount(r.cgst_paise),
            "samt": _amount(r.sgst_paise),
            "cess": _amount(r.cess_paise),
            "hash": hashlib.sha256(f"{r.supplier_gstin}|{r.doc_number}".encode()).hexdigest(),
        }
        if r.doc_type == "CRN":
            sections["b2bcn"].append(
                {"nt_num": r.doc_number, "nt_dt": r.doc_date.strftime("%d-%m-%Y"), **row}
            )
        else:
            sections["b2b"].append({"inum": r.doc_number, "idt": r.doc_date.strftime("%d-%m-%Y"), **row})
    path.write_bytes(orjson.dumps({"rtin": month.recipient_gstin, **sections}))
    return path


DEMO_DOCS = 360
DEMO_PERIOD = "102025"
DEMO_FILES = {
    "books": "purchase_register_oct2025.csv",
    "gstr2b": "gstr2b_102025.json",
    "ims": "ims_records_102025.json",
}


def write_demo_files(folder: Path) -> dict[str, Path]:
    """The bundled demo month (fixed seed): books CSV, GSTR-2B JSON and IMS JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    month = generate(DEMO_DOCS, period=DEMO_PERIOD, seed=2025, n_suppliers=42)
    return {
        "books": write_books_csv(month, folder / DEMO_FILES["books"]),
        "gstr2b": write_gstr2b_json(month, folder / DEMO_FILES["gstr2b"]),
        "ims": write_ims_json(month, folder / DEMO_FILES["ims"]),
    }
