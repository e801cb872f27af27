"""``ims`` loads only the command areas an invocation needs; the table saying which must stay true."""

import subprocess
import sys

import typer
from typer.main import get_command

from ims_core import cli


def _names(app: typer.Typer) -> set[str]:
    return set(get_command(app).commands)


def test_every_command_is_in_the_table_or_an_entry_point():
    plugins = {"bot", "digest"}  # the Slack bot's commands (pyproject's ims_assistant.commands)
    assert set(cli._plugins()) == plugins
    assert _names(cli.app) == {name for name in cli.COMMANDS if " " not in name} | plugins


def test_each_entry_loads_its_command():
    for name, areas in cli.COMMANDS.items():
        app = typer.Typer()
        app.callback()(lambda: None)
        for area in areas:
            __import__(f"ims_core.commands.{area}", fromlist=["register"]).register(app)
        group, _, sub = name.partition(" ")
        command = get_command(app).commands.get(group)
        assert command is not None, name
        if sub:
            assert sub in command.commands, name


def test_areas_for_reads_the_first_words():
    assert cli.areas_for(["import", "books", "x.csv", "--preset", "tally"]) == ("imports",)
    assert cli.areas_for(["export", "reconciliation", "-o", "r.csv"]) == ("reconcile",)
    assert cli.areas_for(["export", "ims-actions", "-o", "a.json"]) == ("reconcile", "actions")
    assert cli.areas_for(["digest", "--dry-run"]) == ("plugin:digest",)
    assert cli.areas_for(["--help"]) is None  # every area
    assert cli.areas_for([]) is None
    assert cli.areas_for(["no-such-command"]) is None


def test_a_command_runs_without_loading_the_other_areas(env_db):
    """On a current database not even alembic is loaded: `migrate` sees the revision and stops."""
    code = ("import sys; sys.argv = ['ims', 'reconcile']\n"
            "from ims_core import cli\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('ims_core.commands.')))\n"
            "print('bot' in sys.modules, 'openpyxl' in sys.modules, 'alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "['ims_core.commands.common', 'ims_core.commands.reconcile']" in out
    assert out.strip().endswith("False False False")
