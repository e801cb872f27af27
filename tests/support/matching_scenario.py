"""A labelled reconciliation scenario: books and portal frames plus the answer a person would give.

Every case is generated with its truth: which book row pairs with which portal row, and the status of
each result row. Cases: exact copies, number format variants (case, separators, zeros, FY token forms,
prefix), rounding within ₹1, typos, GSTIN slips within one PAN, amount and date mismatches, documents
missing on either side, duplicates in the books, a credit note with its invoice's number, the traps
(``12`` vs ``112``, monthly rent of equal amounts), another recipient GSTIN with the same number,
amendments and the same document from several portal sources. One large supplier holds about a third
of the cases, so its block takes the engine's big-block path.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pandas as pd

from ims_core.gst.gstin import check_character
from ims_core.matching.normalise import normalise_number
from support.matching import R2, book, frame, portal

CASES = {
    "exact": 33,
    "format": 15,
    "rounding": 7,
    "typo": 5,
    "slip": 3,
    "amount": 5,
    "date": 4,
    "missing_portal": 5,
    "missing_books": 5,
    "duplicate": 3,
    "credit": 3,
    "trap": 2,
    "rent": 1,
    "other_recipient": 1,
    "amendment": 2,
    "sources": 4,
}


@dataclass
class Scenario:
    books: list[dict] = field(default_factory=list)
    portals: list[dict] = field(default_factory=list)
    pairs: set[tuple[int, int]] = field(default_factory=set)  # (book id, portal id)
    status: dict[tuple[str, int], str] = field(default_factory=dict)  # ("b"|"p", id) -> status
    no_row: set[int] = field(default_factory=set)  # portal ids superseded or copies

    def books_frame(self) -> pd.DataFrame:
        return frame(self.books)

    def portal_frame(self) -> pd.DataFrame:
        return frame(self.portals)


class _Supplier:
    def __init__(self, rng: random.Random, state: str, style: str):
        pan = (
            "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
            + "C"
            + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
            + f"{rng.randint(1000, 9999)}"
            + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
        )
        self.gstin = _gstin(state, pan)
        self.sister = _gstin("29" if state != "29" else "24", pan)
        self.style = style
        self.prefix = rng.choice(["INV", "SI", "TI", "BILL", "GST", "MUM"])
        self.next = rng.randint(1, 50)
        self.used: set[str] = set()

    def number(self, rng: random.Random) -> str:
        """The next serial, skipping any a typo already produced."""
        while True:
            self.next += rng.randint(1, 3)
            text = self.style.format(p=self.prefix, n=self.next)
            if normalise_number(text, 2025) not in self.used:
                self.used.add(normalise_number(text, 2025))
                return text


def _gstin(state: str, pan: str) -> str:
    body = f"{state}{pan}1Z"
    return body + check_character(body)


STYLES = ["{p}/{n:04d}/25-26", "{n}", "{p}-{n:05d}", "FY2025-26/{n:03d}", "{p}{n:06d}", "{p}/25-26/{n}"]


def _variant(number: str, rng: random.Random) -> str:
    """The same number as a clerk keys it: only formatting changes."""
    choices = [
        str.lower,
        lambda s: s.replace("/", "-"),
        lambda s: s.replace("/", " / "),
        lambda s: s.replace("25-26", "2025-26"),
        lambda s: s.replace("25-26", "2025/26"),
        lambda s: s.replace("FY2025-26", "FY26"),
        lambda s: s.replace("/", "").replace("-", ""),
        lambda s: _strip_zeros(s),
        lambda s: s.replace("INV/", "").replace("BILL/", ""),
    ]
    for _ in range(10):
        out = rng.choice(choices)(number)
        if out != number and normalise_number(out, 2025) == normalise_number(number, 2025):
            return out
    return number.lower() if number.lower() != number else " " + number


def _strip_zeros(number: str) -> str:
    import re

    return re.sub(r"(?<![0-9])0+(?=[1-9])", "", number)


def _typo(number: str, supplier: _Supplier, rng: random.Random) -> str | None:
    """One digit changed, never onto another number of the same supplier, and not a short number."""
    digits = [i for i, ch in enumerate(number) if ch.isdigit() and ch != "0"]
    for _ in range(20):
        i = rng.choice(digits)
        typo = number[:i] + str((int(number[i]) + rng.randint(1, 8)) % 10) + number[i + 1 :]
        norm = normalise_number(typo, 2025)
        if norm not in supplier.used and len(norm) >= 4 and norm != normalise_number(number, 2025):
            supplier.used.add(norm)
            return typo
    return None


def generate(cases: int = 1200, seed: int = 11) -> Scenario:
    """About ``cases`` cases (a few thousand documents); deterministic for a seed."""
    rng = random.Random(seed)
    out = Scenario()
    suppliers = [
        _Supplier(rng, rng.choice(["27", "24", "29", "07", "33"]), STYLES[i % len(STYLES)]) for i in range(30)
    ]
    big = _Supplier(rng, "27", "{n}")
    ids = iter(range(1, 10**7))
    kinds = rng.choices(list(CASES), weights=list(CASES.values()), k=cases)

    def amounts(intra: bool) -> dict:
        taxable = rng.randint(5_000, 5_000_000) * 100 + rng.choice([0, 0, 50, 25])
        tax = taxable * rng.choice([5, 12, 18, 28]) // 100
        return dict(
            taxable=taxable,
            igst=0 if intra else tax,
            cgst=tax // 2 if intra else 0,
            sgst=tax - tax // 2 if intra else 0,
        )

    def base(sup: _Supplier, **kw: object) -> dict:
        day = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randint(0, 170))
        d = dict(
            number=sup.number(rng), date=day.isoformat(), supplier=sup.gstin, **amounts(sup.gstin[:2] == "27")
        )
        d.update(kw)
        return d

    def add(
        case: str, doc: dict, b: dict | None = None, p: dict | None = None, status: str | None = None
    ) -> tuple[int | None, int | None]:
        bid = pid = None
        if b is not None:
            bid = next(ids)
            args = {**doc, **b}
            out.books.append(book(bid, args.pop("number"), **args))
        if p is not None:
            pid = next(ids)
            args = {**doc, **p}
            out.portals.append(portal(pid, args.pop("number"), **args))
        if bid and pid and status not in ("missing",):
            out.pairs.add((bid, pid))
            out.status[("b", bid)] = status
        elif bid:
            out.status[("b", bid)] = "missing_in_portal"
        elif pid:
            out.status[("p", pid)] = "missing_in_books"
        return bid, pid

    for kind in kinds:
        sup = big if rng.random() < 0.33 else rng.choice(suppliers)
        doc = base(sup)
        if kind == "exact":
            add(kind, doc, {}, {}, "matched")
        elif kind == "format":
            add(kind, doc, {"number": _variant(doc["number"], rng)}, {}, "matched")
        elif kind == "rounding":
            p = {"taxable": doc["taxable"] + rng.choice([-1, 1]) * rng.randint(1, 99)}
            head = "igst" if doc["igst"] else "cgst"
            p[head] = doc[head] + rng.choice([-1, 1]) * rng.randint(1, 99)
            add(kind, doc, {}, p, "matched")
        elif kind == "typo":
            typo = _typo(doc["number"], sup, rng)
            if typo:
                add(kind, doc, {"number": typo}, {}, "probable")
        elif kind == "slip":
            add(kind, doc, {"supplier": sup.sister}, {}, "mismatch")
        elif kind == "amount":
            factor = rng.choice([1.03, 1.1, 0.8, 1.5])
            p = {k: int(doc[k] * factor) for k in ("taxable", "igst", "cgst", "sgst")}
            add(kind, doc, {}, p, "mismatch")
        elif kind == "date":
            day = dt.date.fromisoformat(doc["date"]) + dt.timedelta(days=rng.choice([-3, -1, 1, 2, 5, 9]))
            add(kind, doc, {}, {"date": day.isoformat()}, "mismatch")
        elif kind == "missing_portal":
            add(kind, doc, {}, None)
        elif kind == "missing_books":
            add(kind, doc, None, {})
        elif kind == "duplicate":
            bid, _ = add(kind, doc, {}, {}, "matched")
            copy = next(ids)
            out.books.append(
                book(
                    copy,
                    **{k: v for k, v in doc.items() if k != "number"},
                    number=doc["number"],
                    occurrence=2,
                )
            )
            out.status[("b", copy)] = "duplicate"
        elif kind == "credit":
            add(kind, doc, {}, {}, "matched")
            note = dict(
                doc,
                doc_type="CRN",
                taxable=doc["taxable"] // 10,
                igst=doc["igst"] // 10,
                cgst=doc["cgst"] // 10,
                sgst=doc["sgst"] // 10,
            )
            if rng.random() < 0.5:
                add(kind, note, {}, {}, "matched")
            else:
                add(kind, note, None, {})
        elif kind == "trap":
            short = _Supplier(rng, "27", "{n}")
            a = dict(doc, supplier=short.gstin, number="12")
            c = dict(base(short), number="112", date=doc["date"])
            if rng.random() < 0.5:
                add(kind, a, {}, {}, "matched")
                add(kind, c, {}, {}, "matched")
            else:  # books "12", portal "112" with other amounts: two different documents
                add(kind, a, {}, None)
                add(kind, c, None, {})
        elif kind == "rent":
            landlord = _Supplier(rng, "27", "RENT/25-26/{n:02d}")
            gone_p, gone_b = rng.sample(range(6), 2)
            for month in range(6):
                r = dict(
                    number=f"RENT/25-26/{month + 4:02d}",
                    date=f"2025-{month + 4:02d}-01",
                    supplier=landlord.gstin,
                    taxable=15_000_000,
                    igst=0,
                    cgst=1_350_000,
                    sgst=1_350_000,
                )
                add(kind, r, None if month == gone_b else {}, None if month == gone_p else {}, "matched")
        elif kind == "other_recipient":
            add(kind, doc, {}, None)
            add(kind, dict(doc, recipient=R2), None, {})
        elif kind == "amendment":
            _, old = add(kind, doc, None, {})
            del out.status[("p", old)]
            out.no_row.add(old)
            revised = dict(doc, taxable=doc["taxable"] + 10_000)
            add(
                kind,
                revised,
                {},
                {
                    "section": "b2ba",
                    "original_doc_number": doc["number"],
                    "original_doc_date": dt.date.fromisoformat(doc["date"]),
                },
                "matched",
            )
        elif kind == "sources":
            bid, pid = add(kind, doc, {}, {"source": "gstr2b"}, "matched")
            out.pairs.discard((bid, pid))
            out.no_row.add(pid)
            ims = next(ids)
            out.portals.append(
                portal(ims, doc["number"], source="ims", **{k: v for k, v in doc.items() if k != "number"})
            )
            out.pairs.add((bid, ims))
    for row in out.portals:
        row.setdefault("original_doc_number", "")
    return out
