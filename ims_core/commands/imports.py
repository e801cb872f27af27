"""``ims import books|gstr2b|ims|gstr2a``: read a file, write it in one transaction, say what changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ims_core.audit import actor_named
from ims_core.commands.common import console, database, progress_bar
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.gst.money import format_inr
from ims_core.ingest.document import ParsedImport
from ims_core.ingest.loader import ImportSummary, load
from ims_core.ingest.portal_common import RecipientMissing
from ims_core.models.base import NET_NOTE

import_app = typer.Typer(help="Import the purchase register or the portal's files.", no_args_is_help=True)

Recipient = Annotated[str | None, typer.Option("--recipient", help="recipient GSTIN, when the file lacks it")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="validate and report, write nothing")]
By = Annotated[str, typer.Option("--by", help="who is importing (for the audit trail)")]


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


def existing_files(paths: list[Path]) -> list[Path]:
    """``paths``, once each is known to be a file; else the first that is not, named."""
    for path in paths:
        if not path.is_file():
            raise UserFacingError(f"{path}: no such file")
    return paths


def with_known_recipient(parse: Callable[[str | None], ParsedImport], recipient: str | None,
                         books_recipient: str = "") -> ParsedImport:
    """``parse(recipient)``; when the file names no recipient and none was given, read it again for the
    books' recipient (``ims run``), else for the only registration in the database, and say so."""
    try:
        return parse(recipient)
    except RecipientMissing as missing:
        if recipient:
            raise
        found, why = (books_recipient, "the books' recipient") if books_recipient else _only_registration()
        if not found:
            raise
        unnamed = missing.file
    console.print(f"{unnamed} does not name the recipient GSTIN: read as {found}, {why} "
                  "(--recipient chooses another)", highlight=False)
    return parse(found)


def _only_registration() -> tuple[str, str]:
    """The one registration the database knows (registered, or named by imported books or portal
    records), with why it was chosen; empty when there are none or several."""
    from sqlalchemy import select

    from ims_core.itc.registrations import known_registrations
    from ims_core.models import PurchaseDocument

    with session_scope(database()) as session:
        found = set(known_registrations(session))
        found |= set(session.execute(select(PurchaseDocument.recipient_gstin).distinct()).scalars())
    return (found.pop(), "the only registration in the database") if len(found) == 1 else ("", "")


def run_import(parsed: ParsedImport, *, dry_run: bool, by: str) -> ImportSummary:
    """Load a parsed file with a progress bar, then print the summary."""
    engine = database()
    with progress_bar(f"Importing {parsed.file_name}", len(parsed.frame)) as progress:
        summary = load(engine, parsed, actor=actor_named(by), dry_run=dry_run,
                       progress=progress)
    print_summary(summary)
    return summary


def print_summary(summary: ImportSummary) -> None:
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if summary.previous_batch is not None:
        console.print(f"{summary.file_name}: already imported (import #{summary.previous_batch}); "
                      f"{summary.total} documents, nothing changed.")
        return
    title = f"{summary.kind} import of {summary.file_name}"
    if summary.recipient_gstin:
        title += f" for {summary.recipient_gstin}"
    if summary.return_period:
        title += f", period {summary.return_period}"
    table = Table(title=title, caption=NET_NOTE)
    for column in ("section", "added", "updated", "unchanged", "net taxable value", "net tax"):
        table.add_column(column, justify="left" if column == "section" else "right")
    for name, counts in summary.sections.items():  # net, so that the rows add up to the total
        table.add_row(name, str(counts.added), str(counts.updated), str(counts.unchanged),
                      format_inr(counts.net_taxable_paise), format_inr(counts.net_tax_paise))
    counted, rejected = summary.counted(rejected=False), summary.counted(rejected=True)
    table.add_row("net total", str(counted.added), str(counted.updated), str(counted.unchanged),
                  format_inr(counted.net_taxable_paise), format_inr(counted.net_tax_paise), style="bold")
    if rejected.total:  # GSTR-2B's records rejected in IMS: listed above, no credit, not in the total
        table.add_row("rejected in IMS (not in the total)", str(rejected.added), str(rejected.updated),
                      str(rejected.unchanged), format_inr(rejected.net_taxable_paise),
                      format_inr(rejected.net_tax_paise), style="dim")
    console.print(table)
    if summary.dry_run:
        console.print("[bold]Dry run: the file is valid; nothing was written.[/]")


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise UserFacingError(f"--map '{pair}': expected 'Your Column=field'")
        mapping[column.strip()] = target.strip()
    return mapping


@import_app.command("books")
def import_books(
    file: Path,
    preset: Annotated[str, typer.Option(help="canonical, tally, zoho, erpnext or auto")] = "auto",
    recipient: Recipient = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="'File column=field', repeatable")] = None,
    dry_run: DryRun = False,
    by: By = "cli",
) -> None:
    """Import the purchase register (CSV or XLSX)."""
    from ims_core.ingest.books import parse_books

    parsed = parse_books(existing_files([file])[0], preset=preset, recipient_gstin=recipient,
                         column_map=_parse_map(map_ or []))
    run_import(parsed, dry_run=dry_run, by=by)


@import_app.command("gstr2b")
def import_gstr2b(files: list[Path], recipient: Recipient = None, dry_run: DryRun = False,
                  by: By = "cli") -> None:
    """Import a GSTR-2B download: JSON (one or several files of one return) or the portal's Excel."""
    from ims_core.ingest.gstr2b import parse_gstr2b

    files = existing_files(files)
    parsed = with_known_recipient(lambda gstin: parse_gstr2b(files, recipient_gstin=gstin), recipient)
    run_import(parsed, dry_run=dry_run, by=by)


@import_app.command("ims")
def import_ims(file: Path, recipient: Recipient = None, dry_run: DryRun = False, by: By = "cli") -> None:
    """Import IMS records (the portal's JSON of invoices awaiting action)."""
    from ims_core.ingest.ims import parse_ims_json

    path = existing_files([file])[0]
    parsed = with_known_recipient(lambda gstin: parse_ims_json(path, recipient_gstin=gstin), recipient)
    run_import(parsed, dry_run=dry_run, by=by)


@import_app.command("gstr2a")
def import_gstr2a(file: Path, recipient: Recipient = None, dry_run: DryRun = False, by: By = "cli") -> None:
    """Import a GSTR-2A JSON download."""
    from ims_core.ingest.gstr2a import parse_gstr2a_json

    path = existing_files([file])[0]
    parsed = with_known_recipient(lambda gstin: parse_gstr2a_json(path, recipient_gstin=gstin), recipient)
    run_import(parsed, dry_run=dry_run, by=by)
