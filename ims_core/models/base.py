"""What several tables share, as non-table SQLModel bases: money columns in integer paise.

Money is integer paise (``*_paise``, BIGINT) so sums are exact and the matching engine can read whole
columns into int64 arrays.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.sql import ColumnElement
from sqlmodel import Field, SQLModel

TAX_HEADS = ("igst", "cgst", "sgst", "cess")  # the heads of tax, in the order every report shows them
TAX_COLUMNS = tuple(f"{head}_paise" for head in TAX_HEADS)


def paise(**kwargs) -> object:  # forwards Field options
    """A BIGINT money column in paise."""
    return Field(default=0, sa_type=BigInteger, **kwargs)


def tax_paise(doc: object) -> int:
    """A document's tax, every head added (a missing head is 0): of anything with the four
    ``*_paise`` attributes, a model or a row. :func:`tax_sum` is the same in SQL."""
    return sum(int(getattr(doc, column) or 0) for column in TAX_COLUMNS)


def tax_sum(table: object) -> ColumnElement:
    """A document's tax, every head added, as a SQL expression over ``table``'s columns (a model, an
    alias or a Core table's ``c``)."""
    igst, cgst, sgst, cess = (getattr(table, column) for column in TAX_COLUMNS)
    return igst + cgst + sgst + cess


class DocumentMoney(SQLModel):
    """The amounts of a GST document, as both the books and the portal state them."""

    taxable_paise: int = paise()
    igst_paise: int = paise()
    cgst_paise: int = paise()
    sgst_paise: int = paise()
    cess_paise: int = paise()
    invoice_value_paise: int = paise()
