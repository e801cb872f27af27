"""``ims run``: the month's routine in one command, for cron jobs and scripts.

It does what ``ims import books``, ``ims import gstr2b`` (then ``ims import ims`` when given the IMS
records), ``ims reconcile`` and ``ims export reconciliation -o`` do one after another and prints what
they print, but pays for one process start-up instead of four (each ``ims`` spends most of a second
loading pandas and SQLAlchemy before it works). Each import is its own transaction, as with the
separate commands; a step that fails stops the steps after it and leaves those before it done, as
the commands joined by ``&&`` would. ``--workers`` is the reconciliation's, as for ``ims reconcile``.

With more than one worker (the user's leave to use a second core: the command line runs no other
thread, so it may fork, see :mod:`ims_core.forking`) two steps use it. A forked process imports the
GSTR-2B: it parses the file while this one imports the books, and writes it once they are in
(SQLite has one writer), in a transaction of its own as the separate command would; only its
summary comes back. And a CSV export is written by a forked process from the results in memory
while this one stores them (:mod:`ims_core.reports.export_memory`), the file taking its name only
once the run is stored. The result is the same every way: the same database,
the same files, the same output in the same order.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from sqlalchemy.engine import Engine

from ims_core.audit import Actor, actor_named
from ims_core.commands.common import console, database, option, progress_bar, progress_when_large
from ims_core.commands.imports import Recipient, existing_files, print_summary, with_known_recipient
from ims_core.commands.reconcile import Period, Workers, print_export, print_reconciliation
from ims_core.db import get_engine
from ims_core.errors import UserFacingError
from ims_core.forking import in_child, own_connections, workers_to_use
from ims_core.gst.dates import parse_period
from ims_core.ingest.document import IngestError, ParsedImport
from ims_core.ingest.loader import ImportSummary, load, prepare
from ims_core.ingest.portal_common import RecipientMissing
from ims_core.matching.run import read_scope_books, run_reconciliation
from ims_core.reports.export import check_export_path, export_reconciliation
from ims_core.reports.export_memory import CsvWhileStoring

Books = Annotated[Path, typer.Option("--books", metavar="FILE", help="the purchase register, CSV or XLSX")]
Ims = Annotated[Path | None, typer.Option(
    "--ims", metavar="FILE", help="the IMS records (the portal's JSON), imported after the GSTR-2B")]
Gstr2bFiles = Annotated[list[Path], typer.Option(
    "--gstr2b", metavar="FILE",
    help="the GSTR-2B: JSON (repeat for a return split in several files) or the portal's Excel")]
Preset = Annotated[str, typer.Option(help="books preset: canonical, tally, zoho, erpnext or auto")]
Output = Annotated[Path | None, typer.Option("-o", "--output",
                                              help="OUT.csv or OUT.xlsx (default: no export)")]
By = Annotated[str, typer.Option("--by",
                                 help="who runs it (recorded on the imports, the run and the export)")]
Timings = Annotated[Path | None, typer.Option(
    "--timings", help="FILE.json: write each step's seconds; the total counts from the command's start, "
                      "so not the interpreter's start-up and module loading before it, which it cannot see")]


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(books: Books, gstr2b: Gstr2bFiles, ims: Ims = None, preset: Preset = "auto",
        recipient: Recipient = None, period: Period = None, output: Output = None, workers: Workers = None,
        by: By = "cli", timings: Timings = None) -> None:
    """Import the books and the GSTR-2B (and the IMS records), reconcile, and export: the month's
    routine in one command."""
    started = time.perf_counter()
    if period is not None:
        period = option("--period", parse_period, period)
    books, *gstr2b = existing_files([books, *gstr2b])
    if ims is not None:
        existing_files([ims])
    if output is not None:
        check_export_path(output)
    if timings is not None and not timings.parent.is_dir():
        raise UserFacingError(f"{timings.parent}: no such folder")
    workers = workers_to_use(workers)
    seconds: dict[str, float] = {}
    books_summary, scope_books = _imports(database(), books, preset, gstr2b, ims, recipient, actor_named(by),
                                          workers, seconds, period)
    seconds["imports"] = sum(seconds.values())
    # the scope the books were imported for (all recipients when the file holds several)
    _reconcile_and_export(get_engine(), books_summary.recipient_gstin, period, output, by, workers, seconds,
                          scope_books)
    seconds["total"] = time.perf_counter() - started
    console.print(f"[dim]{_done_line(seconds)}[/]")
    if timings is not None:
        figures = {step: round(value, 3) for step, value in seconds.items()}
        timings.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _imports(engine: Engine, books: Path, preset: str, gstr2b: list[Path], ims: Path | None,
             recipient: str | None, actor: Actor, workers: int, seconds: dict[str, float],
             period: str | None) -> tuple[ImportSummary, pd.DataFrame | None]:
    """The books, then the GSTR-2B (imported by a forked process when there is a core to spare), then
    the IMS records; the books' summary, and the scope's books for the reconciliation when they were
    read here while the forked process wrote the GSTR-2B (nothing else changes the books meanwhile)."""
    # the parsers, as in the import commands, loaded only by the command that parses
    from ims_core.ingest.books import parse_books
    from ims_core.ingest.gstr2b import parse_gstr2b
    from ims_core.ingest.ims import parse_ims_json

    forked = _ForkedImport(engine, gstr2b, recipient, actor) if workers > 1 else None
    try:
        with _step("import books", seconds):
            books_summary = _load(engine, parse_books(books, preset=preset, recipient_gstin=recipient), actor)
    except BaseException:
        if forked is not None:
            with contextlib.suppress(Exception):  # the books' error is the one to tell
                forked.go(False)
                forked.summary()
        raise
    print_summary(books_summary)
    scope_books = None
    with _step("import gstr2b", seconds):
        if forked is not None:
            forked.go(True)
            try:  # this process is free meanwhile: the reconciliation's books
                scope_books = read_scope_books(engine, books_summary.recipient_gstin, period)
            except BaseException:
                with contextlib.suppress(Exception):  # the read's error is the one to tell
                    forked.summary()
                raise
        summary = forked.summary() if forked is not None else None
        if summary is None:  # no fork, or a file naming no recipient: read here (for the books' recipient)
            parsed = with_known_recipient(lambda gstin: parse_gstr2b(gstr2b, recipient_gstin=gstin),
                                          recipient, books_summary.recipient_gstin)
            summary = _load(engine, parsed, actor)
        print_summary(summary)
    if ims is not None:  # its download names the recipient only in the request: the one given, else the books
        with _step("import ims", seconds):
            records = parse_ims_json(ims, recipient_gstin=recipient or books_summary.recipient_gstin)
            print_summary(_load(engine, records, actor))
    return books_summary, scope_books


class _ForkedImport:
    """The GSTR-2B imported by a forked process: parsed while this one imports the books, and written
    only once they are in (SQLite has one writer, and a failed step stops the steps after it). Only
    the import's summary comes back, not the parsed file."""

    def __init__(self, engine: Engine, files: list[Path], recipient: str | None, actor: Actor):
        self.waiting, self.told = multiprocessing.get_context("fork").Pipe(duplex=False)
        self.result = in_child(_import_when_told, engine, files, recipient, actor, self.waiting)

    def go(self, write: bool) -> None:
        """Tell the process whether to write the file once it is parsed."""
        self.told.send(write)

    def summary(self) -> ImportSummary | None:
        """The import's summary; None when told not to write, or when the file names no recipient and
        none was given (the caller reads it for the books' recipient)."""
        try:
            return self.result()
        except RecipientMissing:
            return None


def _import_when_told(engine: Engine, files: list[Path], recipient: str | None, actor: Actor,
                      told: Connection) -> ImportSummary | None:
    """In the forked process: parse the GSTR-2B and derive what the loader does before it writes, then
    wait to be told whether to load it."""
    from ims_core.ingest.gstr2b import parse_gstr2b

    prepared = prepare(parse_gstr2b(files, recipient_gstin=recipient))
    return load(own_connections(engine), prepared, actor=actor) if told.recv() else None


def _reconcile_and_export(engine: Engine, recipient: str, period: str | None, output: Path | None, by: str,
                          workers: int, seconds: dict[str, float], books: pd.DataFrame | None) -> None:
    """Reconcile the scope and write the export, a CSV from the results in memory while they are
    stored when there is a core to spare."""
    export = CsvWhileStoring(output) if output and output.suffix.lower() == ".csv" and workers > 1 else None
    try:
        with _step("reconcile", seconds), progress_when_large("Reconciling") as progress:
            reconciliation = run_reconciliation(engine, recipient_gstin=recipient, period=period, actor=by,
                                                workers=workers, on_results=export.start if export else None,
                                                on_stage=progress, books=books)
    except BaseException:
        if export is not None:
            export.abandon()
        raise
    print_reconciliation(reconciliation)
    if output is not None:
        with _step("export", seconds), progress_when_large(f"Exporting to {output.name}") as progress:
            summary = export_reconciliation(engine, output, run_id=reconciliation.id, actor=by,
                                            recipient_gstin=reconciliation.recipient_gstin or None,
                                            written=export.finish() if export else None, progress=progress)
        print_export(summary)


def _done_line(seconds: dict[str, float]) -> str:
    inside = f"books {seconds['import books']:.1f} s, GSTR-2B {seconds['import gstr2b']:.1f} s"
    if "import ims" in seconds:
        inside += f", IMS {seconds['import ims']:.1f} s"
    steps = [f"imports {seconds['imports']:.1f} s ({inside})", f"reconcile {seconds['reconcile']:.1f} s"]
    if "export" in seconds:
        steps.append(f"export {seconds['export']:.1f} s")
    return f"Done in {seconds['total']:.1f} s: {', '.join(steps)}."


@contextlib.contextmanager
def _step(name: str, seconds: dict[str, float]) -> Iterator[None]:
    """Time a step into ``seconds[name]``; name it in an error whose message would not say which
    one failed. (An ``IngestError`` begins with its file's name, which says it.)"""
    began = time.perf_counter()
    try:
        yield
    except IngestError:
        raise
    except UserFacingError as exc:
        raise UserFacingError(f"{name}: {exc}") from exc
    seconds[name] = time.perf_counter() - began


def _load(engine: Engine, parsed: ParsedImport, actor: Actor) -> ImportSummary:
    with progress_bar(f"Importing {parsed.file_name}", len(parsed.frame)) as progress:
        return load(engine, parsed, actor=actor, progress=progress)
