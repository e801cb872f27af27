"""Read the documents of a reconciliation scope into pandas frames, whole columns at a time.

The engine works on columns (int64 paise, dates as day numbers), never on ORM objects: a Core
``select`` read by ``pandas.read_sql`` costs one round trip and no per-row Python objects beyond the
driver's tuples. :func:`prepare` adds what every stage needs (normalised number, PAN block, day
number, tax total) so that the engine and ``ims explain`` derive them in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ims_core.db.reads import json_column_chunks
from ims_core.ingest.document import TAX
from ims_core.matching.normalise import number_forms
from ims_core.models import PortalDocument, PurchaseDocument

AMOUNTS = ["taxable_paise", *TAX]  # what is compared; invoice value is rounded and derived
BOOK_FIELDS = ["id", "recipient_gstin", "supplier_gstin", "supplier_pan", "doc_type", "doc_number",
               "doc_date", "fy", *AMOUNTS, "invoice_value_paise", "place_of_supply", "supplier_name"]
PORTAL_FIELDS = ["id", "source", "section", "recipient_gstin", "return_period", "period_key",
                 "supplier_gstin", "supplier_pan", "doc_type", "doc_number", "doc_date",
                 "fy", "original_doc_type", "original_doc_number", "original_doc_date", *AMOUNTS,
                 "invoice_value_paise",
                 "place_of_supply", "reverse_charge", "itc_available", "itc_unavailable_reason",
                 "pending_action_blocked", "rejected_in_ims", "supplier_name"]
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
    return _read(engine, query, BOOK_FIELDS, ["doc_date"], table, supplier_pans)


def read_portal(engine: Engine | Connection, recipient_gstin: str | None = None,
                until_period_key: int | None = None, supplier_pans: list[str] | None = None,
                ids: tuple[int, int] | None = None) -> pd.DataFrame:
    """Portal documents (every source) of one recipient (or all), up to a return period; with
    ``ids``, only those whose id lies in that range (both ends included)."""
    table = PortalDocument.__table__
    query = select(*[table.c[name] for name in PORTAL_FIELDS])
    if recipient_gstin:
        query = query.where(table.c.recipient_gstin == recipient_gstin)
    if until_period_key is not None:
        query = query.where(table.c.period_key <= until_period_key)
    if ids is not None:
        query = query.where(table.c.id.between(*ids))
    return _read(engine, query, PORTAL_FIELDS, ["doc_date", "original_doc_date"], table, supplier_pans, ids)


def _of_pans(conn: Connection, query, table, pans: list[str]):  # Core select
    """``query`` narrowed to documents of the suppliers with PAN in ``pans``, found through the
    indexed ``supplier_gstin``: the table's distinct GSTINs (an index-only scan) whose PAN block is
    one of ``pans`` (the importers derive ``supplier_pan`` from the GSTIN in just this way), and
    ``supplier_pan`` itself still checked, so a stored PAN decides as before."""
    wanted = set(pans)
    gstins = [g for (g,) in conn.execute(select(table.c.supplier_gstin).distinct())
              if g is not None and (g[2:12] in wanted or g.strip().upper()[2:12] in wanted)]
    return query.where(table.c.supplier_gstin.in_(gstins), table.c.supplier_pan.in_(pans))


# Columns whose values repeat across many rows: one string object per distinct value, not per row.
REPEATED = {"recipient_gstin", "supplier_gstin", "supplier_pan", "doc_type", "place_of_supply", "source",
            "section", "return_period", "original_doc_type", "itc_available", "itc_unavailable_reason",
            "supplier_name"}
INTEGERS = {*AMOUNTS, "invoice_value_paise", "id", "fy"}
FETCH_ROWS = 100_000


def _read(bind: Engine | Connection, query, columns: list[str], dates: list[str], table,
          supplier_pans: list[str] | None, ids: tuple[int, int] | None = None) -> pd.DataFrame:
    """Fetch the rows in chunks of columns and type each chunk column by column.

    No per-row SQLAlchemy Row or type conversion, and no per-row pandas inference: a chunk becomes
    one object array per column (from the driver's tuples, or on SQLite from JSON arrays), each
    typed at once (integers to int64, dates parsed once per distinct value). Repeated text shares
    one string object per distinct value, so peak memory stays near the final frame's.
    """
    if isinstance(bind, Connection):
        return _read_on(bind, query, columns, dates, table, supplier_pans, ids)
    with bind.connect() as conn:
        return _read_on(conn, query, columns, dates, table, supplier_pans, ids)


def _read_on(conn: Connection, query, columns: list[str], dates: list[str], table,
             supplier_pans: list[str] | None, ids: tuple[int, int] | None) -> pd.DataFrame:
    if supplier_pans is not None:
        query = _of_pans(conn, query, table, supplier_pans)
    if conn.dialect.name == "sqlite":
        return _typed(_json_chunks(conn, query, table, ids), columns, dates)
    return _typed(_driver_chunks(conn, query), columns, dates)


def _driver_chunks(conn: Connection, query) -> Iterator[list[np.ndarray]]:
    """The driver's tuples, a chunk at a time, as one object array per column."""
    cursor = conn.execute(query).cursor
    while rows := cursor.fetchmany(FETCH_ROWS):
        block = np.empty((len(rows), len(rows[0])), dtype=object)
        block[:] = rows
        yield [block[:, j] for j in range(block.shape[1])]


def _json_chunks(conn: Connection, query, table, ids: tuple[int, int] | None) -> Iterator[list[np.ndarray]]:
    """On SQLite: the columns as JSON arrays (:func:`ims_core.db.json_column_chunks`), about 40%
    less time than the driver's rows, which at a million documents a side is seconds. The ids are
    walked from the table's (or ``ids``') first to its last."""
    first, last = ids or conn.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
    if first is not None and first <= last:
        yield from json_column_chunks(conn, query, table.c.id, first, last, FETCH_ROWS)


def _typed(chunks: Iterator[list[np.ndarray]], columns: list[str], dates: list[str]) -> pd.DataFrame:
    parts: dict[str, list[np.ndarray]] = {name: [] for name in columns}
    shared: dict[str, dict] = {name: {} for name in columns if name in REPEATED or name in dates}
    for chunk in chunks:
        for name, values in zip(columns, chunk, strict=True):
            if name in INTEGERS:
                values = values.astype("int64")
            elif name in shared:
                values = _share(values, shared[name])
            parts[name].append(values)
    data = {}
    for name in columns:
        values = np.concatenate(parts.pop(name)) if parts[name] else \
            np.empty(0, "int64" if name in INTEGERS else object)
        if name in dates:
            data[name] = _dates(values, shared[name])
        elif name in INTEGERS or name in REPEATED:
            data[name] = values
        else:  # what pandas makes of a column of driver values (text, flags, small numbers)
            data[name] = pd.Series(values, dtype=object).infer_objects()
    return pd.DataFrame(data, columns=columns)


def _share(values: np.ndarray, seen: dict) -> np.ndarray:
    """``values`` with one object per distinct value across all chunks (``seen`` maps each to it)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    canonical = np.array([seen.setdefault(u, u) for u in uniques.tolist()] + [None], dtype=object)
    return canonical[codes]


def _dates(values: np.ndarray, seen: dict) -> pd.Series:
    """Dates parsed once per distinct value (a scope has a few hundred) and spread back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(np.append(uniques.astype(object), None)), format="ISO8601")
    return pd.Series(parsed.to_numpy()[codes], dtype=parsed.dtype)


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
    for name in ("recipient_gstin", "doc_type", "doc_number", "place_of_supply"):
        out[name] = out[name].fillna("").astype(str)
    codes, clean, derived = _suppliers(out)
    out["supplier_gstin"] = pd.Series(clean[codes], index=out.index, dtype=str)
    if forms is None:
        forms = number_forms(out["doc_number"], out["fy"])
    for name in forms.columns:
        out[name] = forms[name]
    out["pan"] = _pan(out, derived[codes])
    dates = pd.to_datetime(out["doc_date"]).to_numpy(dtype="datetime64[D]")
    out["day"] = (dates - EPOCH).astype("int64")
    out["tax"] = out[TAX].sum(axis=1).astype("int64")
    return out


def pan_blocks(frame: pd.DataFrame) -> pd.Series:
    """The supplier PAN block of each row, as :func:`prepare` works it out (``pan``)."""
    codes, _, derived = _suppliers(frame)
    return _pan(frame.reset_index(drop=True), derived[codes])


def _suppliers(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row a supplier code; per code the cleaned GSTIN and the PAN block it implies. A few
    thousand suppliers stand behind a scope's documents, so each GSTIN is cleaned once."""
    gstin = frame["supplier_gstin"].fillna("").astype(str).to_numpy(object)
    codes, gstins = pd.factorize(gstin, use_na_sentinel=False)
    clean = np.array([g.strip().upper() for g in gstins], dtype=object)
    derived = np.array([g[2:12] if len(g) == 15 else g for g in clean], dtype=object)
    return codes, clean, derived


def _pan(frame: pd.DataFrame, derived: np.ndarray) -> pd.Series:
    """The stored PAN where there is one, else the one the GSTIN implies."""
    pan = frame["supplier_pan"].fillna("").astype(str) if "supplier_pan" in frame else \
        pd.Series("", index=frame.index, dtype=str)
    return pan.where(pan != "", pd.Series(derived, index=frame.index, dtype=str))


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
