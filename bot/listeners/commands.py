"""``/ims <sub-command>``: ack at once, then answer ephemerally through the ``response_url``.

Every sub-command is listed once, in :data:`SUBCOMMANDS`: its name, its handler, its line of help and
whether only approvers may run it (changing a schedule, drafting to a supplier: the
``bot.permissions`` middleware refuses anyone else, and audits the refusal, before the listener
runs), so the help cannot drift from what the command does. Unknown input gets the help with a note on
what was not understood, never a stack trace; errors meant for users (``UserFacingError``) are
shown as they are (by the bot's error handler).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot import digest
from bot.app import Services
from bot.blocks import answers
from bot.blocks.common import esc
from bot.blocks.figures import deadline_section
from bot.blocks.radar import RADAR_ALL, radar_section
from bot.charts import post_command_chart
from bot.listeners.followups import followup_command, scorecard_command
from bot.permissions import CHANGE_SCHEDULE, SEND_FOLLOWUP, Target, approvers_only
from bot.replies import tells_errors
from ims_core import clock
from ims_core.errors import UserFacingError
from ims_core.gst.dates import parse_period
from ims_core.reports import subscriptions
from ims_core.reports.digest import deadline_lines, itc_figures
from ims_core.reports.radar import RADAR_KINDS, radar_lines, registration_deadlines
from ims_core.reports.worklist import (
    explain_story,
    find_documents,
    find_vendors,
    latest_period,
    needing_decision,
    recipients,
    status_counts,
)

logger = logging.getLogger(__name__)

LIST_SIZE = 15
Answer = tuple[str, list[Block]]  # the fallback text and the blocks of an ephemeral reply
Handler = Callable[[Services, list[str], dict, WebClient], Answer]


@dataclass(frozen=True)
class Subcommand:
    """One ``/ims`` sub-command: ``/ims {name} {args}`` runs ``handler``; ``help`` says what it does."""

    name: str
    args: str
    help: str
    handler: Handler
    approvers_only: str = ""  # what only approvers may do, as a refusal says it; "" for everyone

    @property
    def usage(self) -> str:
        return f"{self.name} {self.args}".strip()


def register(app: App, services: Services) -> None:
    @app.command("/ims", middleware=[_approvers_for_changes(services)])
    @tells_errors
    def on_ims(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        ack()
        words = (command.get("text") or "").split()
        name, args = (words[0].lower(), words[1:]) if words else ("help", [])
        subcommand = BY_NAME.get(name)
        if subcommand is None:
            text, blocks = "IMS assistant help", help_blocks(f"I don't know “{name}”.")
        else:  # a UserFacingError goes to the bot's error handler, which answers through respond too
            text, blocks = subcommand.handler(services, args, command, client)
        respond(text=text, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")


def _approvers_for_changes(services: Services) -> Callable[..., BoltResponse | None]:
    """The approver check of ``bot.permissions`` for the sub-commands that need it; others pass."""
    checks = {
        s.name: approvers_only(services, action=f"/ims {s.name}", what=s.approvers_only, target=_typed)
        for s in SUBCOMMANDS
        if s.approvers_only
    }

    def check(
        ack: Ack, body: dict, client: WebClient, respond: Respond, next_: Callable[[], None]
    ) -> BoltResponse | None:
        words = (body.get("text") or "").split()
        guard = checks.get(words[0].lower() if words else "")
        return guard(ack, body, client, respond, next_) if guard else next_()

    return check


def _typed(body: dict) -> Target:
    """What a refused ``/ims`` command was, for its audit event."""
    typed = f"/ims {body.get('text', '')}".strip()
    return Target(details={"command": typed, "channel": body.get("channel_id", "")})


def help_blocks(problem: str = "") -> list[Block]:
    """The help, from the table: every sub-command with its arguments and what it does."""
    return answers.help_blocks(
        [(s.usage, s.help + (" (approvers)" if s.approvers_only else "")) for s in SUBCOMMANDS], problem
    )


def _help(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    return "IMS assistant help", help_blocks()


def _period_arg(args: list[str]) -> str | None:
    return parse_period(args[0]) if args else None  # a DateError is a UserFacingError


def _summary(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    with services.session() as session:
        scope = recipients(session)
        period = _period_arg(args) or latest_period(session, scope)
        counts = status_counts(session, recipients=scope, period=period)
    return "Reconciliation summary", answers.summary_blocks(period, scope, counts)


def _listing(title: str, statuses: tuple[str, ...] | None) -> Handler:
    def handler(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
        with services.session() as session:
            kwargs = {"statuses": statuses} if statuses else {}
            page = needing_decision(session, limit=LIST_SIZE, **kwargs)
        return title, answers.list_blocks(title, page.items, page.total, page.total_tax_paise)

    return handler


def _vendor(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    query = " ".join(args)
    if not query:
        raise UserFacingError("Name the supplier: /ims vendor <GSTIN or name>")
    with services.session() as session:
        matches = find_vendors(session, query)
        items = needing_decision(session, suppliers=[matches[0].gstin], limit=10).items if matches else []
    return f"Supplier {esc(query)}", answers.vendor_blocks(query, matches, items)


def _invoice(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    if not args:
        raise UserFacingError("Give the document number: /ims invoice <number>")
    number = " ".join(args)
    with services.session() as session:
        found = [
            (item, explain_story(session, item.portal_document_id))
            for item in find_documents(session, number)
        ]
    return f"Document {esc(number)}", answers.invoice_blocks(number, found)


def _itc(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    """The figures at once; their chart over six periods follows in the channel (``bot.charts``)."""
    with services.session() as session:
        scope = recipients(session)
        period = _period_arg(args) or latest_period(session, scope)
        figures = itc_figures(session, scope, period)
    if figures is None:
        return "ITC position", answers.itc_blocks(period, None)
    services.listener_executor.submit(
        post_command_chart, client, services.engine, gstins=scope, period=period, today=clock.today(),
        channel=command["channel_id"], user=command.get("user_id", ""), response_url=command["response_url"])
    note = answers.plain("The chart of the last six periods follows in this channel.")
    return "ITC position", [*answers.itc_blocks(period, figures), *note]


def _deadlines(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    today = clock.today()
    with services.session() as session:
        scope = recipients(session)
        found = registration_deadlines(session, scope, today)
        lines = deadline_lines(session, scope, today, found=found, skip=RADAR_KINDS)
    radar = radar_lines(found, today)
    others = [deadline_section(lines)] if lines or not radar else []
    return "Deadlines", [radar_section(radar, limit=RADAR_ALL), *others]


def _digest(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    if args and args[0].lower() != "now":
        raise UserFacingError("Use /ims digest now")
    channel = command["channel_id"]
    with services.session() as session:
        gstins = subscriptions.channel_gstins(session, channel)
    today = clock.today()
    try:
        posted = digest.post_digest(
            client,
            services.engine,
            channel_id=channel,
            day=today,
            gstins=gstins or None,
            tz=services.tz,
            post_interval=services.post_interval,
        )
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            raise UserFacingError(
                "I am not in this channel yet: invite me with /invite, then try again."
            ) from None
        raise
    if not posted:
        return "Digest in progress", answers.plain(
            "Today's digest is being posted by another request; try again in a minute."
        )
    verb = "posted" if any(p.created for p in posted) else "updated"
    return f"Digest {verb}", answers.plain(
        f"Today's digest is {verb} in this channel ({len(posted)} message(s))."
    )


def _subscribe(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    request = subscriptions.parse_request(args)
    with services.session() as session:
        rows = subscriptions.subscribe(
            session, channel_id=command["channel_id"], request=request, created_by=command.get("user_id", "")
        )
        gstins = ", ".join(r.recipient_gstin for r in rows)
    scheduler = services.extra.get("scheduler")
    if scheduler is not None:
        scheduler.sync()
    return "Subscribed", answers.plain(
        f"This channel will get the digest for {gstins} on {request.days} at "
        f"{request.time_hhmm} ({services.tz.key})."
    )


def _unsubscribe(services: Services, args: list[str], command: dict, client: WebClient) -> Answer:
    with services.session() as session:
        removed = subscriptions.unsubscribe(session, channel_id=command["channel_id"])
    scheduler = services.extra.get("scheduler")
    if scheduler is not None:
        scheduler.sync()
    text = "No more scheduled digests here." if removed else "This channel had no scheduled digest."
    return "Unsubscribed", answers.plain(text)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("help", "", "this list", _help),
    Subcommand("summary", "[MMYYYY]", "counts by status and ₹ for a period (default: the latest)", _summary),
    Subcommand(
        "pending", "", "records that still need a decision, most ₹ first", _listing("Pending decisions", None)
    ),
    Subcommand(
        "mismatches",
        "",
        "records whose amounts, dates or GSTIN differ from the books",
        _listing("Mismatches", ("mismatch",)),
    ),
    Subcommand("vendor", "<GSTIN or name>", "a supplier's open records (names may be misspelt)", _vendor),
    Subcommand("scorecard", "<GSTIN or PAN>", "a supplier's scorecard and its trend", scorecard_command),
    Subcommand("followup", "<GSTIN>", "draft a follow-up to a supplier, to edit and send", followup_command,
               SEND_FOLLOWUP),
    Subcommand("invoice", "<number>", "one document and why it was or was not matched", _invoice),
    Subcommand("itc", "[MMYYYY]", "ITC claimable, blocked and at risk", _itc),
    Subcommand("deadlines", "", "due dates coming up", _deadlines),
    Subcommand("digest", "now", "post today's digest here (updates it if already posted)", _digest),
    Subcommand(
        "subscribe",
        "[GSTIN …] [HH:MM] [days]",
        "post the digest here on a schedule (default weekdays 09:30)",
        _subscribe,
        CHANGE_SCHEDULE,
    ),
    Subcommand("unsubscribe", "", "stop the scheduled digest in this channel", _unsubscribe, CHANGE_SCHEDULE),
)
BY_NAME = {s.name: s for s in SUBCOMMANDS}
