"""``ims demo``: the whole story on the bundled sample month, no Slack account needed.

It builds a fresh SQLite database (``ims-demo.db`` unless told otherwise), imports the bundled purchase
register, GSTR-2B and IMS files of October 2025 for a fictional Pune manufacturer, and prints what an
accountant would look at first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ims_core.audit import Actor
from ims_core.commands.common import console
from ims_core.commands.imports import print_summary
from ims_core.db import build_engine, migrate
from ims_core.ingest.loader import load
from ims_core.samplegen import DEMO_FILES

DEMO_ACTOR = Actor(id="demo", name="ims demo", source="system")
DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


DemoDatabase = Annotated[Path, typer.Option(help="SQLite file to (re)create for the demo")]


def demo(database: DemoDatabase = Path("ims-demo.db")) -> None:
    """Import the bundled sample month into a fresh SQLite database and show the findings."""
    from ims_core.ingest.books import parse_books
    from ims_core.ingest.gstr2b import parse_gstr2b
    from ims_core.ingest.ims import parse_ims_json

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = build_engine(f"sqlite:///{database}")
    migrate(engine)
    console.rule("[bold]IMS assistant demo: October 2025, Deccan Polymers Private Limited")
    books = parse_books(DEMO_DATA / DEMO_FILES["books"], preset="canonical")
    for parsed in (books,
                   parse_gstr2b([DEMO_DATA / DEMO_FILES["gstr2b"]]),
                   parse_ims_json(DEMO_DATA / DEMO_FILES["ims"], recipient_gstin=books.recipient_gstin)):
        print_summary(load(engine, parsed, actor=DEMO_ACTOR))
    engine.dispose()
    console.print(f"\nThe demo database is [bold]{database}[/]; explore it with "
                  f"DATABASE_URL=sqlite:///{database} ims …")
