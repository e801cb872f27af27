"""The core the bot stands on: worklist queries, subscriptions, idempotent digest pages."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from e2e.seed import RECIPIENT, seed
from e2e.slack_fake import FakeSlack
from slack_sdk import WebClient
from sqlalchemy import insert, select
from sqlmodel import Session

from bot.digest import post_digest
from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.errors import UserFacingError
from ims_core.models import DecisionMessageRef, DigestMessage, MatchResult, ReconciliationRun
from ims_core.reports.subscriptions import channel_schedules, parse_request, subscribe
from ims_core.reports.worklist import find_documents, find_vendors, needing_decision, status_counts

IST = ZoneInfo("Asia/Kolkata")
ASHA = Actor(id="U0ASHA", name="asha", source="slack")


@pytest.fixture
def slack():
    fake = FakeSlack(groups={"S0FIN": ["U0RAVI"]})
    yield fake
    fake.close()


def test_records_needing_a_decision_come_most_rupees_first_and_leave_once_decided(engine):
    ids = seed(engine, count=10)
    with Session(engine) as session:
        page = needing_decision(session, limit=3)
        assert page.total == 8  # two of the ten are "matched"
        taxes = [i.tax_paise for i in page.items]
        assert taxes == sorted(taxes, reverse=True) and len(taxes) == 3
        top = page.items[0].portal_document_id
        decide(session, portal_document_id=top, action="accept", actor=ASHA)
        session.commit()
        after = needing_decision(session, limit=50)
    assert after.total == 7 and top not in [i.portal_document_id for i in after.items]
    assert set(i.portal_document_id for i in after.items) < set(ids)


def test_a_newer_run_replaces_the_older_answer_for_its_period(engine):
    ids = seed(engine, count=4, statuses=("mismatch",))
    with engine.begin() as conn:
        run = conn.execute(
            insert(ReconciliationRun.__table__).values(
                recipient_gstin=RECIPIENT,
                period="102025",
                started_at=dt.datetime.now(dt.UTC),
                actor="t",
                settings_json="{}",
                counts_json="{}",
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(MatchResult.__table__),
            [
                dict(
                    run_id=run,
                    portal_document_id=i,
                    status="matched",
                    reasons="",
                    score=1.0,
                    recommended_action="A",
                    recipient_gstin=RECIPIENT,
                    supplier_gstin="27AHQPA7588L1ZJ",
                    return_period="102025",
                    tax_paise=100,
                    nearest_note="",
                )
                for i in ids
            ],
        )
    with Session(engine) as session:
        counts = status_counts(session)
        assert [(c.status, c.count) for c in counts] == [("matched", 4)]
        assert needing_decision(session).total == 0


def test_vendor_search_by_misspelt_name_and_by_gstin_prefix(engine):
    seed(engine, count=6)
    with Session(engine) as session:
        assert find_vendors(session, "sharma steal")[0].name == "Sharma Steel & Sons"
        assert find_vendors(session, "gujrat chemical")[0].gstin == "24AAQCA8719H1ZC"
        assert [v.gstin for v in find_vendors(session, "27AHQ")] == ["27AHQPA7588L1ZJ"]
        assert find_vendors(session, "completely unrelated words") == []
        assert [d.doc_number for d in find_documents(session, "inv 25 26 00003")] == ["INV/25-26/00003"]


def test_subscription_requests_are_parsed_and_checked():
    request = parse_request(["27ahqpa7588l1zj", "8:05", "weekdays"])
    assert (request.gstins, request.time_hhmm, request.days) == (["27AHQPA7588L1ZJ"], "08:05", "mon-fri")
    assert parse_request(["mon,wed-fri"]).days == "mon,wed-fri"
    with pytest.raises(UserFacingError, match="'25:00' is not a GSTIN, a time"):
        parse_request(["25:00"])


def test_subscribing_twice_updates_the_schedule(engine):
    seed(engine, count=1)
    with Session(engine) as session:
        subscribe(session, channel_id="C1", request=parse_request([]))
        subscribe(session, channel_id="C1", request=parse_request(["07:45", "daily"]))
        session.commit()
        assert channel_schedules(session) == {"C1": ([RECIPIENT], "mon-sun", "07:45")}


def test_digest_pages_are_claimed_so_a_repeat_updates_and_fewer_pages_retire_the_rest(engine, slack):
    seed(engine, count=45, statuses=("mismatch",))
    client = WebClient(base_url=slack.url, token="xoxb-t")
    day = dt.date(2025, 11, 5)
    first = post_digest(client, engine, channel_id="C1", day=day, tz=IST, post_interval=0)
    assert len(first) > 1 and all(p.created for p in first)
    assert len(slack.of("chat.postMessage")) == len(first)
    with Session(engine) as session:
        for item in needing_decision(session, limit=40).items:
            decide(session, portal_document_id=item.portal_document_id, action="accept", actor=ASHA)
        session.commit()
    again = post_digest(client, engine, channel_id="C1", day=day, tz=IST, post_interval=0)
    assert len(again) == 1 and not again[0].created and again[0].ts == first[0].ts
    assert len(slack.of("chat.postMessage")) == len(first)
    retired = [c for c in slack.of("chat.update") if c.args["ts"] == first[-1].ts]
    assert retired and "no longer needed" in retired[-1].args["text"]
    with Session(engine) as session:
        assert len(session.execute(select(DigestMessage)).scalars().all()) == len(first)
        refs = session.execute(select(DecisionMessageRef).where(DecisionMessageRef.ts == first[-1].ts)).all()
        assert refs == []


def test_two_posters_of_the_same_digest_at_once_post_it_once(engine, slack):
    seed(engine, count=5, statuses=("mismatch",))
    client = WebClient(base_url=slack.url, token="xoxb-t")
    barrier = threading.Barrier(2)
    results: list[list] = []

    def poster() -> None:
        barrier.wait()
        results.append(
            post_digest(client, engine, channel_id="C1", day=dt.date(2025, 11, 5), tz=IST, post_interval=0)
        )

    threads = [threading.Thread(target=poster) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slack.of("chat.postMessage")) == 1
    assert sorted(len(r) for r in results) in ([0, 1], [1, 1])
