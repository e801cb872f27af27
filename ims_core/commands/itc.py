"""``ims itc`` (the ITC position, ``--json`` for scripts), ``ims deadlines`` and ``ims registration``
(how each GSTIN files: monthly or quarterly). Printing only: the figures are ``ims_core.itc``'s."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ims_core import clock
from ims_core.commands.common import Today, console, database, period_option, recipient_gstin
from ims_core.db import session_scope

registration_app = typer.Typer(help="Your registrations: how each GSTIN files GSTR-3B.", no_args_is_help=True)
RecipientOpt = Annotated[str | None, typer.Option("--recipient", help="your GSTIN (when you have several)")]


def register(app: typer.Typer) -> None:
    app.command("itc")(itc_command)
    app.command("deadlines")(deadlines_command)
    app.add_typer(registration_app, name="registration")


def itc_command(
    period: Annotated[str, typer.Option("--period", metavar="MMYYYY", help="return period",
                                        callback=period_option)],
    recipient: RecipientOpt = None,
    details: Annotated[bool, typer.Option("--details", help="list the documents behind each figure")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object (for scripts)")] = False,
    chart: Annotated[Path | None, typer.Option("--chart", metavar="FILE.png",
                                               help="also draw the last six periods and the top suppliers "
                                                    "at risk as a PNG (the chart the bot posts)")] = None,
    today: Today = None,
) -> None:
    """ITC position: GSTR-3B Table 4 as the period's GSTR-2B gives it, and what is lost, pending or
    expected."""
    from ims_core.itc.snapshots import position_figures
    from ims_core.outputs import output_path, writing

    if details:  # the documents are not kept in a snapshot: computed (loading the computation)
        from ims_core.itc.position import itc_position as figures
    else:
        figures = position_figures
    chart = output_path(chart, "the chart", (".png",)) if chart else None
    with session_scope(database()) as session:
        gstin = recipient_gstin(session, recipient)
        position = figures(session, recipient_gstin=gstin, period=period, today=clock.today())
        if chart:
            from ims_core.reports.charts import credit_chart

            drawn = credit_chart(session, [gstin], period, clock.today())
            with writing(chart):
                chart.write_bytes(drawn.png)
            typer.echo(f"chart written to {chart}", err=as_json)
    if as_json:
        typer.echo(json.dumps(position.to_json(), indent=2))
        return
    empty = not any(figure.count for figure in _figures(position))
    if empty and not (position.recompute or position.claimed):
        console.print(f"No documents of {gstin} count in period {period}: nothing imported for it yet "
                      "(`ims import gstr2b`, `ims import ims`, `ims import books`), so no ITC position to "
                      "show.", highlight=False)
        return
    from ims_core.commands.itc_view import print_position  # (not needed for --json)

    print_position(position, details=details)


def _figures(position) -> list:  # an ItcPosition -> its ItcFigures
    """Every figure of a position, whatever the rows it has."""
    found = []
    for item in dataclasses.fields(position):
        value = getattr(position, item.name)
        found += list(value.values()) if isinstance(value, dict) and item.name == "rows" else [value]
    return [figure for figure in found if hasattr(figure, "count") and hasattr(figure, "heads")]


def deadlines_command(
    recipient: RecipientOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON list (for scripts)")] = False,
    today: Today = None,
) -> None:
    """Due dates, and what happens on each if nobody acts: deemed acceptance at the next GSTR-2B, pending
    limits, GSTR-2B recompute, GSTR-3B, Section 16(4), ITC not available, Rules 37 and 37A. Every
    registration, unless --recipient names one."""
    from ims_core.itc.registrations import known_registrations
    from ims_core.itc.snapshots import deadlines_as_of

    with session_scope(database()) as session:
        gstins = [recipient.strip().upper()] if recipient else known_registrations(session)
        found = sorted((d for gstin in gstins
                        for d in deadlines_as_of(session, recipient_gstin=gstin, today=clock.today())),
                       key=lambda d: (d.due, d.registration))
    if as_json:
        typer.echo(json.dumps([d.to_json() for d in found], indent=2, ensure_ascii=False))
        return
    if not found:
        console.print(f"No deadlines for {', '.join(gstins) or 'any registration (nothing imported yet)'}.")
    several = len(gstins) > 1
    for deadline in found:
        who = f"{deadline.registration}  " if several else ""
        console.print(f"{deadline.due:%d-%m-%Y}  {deadline.kind:<18} {who}{deadline.title}", highlight=False)


@registration_app.command("set")
def registration_set(
    gstin: Annotated[str, typer.Argument(help="your GSTIN")],
    frequency: Annotated[str, typer.Option("--frequency", metavar="monthly|quarterly",
                                           help="how it files GSTR-3B (quarterly: the QRMP scheme)")],
    legal_name: Annotated[str | None, typer.Option("--legal-name", help="the registered name")] = None,
    by: Annotated[str, typer.Option("--by", help="who changes it (recorded in the audit trail)")] = "",
) -> None:
    """Set how a registration files: its due dates and its "one tax period" for pending credit notes
    follow."""
    from ims_core.itc.registrations import set_registration

    with session_scope(database()) as session:
        change = set_registration(session, gstin, frequency=frequency, legal_name=legal_name, by=by)
    console.print(change)


@registration_app.command("list")
def registration_list() -> None:
    """Every registration with how it files."""
    from ims_core.itc.registrations import registrations

    with session_scope(database()) as session:
        found = registrations(session)
    if not found:
        console.print("No registrations yet: an import creates one for each recipient GSTIN it reads.")
        return
    table = Table(title="Registrations")
    for column in ("GSTIN", "legal name", "state", "files GSTR-3B"):
        table.add_column(column)
    for row in found:
        table.add_row(row.gstin, row.legal_name, row.state_code, row.filing_frequency)
    console.print(table)
