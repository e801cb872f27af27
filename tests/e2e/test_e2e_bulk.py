"""Bulk from Slack over real HTTP: approvers only, a confirmation with the count and net ₹, and the
never-overwrite rule: a record a person has decided is left as they set it."""

from __future__ import annotations

import json

from bot.blocks.bulk import BULK_MATCHED, BULK_RECOMMENDED, BULK_VIEW
from bot.blocks.records import PENDING

from .conftest import ASHA, OUTSIDER, RAVI, BotUnderTest
from .seed import seed
from .test_e2e_decisions import decision_row, events, post_digest, wait_until


def view_of(call) -> dict:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def action_of(engine, doc_id: int) -> str | None:
    row = decision_row(engine, doc_id)
    return row.action if row is not None else None


def open_confirmation(bot: BotUnderTest, user: str = ASHA, ts: str = "") -> dict:
    """Click "Accept all matched" (in the digest posted at ``ts``, or App Home); the loading modal is then
    filled with the preview."""
    before = len(bot.slack.of("views.update"))
    bot.click(BULK_MATCHED, "matched", user=user, ts=ts)
    bot.slack.wait_for("views.open")
    return view_of(bot.slack.wait_for("views.update", before + 1)[before])


def test_a_confirmed_bulk_accept_skips_records_a_person_decided(bot: BotUnderTest, engine):
    # four matched records; tax 100, 200, 300 and 400 rupees (10,000 paise x n, seed)
    ids = seed(engine, count=4, statuses=("matched",))
    bot.click(PENDING, f"{ids[1]}:0", user=RAVI)  # Ravi keeps the second one pending, by hand
    wait_until(lambda: action_of(engine, ids[1]) == "P")
    ts, digest = post_digest(bot)
    assert [e["action_id"] for b in digest if b.get("block_id") == "bulk" for e in b["elements"]] == [
        BULK_MATCHED, BULK_RECOMMENDED]
    view = open_confirmation(bot, ts=ts)
    assert view["callback_id"] == BULK_VIEW
    shown = json.dumps(view, ensure_ascii=False)
    # 100 + 300 + 400 rupees: the pending record is not counted, so neither is its 200
    assert "*3 record(s)* · ₹800.00 net tax" in shown and "accepted 3 (₹800.00)" in shown
    assert view["submit"]["text"] == "Apply to 3"
    status, answer = bot.submit(view, {}, user=ASHA)
    assert status == 200 and json.loads(answer)["response_action"] == "update"
    wait_until(lambda: action_of(engine, ids[3]) == "A")
    assert [decision_row(engine, i).action for i in ids] == ["A", "P", "A", "A"]
    assert decision_row(engine, ids[1]).decided_by_id == RAVI  # left as Ravi set it
    decided = [e for e in events(engine, "decision") if e.actor_id == ASHA]
    assert len(decided) == 3 and len({e.request_id for e in decided}) == 1  # one bulk, one request id
    wait_until(lambda: any("3 record(s) decided" in json.dumps(view_of(c))
                           for c in bot.slack.of("views.update")))


def test_bulk_is_for_approvers_only(bot: BotUnderTest, engine):
    ids = seed(engine, count=2, statuses=("matched",))
    bot.click(BULK_MATCHED, "matched", user=OUTSIDER)
    wait_until(lambda: bool(events(engine, "refused")))
    refused = events(engine, "refused")[0]
    assert refused.actor_id == OUTSIDER and "bulk_matched" in refused.after_json
    assert bot.slack.of("views.open") == [] and all(decision_row(engine, i) is None for i in ids)
