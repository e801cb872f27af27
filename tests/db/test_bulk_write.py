"""The fast write paths store exactly what binding every value row by row would store."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select, text

from ims_core.ingest.document import PORTAL_COLUMNS, ParsedImport, complete_frame
from ims_core.ingest.loader import load
from ims_core.ingest.portal_values import Fields
from ims_core.models import PortalDocument
from ims_core.samplegen import generate

# Columns the test makes constant over a whole file: texts (one with a quote, never written as a
# literal), a flag, an amount, an all-blank column, and a date column that is partly blank.
CONSTANT = {"invoice_type": "Regular (B2B)", "remarks": "supplier's note", "reverse_charge": True,
            "decl_igst_paise": 12345, "pending_action_blocked": None, "itc_available": "Y"}
# A first row that differs in each of them, so that the second file binds every value
VARIED = {"invoice_type": "SEZ", "remarks": "other", "reverse_charge": False, "decl_igst_paise": 1,
          "pending_action_blocked": True, "itc_available": "N"}
SKIP = {"id", "recipient_gstin", "batch_id", "created_at", "updated_at", "content_hash"}


def _portal(month, recipient: str, first_row: dict[str, object] | None, content_hash: str) -> ParsedImport:
    frame = month.portal.drop(columns=["finding"]).copy()
    frame["source"], frame["return_period"] = "gstr2b", month.period
    frame["section"] = frame["doc_type"].map({"INV": "b2b", "CRN": "cdnr", "DBN": "cdnr"})
    frame["recipient_gstin"] = recipient
    for name, value in CONSTANT.items():
        frame[name] = pd.Series([value] * len(frame), dtype=object)
    frame["original_doc_date"] = frame["doc_date"].where(frame.index % 3 == 0)
    if first_row:
        for name, value in first_row.items():
            frame.loc[0, name] = value
    frame = complete_frame(frame, PORTAL_COLUMNS)
    frame["reverse_charge"] = frame["reverse_charge"].astype(bool)
    return ParsedImport("gstr2b", frame, "2b.json", content_hash, recipient, month.period)


def _stored(engine, recipient: str) -> list[tuple]:
    table = PortalDocument.__table__
    names = [c.name for c in table.columns if c.name not in SKIP]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            listed = ", ".join(f"{n}, typeof({n})" for n in names)
            order = "section, rejected_in_ims, supplier_gstin, doc_type, doc_number, fy"
            return conn.execute(text(f"SELECT {listed} FROM portal_document WHERE recipient_gstin = :r "
                                     f"ORDER BY {order}"), {"r": recipient}).all()
        return conn.execute(select(*[table.c[n] for n in names]).where(table.c.recipient_gstin == recipient)
                            .order_by(table.c.section, table.c.rejected_in_ims, table.c.supplier_gstin,
                                      table.c.doc_type, table.c.doc_number, table.c.fy)).all()


def test_constant_columns_store_what_bound_values_store(engine, monkeypatch):
    from ims_core.db import bulk_write

    monkeypatch.setattr(bulk_write, "REBUILD_INDEXES_FROM", 10)
    month = generate(80, seed=7)
    same, varied = "24AAQCA8719H1ZC", "27AAACR5055K1Z7"
    load(engine, _portal(month, same, None, "constant"))
    load(engine, _portal(month, varied, VARIED, "varied"))
    constant_rows, bound_rows = _stored(engine, same), _stored(engine, varied)
    assert len(constant_rows) == len(bound_rows) == len(month.portal)
    differ = [i for i, (a, b) in enumerate(zip(constant_rows, bound_rows, strict=True)) if a != b]
    assert len(differ) == 1  # the file's first row, which the second file changed
    with engine.connect() as conn:
        remarks = conn.execute(select(PortalDocument.remarks, PortalDocument.decl_igst_paise,
                                      PortalDocument.pending_action_blocked, PortalDocument.reverse_charge)
                               .where(PortalDocument.recipient_gstin == same)).all()
    assert set(remarks) == {("supplier's note", 12345, None, True)}


def test_period_keys_are_worked_out_per_distinct_period(engine):
    month = generate(30, seed=2)
    parsed = _portal(month, "24AAQCA8719H1ZC", None, "periods")
    parsed.frame["return_period"] = ["052025" if i % 2 else "bad" for i in range(len(parsed.frame))]
    load(engine, parsed)
    with engine.connect() as conn:
        keys = conn.execute(select(PortalDocument.return_period, PortalDocument.period_key)).all()
    assert set(keys) == {("052025", 202505), ("bad", 0)}


@pytest.mark.parametrize(("keys", "expected"), [
    ("inum", ["1", "2", None]),  # missing from one document
    ("val", [10, 20, 30]),  # present in every document
    ("oinum", [None, None, None]),  # in no document
    (("inv_no", "inum"), ["1", "2", "x"]),  # alternate spellings: the first one a document has
    (("nowhere", "val"), [10, 20, 30]),
])
def test_fields_read_like_a_get_per_document(keys, expected):
    docs = [{"inum": "1", "val": 10}, {"inum": "2", "val": 20}, {"inv_no": "x", "val": 30}]
    fields = Fields(docs)
    assert fields(keys) == expected
    assert ("inum" in fields, "oinum" in fields) == (True, False)


def test_content_hashes_are_pandas_row_hashes_with_dates_as_days():
    """Stored hashes tell changed documents from unchanged ones across imports: the shortcut for
    constant columns must give exactly pandas' own row hash."""
    import numpy as np

    from ims_core.ingest.row_hashes import content_hashes as _content_hashes

    dates = pd.Series([pd.Timestamp("2025-05-01 10:30"), pd.NaT, pd.Timestamp("2025-05-03")])
    frame = pd.DataFrame({
        "text": pd.Series(["a", "b", "a"], dtype="str"), "same_text": pd.Series(["x"] * 3, dtype="str"),
        "blank": [None, None, None], "number": [5, 5, 5], "amount": [1, 2, 3], "flag": [True] * 3,
        "when": dates, "same_day": pd.to_datetime(["2025-05-01"] * 3),
    })
    stable = frame.assign(
        when=np.where(dates.isna(), -(2**62), dates.to_numpy().astype("datetime64[D]").astype("int64")),
        same_day=pd.to_datetime(frame["same_day"]).to_numpy().astype("datetime64[D]").astype("int64"))
    expected = [f"{h:016x}" for h in pd.util.hash_pandas_object(stable, index=False).tolist()]
    assert _content_hashes(frame).tolist() == expected
    assert _content_hashes(frame.iloc[:0]).tolist() == []
    assert _content_hashes(frame.assign(when=dates.dt.floor("D"))).iloc[0] == expected[0]  # same day


def test_constant_columns_known_from_hashing_give_the_literals_a_full_check_gives():
    """The loader tells ``bulk_insert`` which columns hashing found constant; the literals must be the
    ones the insert would find by itself."""
    from ims_core.db.bulk_write import _constant_literals, db_value_columns
    from ims_core.ingest.loader import _derive_columns

    month = generate(60, seed=3)
    for first_row in (None, VARIED):
        frame, hashes = _derive_columns(_portal(month, "24AAQCA8719H1ZC", first_row, "h").frame, False)
        table = PortalDocument.__table__
        columns = db_value_columns(table, frame)
        assert {"invoice_type", "itc_available"} <= hashes.constant or first_row
        assert _constant_literals(frame, columns, table, hashes.constant) == \
            _constant_literals(frame, columns, table)
