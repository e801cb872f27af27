"""``ims demo``: the whole story on the bundled sample month, no Slack account needed.

It builds a fresh SQLite database (``ims-demo.db`` unless told otherwise), imports the bundled purchase
register, GSTR-2B and IMS files of October 2025 for a fictional Pune manufacturer, reconciles them, and
prints what an accountant looks at first: the findings in rupees, the records that need a decision,
the ITC position, the deadlines, the Slack digest the team would get, and a drafted supplier follow-up.
The demo's "today" is 12 November 2025, two days before that month's GSTR-2B is generated: the
whole demo runs on the clock frozen at that day (``ims_core.clock``), so it tells the same story in any year.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from ims_core import clock
from ims_core.audit import Actor
from ims_core.commands.common import console
from ims_core.commands.imports import print_summary
from ims_core.commands.reconcile import status_table
from ims_core.db import build_engine, session_scope
from ims_core.db.schema import migrate
from ims_core.gst.money import format_inr
from ims_core.ingest.loader import load
from ims_core.samplegen import DEMO_FILES, DEMO_PERIOD

DEMO_ACTOR = Actor(id="demo", name="ims demo", source="system")
DEMO_COMPANY = "Deccan Polymers Private Limited"  # the demo registration's name, which signs its letters
DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_TODAY = dt.date(2025, 11, 12)
DemoDatabase = Annotated[Path, typer.Option(help="SQLite file to (re)create for the demo")]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(database: DemoDatabase = Path("ims-demo.db")) -> None:
    """Import, reconcile and review the bundled sample month in a fresh SQLite database."""
    with clock.frozen(DEMO_TODAY):  # every step, stamps included, on the story's day, in any year
        _demo(database)


def _demo(database: Path) -> None:
    from ims_core.ingest.books import parse_books
    from ims_core.ingest.gstr2b import parse_gstr2b
    from ims_core.ingest.ims import parse_ims_json
    from ims_core.matching.run import run_reconciliation

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = build_engine(f"sqlite:///{database}")
    migrate(engine)
    console.rule(f"[bold]IMS assistant demo: October 2025, {DEMO_COMPANY}")

    console.print("\n[bold]1. Import[/] the purchase register, the GSTR-2B and the IMS records")
    books = parse_books(DEMO_DATA / DEMO_FILES["books"], preset="canonical")
    recipient = books.recipient_gstin
    for parsed in (books, parse_gstr2b([DEMO_DATA / DEMO_FILES["gstr2b"]]),
                   parse_ims_json(DEMO_DATA / DEMO_FILES["ims"], recipient_gstin=recipient)):
        print_summary(load(engine, parsed, actor=DEMO_ACTOR))
    with session_scope(engine) as session:
        from ims_core.itc.registrations import set_registration

        console.print(set_registration(session, recipient, frequency="monthly", legal_name=DEMO_COMPANY,
                                       by=DEMO_ACTOR.name), highlight=False)

    console.print("\n[bold]2. Reconcile[/] the books with the portal")
    run = run_reconciliation(engine, recipient_gstin=recipient, actor=DEMO_ACTOR)
    console.print(status_table(f"Reconciliation #{run.id}", json.loads(run.counts_json)))

    with session_scope(engine) as session:
        _needs_attention(session, recipient)
        _bulk_preview(session, recipient)
        _itc(session, recipient)
        _deadlines(session, recipient)
        _digest(session)
        _followup(session)
    engine.dispose()
    console.print(f"\nThe demo database is [bold]{database}[/]. Explore it, for example:\n"
                  f"  DATABASE_URL=sqlite:///{database} ims explain GSTIN/NUMBER\n"
                  f"  DATABASE_URL=sqlite:///{database} ims export reconciliation -o reco.xlsx\n"
                  f"  DATABASE_URL=sqlite:///{database} ims action accept GSTIN/NUMBER --by you\n"
                  f"  DATABASE_URL=sqlite:///{database} ims audit verify")


def _needs_attention(session, recipient: str) -> None:  # sqlmodel Session
    from ims_core.reports.worklist import needing_decision

    page = needing_decision(session, recipients=[recipient], limit=8)
    console.print(f"\n[bold]3. Needs a decision:[/] {page.total} portal records, "
                  f"{format_inr(page.total_tax_paise)} of net tax; the largest:")
    for item in page.items:
        console.print(f"  {format_inr(item.tax_paise):>14}  {item.doc_type} {item.doc_number} of "
                      f"{item.doc_date:%d-%m-%Y} from {item.supplier_name or item.supplier_gstin}: "
                      f"[bold]{item.status}[/]", highlight=False)
        console.print(f"                  [dim]{item.reasons}[/]", highlight=False)


def _bulk_preview(session, recipient: str) -> None:  # sqlmodel Session
    from ims_core.decisions.bulk import preview_bulk

    preview = preview_bulk(session, recipient_gstin=recipient, period=DEMO_PERIOD, which="matched")
    console.print(f"\n[bold]4. Accept what matches:[/] `ims action apply-recommended --matched-only` would "
                  f"accept {preview.count} matched records ({format_inr(preview.tax_paise)} of net tax), "
                  "each as an audit event.")


def _itc(session, recipient: str) -> None:  # sqlmodel Session
    from ims_core.itc.position import itc_position

    pos = itc_position(session, recipient_gstin=recipient, period=DEMO_PERIOD)
    table = Table(title=f"5. GSTR-3B Table 4 for {DEMO_PERIOD}, from its GSTR-2B and the current decisions")
    for column in ("", "documents", "tax"):
        table.add_column(column, justify="left" if not column else "right")
    rows = pos.table_4()
    for label, row in (("4A(5) all other ITC, net of credit notes", "4A(5)"),
                       ("4B(2) reversed: not in your books", "4B(2)"),
                       ("4D(2) ineligible (16(4), place of supply)", "4D(2)")):
        table.add_row(label, str(pos.rows[row].count), format_inr(rows[row].total))
    table.add_row("4C net ITC available", "", format_inr(rows["4C"].total), style="bold")
    for label, figure in (("outside: blocked, missing in the portal", pos.missing_in_portal),
                          ("outside: kept pending", pos.pending),
                          ("at risk: counted, but in question", pos.at_risk)):
        table.add_row(label, str(figure.count), format_inr(figure.heads.total))
    console.print()
    console.print(table)
    console.print("  Head by head, with every document behind each figure: "
                  f"ims itc --recipient {recipient} --period {DEMO_PERIOD} --details (or --json)")


def _deadlines(session, recipient: str) -> None:  # sqlmodel Session
    from ims_core.itc.deadlines import deadlines

    console.print(f"\n[bold]6. The radar:[/] what happens if nobody acts, as of {DEMO_TODAY:%d-%m-%Y} "
                  "(ims deadlines, --json for scripts)")
    for item in deadlines(session, recipient_gstin=recipient)[:8]:
        console.print(f"  {item.due:%d-%m-%Y}  {item.title}", highlight=False)


def _digest(session) -> None:  # sqlmodel Session
    from ims_core.reports.digest import collect, render_text

    text = render_text(collect(session, day=DEMO_TODAY, max_records=8))
    console.print("\n[bold]7. The Slack digest[/] the team's channel gets at 09:30 (text form; in Slack each "
                  "record has Accept / Reject / Pending buttons)")
    console.print(Panel(text, expand=False), markup=False)


def _followup(session) -> None:  # sqlmodel Session
    from ims_core.suppliers.followups import draft
    from ims_core.suppliers.scorecard import list_suppliers

    riskiest = next((s for s in list_suppliers(session, sort="risk")
                     if s.itc_at_risk_paise), None)
    if riskiest is None:
        return
    followup = draft(session, riskiest.key, actor=DEMO_ACTOR)
    console.print(f"\n[bold]8. A follow-up drafted[/] for {riskiest.name} (score {riskiest.score}/100, "
                  f"{format_inr(riskiest.itc_at_risk_paise)} of ITC at risk)")
    console.print(Panel(f"Subject: {followup.subject}\n\n{followup.body}", expand=False), markup=False)
