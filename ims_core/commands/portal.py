"""``ims portal login|pull|push|status|logout``: the GST portal through a GSP, from a terminal.

Printing only; the work is in ``ims_core.portal``. Exit 0 on success (a push the portal processed,
with or without refused records); a one-line reason and exit 1 otherwise, ``ER`` included.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from ims_core import clock
from ims_core.audit import Actor
from ims_core.commands.common import console, database
from ims_core.errors import UserFacingError
from ims_core.gst.gstin import has_valid_shape, normalise
from ims_core.gst.money import format_inr

portal_app = typer.Typer(help="The GST portal through a GSP: log in, pull IMS and GSTR-2B, push decisions.",
                         no_args_is_help=True)

RecipientOpt = Annotated[str, typer.Option("--recipient", help="your GSTIN")]
By = Annotated[str, typer.Option("--by", help="who acts (for the audit trail; default: the login name)")]


def register(app: typer.Typer) -> None:
    app.add_typer(portal_app, name="portal")


def _gstin(value: str) -> str:
    gstin = normalise(value)
    if not has_valid_shape(gstin):
        raise UserFacingError(f"'{value}' is not a GSTIN (15 characters: 2-digit state code, PAN, 3 more)")
    return gstin


def _actor(by: str) -> Actor:
    name = by.strip() or getpass.getuser()
    return Actor(id=name, name=name, source="cli")


def _when(moment) -> str:  # a datetime
    return f"{clock.local_time(moment):%d-%m-%Y %H:%M} ({clock.zone().key})"


@portal_app.command("login")
def login_command(
    gstin: Annotated[str, typer.Argument(help="the GSTIN to log in for")],
    username: Annotated[str, typer.Option("--username", help="the taxpayer's user name on the GST portal")],
    otp: Annotated[str | None, typer.Option("--otp", help="the OTP (else asked on a terminal)")] = None,
    by: By = "",
) -> None:
    """Log in with an OTP, or refresh a live session before it expires."""
    from ims_core.portal import sessions

    gstin, username = _gstin(gstin), username.strip()
    if not username:
        raise UserFacingError("--username needs the taxpayer's user name on the GST portal")

    def ask() -> str:
        return typer.prompt(f"OTP sent to the mobile and e-mail registered for {username}")

    engine = database()
    result = sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=gstin,
                            username=username, otp=otp, actor=_actor(by),
                            ask_otp=ask if otp is None and sys.stdin.isatty() else None)
    if result.note:
        console.print(f"The {result.note}.")
    if result.outcome == "otp_sent":
        console.print(f"An OTP was sent to the mobile and e-mail registered for {username} on the GST "
                      f"portal. Finish with: ims portal login {gstin} --username {username} --otp CODE")
    elif result.outcome == "refreshed":
        console.print(f"Session for {gstin} ({username}) refreshed; it lasts until "
                      f"{_when(result.expires_at)}.")
    else:
        console.print(f"Logged in to the GST portal as {username} for {gstin}; the session lasts until "
                      f"{_when(result.expires_at)}. Run `ims portal login` again before then to refresh it.")


@portal_app.command("pull")
def pull_command(
    recipient: RecipientOpt,
    period: Annotated[str | None, typer.Option("--period", help="also GSTR-2B of this month, MMYYYY")] = None,
    by: By = "",
) -> None:
    """Download every IMS section (and GSTR-2B with --period) and import them."""
    from ims_core.commands.imports import print_summary
    from ims_core.gst.dates import DateError, parse_period
    from ims_core.portal import service

    gstin = _gstin(recipient)
    try:
        period = parse_period(period) if period is not None else None
    except DateError as exc:
        raise UserFacingError(f"--period: {exc}") from None
    result = service.pull(database(), gstin, actor=_actor(by), period=period)
    counts = ", ".join(f"{section} {n}" for section, n in result.ims_sections.items() if n) or "no records"
    console.print(f"IMS for {gstin} from the portal: {counts}.")
    print_summary(result.ims)
    if result.gstr2b is not None:
        print_summary(result.gstr2b)
    elif result.gstr2b_note:
        console.print(result.gstr2b_note + ".")


@portal_app.command("push")
def push_command(
    recipient: RecipientOpt,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be sent; send nothing")] = False,
    by: By = "",
) -> None:
    """Upload the decisions not yet on the portal; follow each upload until the portal has processed it."""
    from ims_core.portal import push, service

    gstin = _gstin(recipient)
    engine = database()
    if dry_run:
        _print_preview(push.preview_push(engine, gstin))
        console.print("[bold]Dry run: nothing was sent.[/]")
        return
    result = service.push(engine, gstin, actor=_actor(by))
    if not result.parts:
        console.print(f"Nothing to upload for {gstin}: the portal has every decision.")
        return
    for part in result.parts:
        earlier = " (an earlier upload, collected now)" if part.resumed else ""
        console.print(f"{part.request_type} {part.part}/{part.parts}: upload {part.reference_id} "
                      f"{_STATUS_WORDS[part.status]}{earlier}; {part.uploaded} uploaded, "
                      f"{part.refused} refused")
    for refusal in result.refusals:
        console.print(f"[yellow]refused[/] {refusal.section} {refusal.supplier_gstin}/{refusal.doc_number}: "
                      f"{refusal.code} {refusal.message}")
    if result.refusals:
        console.print("Refused records stay un-uploaded; `ims action show` gives each one's reason.")
    if result.status == "ER":
        erred = next(p for p in result.parts if p.status == "ER")
        raise UserFacingError(f"the portal refused upload {erred.reference_id} as a whole (ER); "
                              "nothing of it was uploaded")


_STATUS_WORDS = {"P": "processed", "PE": "processed with errors", "ER": "refused (error)"}


def _print_preview(preview) -> None:  # a PushPreview
    console.print(f"Decisions not yet on the portal for {preview.gstin}:")
    table = Table()
    table.add_column("action")
    table.add_column("records", justify="right")
    for action, word in (("A", "accept"), ("R", "reject"), ("P", "pending"), ("N", "reset to no action")):
        if preview.by_action.get(action):
            table.add_row(word, str(preview.by_action[action]))
    table.add_row("total", str(preview.records), style="bold")
    console.print(table)
    console.print(f"Net tax on these records (credit notes count negative): {format_inr(preview.tax_paise)}")
    for reference in preview.in_flight:
        console.print(f"Upload {reference} is still in flight: a push collects its outcome first.")


@portal_app.command("status")
def status_command(
    recipient: Annotated[str | None, typer.Option("--recipient", help="a GSTIN (default: every one)")] = None,
) -> None:
    """Session state and expiry, last pull and last push, per GSTIN."""
    from ims_core.db import session_scope
    from ims_core.portal.outcomes import portal_states

    gstin = _gstin(recipient) if recipient else None
    with session_scope(database()) as session:
        states = portal_states(session, gstin)
        if not states:
            console.print("No portal session yet: log in with `ims portal login GSTIN --username NAME`.")
            return
        for state in states:
            _print_state(state)


def _print_state(state) -> None:  # a PortalState
    if state.session == "active":
        line = f"session active ({state.username}), until {_when(state.expires_at)}"
    elif state.session == "none":
        line = "no session"
    else:
        line = f"session {state.session.replace('_', ' ')} ({state.username}); log in with `ims portal login`"
    console.print(f"[bold]{state.gstin}[/]: {line}" + (f" [dim]{state.note}[/]" if state.note else ""))
    for label, pull in (("IMS", state.last_ims_pull), ("GSTR-2B", state.last_gstr2b_pull)):
        if pull is not None:
            what = f"{pull.outcome.replace('_', ' ')}, {pull.documents} documents" if pull.outcome in (
                "imported", "unchanged") else pull.outcome.replace("_", " ")
            period = f" {pull.period}" if pull.period else ""
            console.print(f"  last {label}{period} pull: {_when(pull.pulled_at)} by {pull.pulled_by}: {what}"
                          + (f" ({pull.message})" if pull.message and pull.outcome == "failed" else ""))
    push = state.last_push
    if push is not None:
        console.print(f"  last push: {_when(push.sent_at)} by {push.pushed_by}: {push.request_type} "
                      f"{push.part}/{push.parts} upload {push.reference_id or '-'} {push.status}, "
                      f"{push.uploaded} uploaded, {push.refused} refused")
    for reference in state.in_flight:
        console.print(f"  in flight: upload {reference}")
    if state.refused_records:
        console.print(f"  {state.refused_records} record(s) refused by the portal, not uploaded")


@portal_app.command("logout")
def logout_command(recipient: RecipientOpt, by: By = "") -> None:
    """End the portal session of a GSTIN (on the portal and here)."""
    from ims_core.portal import sessions

    gstin = _gstin(recipient)
    ended = sessions.logout(database(), sessions.transport_from_settings(), sessions.secret_box(), gstin,
                            _actor(by))
    console.print(f"Logged out of the GST portal for {gstin}." if ended
                  else f"No live portal session for {gstin}.")
