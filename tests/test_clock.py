"""The one clock: what it answers, how it is set, and that nothing else reads the system clock."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ims_core import clock
from ims_core.errors import UserFacingError

ROOT = Path(__file__).resolve().parent.parent
IST = ZoneInfo("Asia/Kolkata")
# Calls that read the wall clock for a date or a time stamp. Elapsed-time readings
# (time.perf_counter, time.monotonic) measure durations, not dates, and are allowed anywhere.
WALL_CLOCK = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
              ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("Timestamp", "now"),
              ("Timestamp", "today"), ("time", "gmtime")}


def _wall_clock_calls(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_only_the_clock_reads_the_system_clock():
    sources = [p for package in ("ims_core", "bot") for p in (ROOT / package).rglob("*.py")]
    assert len(sources) > 50
    offenders = [hit for p in sources if p != ROOT / "ims_core" / "clock.py" for hit in _wall_clock_calls(p)]
    assert offenders == []


def test_the_walk_would_catch_a_wall_clock_call(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import datetime as dt\nimport time\nx = dt.date.today()\ny = time.time()\n"
                     "z = time.perf_counter()\n")
    assert _wall_clock_calls(probe, tmp_path) == ["probe.py:3 date.today()", "probe.py:4 time.time()"]


def test_frozen_fixes_now_and_today_in_the_configured_zone():
    # 23:30 UTC on 31 Oct is already 1 November in India: the business date is India's.
    with clock.frozen(dt.datetime(2025, 10, 31, 23, 30, tzinfo=dt.UTC)):
        assert clock.now() == dt.datetime(2025, 10, 31, 23, 30, tzinfo=dt.UTC)
        assert clock.today() == dt.date(2025, 11, 1)
        assert clock.local_now().utcoffset() == dt.timedelta(hours=5, minutes=30)
    with clock.frozen(dt.date(2031, 6, 1)):  # a date stands for its midday, local time
        assert clock.local_now() == dt.datetime(2031, 6, 1, 12, 0, tzinfo=IST)
        assert clock.today() == dt.date(2031, 6, 1)


def test_as_of_fixes_the_business_date_and_lets_stamps_run():
    with clock.frozen(dt.date(2030, 1, 1)):
        with clock.as_of(dt.date(2025, 11, 12)):
            assert clock.today() == dt.date(2025, 11, 12)
            assert clock.now().year == 2030
        assert clock.today() == dt.date(2030, 1, 1)  # restored on leaving the block


def test_the_zone_comes_from_the_settings_not_the_machine(monkeypatch):
    from ims_core.settings import get_settings

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    monkeypatch.setenv("IMS_TIMEZONE", "Asia/Kolkata")
    get_settings.cache_clear()
    try:
        with clock.frozen(dt.datetime(2025, 11, 30, 20, 0, tzinfo=dt.UTC)):
            assert clock.today() == dt.date(2025, 12, 1)  # 01:30 in India; still 30 Nov in California
    finally:
        get_settings.cache_clear()


def test_a_commands_today_holds_for_that_command_only(env_db):
    from ims_core.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["deadlines", "--today", "31-02-2025"])
    assert isinstance(bad.exception, UserFacingError) and str(bad.exception) == (
        "--today: '31-02-2025' is not a real date")
    clock.reset()
    assert runner.invoke(app, ["deadlines", "--today", "2025-11-05"]).exit_code in (0, 1)
    assert clock.today() == dt.date(2025, 11, 5)  # CliRunner runs in-process; the suite's fixture resets


@pytest.mark.parametrize("command", [["itc", "--period", "102025"], ["deadlines"], ["digest", "--dry-run"],
                                     ["vendors"], ["vendor", "27AHQPA7588L1ZJ"],
                                     ["followup", "draft", "27AHQPA7588L1ZJ"]])
def test_every_as_of_command_takes_today(command):
    from ims_core.cli import app

    shown = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0 and "--today" in shown.output, shown.output
