"""Tables the Slack bot keeps: subscriptions, what it posted, and which scheduled runs happened.

They live in the core (not in ``bot/``) because the migrations own the schema. Each row exists to make a
Slack side effect idempotent or traceable: a digest is updated rather than reposted, a decided record
is re-rendered in every message that shows it, and a scheduled job runs once per period however many
bot processes are up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ims_core import clock


class ChannelSubscription(SQLModel, table=True):
    """A channel that receives the digest for one recipient GSTIN, at a time of its choosing."""

    __tablename__ = "bot_subscription"
    __table_args__ = (UniqueConstraint("channel_id", "recipient_gstin", name="uq_bot_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(index=True, max_length=32)
    recipient_gstin: str = Field(max_length=15)
    days: str = Field(default="mon-fri", max_length=40, description="APScheduler day_of_week, by name")
    time_hhmm: str = Field(default="09:30", max_length=5, description="local time (IMS_TIMEZONE)")
    created_by: str = ""
    created_at: dt.datetime = Field(default_factory=clock.now)


class DigestMessage(SQLModel, table=True):
    """One posted page of a channel's digest for a day: the ``ts`` to ``chat.update`` next time."""

    __tablename__ = "bot_digest_message"
    __table_args__ = (
        UniqueConstraint("channel_id", "day", "page", name="uq_bot_digest_message"),
        Index("ix_bot_digest_message_ts", "channel_id", "ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=32)
    day: dt.date
    page: int = 0
    ts: str = Field(default="", max_length=32, description="empty while the post is in flight")
    scope: str = Field(default="", description="comma-separated recipient GSTINs the digest covers")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    head_json: str = Field(
        default="[]",
        sa_column=Column(Text, nullable=False, default="[]"),
        description="the page's blocks above its records, kept as posted",
    )
    posted_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)


class DecisionMessageRef(SQLModel, table=True):
    """A record shown with decision buttons in a bot message, so the message can be re-rendered.

    ``position`` keeps the order the records were posted in; a re-render reads the rows of one
    ``(channel_id, ts)`` and draws each record from its current database state.
    """

    __tablename__ = "bot_decision_message"
    __table_args__ = (
        UniqueConstraint("channel_id", "ts", "portal_document_id", name="uq_bot_decision_message"),
        Index("ix_bot_decision_message_document", "portal_document_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    portal_document_id: int
    position: int = 0
    kind: str = Field(default="digest", max_length=12, description="digest, list or approval")
    created_at: dt.datetime = Field(default_factory=clock.now)


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one period; the unique key is the single-runner guard."""

    __tablename__ = "bot_job_run"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_bot_job_run"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=80)
    period: str = Field(max_length=40, description="e.g. the local date or return period it covers")
    runner: str = Field(default="", description="host:pid of the process that claimed it")
    status: str = Field(default="running", max_length=10, description="running, done or failed")
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    started_at: dt.datetime = Field(default_factory=clock.now)
    finished_at: dt.datetime | None = None
