"""The portal's data for the tests: IMS records as GETINV returns them and a GSTR-2B as GET2B does,
for one recipient and three suppliers (GSTINs with correct check characters)."""

from __future__ import annotations

RECIPIENT = "29AAFCC9980M1ZR"
USERNAME = "deccan_fin"
ACME, BHARAT, CHOLA = "27AHQPA7588L1ZJ", "06AAMCS8709B1ZA", "24AAQCA8719H1ZC"


def invoice(stin: str, number: str, *, taxable: int = 10_000, action: str = "N", day: int = 10) -> dict:
    """An intra-state invoice of October 2025: 9% CGST + 9% SGST on ``taxable`` rupees."""
    tax = taxable * 9 // 100
    return {"stin": stin, "inum": number, "idt": f"{day:02d}-10-2025", "inv_typ": "R", "srcform": "R1",
            "rtnprd": "102025", "srcfilstatus": "Filed", "val": taxable + 2 * tax, "pos": "29",
            "txval": taxable, "iamt": 0, "camt": tax, "samt": tax, "cess": 0, "action": action,
            "ispendactblocked": "N", "hash": f"h-{stin}-{number}"}


def credit_note(stin: str, number: str, *, taxable: int = 2_000, action: str = "N") -> dict:
    """A credit note of October 2025 (IGST 18%); pending is blocked for it."""
    tax = taxable * 18 // 100
    return {"stin": stin, "nt_num": number, "nt_dt": "20-10-2025", "inv_typ": "R", "srcform": "R1",
            "rtnprd": "102025", "srcfilstatus": "Filed", "val": taxable + tax, "pos": "29", "txval": taxable,
            "iamt": tax, "camt": 0, "samt": 0, "cess": 0, "action": action, "ispendactblocked": "Y",
            "hash": f"h-{stin}-{number}"}


def ims_records() -> dict[str, list[dict]]:
    """Five invoices and a credit note; the other sections are empty (the portal says "no invoices")."""
    return {
        "b2b": [invoice(ACME, "ACM/101"), invoice(ACME, "ACM/102", taxable=25_000),
                invoice(BHARAT, "BH-7", taxable=4_000, action="A"), invoice(CHOLA, "CH0091", taxable=1_500),
                invoice(CHOLA, "CH0092", taxable=80_000)],
        "b2bcn": [credit_note(ACME, "ACM/CN/3")],
    }


def gstr2b_part(number: int, of: int = 1) -> dict:
    """GSTR-2B of October 2025 for the recipient, or part ``number`` of ``of`` (one invoice each)."""
    supplier = [ACME, BHARAT, CHOLA][(number - 1) % 3]
    data = {"gstin": RECIPIENT, "rtnprd": "102025", "version": "1.0", "gendt": "14-11-2025",
            "docdata": {"b2b": [{"ctin": supplier, "trdnm": f"Supplier {number}", "supfildt": "11-11-2025",
                                 "supprd": "102025",
                                 "inv": [{"inum": f"2B-{number}", "typ": "R", "dt": "05-10-2025", "val": 1180,
                                          "pos": "29", "rev": "N", "itcavl": "Y", "rsn": "", "diffprcnt": 1,
                                          "srctyp": "", "irn": "", "irngendate": "", "txval": 1000, "igst": 0,
                                          "cgst": 90, "sgst": 90, "cess": 0}]}]}}
    if of > 1:
        data["fc"] = of
    return {"chksum": f"chk{number}", "data": data}
