"""Scheduled digests, reminders, approval escalations and portal pulls (APScheduler 3, in IMS_TIMEZONE),
each run once however many bots run.

Each bot process keeps its own in-memory job store (nothing is pickled: jobs carry channel IDs only).
Several processes therefore all fire the same job; the first to insert the ``(job, period)`` row of
``bot_job_run`` runs it and the others skip (a unique key works alike on SQLite and PostgreSQL).
A run missed while no process was up is caught up at start if it is still within the grace window.
A digest that failed is tried again later the same day (after 5, 15, 30, 60 and 120 minutes: a
failed row of ``bot_job_run`` may be claimed again, and a digest page posted unclearly is looked up
before it is posted again, see ``bot.digest``). Failures are logged, and the first and the last of
the day reported to the channel concerned.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import digest
from bot.app import Services
from bot.approval_requests import due_escalations
from bot.portal_jobs import pull_all, pull_times
from ims_core import clock
from ims_core.db import session_scope
from ims_core.models import JobRun
from ims_core.reports.subscriptions import channel_schedules
from ims_core.reports.worklist import needing_decision, reminder_due

logger = logging.getLogger(__name__)

GRACE_SECONDS = 2 * 3600
SYNC_MINUTES = 5
REMINDER_TIME = (10, 0)
ESCALATION_CHECK_MINUTES = 15  # how often unanswered rejection requests are looked for
RETRY_MINUTES = (5, 15, 30, 60, 120)  # after a failed digest, the waits before each new attempt


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(engine, job: str, period: str, runner: str = "") -> bool:  # Engine
    """Insert the run's row, or take over one that failed; False when another process has claimed
    this job for this period and it is running or done."""
    runner = runner or runner_name()
    try:
        with session_scope(engine) as session:
            session.add(JobRun(job=job, period=period, runner=runner))
        return True
    except IntegrityError:
        pass
    with session_scope(engine) as session:  # compare-and-set: one process takes a failed run over
        return session.execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.period == period, JobRun.status == "failed")
            .values(status="running", runner=runner, started_at=clock.now(), finished_at=None)
        ).rowcount == 1


def finish(engine, job: str, period: str, status: str, detail: str = "") -> None:
    with session_scope(engine) as session:
        session.execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.period == period)
            .values(status=status, detail=detail[:2000], finished_at=clock.now())
        )


def run_guarded(
    engine,
    job: str,
    period: str,
    work: Callable[[], str],
    on_failure: Callable[[Exception], None] | None = None,
) -> str:
    """Run ``work`` once per (job, period): "done", "failed", or "skipped" when already claimed."""
    if not claim(engine, job, period):
        return "skipped"
    try:
        detail = work()
    except Exception as exc:  # a scheduled job must report, not crash the scheduler
        logger.exception("scheduled job %s for %s failed", job, period)
        finish(engine, job, period, "failed", f"{type(exc).__name__}: {exc}")
        if on_failure is not None:
            on_failure(exc)
        return "failed"
    finish(engine, job, period, "done", detail or "")
    return "done"


class BotScheduler:
    """The digest and reminder jobs of one bot process."""

    def __init__(self, services: Services, *, grace_seconds: int = GRACE_SECONDS) -> None:
        self.services = services
        self.grace_seconds = grace_seconds
        self.scheduler = BackgroundScheduler(
            timezone=services.tz,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace_seconds},
        )
        self.failures: dict[tuple[str, str], int] = {}  # (channel, day) -> failed attempts so far

    def start(self, *, catch_up: bool = True) -> None:
        self.sync()
        self.scheduler.add_job(self.sync, "interval", minutes=SYNC_MINUTES, id="sync", replace_existing=True)
        # decisions and imports from the command line, and a new day, reach the figures' snapshot here
        self.scheduler.add_job(self.services.warmer.nudge, "interval", minutes=SYNC_MINUTES, id="figures",
                               replace_existing=True)
        self.services.warmer.nudge()
        hour, minute = REMINDER_TIME
        self.scheduler.add_job(
            self.run_reminders,
            CronTrigger(hour=hour, minute=minute, timezone=self.services.tz),
            id="reminders",
            replace_existing=True,
        )
        self.scheduler.add_job(self.run_escalations, "interval", minutes=ESCALATION_CHECK_MINUTES,
                               id="escalations", replace_existing=True)
        for hour, minute in pull_times(self.services.settings.ims_portal_pull_times):
            self.scheduler.add_job(
                self.run_portal_pull,
                CronTrigger(hour=hour, minute=minute, timezone=self.services.tz),
                args=[f"{hour:02d}:{minute:02d}"],
                id=f"portal-pull:{hour:02d}{minute:02d}",
                replace_existing=True,
            )
        self.scheduler.start()
        if catch_up:
            self.catch_up()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=True)

    def now(self) -> dt.datetime:
        return clock.now().astimezone(self.services.tz)

    def sync(self) -> None:
        """Make the digest jobs match the subscriptions table (called at start and every few minutes)."""
        with session_scope(self.services.engine) as session:
            schedules = channel_schedules(session)
        wanted = set()
        for channel, (_gstins, days, time_hhmm) in schedules.items():
            hour, minute = (int(x) for x in time_hhmm.split(":"))
            job_id = f"digest:{channel}"
            wanted.add(job_id)
            self.scheduler.add_job(
                self.run_digest,
                CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=self.services.tz),
                id=job_id,
                args=[channel],
                replace_existing=True,
            )
        for job in self.scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id not in wanted:
                job.remove()

    def catch_up(self) -> None:
        """Run today's digests that were due within the grace window but have no run recorded."""
        now = self.now()
        with session_scope(self.services.engine) as session:
            schedules = channel_schedules(session)
            day = clock.today().isoformat()
            done = set(session.execute(
                select(JobRun.job).where(JobRun.period == day, JobRun.status != "failed")).scalars())
        for channel, (_gstins, days, time_hhmm) in schedules.items():
            trigger = CronTrigger(
                day_of_week=days,
                hour=int(time_hhmm[:2]),
                minute=int(time_hhmm[3:]),
                timezone=self.services.tz,
            )
            due = trigger.get_next_fire_time(None, now - dt.timedelta(seconds=self.grace_seconds))
            if due is not None and due <= now and f"digest:{channel}" not in done:
                self.run_digest(channel)

    def run_digest(self, channel: str) -> str:
        day = clock.today()
        with session_scope(self.services.engine) as session:
            gstins = channel_schedules(session).get(channel, ([], "", ""))[0]

        def work() -> str:
            pages = digest.post_digest(
                self.services.client,
                self.services.engine,
                channel_id=channel,
                day=day,
                gstins=gstins or None,
                tz=self.services.tz,
                post_interval=self.services.post_interval,
            )
            return f"{len(pages)} page(s)"

        return run_guarded(
            self.services.engine,
            f"digest:{channel}",
            day.isoformat(),
            work,
            on_failure=lambda exc: self._digest_failed(channel, day, exc),
        )

    def _digest_failed(self, channel: str, day: dt.date, exc: Exception) -> None:
        """Try again later today; tell the channel of the first failure and of giving up."""
        key = (channel, day.isoformat())
        failures = self.failures[key] = self.failures.get(key, 0) + 1
        when = None
        if failures <= len(RETRY_MINUTES):
            when = self.now() + dt.timedelta(minutes=RETRY_MINUTES[failures - 1])
            if when.date() != day:
                when = None
        if when is not None:
            self.scheduler.add_job(self.run_digest, "date", run_date=when, args=[channel],
                                   id=f"retry:digest:{channel}", replace_existing=True)
        if failures == 1 or when is None:
            later = f"I will try again at {when:%H:%M}." if when else "I will try at the next scheduled run."
            self._report(channel, "today's digest", exc, later)

    def run_reminders(self, today: dt.date | None = None) -> list[str]:
        """Before the 14th (GSTR-2B) and before the GSTR-3B due date: a nudge with what is still open."""
        today = today or clock.today()
        with session_scope(self.services.engine) as session:
            schedules = channel_schedules(session)
        outcomes = []
        for channel, (gstins, _days, _time) in schedules.items():
            with session_scope(self.services.engine) as session:
                due = reminder_due(session, gstins, today)
                if due is None:
                    continue
                kind, title, period = due
                page = needing_decision(session, recipients=gstins, limit=0)
            text = (
                f":alarm_clock: {title}. {page.total} record(s) still need a decision. "
                "`/ims pending` lists them; `/ims digest now` posts them with buttons."
            )

            def work(channel: str = channel, text: str = text) -> str:
                self.services.client.chat_postMessage(channel=channel, text=text)
                return "posted"

            outcomes.append(
                run_guarded(
                    self.services.engine,
                    f"reminder:{kind}:{channel}",
                    period,
                    work,
                    on_failure=lambda exc, c=channel: self._report(
                        c, "a reminder", exc, "I will try again at the next run."),
                )
            )
        return outcomes

    def run_escalations(self) -> list[str]:
        """Raise in the channel, once each, rejection requests unanswered for IMS_APPROVAL_ESCALATE_HOURS."""
        return [run_guarded(self.services.engine, job, period, work)
                for job, period, work in due_escalations(self.services, self.services.client)]

    def run_portal_pull(self, at: str) -> str:
        """The scheduled pull from the GST portal, once per day and time however many bots run."""
        return run_guarded(self.services.engine, f"portal-pull:{at}", clock.today().isoformat(),
                           lambda: pull_all(self.services, self.services.client))

    def _report(self, channel: str, what: str, exc: Exception, later: str) -> None:
        try:
            self.services.client.chat_postMessage(
                channel=channel,
                text=f":warning: I could not post {what} ({type(exc).__name__}). "
                f"The operator's log has the details; {later}",
            )
        except Exception:  # Slack itself may be what failed
            logger.warning("could not report a failed job to %s", channel, exc_info=True)
