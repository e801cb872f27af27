"""What several tables share, as non-table SQLModel bases: money columns in integer paise, and
the one rule for totalling them.

Money is integer paise (``*_paise``, BIGINT) so sums are exact and the matching engine can read whole
columns into int64 arrays.

**Net totals.** A document states its amounts as positive numbers, whatever its type, and every
per-document figure (a row of the reconciliation export, a record in a list) shows them so. A *total*
over documents that may include credit notes is *net*: a credit note's amounts count negative, since
a credit note reduces the tax the supplier charged and so the recipient's credit (Section 34 of the
CGST Act), and GSTR-3B Table 4A(5) nets credit notes against invoices and debit notes, going negative
if they outweigh them (Notification 14/2022-Central Tax; GSTN advisory of 17 February 2023, from the
January 2023 period). The ``net_*`` helpers below are that rule, in Python, in SQL and over arrays:
every table, summary and figure that totals documents uses them, so the same documents give the same
total everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import BigInteger, case
from sqlalchemy.sql import ColumnElement
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TAX_HEADS = ("igst", "cgst", "sgst", "cess")  # the heads of tax, in the order every report shows them
TAX_COLUMNS = tuple(f"{head}_paise" for head in TAX_HEADS)
CREDIT_NOTE = "CRN"  # the document type whose amounts count negative in a net total
NET_NOTE = "Net amounts: credit notes count negative."  # said under a table whose totals are net
Values = TypeVar("Values", "np.ndarray", "pd.Series")


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


def net_paise(amount: int, doc_type: str) -> int:
    """``amount`` of a document as it counts in a net total: negative for a credit note."""
    return -amount if doc_type == CREDIT_NOTE else amount


def net_tax_paise(doc: object) -> int:
    """A document's tax as it counts in a net total (:func:`tax_paise`, negative for a credit note);
    of anything with the four ``*_paise`` attributes and ``doc_type``."""
    return net_paise(tax_paise(doc), doc.doc_type)


def net_column(amount: ColumnElement, doc_type: ColumnElement) -> ColumnElement:
    """:func:`net_paise` in SQL: ``amount`` negated where ``doc_type`` is a credit note. Sum it for
    a net total."""
    return case((doc_type == CREDIT_NOTE, -amount), else_=amount)


def net_tax_sum(table: object) -> ColumnElement:
    """:func:`net_tax_paise` in SQL, over ``table``'s columns (as :func:`tax_sum`, and its
    ``doc_type``)."""
    return net_column(tax_sum(table), table.doc_type)


def net_signs(doc_types: Values) -> Values:
    """Per document, -1 for a credit note and 1 otherwise (a NumPy array or a pandas Series of doc
    types in, the same shape of ints out): amounts times these sum to a net total."""
    return 1 - 2 * (doc_types == CREDIT_NOTE)


class DocumentMoney(SQLModel):
    """The amounts of a GST document, as both the books and the portal state them."""

    taxable_paise: int = paise()
    igst_paise: int = paise()
    cgst_paise: int = paise()
    sgst_paise: int = paise()
    cess_paise: int = paise()
    invoice_value_paise: int = paise()
