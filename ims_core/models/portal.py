"""Tables of the GST portal connector: the session per GSTIN, each pull, each upload (push).

The session's secrets (app key, auth token, session key) are one Fernet token in ``secrets``,
encrypted with ``IMS_SECRET_KEY``: the database never holds them in clear. A push row carries the
records it sent (``items_json``) so that the portal's answer, which may arrive in a later run, can
be applied to the right decisions; ``in_flight`` holds the GSTIN while the portal has not settled the
request, and its unique index lets only one upload per GSTIN be in flight (GSTN refuses a second
with IMSSAV0015).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

from ims_core import clock


def _moment(**kwargs) -> object:  # forwards Field options
    return Field(default=None, sa_type=DateTime(timezone=True), **kwargs)


class PortalSession(SQLModel, table=True):
    """The portal session of one GSTIN: ``state`` is ``otp_requested`` (an OTP is on its way; the
    app key waits for it), ``active``, ``expired`` (the portal or the clock ended it) or ``logged_out``."""

    __tablename__ = "portal_session"

    recipient_gstin: str = Field(primary_key=True, max_length=15)
    username: str = ""
    state: str = Field(default="", max_length=16)
    secrets: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    otp_requested_at: dt.datetime | None = _moment()
    logged_in_at: dt.datetime | None = _moment()
    refreshed_at: dt.datetime | None = _moment()
    expires_at: dt.datetime | None = _moment()
    ended_at: dt.datetime | None = _moment()
    note: str = Field(default="", description="why the session ended, as the portal said it")
    updated_by: str = ""
    updated_at: dt.datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))


class PortalPull(SQLModel, table=True):
    """One download from the portal and what became of it: ``kind`` ``ims`` or ``gstr2b``;
    ``outcome`` ``imported``, ``unchanged`` (the same data as an earlier import), ``not_generated``
    (GSTR-2B not yet generated) or ``failed``."""

    __tablename__ = "portal_pull"
    __table_args__ = (Index("ix_portal_pull_recipient_kind", "recipient_gstin", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_gstin: str = Field(max_length=15)
    kind: str = Field(max_length=8)
    period: str = Field(default="", max_length=6)
    pulled_at: dt.datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))
    pulled_by: str = ""
    outcome: str = Field(default="", max_length=16)
    documents: int = 0
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    message: str = ""


class PortalPush(SQLModel, table=True):
    """One SAVE or RESET request sent to the portal (a large upload is sent in ``parts``).

    ``status`` is ``sending`` (claimed, no reference yet), ``IP`` (the portal is processing it),
    ``P``, ``PE`` or ``ER`` as the portal settled it, ``failed`` (the request never got a reference)
    or ``abandoned`` (a claim left by a process that died before the portal answered)."""

    __tablename__ = "portal_push"
    __table_args__ = (Index("ix_portal_push_recipient", "recipient_gstin", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_gstin: str = Field(max_length=15)
    request_type: str = Field(max_length=5)
    part: int = 1
    parts: int = 1
    reference_id: str = Field(default="", max_length=64)
    status: str = Field(default="", max_length=10)
    in_flight: str | None = Field(default=None, max_length=15, unique=True)
    sent_at: dt.datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))
    settled_at: dt.datetime | None = _moment()
    pushed_by: str = ""
    records: int = 0
    uploaded: int = 0
    refused: int = 0
    error_code: str = Field(default="", max_length=20)
    error_message: str = ""
    items_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
