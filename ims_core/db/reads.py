"""Reading whole columns fast: what the reconciliation and its export read millions of rows with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import orjson
from sqlalchemy import Select, func
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

if TYPE_CHECKING:
    import pandas as pd


def json_column_chunks(conn: Connection, query: Select, id_column: ColumnElement, first: int, last: int,
                       size: int) -> Iterator[list[np.ndarray]]:
    """SQLite only: the rows of ``query`` whose ``id_column`` lies in ``first``..``last``, ``size``
    ids at a time, as one object array per selected column, in id order.

    Each chunk is one row of ``json_group_array`` texts that orjson turns into lists: much less
    work than stepping through the rows with the driver and turning them back into columns. An
    aggregate takes rows in whatever order the scan chose, so the ids come along and the chunk is
    put in id order when it is not already.
    """
    every = [id_column, *query.selected_columns]
    arrays = query.with_only_columns(*(func.json_group_array(column) for column in every)).order_by(None)
    for start in range(first, last + 1, size):
        ids, *texts = conn.execute(arrays.where(id_column.between(start, min(start + size - 1, last)))).one()
        order = np.argsort(orjson.loads(ids), kind="stable")
        if not len(order):
            continue
        in_order = bool((np.diff(order) == 1).all())
        columns = []
        for values in texts:
            column = np.empty(len(order), dtype=object)
            column[:] = orjson.loads(values)
            columns.append(column if in_order else column[order])
        yield columns


def nullable_ids(column: pd.Series) -> np.ndarray:
    """A nullable integer column as the drivers take it: Python ints, ``None`` where missing."""
    return np.where(column.isna(), None, column.fillna(0).astype("int64").to_numpy(object))
