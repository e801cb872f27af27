"""What several tables share, as non-table SQLModel bases: money columns in integer paise.

Money is integer paise (``*_paise``, BIGINT) so sums are exact and the matching engine can read whole
columns into int64 arrays.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

TAX_HEADS = ("igst", "cgst", "sgst", "cess")


def paise(**kwargs) -> object:  # noqa: ANN003 - forwards Field options
    """A BIGINT money column in paise."""
    return Field(default=0, sa_type=BigInteger, **kwargs)


class DocumentMoney(SQLModel):
    """The amounts of a GST document, as both the books and the portal state them."""

    taxable_paise: int = paise()
    igst_paise: int = paise()
    cgst_paise: int = paise()
    sgst_paise: int = paise()
    cess_paise: int = paise()
    invoice_value_paise: int = paise()
