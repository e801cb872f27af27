"""What every ``ims`` command needs: the console, a migrated database, and a progress bar."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from ims_core import clock
from ims_core.audit.actor import Actor
from ims_core.db import get_engine
from ims_core.db.schema import migrate
from ims_core.errors import UserFacingError
from ims_core.gst.dates import parse_date, parse_period

console = Console(highlight=False)
if not console.is_terminal and "COLUMNS" not in os.environ:
    # a log file or a pipe: no screen to fit, and rich's 80 columns would cut crore amounts short
    console.width = 160
PROGRESS_FROM = 20_000  # rows: below this an import is over before a bar would help


T = TypeVar("T")


def option(name: str, parse: Callable[[str], T], value: str) -> T:
    """``parse(value)`` for the option ``name``, whose error says which option it was about
    (``--period: '13' is not a return period …``): the one place a command adds that to an error."""
    try:
        return parse(value)
    except UserFacingError as exc:
        raise UserFacingError(f"{name}: {exc}") from None


def period_option(value: str | None) -> str | None:
    """A ``--period`` option's callback: a return period MMYYYY, or the option's error."""
    return None if value is None else option("--period", parse_period, value)


def _as_of(value: str | None) -> str | None:
    """``--today``: every "today" of the command (deadlines, limits, the digest's day) is this date."""
    if value is not None:
        day = option("--today", parse_date, value)
        if day is None:
            raise UserFacingError("--today: give a date as YYYY-MM-DD")
        clock.set_today(day)
    return value


Today = Annotated[str | None, typer.Option(
    "--today", metavar="YYYY-MM-DD", callback=_as_of,
    help="answer as of this date (default: today in IMS_TIMEZONE)")]


def database() -> Engine:
    """The configured database, brought to the newest schema first."""
    engine = get_engine()
    migrate(engine)
    return engine


@contextmanager
def progress_bar(label: str, expected_rows: int) -> Iterator:
    """A rich progress bar for long jobs; a silent callback for short ones."""
    if expected_rows < PROGRESS_FROM or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=expected_rows)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


Update = Callable[[int, int], None]  # (rows done, rows in all)


@contextmanager
def progress_when_large(label: str) -> Iterator[Update | None]:
    """A progress bar for a job whose size is known only once it starts (an export, a reconciliation):
    it appears at the first update that says the job has ``PROGRESS_FROM`` rows or more, and only on a
    terminal; elsewhere (a pipe, a log file, cron) the callback is None and nothing is drawn. It is
    redrawn at each update, with no refresh thread of its own: ``ims run`` forks workers meanwhile."""
    if not console.is_terminal:
        yield None
        return
    with ExitStack() as stack:
        shown: list = []  # the Progress and its task, once the job is known to be large

        def update(done: int, total: int) -> None:
            if not shown and total >= PROGRESS_FROM:
                bar = stack.enter_context(Progress(TextColumn("{task.description}"), BarColumn(),
                                                   MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                                   transient=True, auto_refresh=False))
                shown.extend([bar, bar.add_task(label, total=total)])
            if shown:
                shown[0].update(shown[1], completed=done, total=total)
                shown[0].refresh()

        yield update


def recipient_gstin(session, value: str | None) -> str:  # a Session
    """The registration a command is about: the one given, else the only one in the portal data."""
    from sqlalchemy import func, select

    from ims_core.errors import UserFacingError
    from ims_core.models import PortalDocument

    if value:
        return value.strip().upper()
    column = PortalDocument.recipient_gstin
    found = list(session.execute(select(column).group_by(column).order_by(func.count().desc())).scalars())
    if len(found) == 1:
        return found[0]
    if not found:
        raise UserFacingError("no portal documents imported yet; import IMS or GSTR-2B data first")
    raise UserFacingError(f"several recipient GSTINs in the data ({', '.join(found)}); pass --recipient")


def cli_actor(by: str) -> Actor:
    """Who acts at the command line: ``--by`` is free text, so the operating-system login is recorded
    beside it (the audit trail's actor id) and the maker-checker compares both."""
    if not by.strip():
        raise UserFacingError("--by needs a name: who is acting")
    return Actor(id=os_login(), name=by.strip(), source="cli")


def os_login() -> str:
    """The operating-system account running the command: the process's user, not ``$LOGNAME``, which
    anyone can set."""
    try:
        import pwd  # POSIX only

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # Windows, or a uid without a passwd entry
        return getpass.getuser()
