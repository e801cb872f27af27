"""The ``ims`` command: wiring only. Each area's commands live in ``ims_core/commands/<area>.py``
and register themselves through a ``register(app)`` function listed in ``COMMAND_MODULES``."""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from ims_core.errors import UserFacingError
from ims_core.ingest.document import IngestError

COMMAND_MODULES = (
    "ims_core.commands.bot",
    "ims_core.commands.imports",
    "ims_core.commands.demo",
    "ims_core.commands.reconcile",
    "ims_core.commands.actions",
    "ims_core.commands.vendors",
)

app = typer.Typer(
    name="ims",
    help="IMS assistant: reconcile GST IMS / GSTR-2B with your purchase register.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Entry point: user errors print one line (or an itemised list) on stderr and exit 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except (IngestError, UserFacingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
