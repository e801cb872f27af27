"""Figures kept once computed, with the state of the data they were computed from.

The ITC position's figures and the deadlines read every record of a registration; at 100,000 documents
that takes seconds. A snapshot lets the digest, App Home and ``ims itc`` answer from the last
computation while nothing they depend on has changed (``ims_core.itc.snapshots`` decides that).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ims_core import clock


class FigureSnapshot(SQLModel, table=True):
    """One kind of figures for one registration, key (a period, or "") and day, as last computed."""

    __tablename__ = "figure_snapshot"
    __table_args__ = (UniqueConstraint("kind", "recipient_gstin", "key", "as_of", name="uq_figure_snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, description="position or deadlines")
    recipient_gstin: str = Field(max_length=15)
    key: str = Field(default="", max_length=10, description="the return period (MMYYYY), or ''")
    as_of: dt.date = Field(description="the day the figures are as of")
    state: str = Field(max_length=64, description="fingerprint of the data and code they came from")
    payload: str = Field(sa_column=Column(Text, nullable=False))
    computed_at: dt.datetime = Field(default_factory=clock.now)
