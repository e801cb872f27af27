"""Tax per head (IGST, CGST, SGST, cess) in integer paise: what every ITC figure is made of."""

from __future__ import annotations

from dataclasses import dataclass

from ims_core.gst.money import to_rupees

HEADS = ("igst", "cgst", "sgst", "cess")


@dataclass(slots=True)
class Heads:
    igst: int = 0
    cgst: int = 0
    sgst: int = 0
    cess: int = 0

    @property
    def total(self) -> int:
        return self.igst + self.cgst + self.sgst + self.cess

    def __bool__(self) -> bool:
        return bool(self.igst or self.cgst or self.sgst or self.cess)

    def add(self, other: Heads, sign: int = 1) -> None:
        self.igst += sign * other.igst
        self.cgst += sign * other.cgst
        self.sgst += sign * other.sgst
        self.cess += sign * other.cess

    def plus(self, other: Heads) -> Heads:
        return Heads(self.igst + other.igst, self.cgst + other.cgst, self.sgst + other.sgst,
                     self.cess + other.cess)

    def minus(self, other: Heads) -> Heads:
        return Heads(self.igst - other.igst, self.cgst - other.cgst, self.sgst - other.sgst,
                     self.cess - other.cess)

    def negated(self) -> Heads:
        return Heads(-self.igst, -self.cgst, -self.sgst, -self.cess)

    def copy(self) -> Heads:
        return Heads(self.igst, self.cgst, self.sgst, self.cess)

    def rupees(self) -> dict[str, str]:
        """``{"igst": "1234.50", ...}``: rupees as decimal strings with two places (negative allowed)."""
        return {head: f"{to_rupees(getattr(self, head)):.2f}" for head in HEADS}

    @classmethod
    def of(cls, row: object) -> Heads:
        """The heads of anything with ``igst_paise``…``cess_paise`` (a document, a row); NULL is 0."""
        return cls(int(row.igst_paise or 0), int(row.cgst_paise or 0), int(row.sgst_paise or 0),
                   int(row.cess_paise or 0))
