"""The one rule for totals (``ims_core.models.base``): a credit note counts negative, in Python, in SQL
on the test's database, and over arrays, with the same answers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from support.matching import book

from ims_core.models import PurchaseDocument
from ims_core.models.base import net_paise, net_signs, net_tax_paise, net_tax_sum


def _doc(doc_type: str, igst: int = 0, cgst: int = 0, sgst: int = 0, cess: int = 0) -> SimpleNamespace:
    return SimpleNamespace(doc_type=doc_type, igst_paise=igst, cgst_paise=cgst, sgst_paise=sgst,
                           cess_paise=cess)


def test_a_credit_note_counts_negative_and_the_others_as_they_are():
    assert [net_paise(1_000, t) for t in ("INV", "DBN", "CRN")] == [1_000, 1_000, -1_000]
    # ₹900 + ₹900 + ₹12 cess on a credit note: -₹1,812; an invoice's ₹1,800 of IGST stays ₹1,800
    assert net_tax_paise(_doc("CRN", cgst=90_000, sgst=90_000, cess=1_200)) == -181_200
    assert net_tax_paise(_doc("INV", igst=180_000)) == 180_000


def test_signs_over_arrays_and_series():
    types = ["INV", "CRN", "DBN", "CRN"]
    assert net_signs(np.array(types, dtype=object)).tolist() == [1, -1, 1, -1]
    assert net_signs(pd.Series(types)).tolist() == [1, -1, 1, -1]
    assert int((np.array([18_000, 3_600, 1_800, 900]) * net_signs(np.array(types))).sum()) == 15_300


def test_sql_sum_is_the_python_sum(engine):
    """Invoice ₹1,800, debit note ₹360, credit notes ₹900 and ₹90: net ₹1,170, on either database."""
    rows = [book(1, "I-1"), book(2, "D-1", doc_type="DBN", cgst=18_000, sgst=18_000),
            book(3, "C-1", doc_type="CRN", cgst=45_000, sgst=45_000),
            book(4, "C-2", doc_type="CRN", cgst=4_500, sgst=4_500)]
    with engine.begin() as conn:
        conn.execute(insert(PurchaseDocument.__table__), rows)
        total = conn.execute(select(func.sum(net_tax_sum(PurchaseDocument)))).scalar_one()
    assert total == 117_000 == sum(net_tax_paise(SimpleNamespace(**row)) for row in rows)
