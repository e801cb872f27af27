"""Read the documents of a reconciliation scope into pandas frames, whole columns at a time.

The engine works on columns (int64 paise, dates as day numbers), never on ORM objects: a Core
``select`` read by ``pandas.read_sql`` costs one round trip and no per-row Python objects beyond the
driver's tuples. :func:`prepare` adds what every stage needs (normalised number, PAN block, day
number, tax total) so that the engine and ``ims explain`` derive them in one place.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ims_core.ingest.document import TAX
from ims_core.matching.normalise import number_forms
from ims_core.models import PortalDocument, PurchaseDocument

AMOUNTS = ["taxable_paise", *TAX]  # what is compared; invoice value is rounded and derived
BOOK_FIELDS = ["id", "recipient_gstin", "supplier_gstin", "supplier_pan", "doc_type", "doc_number",
               "doc_date", "fy", *AMOUNTS, "place_of_supply"]
PORTAL_FIELDS = ["id", "source", "section", "recipient_gstin", "return_period", "period_key",
                 "supplier_gstin", "supplier_pan", "doc_type", "doc_number", "doc_date",
                 "fy", "original_doc_type", "original_doc_number", "original_doc_date", *AMOUNTS,
                 "place_of_supply", "reverse_charge", "itc_available", "itc_unavailable_reason",
                 "pending_action_blocked", "rejected_in_ims"]
EPOCH = np.datetime64("1970-01-01", "D")


def read_books(engine: Engine | Connection, recipient_gstin: str | None = None, until: dt.date | None = None,
               supplier_pans: list[str] | None = None) -> pd.DataFrame:
    """Purchase-register documents of one recipient (or all), dated on or before ``until``."""
    table = PurchaseDocument.__table__
    query = select(*[table.c[name] for name in BOOK_FIELDS])
    if recipient_gstin:
        query = query.where(table.c.recipient_gstin == recipient_gstin)
    if until is not None:
        query = query.where(table.c.doc_date <= until)
    if supplier_pans is not None:
        query = query.where(table.c.supplier_pan.in_(supplier_pans))
    return _read(engine, query, BOOK_FIELDS, ["doc_date"])


def read_portal(engine: Engine | Connection, recipient_gstin: str | None = None,
                until_period_key: int | None = None, supplier_pans: list[str] | None = None) -> pd.DataFrame:
    """Portal documents (every source) of one recipient (or all), up to a return period."""
    table = PortalDocument.__table__
    query = select(*[table.c[name] for name in PORTAL_FIELDS])
    if recipient_gstin:
        query = query.where(table.c.recipient_gstin == recipient_gstin)
    if until_period_key is not None:
        query = query.where(table.c.period_key <= until_period_key)
    if supplier_pans is not None:
        query = query.where(table.c.supplier_pan.in_(supplier_pans))
    return _read(engine, query, PORTAL_FIELDS, ["doc_date", "original_doc_date"])


# Columns whose values repeat across many rows: one string object per distinct value, not per row.
REPEATED = {"recipient_gstin", "supplier_gstin", "supplier_pan", "doc_type", "place_of_supply", "source",
            "section", "return_period", "original_doc_type", "itc_available", "itc_unavailable_reason"}
FETCH_ROWS = 100_000


def _read(bind: Engine | Connection, query, columns: list[str], dates: list[str]) -> pd.DataFrame:  # noqa: ANN001
    """Fetch the driver's plain tuples in chunks, typing each chunk at once.

    No per-row SQLAlchemy Row or type conversion; dates are parsed by pandas per column; repeated
    text shares one string object per distinct value. Peak memory stays near the final frame's.
    """
    if isinstance(bind, Connection):
        return _fetch(bind, query, columns, dates)
    with bind.connect() as conn:
        return _fetch(conn, query, columns, dates)


def _fetch(conn: Connection, query, columns: list[str], dates: list[str]) -> pd.DataFrame:  # noqa: ANN001
    cursor = conn.execute(query).cursor
    chunks = []
    while True:
        rows = cursor.fetchmany(FETCH_ROWS)
        chunk = pd.DataFrame.from_records(rows, columns=columns)
        for name in AMOUNTS + ["id", "fy"]:
            chunk[name] = chunk[name].astype("int64")
        for name in dates:
            chunk[name] = pd.to_datetime(chunk[name], format="ISO8601")
        for name in REPEATED & set(columns):
            chunk[name] = chunk[name].astype("category")
        chunks.append(chunk)
        if len(rows) < FETCH_ROWS:
            break
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    for name in REPEATED & set(columns):
        values = union_categoricals([c[name].array for c in chunks]) if len(chunks) > 1 else frame[name].array
        frame[name] = np.asarray(values.categories, dtype=object)[values.codes] if len(values.categories) \
            else np.full(len(frame), None, dtype=object)
        frame[name] = frame[name].where(values.codes >= 0, None)
    return frame


def prepare_both(books: pd.DataFrame, portal: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`prepare` both sides, normalising the numbers they share (most of them) only once."""
    numbers = pd.concat([books["doc_number"], portal["doc_number"]], ignore_index=True)
    numbers = numbers.astype(object).where(numbers.notna(), "").astype(str)
    years = pd.concat([books["fy"], portal["fy"]], ignore_index=True)
    forms = number_forms(numbers, years)
    return (prepare(books, forms.iloc[:len(books)].reset_index(drop=True)),
            prepare(portal, forms.iloc[len(books):].reset_index(drop=True)))


def prepare(frame: pd.DataFrame, forms: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the engine's working columns; accepts the frames above or any frame with their columns.

    ``norm`` is the normalised number, ``plain`` the number with only case and separators removed
    (a slip inside a year token is one edit there, several in ``norm``), ``pan`` the block a GSTIN
    slip may move within (the GSTIN itself when no PAN is known), ``day`` the date as an integer day
    number and ``tax`` the sum of the tax heads, all in vectorised form. ``forms`` are the number
    forms when already worked out (:func:`prepare_both`), row for row.
    """
    out = frame.reset_index(drop=True).copy()
    for name in ("recipient_gstin", "supplier_gstin", "doc_type", "doc_number", "place_of_supply"):
        out[name] = out[name].fillna("").astype(str)
    # a few thousand suppliers stand behind a scope's documents: clean each GSTIN once
    codes, gstins = pd.factorize(out["supplier_gstin"].to_numpy(object), use_na_sentinel=False)
    clean = np.array([g.strip().upper() for g in gstins], dtype=object)
    derived = np.array([g[2:12] if len(g) == 15 else g for g in clean], dtype=object)
    out["supplier_gstin"] = pd.Series(clean[codes], index=out.index, dtype=str)
    if forms is None:
        forms = number_forms(out["doc_number"], out["fy"])
    for name in forms.columns:
        out[name] = forms[name]
    pan = out["supplier_pan"].fillna("").astype(str) if "supplier_pan" in out else \
        pd.Series("", index=out.index, dtype=str)
    out["pan"] = pan.where(pan != "", pd.Series(derived[codes], index=out.index, dtype=str))
    dates = pd.to_datetime(out["doc_date"]).to_numpy(dtype="datetime64[D]")
    out["day"] = (dates - EPOCH).astype("int64")
    out["tax"] = out[TAX].sum(axis=1).astype("int64")
    return out


def group_codes(frames: list[pd.DataFrame], columns: list[str]) -> list[np.ndarray]:
    """One int64 code per distinct combination of ``columns``, shared across ``frames``.

    Each text column is hashed once; merges, sorts and group-bys then run on integers, which is what
    keeps a million-row scope in seconds.
    """
    both = pd.concat([frame[columns] for frame in frames], ignore_index=True)
    code = np.zeros(len(both), dtype="int64")
    for column in columns:
        values, uniques = pd.factorize(both[column], use_na_sentinel=False)
        code, _ = pd.factorize(code * max(len(uniques), 1) + values)
        code = code.astype("int64")
    out, start = [], 0
    for frame in frames:
        out.append(code[start:start + len(frame)])
        start += len(frame)
    return out
