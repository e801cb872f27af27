"""The figures App Home, the digest and ``/ims itc`` read are computed again in the background after a
decision in Slack, so the next of them answers from the snapshot instead of computing while someone waits."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from bot.blocks.records import ACCEPT
from ims_core.itc.snapshots import state
from ims_core.models.snapshots import FigureSnapshot

from .conftest import E2E_TODAY, serving
from .seed import RECIPIENT, seed
from .test_e2e_decisions import decision_row, wait_until


def _kept(engine) -> dict[str, FigureSnapshot]:
    """The position of the digest's period and the deadlines (the chart keeps earlier periods too)."""
    with Session(engine) as session:
        return {row.kind: row for row in session.execute(select(FigureSnapshot)).scalars()
                if row.key in ("102025", "")}


def test_a_decision_in_slack_leaves_the_figures_computed_for_it(engine, database_url, slack):
    ids = seed(engine, count=2, statuses=("mismatch",))
    with serving(engine, database_url, slack) as bot:
        status, _ = bot.command("itc")  # computes and keeps the figures before the decision
        assert status == 200
        wait_until(lambda: "position" in _kept(engine))
        before = _kept(engine)["position"].state
        assert bot.click(ACCEPT, f"{ids[0]}:0")[0] == 200
        wait_until(lambda: decision_row(engine, ids[0]) is not None)
    # the bot has stopped and drained: its warm-up after the decision has run
    kept = _kept(engine)
    with Session(engine) as session:
        now = state(session, RECIPIENT)
    assert before != now
    assert kept["position"].state == now and kept["deadlines"].state == now
    assert kept["position"].as_of == E2E_TODAY and kept["position"].key == "102025"
