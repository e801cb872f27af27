"""``ims reconcile``, ``ims export reconciliation`` and ``ims explain``.

``export_app`` is the ``ims export`` sub-command group; other areas add their exports to it
(``ims export ims-actions``) by importing it from here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ims_core.commands.common import console, database, progress_when_large
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.forking import workers_to_use
from ims_core.gst.money import format_inr
from ims_core.matching.explain import explain
from ims_core.matching.run import run_reconciliation
from ims_core.models import ReconciliationRun
from ims_core.models.base import NET_NOTE
from ims_core.models.vocabulary import Status
from ims_core.reports.export import ExportSummary, export_reconciliation
from ims_core.reports.worklist import NEEDS_ATTENTION, NEEDS_DECISION

export_app = typer.Typer(help="Export reports and files for the portal.", no_args_is_help=True)

Recipient = Annotated[str | None, typer.Option("--recipient", help="recipient GSTIN (default: all)")]
Period = Annotated[str | None, typer.Option("--period", help="return period MMYYYY (default: everything)")]
Output = Annotated[Path, typer.Option("-o", "--output", help="OUT.csv or OUT.xlsx")]


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile)
    app.command("explain")(explain_command)
    app.add_typer(export_app, name="export")


By = Annotated[str, typer.Option("--by", help="who runs it (recorded on the run)")]
RunId = Annotated[int | None, typer.Option("--run", help="run id (default: newest)")]


Workers = Annotated[int | None, typer.Option(
    "--workers", min=1,
    help="processes for a large job (default: one per core, at most 4, on Linux; elsewhere one)")]


def reconcile(recipient: Recipient = None, period: Period = None, by: By = "cli",
              workers: Workers = None) -> None:
    """Pair the purchase register with the portal's documents and store the results."""
    with progress_when_large("Reconciling") as progress:
        run = run_reconciliation(database(), recipient_gstin=recipient, period=period, actor=by,
                                 workers=workers_to_use(workers), on_stage=progress)
    print_reconciliation(run)


def print_reconciliation(run: ReconciliationRun) -> None:
    """What a run found: count and tax per status, and where to look at what needs attention."""
    counts = json.loads(run.counts_json)
    scope = ", ".join(filter(None, [run.recipient_gstin or "all recipients",
                                    f"period {run.period}" if run.period else "all periods"]))
    console.print(status_table(f"Reconciliation #{run.id} ({scope})", counts))
    count = {s: counts.get(s, {}).get("count", 0) for s in NEEDS_ATTENTION}
    attention = sum(count.values())
    if attention:
        decide = sum(count[s] for s in NEEDS_DECISION)
        console.print(f"{attention} documents need attention ({decide} to decide in IMS, "
                      f"{count[Status.MISSING_IN_PORTAL]} in your books that no supplier reported, their ITC "
                      "blocked); `ims export reconciliation -o FILE.xlsx` lists them with reasons, "
                      "`ims explain GSTIN/NUMBER` tells one document's story.", highlight=False)


def status_table(title: str, counts: dict) -> Table:
    """Count and net tax per status (a run's ``counts``), in the vocabulary's order, with a total row."""
    table = Table(title=title, caption=NET_NOTE)
    table.add_column("status")
    table.add_column("documents", justify="right")
    table.add_column("net tax", justify="right")
    for status in Status:
        entry = counts.get(status, {"count": 0, "net_tax_paise": 0})
        if entry["count"]:
            table.add_row(status, str(entry["count"]), format_inr(entry["net_tax_paise"]))
    table.add_row("total", str(sum(c["count"] for c in counts.values())),
                  format_inr(sum(c["net_tax_paise"] for c in counts.values())), style="bold")
    return table


Excel = Annotated[bool, typer.Option(
    "--excel", help="CSV for Excel on Windows: start with a UTF-8 byte-order mark, so ₹ reads right")]


@export_app.command("reconciliation")
def export_reconciliation_command(output: Output, recipient: Recipient = None, run: RunId = None,
                                  by: By = "cli", excel: Excel = False) -> None:
    """Write the newest reconciliation (one row per document) to CSV or XLSX."""
    if excel and output.suffix.lower() != ".csv":
        raise UserFacingError(f"{output}: --excel is for a .csv (an .xlsx needs no byte-order mark)")
    with progress_when_large(f"Exporting to {output.name}") as progress:
        summary = export_reconciliation(database(), output, run_id=run, recipient_gstin=recipient, actor=by,
                                        excel=excel, progress=progress)
    print_export(summary)


def print_export(summary: ExportSummary) -> None:
    """One line: how many rows of which run went where, and how many of each status."""
    shown = ", ".join(f"{count} {status}" for status, count in summary.counts.items() if count)
    console.print(f"Wrote {summary.rows} rows of reconciliation #{summary.run_id} to {summary.path} "
                  f"({shown}).")


def explain_command(document: Annotated[str, typer.Argument(
        help="SUPPLIER_GSTIN/DOC_NUMBER, or a portal document id")]) -> None:
    """Tell how one document was reconciled: candidates, scores, and why."""
    from ims_core.decisions.references import supplier_and_number  # the decisions package: here only

    engine = database()
    with session_scope(engine) as session:
        named = supplier_and_number(session, document)
    console.print(explain(engine, named.supplier_gstin, named.doc_number), markup=False)
