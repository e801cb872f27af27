"""The ``ims`` command: wiring only. Each area's commands live in ``ims_core/commands/<area>.py``
and register themselves through a ``register(app)`` function. Commands from outside the core (the
Slack bot's ``ims bot`` and ``ims digest``) join through the ``ims_assistant.commands`` entry points
of the installed package, each named after the command it adds: the core imports no bot.

A command imports only the area modules it needs: ``COMMANDS`` names, for each top-level command
(and for a sub-command that needs less than its group, such as ``export reconciliation``), the
modules that register it. Loading all of them (the Slack bot, mail, Excel, the matching engine…)
would cost most of a second on every invocation, which scripts that run ``ims`` many times pay
again and again. ``ims --help`` and unknown commands still load everything, so help and "no such
command" errors read as before. ``from ims_core.cli import app`` gives the complete app.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Annotated, NoReturn, get_args

import typer
import typer.core

from ims_core import clock
from ims_core.errors import UserFacingError

_AREA = "ims_core.commands."
PLUGINS = "ims_assistant.commands"  # entry points: command name -> a register(app) function
GC_YOUNGEST = 100_000  # allocations between collections of the youngest generation (700 by default)
COMMANDS: dict[str, tuple[str, ...]] = {
    "import": ("imports",),
    "demo": ("demo",),
    "reconcile": ("reconcile",),
    "run": ("pipeline",),
    "explain": ("reconcile",),
    "export": ("reconcile", "actions"),
    "export reconciliation": ("reconcile",),
    "action": ("actions",),
    "period": ("periods",),
    "audit": ("actions",),
    "itc": ("itc",),
    "deadlines": ("itc",),
    "registration": ("itc",),
    "vendors": ("vendors",),
    "vendor": ("vendors",),
    "followup": ("vendors",),
    "contacts": ("vendors",),
    "portal": ("portal",),
}
AREAS = tuple(dict.fromkeys(area for areas in COMMANDS.values() for area in areas))

_app = typer.Typer(
    name="ims",
    help="IMS assistant: reconcile GST IMS / GSTR-2B with your purchase register.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_registered: set[str] = set()


def package_version() -> str:
    """The installed package's version (``ims --version``)."""
    try:
        return version("ims-assistant")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _print_version(asked: bool) -> None:
    if asked:
        print(f"ims {package_version()}")
        raise typer.Exit()


Version = Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                       help="print the version and exit")]


@_app.callback()
def _group(shown: Version = False) -> None:
    """IMS assistant: reconcile GST IMS / GSTR-2B with your purchase register."""
    # A group callback keeps `ims NAME` a sub-command even when only one area is loaded.


# Help shows what a person types, not Python's types: typer's own help writes `<list[Path]>`, `<int
# range>`, `<str>` and `<bool>` (for a flag, which takes no value). Every parameter without a metavar of
# its own is shown by what it takes: FILE, N, NUMBER, DATE or TEXT (choices as they are), an
# argument under its name in capitals (FILES...), a flag with nothing after it.
_TYPER_DISPLAY_TYPE = typer.core._TyperParameter.display_type


def _readable_type(param, ctx) -> str:  # a typer parameter and its click context
    described = param.type_descriptor
    if described.is_choice or described.is_tuple:
        return _TYPER_DISPLAY_TYPE(param, ctx)
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    kinds = {int: "N", float: "NUMBER", dt.datetime: "DATE", dt.date: "DATE"}
    annotation = get_args(described.annotation) if described.is_list else (described.annotation,)
    first = annotation[0] if annotation else str
    label = "FILE" if described.is_path or first is Path else kinds.get(first, "TEXT")
    return label + ("..." if param.nargs != 1 else "")


typer.core._TyperParameter.display_type = _readable_type
typer.core.TyperArgument.display_name_raw = property(lambda param: param.metavar or param.name.upper())


def _plugins() -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group=PLUGINS)}


def load_areas(areas: tuple[str, ...] | None = None) -> typer.Typer:
    """Register the named command areas (each at most once; default: every one) and return the app.
    An area is a module of ``ims_core.commands``, or ``plugin:NAME`` for an entry point."""
    plugins = _plugins()
    for area in areas if areas is not None else AREAS + tuple(f"plugin:{name}" for name in plugins):
        if area.startswith("plugin:"):
            point = plugins[area.removeprefix("plugin:")]
            if point.value not in _registered:  # one function may add several commands
                point.load()(_app)
                _registered.add(point.value)
        elif area not in _registered:
            importlib.import_module(_AREA + area).register(_app)
            _registered.add(area)
    return _app


def areas_for(argv: list[str]) -> tuple[str, ...] | None:
    """The areas an invocation needs, from its first words that are not options: ``COMMANDS`` is
    looked up by the first two (a sub-command needing less than its group), then by the first, then
    the entry points; None (every area) for anything else."""
    words = [arg for arg in argv if not arg.startswith("-")][:2]
    found = COMMANDS.get(" ".join(words)) or COMMANDS.get(words[0] if words else "")
    if found is None and words and words[0] in _plugins():
        found = (f"plugin:{words[0]}",)
    return found


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return load_areas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(started: Callable[[], None] | None = None) -> None:
    """Entry point: a user's error (any ``UserFacingError``: a bad file, date or amount, a refused
    action, a database out of reach, a template or an email that cannot be made) prints one line
    (or an import's itemised list) on stderr and exits 1. ``started`` is called once the command's
    modules are loaded, before it runs."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    application = load_areas(areas_for(sys.argv[1:]))
    if started:
        started()
    try:
        with clock.preserved():  # a command's --today holds for that command only (tests call main)
            application()
    except UserFacingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)


def run() -> NoReturn:
    """The ``ims`` program: :func:`main`, then :func:`leave` with its exit code.

    The cyclic garbage collector is tuned for a short-lived process that builds large tables: off
    while the libraries load (they make a few hundred thousand objects, none of them garbage, which
    the collector would otherwise walk again and again), then those objects frozen out of its sight
    and collections made rarer, since the parsers of a large import allocate millions of small
    containers; what little garbage has cycles is still collected. Only here, in the program's own
    process: a caller of :func:`main` (the tests) keeps its collector as it was. (What it saves:
    ``bench/README.md``.)
    """
    gc.disable()
    try:
        main(started=_collect_rarely)
    except SystemExit as exc:  # how the app always ends: 0 when done, click's codes otherwise
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        leave(exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1)
    leave(0)


def _collect_rarely() -> None:
    gc.freeze()
    gc.set_threshold(GC_YOUNGEST, *gc.get_threshold()[1:])
    gc.enable()


def leave(code: int) -> NoReturn:
    """End the program; without tearing the interpreter down when nothing else runs in it.

    Freeing pandas, SQLAlchemy and every object a command made is slow and has no effect outside
    the process (``bench/README.md`` has what it costs). What does have an effect is done first:
    database connections closed (SQLite folds its write-ahead log into the file as the last one
    closes), logging shut down, output flushed. With other threads alive (the bot's scheduler, a
    server) the interpreter exits the ordinary way.
    """
    if threading.active_count() > 1:
        sys.exit(code)
    from ims_core.db import dispose_engines

    dispose_engines()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
