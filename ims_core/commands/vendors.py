"""``ims vendors``, ``ims vendor``, ``ims followup draft|send|mark-sent|due`` and ``ims contacts import``.

Every follow-up command first closes the follow-ups a newer reconciliation has resolved, so nobody
chases a supplier who has already filed.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ims_core.audit import Actor
from ims_core.clock import local_time
from ims_core.commands.common import Today, console, database
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.gst.money import format_inr
from ims_core.models.base import NET_NOTE
from ims_core.models.vocabulary import Status
from ims_core.suppliers import followups
from ims_core.suppliers.contacts import import_contacts
from ims_core.suppliers.drafts import LEVELS
from ims_core.suppliers.scorecard import (
    REPORTED_DIFFERENTLY,
    SCORE_LEGEND,
    SupplierInsight,
    list_suppliers,
    other_registrations,
    supplier_insight,
)
from ims_core.suppliers.send import send

followup_app = typer.Typer(help="Draft, send and track follow-ups to suppliers.", no_args_is_help=True)
contacts_app = typer.Typer(help="Supplier contacts (email, phone, Slack channel).", no_args_is_help=True)

By = Annotated[str, typer.Option("--by", help="who is acting (audit trail); default: your login name")]
Gstin = Annotated[str, typer.Argument(help="the supplier's GSTIN")]


def register(app: typer.Typer) -> None:
    app.command("vendors")(vendors_command)
    app.command("vendor")(vendor_command)
    app.add_typer(followup_app, name="followup")
    app.add_typer(contacts_app, name="contacts")


def _actor(by: str) -> Actor:
    name = by.strip() or getpass.getuser()
    return Actor(id=name, name=name, source="cli")


def _level(level: int) -> str:
    return LEVELS[level].replace("_", " ")


def vendors_command(
    sort: Annotated[str, typer.Option("--sort", help="name, risk (most ITC at risk) or score")] = "name",
    by: Annotated[str, typer.Option("--by", help="gstin, or pan to combine a supplier's states")] = "gstin",
    today: Today = None,
) -> None:
    """Every supplier's scorecard: documents, ITC at risk, missing, mismatches, filing, score."""
    with session_scope(database()) as session:
        insights = list_suppliers(session, by=by, sort=sort)
    if not insights:
        console.print("No suppliers yet: import the books and a GSTR-2B, then run ims reconcile.")
        return
    table = Table(title=f"Suppliers by {by.upper()}, sorted by {sort}", caption=NET_NOTE)
    for column in ("supplier", "name", "docs", "matched", "missing", "mismatch", "net ITC at risk",
                   "oldest missing", "late filings", "rejected", "score"):
        table.add_column(column, justify="left" if column in ("supplier", "name") else "right")
    for i in insights:
        table.add_row(i.key, i.name, str(i.documents), str(_count(i, Status.MATCHED)),
                      str(i.missing_in_portal), str(_count(i, *REPORTED_DIFFERENTLY)),
                      format_inr(i.itc_at_risk_paise),
                      f"{i.oldest_missing_days} days" if i.oldest_missing_days is not None else "",
                      f"{i.filed_late}/{i.filed_with_date}", str(i.rejected), str(i.score))
    console.print(table)
    console.print(SCORE_LEGEND, markup=False)


def _count(insight: SupplierInsight, *statuses: Status) -> int:
    return sum(insight.by_status[s].count for s in statuses if s in insight.by_status)


def vendor_command(gstin_or_pan: Annotated[str, typer.Argument(help="a supplier GSTIN, or a PAN")],
                   today: Today = None) -> None:
    """One supplier in detail: status figures, mismatch reasons, filing, trend, follow-up."""
    with session_scope(database()) as session:
        followups.close_resolved(session)
        i = supplier_insight(session, gstin_or_pan)
        others = other_registrations(session, i.key) if len(i.key) == 15 else []
        latest = followups.latest(session, i.key) if len(i.key) == 15 else None
    console.print(f"[bold]{i.name or i.key}[/] ({', '.join(i.gstins)})  score {i.score}/100")
    console.print(f"ITC booked {format_inr(i.itc_booked_paise)}, at risk {format_inr(i.itc_at_risk_paise)} "
                  f"(net: credit notes count negative)")
    status = Table(title="Documents by status", caption=NET_NOTE)
    for column in ("status", "documents", "net tax"):
        status.add_column(column, justify="left" if column == "status" else "right")
    for name, figure in i.by_status.items():
        status.add_row(name, str(figure.count), format_inr(figure.tax_paise))
    console.print(status)
    if i.missing_in_portal:
        console.print(f"Missing from the portal: {i.missing_in_portal} (oldest {i.oldest_missing_days} days)")
    if i.mismatch_reasons:
        console.print("Mismatches by field: " + ", ".join(f"{k} {v}" for k, v in i.mismatch_reasons.items()))
    console.print(f"Filing: {i.filed_late} of {i.filed_with_date} documents filed after the GSTR-1 due date"
                  + (f" (worst {i.worst_delay_days} days)" if i.filed_late else "")
                  + f"; GSTR-3B not filed on {i.gstr3b_not_filed}; rejected in IMS {i.rejected}")
    trend = Table(title="Trend by return period", caption=NET_NOTE)
    for column in ("period", "documents", "at risk", "net ITC at risk", "score"):
        trend.add_column(column, justify="right")
    for t in i.trend:
        trend.add_row(t.period, str(t.documents), str(t.at_risk_documents), format_inr(t.itc_at_risk_paise),
                      str(t.score))
    console.print(trend)
    console.print(SCORE_LEGEND, markup=False)
    if others:
        console.print(f"Same PAN, other states: {', '.join(others)} (ims vendor {i.key[2:12]} combines them)")
    if latest is not None:
        state = latest.status.replace("_", " ")
        console.print(f"Open follow-up #{latest.id}: {_level(latest.level)}, {state}")


@followup_app.command("draft")
def draft_command(
    gstin: Gstin,
    company_name: Annotated[str, typer.Option(
        "--company-name", help="the name that signs the letter (default: IMS_COMPANY_NAME, else the "
        "registration's name)")] = "",
    by: By = "",
    today: Today = None,
) -> None:
    """Draft the email and chat message for a supplier at the level its history calls for."""
    with session_scope(database()) as session:
        followups.close_resolved(session)
        f = followups.draft(session, gstin, actor=_actor(by), company=company_name)
    console.print(f"Follow-up #{f.id} for {f.supplier_gstin}: {_level(f.level)}, "
                  f"ITC held up {format_inr(f.itc_held_paise)}")
    console.print(f"\n[bold]Subject:[/] {f.subject}\n\n{f.body}\n\n[bold]Chat message:[/]\n{f.chat_text}")


@followup_app.command("send")
def send_command(
    gstin: Gstin,
    to: Annotated[list[str] | None, typer.Option("--to", help="address instead of the contact's")] = None,
    attach: Annotated[bool, typer.Option("--attach/--no-attach", help="attach the documents as XLSX")] = True,
    by: By = "",
) -> None:
    """Email the supplier's open draft (drafting one first if there is none)."""
    engine = database()
    actor = _actor(by)
    with session_scope(engine) as session:
        followups.close_resolved(session)
        current = followups.latest(session, gstin)
        if current is None or current.status not in followups.SENDABLE:
            current = followups.draft(session, gstin, actor=actor)
        followup_id = current.id
    sent = send(engine, followup_id, actor=actor, to=to, attach_xlsx=attach)
    console.print(f"Follow-up #{sent.id} ({_level(sent.level)}) sent to {sent.sent_to} at "
                  f"{local_time(sent.sent_at):%d %b %Y %H:%M %Z}")


@followup_app.command("mark-sent")
def mark_sent_command(gstin: Gstin, note: Annotated[str, typer.Option("--note", help="how it was sent")] = "",
                      by: By = "") -> None:
    """Record that the open draft reached the supplier some other way."""
    with session_scope(database()) as session:
        current = followups.latest(session, gstin)
        if current is None:
            raise UserFacingError(f"no open follow-up for {gstin}: draft one with ims followup draft {gstin}")
        f = followups.mark_sent(session, current.id, actor=_actor(by), note=note)
    console.print(f"Follow-up #{f.id} marked as sent ({_level(f.level)}).")


@followup_app.command("due")
def due_command(days: Annotated[int | None, typer.Option("--days", help="cadence in days")] = None) -> None:
    """Open follow-ups whose cadence has run out, or whose send failed."""
    with session_scope(database()) as session:
        followups.close_resolved(session)
        due = followups.due_for_digest(session, cadence_days=days)
    if not due:
        console.print("No follow-up is due.")
        return
    table = Table(title="Follow-ups due")
    for column in ("#", "supplier", "name", "status", "waiting", "open docs", "ITC held up", "next"):
        table.add_column(column)
    for d in due:
        table.add_row(str(d.followup_id), d.supplier_gstin, d.supplier_name, d.status.replace("_", " "),
                      f"{d.days_waiting} days", str(d.open_documents), format_inr(d.itc_held_paise),
                      _level(d.next_level))
    console.print(table)


@contacts_app.command("import")
def contacts_import_command(file: Annotated[Path, typer.Argument(help="CSV: gstin, name, email, phone, "
                                                                      "slack_channel")], by: By = "") -> None:
    """Import supplier contacts; a file with any bad row is rejected whole."""
    if not file.is_file():
        raise UserFacingError(f"{file}: no such file")
    with session_scope(database()) as session:
        summary = import_contacts(session, file, actor=_actor(by))
    console.print(f"{summary.file_name}: {summary.added} contacts added, {summary.updated} updated.")
