"""``ims period filed`` and ``ims period reopen``: mark a period's GSTR-3B filed (its decisions are
closed), or reopen one marked filed by mistake, with a second person. Printing only: the rules are in
``ims_core.decisions.locks``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ims_core import decisions
from ims_core.commands.common import cli_actor, console, database, recipient_gstin
from ims_core.db import session_scope

RecipientOpt = Annotated[str | None, typer.Option("--recipient", help="your GSTIN (when you have several)")]
By = Annotated[str, typer.Option("--by", help="who acts (recorded in the audit trail beside your login)")]
Reason = Annotated[str, typer.Option("--reason", help="why")]
period_app = typer.Typer(help="Return periods: mark a period's GSTR-3B filed, or reopen one.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(period_app, name="period")


@period_app.command("filed")
def period_filed(
    period: Annotated[str, typer.Argument(help="MMYYYY")],
    recipient: RecipientOpt = None,
    by: By = "",
    gstr3b: Annotated[Path | None, typer.Option("--3b", metavar="FILE.json",
                                                help="the GSTR-3B as filed (the portal's JSON): records "
                                                     "what Table 4 claimed")] = None,
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", metavar="BOX=IGST,CGST,SGST,CESS",
        help="a Table 4 figure as filed, in rupees, e.g. 4A(5)=12000,6000,6000,0 (repeatable)")] = None,
    allow_empty: Annotated[bool, typer.Option(
        "--allow-empty", help="lock a period with no records at all (a nil return)")] = False,
) -> None:
    """Mark a period's GSTR-3B filed: its records can no longer be changed (pending ones excepted).
    With --3b or --claim, also record what Table 4 claimed, to compare with GSTR-2B (Rule 88D)."""
    from ims_core.itc import claims

    actor = cli_actor(by)
    figures = claims.from_gstr3b_json(gstr3b) if gstr3b else {}
    figures.update(claims.from_arguments(claim or []))
    with session_scope(database()) as session:
        gstin = recipient_gstin(session, recipient)
        locked = decisions.mark_period_filed(session, recipient_gstin=gstin, period=period, actor=actor,
                                             claimed=claims.to_json(figures) if figures else None,
                                             allow_empty=allow_empty)
    if locked:
        console.print(f"GSTR-3B for {period} of {gstin} marked filed by {actor.name}; the period is locked.")
    if figures:
        console.print(f"Table 4 as filed recorded ({', '.join(sorted(figures))}); "
                      f"`ims itc --period {period}` compares it with GSTR-2B.")


@period_app.command("reopen")
def period_reopen(
    period: Annotated[str, typer.Argument(help="MMYYYY")],
    recipient: RecipientOpt = None,
    by: By = "",
    reason: Reason = "",
) -> None:
    """Reopen a period marked filed by mistake: the first person asks (with --reason), a different
    person (another name and another login) runs the same command to reopen it. Both are audited."""
    actor = cli_actor(by)
    with session_scope(database()) as session:
        gstin = recipient_gstin(session, recipient)
        reopened = decisions.reopen_period(session, recipient_gstin=gstin, period=period, actor=actor,
                                           reason=reason)
    if reopened:
        console.print(f"GSTR-3B for {period} of {gstin} is no longer marked filed (reopened by "
                      f"{actor.name}); its records can be decided again.")
    else:
        console.print(f"Reopening {period} of {gstin} requested by {actor.name}; a different person must run "
                      f"`ims period reopen {period} --by NAME --reason TEXT` to reopen it.")
