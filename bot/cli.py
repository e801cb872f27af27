"""``ims bot`` (Socket Mode, or ``--http`` behind waitress) and ``ims digest`` (print or post one now).

The core's command line knows nothing of the bot: these two commands join ``ims`` through the
``ims_assistant.commands`` entry points in ``pyproject.toml`` (see ``ims_core.cli``).
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ims_core import clock
from ims_core.commands.common import Today, console, database
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command("bot")(bot)
    app.command("digest")(digest_command)


def bot(
    http: bool = typer.Option(False, "--http", help="serve Slack's requests at /slack/events over HTTP"),
    port: int = typer.Option(3000, "--port", help="HTTP port (with --http)"),
    host: str = typer.Option("0.0.0.0", "--host", help="HTTP address to bind (with --http)"),
    schedule: bool = typer.Option(True, "--schedule/--no-schedule", help="run the scheduled digests"),
) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else (or with --http) an HTTP server."""
    from bot.app import build_services, create_app
    from bot.scheduler import BotScheduler

    settings = get_settings()
    if not settings.slack_bot_token:
        raise UserFacingError("SLACK_BOT_TOKEN is not set (the bot's xoxb- token from the app's OAuth page)")
    if (http or not settings.slack_app_token) and not settings.slack_signing_secret:
        raise UserFacingError("SLACK_SIGNING_SECRET is not set: HTTP mode must verify Slack's signatures")
    logging.getLogger().setLevel(logging.INFO)
    services = build_services(settings, engine=database())
    identity = _identity(services.client)
    console.print(f"IMS bot signed in as {identity}")
    scheduler = BotScheduler(services) if schedule else None
    if scheduler is not None:
        services.extra["scheduler"] = scheduler
    app = create_app(services)
    if scheduler is not None:
        scheduler.start()
    try:
        if http or not settings.slack_app_token:
            from bot.server import serve

            serve(app, host=host, port=port)
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            console.print("IMS bot connected in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        services.drain()


def _identity(client) -> str:  # slack_sdk WebClient
    """Check the bot token before serving (a wrong token should stop here, not at the first click)."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        response = client.auth_test()
    except SlackApiError as exc:
        raise UserFacingError(f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}") from None
    except SlackClientError as exc:
        raise UserFacingError(f"cannot reach Slack's Web API: {exc}") from None
    return f"{response.get('user', '?')} in {response.get('team', '?')}"


def digest_command(
    post: bool = typer.Option(False, "--post", help="post to Slack with the bot token"),
    channel: Annotated[list[str] | None, typer.Option("--channel", help="channel ID, repeatable")] = None,
    gstin: Annotated[list[str] | None, typer.Option("--recipient", help="GSTIN(s); default all")] = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="print the digest, post nothing"),
    today: Today = None,
) -> None:
    """Print today's digest, or post it (updating today's message if it was already posted)."""
    from ims_core.reports.digest import collect, render_text

    channel, gstin = channel or [], gstin or []
    settings = get_settings()
    engine = database()
    day = clock.today()
    if dry_run or not post:
        with session_scope(engine) as session:
            console.print(
                render_text(collect(session, day=day, gstins=gstin or None)),
                markup=False,
                soft_wrap=True,
            )
        return
    if not channel:
        raise UserFacingError("--post needs at least one --channel C… (the channel ID, not its name)")
    if not settings.slack_bot_token:
        raise UserFacingError("SLACK_BOT_TOKEN is not set: cannot post to Slack")
    from bot.app import build_client
    from bot.digest import post_digest

    client = build_client(settings)
    for target in channel:
        pages = post_digest(
            client,
            engine,
            channel_id=target,
            day=day,
            gstins=gstin or None,
            tz=clock.zone(),
        )
        verb = "posted" if any(p.created for p in pages) else "updated"
        console.print(f"{target}: digest {verb} ({len(pages)} message(s))")
