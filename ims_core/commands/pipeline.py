"""``ims run``: the month's routine in one command, for cron jobs and scripts.

It does what ``ims import books``, ``ims import gstr2b`` (then ``ims import ims`` when given the IMS
records), ``ims reconcile`` and ``ims export reconciliation -o`` do one after another and prints what
they print, but pays for one process start-up instead of four (each ``ims`` spends most of a second
loading pandas and SQLAlchemy before it works). Each import is its own transaction, as with the
separate commands; a step that fails stops the steps after it and leaves those before it done, as
the commands joined by ``&&`` would.

The two imports overlap when that is safe and pays: a forked process parses the GSTR-2B and
prepares its rows while this one parses and loads the books, and writes its own only once the books
have committed (SQLite has one writer, and a write-ahead-log transaction that read before another
writer committed fails with "database is locked" instead of waiting). It forks only with
``--workers`` above one (the user's leave to use a second core), with no other thread alive
(forking is unsafe then, see :mod:`ims_core.forking`), and with inputs below
``PARALLEL_IMPORT_BYTES`` (beyond which the two imports side by side would need more memory than the
reconciliation after them). Otherwise the imports run one after the other. While the GSTR-2B
loads, this process reads the books the reconciliation needs.

Under the same conditions, and for a CSV, the export is written by a forked process from the
results in memory while this one stores them (:class:`ims_core.exports.CsvWhileStoring`); the file
takes its name only once the run is stored. The result is the same every way: the same database,
the same output in the same order.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection as PipeEnd
from pathlib import Path
from typing import Annotated, TypeVar

import pandas as pd
import typer
from sqlalchemy.engine import Engine

from ims_core.audit import Actor, actor_named
from ims_core.commands.common import console, database, progress_bar
from ims_core.commands.imports import Recipient, existing_files, print_summary
from ims_core.commands.reconcile import Period, Workers, print_export, print_reconciliation
from ims_core.db import get_engine
from ims_core.db.schema import current_revision, head_revision, migrate
from ims_core.errors import UserFacingError
from ims_core.forking import in_child, may_fork, own_connections, workers_to_use
from ims_core.gst.dates import DateError, parse_period
from ims_core.ingest.document import ParsedImport
from ims_core.ingest.loader import ImportSummary, load
from ims_core.matching.normalise import number_forms_remembered
from ims_core.matching.run import run_reconciliation, scope_books
from ims_core.reports.export import check_export_path, export_reconciliation

# Books and GSTR-2B files together up to this size (about 1.6 million documents a side) import side
# by side: the two processes then hold less than the reconciliation that follows does (at a million
# documents a side, 3.2 GB at most against 3.4 GB). Larger files run one at a time, so that an unusual
# pair does not need both imports' memory at once.
PARALLEL_IMPORT_BYTES = 512 * 1024 * 1024
# Books up to this many have their number forms worked out while the GSTR-2B loads (a tenth of a
# second off a 100,000-document reconciliation). Each form remembered costs some 300 bytes in every
# process that looks it up, so a larger scope, whose peak memory is nearer the 4 GB a million
# documents a side may use, works them out in the reconciliation as before.
REMEMBER_FORMS_UP_TO = 300_000
GO, STOP = "go", "stop"
T = TypeVar("T")

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
        try:
            period = parse_period(period)
        except DateError as exc:
            raise UserFacingError(f"--period: {exc}") from exc
    books, *gstr2b = existing_files([books, *gstr2b])
    if ims is not None:
        existing_files([ims])
    if output is not None:
        check_export_path(output)
    if timings is not None and not timings.parent.is_dir():
        raise UserFacingError(f"{timings.parent}: no such folder")
    workers = workers_to_use(workers)
    actor = actor_named(by)
    seconds: dict[str, float] = {}
    overlapped = _can_overlap(workers, [books, *gstr2b])
    with number_forms_remembered() as remember_forms:
        began = time.perf_counter()
        if overlapped:
            def books_ahead(summary: ImportSummary) -> pd.DataFrame:
                """The reconciliation's books, and their number forms, worked out while the GSTR-2B loads."""
                ahead = scope_books(get_engine(), summary.recipient_gstin, period)
                if len(ahead) <= REMEMBER_FORMS_UP_TO:
                    remember_forms(ahead["doc_number"], ahead["fy"])
                return ahead

            books_summary, seconds["import books"], seconds["import gstr2b"], books_read = \
                _imports_side_by_side(get_engine(), books, preset, gstr2b, recipient, actor, books_ahead)
        else:
            books_read = None
            books_summary, seconds["import books"], seconds["import gstr2b"] = _imports_in_turn(
                database(), books, preset, gstr2b, recipient, actor)
        if ims is not None:
            seconds["import ims"] = _import_ims(ims, recipient or books_summary.recipient_gstin, actor)
        seconds["imports"] = time.perf_counter() - began

        began = time.perf_counter()
        with _step("reconcile"):
            # the scope the books were imported for (all recipients when the file holds several)
            reconciliation = run_reconciliation(
                get_engine(), recipient_gstin=books_summary.recipient_gstin, period=period, actor=by,
                workers=workers, books=books_read)
    print_reconciliation(reconciliation)
    seconds["reconcile"] = time.perf_counter() - began

    if output is not None:
        began = time.perf_counter()
        with _step("export"):
            exported = export_reconciliation(get_engine(), output, run_id=reconciliation.id,
                                             recipient_gstin=reconciliation.recipient_gstin or None,
                                             actor=by)
        print_export(exported)
        seconds["export"] = time.perf_counter() - began
    seconds["total"] = time.perf_counter() - started
    console.print(f"[dim]{_done_line(seconds, overlapped)}[/]")
    if timings is not None:
        figures = {**{step: round(value, 3) for step, value in seconds.items()}, "overlapped": overlapped}
        timings.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _import_ims(path: Path, recipient: str, actor: Actor) -> float:
    """Import the IMS records (whose download names its recipient only in the request: the one
    given, else the books'); the seconds it took."""
    from ims_core.ingest.ims import parse_ims_json

    with _step("import ims"):
        began = time.perf_counter()
        summary = _load(get_engine(), parse_ims_json(path, recipient_gstin=recipient), actor)
        seconds = time.perf_counter() - began
    print_summary(summary)
    return seconds


def _can_overlap(workers: int, files: list[Path]) -> bool:
    return may_fork(workers) and sum(path.stat().st_size for path in files) <= PARALLEL_IMPORT_BYTES


def _done_line(seconds: dict[str, float], overlapped: bool) -> str:
    inside = f"books {seconds['import books']:.1f} s, GSTR-2B {seconds['import gstr2b']:.1f} s"
    if "import ims" in seconds:
        inside += f", IMS {seconds['import ims']:.1f} s"
    steps = [f"imports {seconds['imports']:.1f} s ({inside}{', overlapped' if overlapped else ''})",
             f"reconcile {seconds['reconcile']:.1f} s"]
    if "export" in seconds:
        steps.append(f"export {seconds['export']:.1f} s")
    return f"Done in {seconds['total']:.1f} s: {', '.join(steps)}."


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    """Name the step in an error whose message would not say which one failed. (An ``IngestError``
    begins with its file's name, which says it.)"""
    try:
        yield
    except UserFacingError as exc:
        raise UserFacingError(f"{name}: {exc}") from exc


def _imports_in_turn(engine: Engine, books: Path, preset: str, gstr2b: list[Path], recipient: str | None,
                     actor: Actor) -> tuple[ImportSummary, float, float]:
    books_summary, books_seconds = _import_books(engine, books, preset, recipient, actor)
    print_summary(books_summary)
    with _step("import gstr2b"):
        began = time.perf_counter()
        portal_summary = _load(engine, _parse_gstr2b(gstr2b, recipient), actor)
        portal_seconds = time.perf_counter() - began
    print_summary(portal_summary)
    return books_summary, books_seconds, portal_seconds


def _imports_side_by_side(engine: Engine, books: Path, preset: str, gstr2b: list[Path],
                          recipient: str | None, actor: Actor, meanwhile: Callable[[ImportSummary], T]
                          ) -> tuple[ImportSummary, float, float, T]:
    """The books here, the GSTR-2B in a forked process that parses at once and loads when told.
    A database with its schema to create or upgrade has it done by a third process meanwhile
    (alembic alone takes a tenth of a second to load), which the books wait for before loading.
    While the GSTR-2B loads, this process does ``meanwhile(books summary)``: work of the
    reconciliation's that would otherwise leave a core idle."""
    up_to_date = current_revision(engine) == head_revision()
    engine.dispose()  # the children open connections of their own; none of ours may be open to share
    schema_ready = (lambda: None) if up_to_date else in_child(_migrate_in_child, engine)
    gate = multiprocessing.get_context("fork").Pipe(duplex=False)  # (its end, our end)
    portal_later = in_child(_gstr2b_in_child, engine, gstr2b, recipient, actor, gate)
    gate[0].close()
    with gate[1] as ours:
        try:
            books_summary, books_seconds = _import_books(engine, books, preset, recipient, actor,
                                                         before_reading=schema_ready)
        except BaseException:
            _tell(ours, STOP)
            with contextlib.suppress(Exception):  # a failure of the GSTR-2B as well comes second
                portal_later()  # the child ends without loading; wait for it
            with contextlib.suppress(Exception):  # answered already, or failing: the books' error first
                schema_ready()
            raise
        print_summary(books_summary)
        _tell(ours, GO)
    try:
        done_meanwhile = meanwhile(books_summary)
    finally:  # the GSTR-2B's outcome, its failure included, before anything of ours
        with _step("import gstr2b"):
            portal_summary, portal_seconds = portal_later()
    print_summary(portal_summary)
    return books_summary, books_seconds, portal_seconds, done_meanwhile


def _gstr2b_in_child(engine: Engine, gstr2b: list[Path], recipient: str | None, actor: Actor,
                     gate: tuple[PipeEnd, PipeEnd]) -> tuple[ImportSummary, float] | None:
    """Parse and prepare the rows, wait for the parent's word, then write them (``GO``) or end
    without writing (``STOP``: None). The seconds returned are this process's work, not its wait.
    No progress bar: two processes drawing on one terminal would garble it."""
    listening, parents = gate
    parents.close()  # so that, were the parent to die, the wait ends (EOFError) instead of lasting
    waited = 0.0

    def wait_for_the_books() -> None:
        nonlocal waited
        began = time.perf_counter()
        word = listening.recv()
        waited = time.perf_counter() - began
        if word != GO:
            raise _Stopped

    began = time.perf_counter()
    try:
        parsed = _parse_gstr2b(gstr2b, recipient)
        summary = load(own_connections(engine), parsed, actor=actor, before_reading=wait_for_the_books)
    except _Stopped:
        return None
    return summary, time.perf_counter() - began - waited


class _Stopped(Exception):
    """The parent's books import failed: the GSTR-2B is not to be written."""


def _tell(gate: PipeEnd, word: str) -> None:
    with contextlib.suppress(BrokenPipeError):  # the child has already ended: its answer says why
        gate.send(word)


def _migrate_in_child(engine: Engine) -> None:
    migrate(own_connections(engine))


def _import_books(engine: Engine, path: Path, preset: str, recipient: str | None, actor: Actor,
                  before_reading: Callable[[], None] | None = None) -> tuple[ImportSummary, float]:
    from ims_core.ingest.books import parse_books

    with _step("import books"):
        began = time.perf_counter()
        parsed = parse_books(path, preset=preset, recipient_gstin=recipient)
        summary = _load(engine, parsed, actor, before_reading)
    return summary, time.perf_counter() - began


def _parse_gstr2b(paths: list[Path], recipient: str | None) -> ParsedImport:
    from ims_core.ingest.gstr2b import parse_gstr2b

    return parse_gstr2b(paths, recipient_gstin=recipient)


def _load(engine: Engine, parsed: ParsedImport, actor: Actor,
          before_reading: Callable[[], None] | None = None) -> ImportSummary:
    with progress_bar(f"Importing {parsed.file_name}", len(parsed.frame)) as progress:
        return load(engine, parsed, actor=actor, progress=progress, before_reading=before_reading)
