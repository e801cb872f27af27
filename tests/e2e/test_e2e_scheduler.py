"""Two bot processes' schedulers against one database: one digest per channel and day."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select
from sqlmodel import Session

from bot.app import build_services
from bot.scheduler import BotScheduler, claim, run_guarded
from ims_core import clock
from ims_core.db import build_engine
from ims_core.models import ChannelSubscription, JobRun

from .conftest import CHANNEL, E2E_TODAY, settings_for
from .seed import RECIPIENT, seed


def subscribe(engine, time_hhmm: str = "09:30", days: str = "mon-sun") -> None:
    with Session(engine) as session:
        session.add(
            ChannelSubscription(channel_id=CHANNEL, recipient_gstin=RECIPIENT, days=days, time_hhmm=time_hhmm)
        )
        session.commit()


def two_schedulers(database_url: str, slack) -> list[BotScheduler]:
    """Each with its own engine and Web client, as two processes would have."""
    return [
        BotScheduler(
            build_services(
                settings_for(database_url, slack), engine=build_engine(database_url), post_interval=0.0
            )
        )
        for _ in range(2)
    ]


def runs(engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.execute(select(JobRun)).scalars())


def test_two_scheduler_instances_fire_together_and_post_one_digest(engine, database_url, slack):
    seed(engine, count=3, statuses=("mismatch",))
    subscribe(engine)
    clock.set_today(E2E_TODAY)  # APScheduler fires on real time; the digest's day is the business date
    schedulers = two_schedulers(database_url, slack)
    for s in schedulers:
        s.start(catch_up=False)
    try:
        jobs = [s.scheduler.get_job(f"digest:{CHANNEL}") for s in schedulers]
        assert all(job is not None for job in jobs)
        now = dt.datetime.now(schedulers[0].services.tz)
        for job in jobs:
            job.modify(next_run_time=now)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (runs(engine) and runs(engine)[0].status == "done"):
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        for s in schedulers:
            s.shutdown()
            s.services.engine.dispose()
    assert len(slack.of("chat.postMessage")) == 1
    [run] = runs(engine)
    assert (run.job, run.period, run.status) == (f"digest:{CHANNEL}", E2E_TODAY.isoformat(), "done")


def test_a_missed_run_within_the_grace_window_is_caught_up_once(engine, database_url, slack):
    seed(engine, count=1, statuses=("mismatch",))
    schedulers = two_schedulers(database_url, slack)
    subscribe(engine, time_hhmm="09:40")  # due twenty minutes before the bots came up at 10:00
    with clock.frozen(dt.datetime(2025, 11, 12, 10, 0, tzinfo=schedulers[0].services.tz)):
        threads = [threading.Thread(target=s.catch_up) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(slack.of("chat.postMessage")) == 1
    assert [(r.period, r.status) for r in runs(engine)] == [("2025-11-12", "done")]
    for s in schedulers:
        s.services.engine.dispose()


def test_the_guard_claims_once_reports_failures_and_lets_a_failed_run_be_tried_again(engine):
    assert claim(engine, "job", "2025-11-05") is True
    assert claim(engine, "job", "2025-11-05") is False
    assert claim(engine, "job", "2025-11-06") is True
    reported: list[Exception] = []
    outcomes = iter([RuntimeError("Slack is down"), RuntimeError("still down"), "posted"])

    def flaky() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert run_guarded(engine, "other", "p", flaky, on_failure=reported.append) == "failed"
    failed = [r for r in runs(engine) if r.job == "other"]
    assert failed[0].status == "failed" and "RuntimeError: Slack is down" in failed[0].detail
    assert run_guarded(engine, "other", "p", flaky, on_failure=reported.append) == "failed"  # tried again
    assert run_guarded(engine, "other", "p", flaky, on_failure=reported.append) == "done"
    assert run_guarded(engine, "other", "p", flaky, on_failure=reported.append) == "skipped"  # done once
    assert [str(e) for e in reported] == ["Slack is down", "still down"]
    assert [(r.status, r.detail) for r in runs(engine) if r.job == "other"] == [("done", "posted")]


def test_a_failed_scheduled_digest_is_reported_and_tried_again_later_the_same_day(
    engine, database_url, slack
):
    seed(engine, count=1, statuses=("mismatch",))
    subscribe(engine)
    slack.refuse_blocks = True
    scheduler = two_schedulers(database_url, slack)[0]
    scheduler.scheduler.start(paused=True)
    tz = scheduler.services.tz
    try:
        with clock.frozen(dt.datetime(2025, 11, 12, 9, 30, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "failed"
        [report] = [c for c in slack.of("chat.postMessage") if not c.args.get("blocks")]
        assert report.args["channel"] == CHANNEL and "could not post today's digest" in report.args["text"]
        assert "I will try again at 09:35." in report.args["text"]
        assert [r.status for r in runs(engine)] == ["failed"]
        retry = scheduler.scheduler.get_job(f"retry:digest:{CHANNEL}")
        assert retry.next_run_time == dt.datetime(2025, 11, 12, 9, 35, tzinfo=tz)

        slack.refuse_blocks = False  # Slack is back by the retry
        with clock.frozen(dt.datetime(2025, 11, 12, 9, 35, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "done"
        posted = [c for c in slack.of("chat.postMessage") if c.args.get("blocks") and c.response.get("ok")]
        assert len(posted) == 1 and [r.status for r in runs(engine)] == ["done"]
    finally:
        scheduler.shutdown()
        scheduler.services.engine.dispose()


def test_a_digest_that_keeps_failing_is_not_retried_past_the_day(engine, database_url, slack):
    seed(engine, count=1, statuses=("mismatch",))
    subscribe(engine)
    slack.refuse_blocks = True
    scheduler = two_schedulers(database_url, slack)[0]
    scheduler.scheduler.start(paused=True)
    tz = scheduler.services.tz
    try:
        with clock.frozen(dt.datetime(2025, 11, 12, 23, 0, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "failed"  # 23:05: still today
            assert scheduler.scheduler.get_job(f"retry:digest:{CHANNEL}") is not None
        with clock.frozen(dt.datetime(2025, 11, 12, 23, 5, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "failed"  # 23:20: still today, not told again
        with clock.frozen(dt.datetime(2025, 11, 12, 23, 20, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "failed"  # 23:50
        with clock.frozen(dt.datetime(2025, 11, 12, 23, 50, tzinfo=tz)):
            assert scheduler.run_digest(CHANNEL) == "failed"  # 00:50 is tomorrow: given up
        reports = [c.args["text"] for c in slack.of("chat.postMessage") if not c.args.get("blocks")]
        assert len(reports) == 2 and "I will try at the next scheduled run." in reports[-1]
    finally:
        scheduler.shutdown()
        scheduler.services.engine.dispose()


def test_reminders_before_the_14th_and_the_gstr3b_due_date_go_out_once(engine, database_url, slack):
    seed(engine, count=3, statuses=("mismatch",))
    subscribe(engine)
    first, second = two_schedulers(database_url, slack)
    assert first.run_reminders(dt.date(2025, 11, 10)) == []
    assert first.run_reminders(dt.date(2025, 11, 13)) == ["done"]
    assert second.run_reminders(dt.date(2025, 11, 13)) == ["skipped"]
    assert first.run_reminders(dt.date(2025, 11, 18)) == ["done"]
    texts = [c.args["text"] for c in slack.of("chat.postMessage")]
    assert len(texts) == 2
    assert (
        "GSTR-2B for 10/2025 is generated tomorrow" in texts[0]
        and "3 record(s) still need a decision" in texts[0]
    )
    assert "GSTR-3B for 10/2025 is due on 20 Nov" in texts[1]
    for s in (first, second):
        s.services.engine.dispose()


def test_jobs_follow_the_subscriptions_in_ist_with_day_names(engine, database_url, slack):
    subscribe(engine, time_hhmm="10:15", days="mon,wed")
    scheduler = two_schedulers(database_url, slack)[0]
    scheduler.sync()
    trigger = scheduler.scheduler.get_job(f"digest:{CHANNEL}").trigger
    assert str(trigger) == "cron[day_of_week='mon,wed', hour='10', minute='15']"
    assert str(trigger.timezone) == "Asia/Kolkata"
    upcoming = trigger.get_next_fire_time(None, dt.datetime(2025, 11, 5, 0, 0, tzinfo=trigger.timezone))
    assert upcoming.isoformat() == "2025-11-05T10:15:00+05:30"  # a Wednesday
    with Session(engine) as session:
        session.execute(ChannelSubscription.__table__.delete())
        session.commit()
    scheduler.sync()
    assert scheduler.scheduler.get_job(f"digest:{CHANNEL}") is None
    scheduler.services.engine.dispose()
