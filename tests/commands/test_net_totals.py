"""One rule for totals, seen through the commands a user runs: a credit note's tax counts negative in
every table, summary and figure that totals documents (``ims_core.models.base``), while each document
keeps the amounts it states.

The month, computed by hand. Recipient 27AADCD4821K1ZM (Maharashtra); supplier A 27AHQPA7588L1ZJ
(Maharashtra: CGST + SGST at 9 % each), supplier B 29AAFCC9980M1ZR (Karnataka: IGST at 18 %).

=====  =========  ====  ========  ======  =======  ===============================================
party  number     type  taxable   tax     in       reconciles as
=====  =========  ====  ========  ======  =======  ===============================================
A      A-101      INV   1,00,000  18,000  both     matched
A      A-102      INV     50,000   9,000  books    missing_in_portal
A      A-DN1      DBN     10,000   1,800  both     matched
A      A-CN1      CRN     20,000   3,600  both     matched
A      A-CN2      CRN      5,000     900  books    missing_in_portal
A      A-CN3      CRN      2,000     360  portal   missing_in_books
B      B-7        INV     40,000   7,200  books    mismatch: the portal says 42,000 and 7,560
B      B-CN1      CRN     10,000   1,800  both     matched
B      B-9        INV     30,000   5,400  portal   missing_in_books
=====  =========  ====  ========  ======  =======  ===============================================

Books import: taxable INV 1,90,000 + DBN 10,000 - CRN 35,000 = 1,65,000;
              tax     INV 34,200 + DBN 1,800 - CRN 6,300 (3,600 + 900 + 1,800) = 29,700.
GSTR-2B import: b2b taxable 1,00,000 + 42,000 + 30,000 = 1,72,000, tax 18,000 + 7,560 + 5,400 = 30,960;
                cdnr taxable 10,000 - 32,000 = -22,000, tax 1,800 - 5,760 (3,600 + 1,800 + 360) = -3,960;
                net total taxable 1,50,000, tax 27,000.
Reconciliation (a pair counts the portal's tax, an unpaired document its own):
  matched            4   18,000 + 1,800 - 3,600 - 1,800 = 14,400
  mismatch           1   7,560
  missing_in_portal  2   9,000 - 900 = 8,100
  missing_in_books   2   5,400 - 360 = 5,040
  total              9   35,100    (the portal's side, matched + mismatch + missing_in_books = 27,000)
Supplier A: by status matched 18,000 + 1,800 - 3,600 = 16,200, missing_in_portal 8,100, missing_in_books
  -360 (total 23,940); ITC booked 18,000 + 9,000 + 1,800 - 3,600 - 900 = 24,300; at risk 9,000 - 900 =
  8,100; score 100 - 40 x 9,000 / 28,800 (its invoices' and debit notes' tax) = 87.5, rounded half up 88.
Supplier B: by status mismatch 7,560, matched -1,800, missing_in_books 5,400 (total 11,160); ITC booked
  7,200 - 1,800 = 5,400; at risk 7,200 (B-7 as booked); score 100 - 30 x 7,200 / 7,200 = 70.
  A + B: by status 23,940 + 11,160 = 35,100 (the reconciliation's total); booked 24,300 + 5,400 = 29,700
  (the books' net tax).
Digest: the counts as the reconciliation's; records needing a decision B-7, B-9 and A-CN3:
  7,560 + 5,400 - 360 = 12,600 net tax.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.commands.common import console

R, A, B = "27AADCD4821K1ZM", "27AHQPA7588L1ZJ", "29AAFCC9980M1ZR"
NAMES = {A: "Shree Polymers", B: "Kaveri Chemicals"}
COLUMNS = ("supplier_gstin,supplier_name,doc_type,doc_number,doc_date,taxable_value,igst,cgst,sgst,cess,"
           "invoice_value,place_of_supply,reverse_charge,recipient_gstin")


def _tax(supplier: str, taxable: int) -> dict[str, float]:
    """18 %: IGST from another state, CGST and SGST at 9 % each from the recipient's own."""
    if supplier[:2] == R[:2]:
        return {"igst": 0, "cgst": taxable * 9 / 100, "sgst": taxable * 9 / 100}
    return {"igst": taxable * 18 / 100, "cgst": 0, "sgst": 0}


BOOKS = [  # (supplier, type, number, day of October 2025, taxable in rupees)
    (A, "INV", "A-101", 3, 100_000), (A, "INV", "A-102", 10, 50_000), (A, "DBN", "A-DN1", 12, 10_000),
    (A, "CRN", "A-CN1", 20, 20_000), (A, "CRN", "A-CN2", 25, 5_000),
    (B, "INV", "B-7", 5, 40_000), (B, "CRN", "B-CN1", 15, 10_000),
]
PORTAL = [
    (A, "INV", "A-101", 3, 100_000), (A, "DBN", "A-DN1", 12, 10_000), (A, "CRN", "A-CN1", 20, 20_000),
    (A, "CRN", "A-CN3", 28, 2_000),
    (B, "INV", "B-7", 5, 42_000), (B, "CRN", "B-CN1", 15, 10_000), (B, "INV", "B-9", 18, 30_000),
]


def _books_csv(path: Path) -> Path:
    lines = [COLUMNS]
    for supplier, doc_type, number, day, taxable in BOOKS:
        tax = _tax(supplier, taxable)
        value = taxable + sum(tax.values())
        lines.append(f"{supplier},{NAMES[supplier]},{doc_type},{number},2025-10-{day:02d},{taxable:.2f},"
                     f"{tax['igst']:.2f},{tax['cgst']:.2f},{tax['sgst']:.2f},0,{value:.2f},27,N,{R}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _gstr2b_json(path: Path) -> Path:
    b2b: dict[str, list] = {}
    cdnr: dict[str, list] = {}
    for supplier, doc_type, number, day, taxable in PORTAL:
        tax = _tax(supplier, taxable)
        fields = {"dt": f"{day:02d}-10-2025", "val": taxable + sum(tax.values()), "pos": "27", "rev": "N",
                  "itcavl": "Y", "txval": taxable, "cess": 0, **tax}
        if doc_type == "INV":
            b2b.setdefault(supplier, []).append({"inum": number, "typ": "R", **fields})
        else:
            cdnr.setdefault(supplier, []).append(
                {"ntnum": number, "typ": doc_type[0], "suptyp": "R", **fields})

    def parties(docs: dict[str, list], key: str) -> list[dict]:
        return [{"ctin": s, "trdnm": NAMES[s], "supfildt": "11-11-2025", "supprd": "102025", key: d}
                for s, d in docs.items()]

    document = {"data": {"gstin": R, "rtnprd": "102025", "version": "1.0", "gendt": "14-11-2025",
                         "docdata": {"b2b": parties(b2b, "inv"), "cdnr": parties(cdnr, "nt")}}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _cells(output: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first``."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{output}")


def _rupees(text: str) -> int:
    """``"-₹1,23,456.78"`` as paise (the tests compare what different tables print)."""
    found = re.fullmatch(r"(-?)₹([\d,]+)\.(\d\d)", text)
    assert found, text
    return (-1 if found[1] else 1) * (int(found[2].replace(",", "")) * 100 + int(found[3]))


@pytest.fixture
def month(env_db, tmp_path, monkeypatch) -> dict[str, str]:
    """The month imported and reconciled through the commands; what each of them printed."""
    monkeypatch.setattr(console, "_width", 220)  # wide tables, whatever terminal runs the tests
    return {
        "books": _run("import", "books", str(_books_csv(tmp_path / "books.csv"))),
        "gstr2b": _run("import", "gstr2b", str(_gstr2b_json(tmp_path / "2b.json"))),
        "reconcile": _run("reconcile"),
        "vendors": _run("vendors", "--sort", "risk", "--today", "2025-11-12"),
        "vendor A": _run("vendor", A, "--today", "2025-11-12"),
        "vendor B": _run("vendor", B, "--today", "2025-11-12"),
        "digest": _run("digest", "--dry-run", "--today", "2025-11-12"),
    }


def test_import_summaries_net_credit_notes_row_by_row(month):
    books = month["books"]
    assert _cells(books, "INV")[-2:] == ["₹1,90,000.00", "₹34,200.00"]
    assert _cells(books, "DBN")[-2:] == ["₹10,000.00", "₹1,800.00"]
    assert _cells(books, "CRN")[-2:] == ["-₹35,000.00", "-₹6,300.00"]
    assert _cells(books, "net total")[1:] == ["7", "0", "0", "₹1,65,000.00", "₹29,700.00"]
    assert "net taxable value" in books and "net tax" in books and "credit notes count negative" in books
    portal = month["gstr2b"]
    assert _cells(portal, "b2b")[-2:] == ["₹1,72,000.00", "₹30,960.00"]
    assert _cells(portal, "cdnr")[-2:] == ["-₹22,000.00", "-₹3,960.00"]
    assert _cells(portal, "net total")[-2:] == ["₹1,50,000.00", "₹27,000.00"]


def test_reconcile_summary_nets_each_status(month):
    out = month["reconcile"]
    assert _cells(out, "matched")[1:] == ["4", "₹14,400.00"]
    assert _cells(out, "mismatch")[1:] == ["1", "₹7,560.00"]
    assert _cells(out, "missing_in_portal")[1:] == ["2", "₹8,100.00"]
    assert _cells(out, "missing_in_books")[1:] == ["2", "₹5,040.00"]
    assert _cells(out, "total")[1:] == ["9", "₹35,100.00"]
    assert "net tax" in out and "credit notes count negative" in out


def test_vendor_figures_net_credit_notes_and_explain_the_score(month):
    a = month["vendor A"]
    assert "score 88/100" in a
    assert "ITC booked ₹24,300.00, at risk ₹8,100.00 (net" in a
    assert _cells(a, "matched")[1:] == ["3", "₹16,200.00"]
    assert _cells(a, "missing_in_portal")[1:] == ["2", "₹8,100.00"]
    assert _cells(a, "missing_in_books")[1:] == ["1", "-₹360.00"]
    assert _cells(a, "102025")[1:] == ["6", "2", "₹8,100.00", "88"]  # the period's trend
    b = month["vendor B"]
    assert "score 70/100" in b and "ITC booked ₹5,400.00, at risk ₹7,200.00" in b
    assert _cells(b, "matched")[1:] == ["1", "-₹1,800.00"]
    assert _cells(b, "mismatch")[1:] == ["1", "₹7,560.00"]
    listed = month["vendors"]
    rows = [_cells(listed, A), _cells(listed, B)]
    assert [(r[6], r[-1]) for r in rows] == [("₹8,100.00", "88"), ("₹7,200.00", "70")]
    assert listed.index(A) < listed.index(B)  # most ITC at risk first
    for out in (listed, a, b):
        assert "net ITC at risk" in out and "credit notes count negative" in out
        assert "Score = 100 - 40 x missing - 30 x mismatched - 20 x late - 10 x rejected" in out
        assert "100 = none" in out and "of its filings (after the GSTR-1 due date)" in out


def test_digest_nets_counts_and_what_needs_a_decision(month):
    out = month["digest"]
    assert re.search(r"Matched +4 +₹14,400\.00\n", out) and re.search(r"Not in books +2 +₹5,040\.00\n", out)
    assert "net tax" in out.splitlines()[1]  # the counts' heading
    assert "0 record(s) of Oct 2025 need a decision" in out  # GSTR-2B only, no IMS: nothing to decide
    assert "For information: 3 record(s) only in GSTR-2B/2A, not in IMS: the portal takes no action on " \
           "them, ₹12,600.00 net tax" in out
    assert re.search(r" ₹360\.00 +27AHQPA7588L1ZJ +CRN A-CN3 ", out)  # a record as the document states it


def _rows(output: str, title: str) -> list[list[str]]:
    """The body rows of the table titled ``title`` (the first table after that text)."""
    lines = output[output.index(title):].splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("┡")) + 1:]
    return [[c.strip() for c in line.strip("│").split("│")] for line in
            body[:next(i for i, line in enumerate(body) if line.startswith("└"))]]


MONEY = r"-?₹[\d,]+\.\d\d"


def test_the_same_month_gives_the_same_net_total_everywhere(month):
    """Every place that totals the month's tax says the same: the reconciliation's total is the sum
    of the suppliers' figures by status and of the digest's counts; the books' net tax is what the
    suppliers' ITC booked adds up to; the GSTR-2B's net tax is the reconciliation's portal side."""
    reconciled = _rupees(_cells(month["reconcile"], "total")[-1])
    by_status = sum(_rupees(row[-1]) for s in "AB"
                    for row in _rows(month[f"vendor {s}"], "Documents by status"))
    summary = month["digest"].split("need a decision")[0]  # the counts are the lines "  Status  n  ₹x"
    counts = re.findall(rf"^  [A-Z][a-z ]+ +\d+ +({MONEY})$", summary, re.MULTILINE)
    assert len(counts) == 4
    assert reconciled == by_status == sum(map(_rupees, counts)) == 3_510_000

    books = _rupees(_cells(month["books"], "net total")[-1])
    booked = sum(_rupees(re.search(rf"ITC booked ({MONEY})", month[f"vendor {s}"])[1]) for s in "AB")
    assert books == booked == 2_970_000

    portal = _rupees(_cells(month["gstr2b"], "net total")[-1])
    portal_side = sum(_rupees(_cells(month["reconcile"], status)[-1])
                      for status in ("matched", "mismatch", "missing_in_books"))
    assert portal == portal_side == 2_700_000
