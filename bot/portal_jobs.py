"""The GST portal from the bot: the scheduled pull (``IMS_PORTAL_PULL_TIMES``, twice a day by default)
and the approvers' upload, each telling the channel what happened.

The work is ``ims_core.portal.service``'s (the same calls as ``ims portal pull|push``). A session that
has lapsed is never a silent failure: the channel is told which GSTIN and which portal user must log
in again, and how. Outcomes go to the channels subscribed to the registration's digest.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks.portal import portal_problem_text, pull_outcome_text, push_outcome_text
from ims_core import clock
from ims_core.audit import SYSTEM, Actor
from ims_core.errors import UserFacingError
from ims_core.gst.dates import period_of, previous_period
from ims_core.portal import service
from ims_core.portal.errors import PortalError
from ims_core.portal.outcomes import portal_states
from ims_core.portal.push import PushResult
from ims_core.reports.subscriptions import channel_schedules

logger = logging.getLogger(__name__)

PULLED_STATES = ("active", "expired")  # a GSTIN someone logged out of on purpose is left alone


def pull_times(setting: str) -> list[tuple[int, int]]:
    """``"09:00,16:00"`` → ``[(9, 0), (16, 0)]``; a malformed time is a clear error at start."""
    times = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        hours, _, minutes = part.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise UserFacingError(f"IMS_PORTAL_PULL_TIMES: '{part}' is not a time HH:MM (24-hour)")
        times.append((int(hours), int(minutes)))
    return times


def portal_gstins(services: Services) -> list[str]:
    """The GSTINs the connector has a session for (live, or lapsed and so worth telling about)."""
    with services.session() as session:
        return [s.gstin for s in portal_states(session) if s.session in PULLED_STATES]


def portal_channels(services: Services, gstin: str) -> list[str]:
    """The channels subscribed to ``gstin``'s digest: where its portal news goes."""
    with services.session() as session:
        schedules = channel_schedules(session)
    return [channel for channel, (gstins, _d, _t) in schedules.items() if gstin in gstins]


def tell(services: Services, client: WebClient, gstin: str, text: str) -> int:
    """Post ``text`` to ``gstin``'s channels; how many took it (a failure is logged, not raised)."""
    posted = 0
    for channel in portal_channels(services, gstin):
        try:
            client.chat_postMessage(channel=channel, text=text)
            posted += 1
        except SlackApiError as exc:
            logger.warning("could not post portal news to a channel: %s", exc.response.get("error"))
    return posted


def pull_all(services: Services, client: WebClient) -> str:
    """Pull IMS and last month's GSTR-2B for every GSTIN with a session; tell what changed or why not."""
    period = previous_period(period_of(clock.today()))
    outcomes = []
    for gstin in portal_gstins(services):
        try:
            result = service.pull(services.engine, gstin, actor=SYSTEM, period=period)
        except PortalError as exc:
            tell(services, client, gstin, portal_problem_text(f"pull from the GST portal for {gstin}", exc))
            outcomes.append(f"{gstin}: {type(exc).__name__}")
            continue
        changed = result.ims.added + result.ims.updated
        if result.gstr2b is not None:
            changed += result.gstr2b.added + result.gstr2b.updated
        if changed:
            services.warmer.nudge()
            tell(services, client, gstin, pull_outcome_text(result))
        outcomes.append(f"{gstin}: {changed} changed")
    return "; ".join(outcomes) or "no portal session"


def upload(services: Services, client: WebClient, gstins: list[str], actor: Actor) -> list[PushResult]:
    """Upload each GSTIN's pending decisions; the outcome (refused records included) to the channels."""
    results = []
    for gstin in gstins:
        try:
            result = service.push(services.engine, gstin, actor=actor)
        except PortalError as exc:
            tell(services, client, gstin, portal_problem_text(f"upload to the GST portal for {gstin}", exc))
            continue
        tell(services, client, gstin, push_outcome_text(result))
        results.append(result)
    return results
