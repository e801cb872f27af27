"""Decisions by button over real HTTP: signatures, approvers, compare-and-set, modals, maker-checker."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import select, update
from sqlmodel import Session

from bot.blocks.approvals import APPROVE, DECLINE
from bot.blocks.modals import REASON_BLOCK, REASON_INPUT
from bot.blocks.records import ACCEPT, PENDING, REJECT
from ims_core.models import AuditEvent, ImsDecision, PortalDocument

from .conftest import ASHA, CHANNEL, RAVI, SECRET, BotUnderTest
from .seed import seed


def post_digest(bot: BotUnderTest) -> tuple[str, list[dict]]:
    """``/ims digest now``: the digest's first message, once the command has answered too (else a
    later command's answer could be mistaken for this one's, which a loaded machine sends late)."""
    answered = len(bot.slack.of(f"response_url:/respond/{ASHA}"))
    status, _ = bot.command("digest now")
    assert status == 200
    call = bot.slack.wait_for("chat.postMessage")[0]
    bot.slack.wait_for(f"response_url:/respond/{ASHA}", answered + 1)
    return call.response["ts"], json.loads(_blocks(call.args))


def _blocks(args: dict) -> str:
    blocks = args["blocks"]
    return blocks if isinstance(blocks, str) else json.dumps(blocks)


def decision_row(engine, doc_id: int) -> ImsDecision | None:
    with Session(engine) as session:
        return (
            session.execute(select(ImsDecision).where(ImsDecision.portal_document_id == doc_id))
            .scalars()
            .first()
        )


def events(engine, kind: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


def told(bot: BotUnderTest, user: str) -> list[str]:
    """What the bot answered ``user``'s clicks, ephemerally through their response_url."""
    return [c.args["text"] for c in bot.slack.of(f"response_url:/respond/{user}/click")]


def decline(bot: BotUnderTest, value: str, *, user: str, ts: str, reason: str = "we need it") -> None:
    """Decline a rejection request: the button opens a modal, which is submitted with a reason."""
    opened = len(bot.slack.of("views.open"))
    bot.click(DECLINE, value, user=user, ts=ts)
    view = bot.slack.wait_for("views.open", opened + 1)[opened].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": reason}}}, user=user)


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached in time")


def test_forged_and_stale_signatures_are_refused_with_401(bot: BotUnderTest):
    started = len(bot.slack.calls)  # the approver groups, read at start
    assert bot.command("help", secret="not-the-secret")[0] == 401
    assert bot.command("help", timestamp=int(time.time()) - 600)[0] == 401
    status, _ = bot.click(ACCEPT, "1:0", secret="forged")
    assert status == 401
    time.sleep(0.2)
    assert bot.slack.calls[started:] == []


def test_accept_click_decides_audits_and_updates_the_digest(bot: BotUnderTest, engine):
    ids = seed(engine, count=3, statuses=("mismatch",))
    ts, blocks = post_digest(bot)
    buttons = [e for b in blocks if b.get("block_id", "").startswith("rec:") for e in b.get("elements", [])]
    largest = ids[-1]  # most rupees first
    assert buttons[0]["value"] == f"{largest}:0"
    assert bot.click(ACCEPT, f"{largest}:0", ts=ts)[0] == 200
    update = bot.slack.wait_for("chat.update")[0]
    assert update.args["channel"] == CHANNEL and update.args["ts"] == ts
    assert f"Accepted by <@{ASHA}>" in _blocks(update.args) and "IST" in _blocks(update.args)
    row = decision_row(engine, largest)
    assert row.action == "A" and row.version == 1 and row.decided_by_id == ASHA
    assert [e.document_id for e in events(engine, "decision")] == [largest]


def test_a_member_of_an_approver_group_may_decide(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    assert bot.click(PENDING, f"{ids[0]}:0", user=RAVI)[0] == 200
    wait_until(lambda: decision_row(engine, ids[0]) is not None)
    assert decision_row(engine, ids[0]).action == "P"
    assert [c.args["usergroup"] for c in bot.slack.of("usergroups.users.list")] == ["S0FINANCE"]


def test_two_approvers_clicking_at_once_give_one_decision_one_event_one_conflict(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    ts, _ = post_digest(bot)
    value = f"{ids[0]}:0"
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def click(user: str, action: str) -> None:
        barrier.wait()
        statuses.append(bot.click(action, value, user=user, ts=ts)[0])

    threads = [
        threading.Thread(target=click, args=(ASHA, ACCEPT)),
        threading.Thread(target=click, args=(RAVI, PENDING)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    wait_until(lambda: len(told(bot, ASHA) + told(bot, RAVI)) == 1)
    time.sleep(0.5)
    row = decision_row(engine, ids[0])
    assert row.version == 1 and row.action in ("A", "P")
    assert len(events(engine, "decision")) == 1
    loser = RAVI if row.decided_by_id == ASHA else ASHA
    [conflict] = told(bot, loser)
    assert conflict.startswith(":warning:") and "changed by" in conflict
    assert told(bot, row.decided_by_id) == []


def test_reject_opens_a_modal_that_requires_a_reason(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    ts, _ = post_digest(bot)
    assert bot.click(REJECT, f"{ids[0]}:0", ts=ts)[0] == 200
    view = bot.slack.wait_for("views.open")[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    status, body = bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": ""}}})
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert decision_row(engine, ids[0]) is None
    status, _ = bot.submit(
        view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "goods returned"}}}
    )
    assert status == 200
    update = bot.slack.wait_for("chat.update")[0]
    assert update.args["ts"] == ts and f"Rejected by <@{ASHA}>" in _blocks(update.args)
    row = decision_row(engine, ids[0])
    assert row.action == "R" and row.reason == "goods returned"


def test_large_rejection_waits_for_a_second_approver(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",), tax_scale=20_000_000)
    ts, _ = post_digest(bot)
    bot.click(REJECT, f"{ids[0]}:0", ts=ts)
    view = bot.slack.wait_for("views.open")[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "not ours"}}})
    posts = bot.slack.wait_for("chat.postMessage", 2)
    request = posts[1]
    assert "second approver" in request.args["text"]
    approve = [
        e
        for b in json.loads(_blocks(request.args))
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == APPROVE
    ][0]
    assert decision_row(engine, ids[0]).requested_action == "R"
    request_ts = request.response["ts"]
    bot.click(APPROVE, approve["value"], user=ASHA, ts=request_ts)
    wait_until(lambda: bool(told(bot, ASHA)))
    assert "different person" in told(bot, ASHA)[0]
    bot.click(APPROVE, approve["value"], user=RAVI, ts=request_ts)
    wait_until(lambda: decision_row(engine, ids[0]).action == "R")
    wait_until(
        lambda: any(
            c.args["ts"] == request_ts and "Rejected by" in _blocks(c.args)
            for c in bot.slack.of("chat.update")
        )
    )
    assert len(events(engine, "reject_approved")) == 1


def test_secret_is_checked_with_slacks_algorithm():
    from slack_sdk.signature import SignatureVerifier

    from .slack_fake import sign

    body = "payload=%7B%7D"
    headers = sign(SECRET, body)
    assert SignatureVerifier(SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_accepting_a_credit_note_asks_for_the_itc_reduction(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, doc_type="CRN", statuses=("mismatch",))
    ts, _ = post_digest(bot)
    bot.click(ACCEPT, f"{ids[0]}:0", ts=ts)
    view = bot.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "ims_cn_accept_modal"

    def values(mode: str, cgst: str) -> dict:
        return {
            "itc_reduction": {
                "itc_reduction_input": {"type": "radio_buttons", "selected_option": {"value": mode}}
            },
            "decl_cgst": {"decl_cgst_input": {"type": "plain_text_input", "value": cgst}},
            REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "half was never claimed"}},
        }

    status, body = bot.submit(view, values("partial", "12,34x"))
    assert json.loads(body)["errors"]["decl_cgst"].startswith("'12,34x'")
    status, body = bot.submit(view, values("full", "10"))
    assert "partial reduction only" in json.loads(body)["errors"]["decl_igst"]
    assert bot.submit(view, values("partial", "25.50"))[0] == 200
    wait_until(lambda: decision_row(engine, ids[0]) is not None)
    row = decision_row(engine, ids[0])
    assert (row.action, row.itc_reduction, row.decl_cgst_paise) == ("A", "partial", 2550)
    assert f"Accepted by <@{ASHA}>" in _blocks(bot.slack.wait_for("chat.update")[0].args)


def test_a_refused_action_is_explained_to_the_clicker_and_audited(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    with engine.begin() as conn:
        conn.execute(
            update(PortalDocument).where(PortalDocument.id == ids[0]).values(pending_action_blocked=True)
        )
    assert bot.click(PENDING, f"{ids[0]}:0", user=RAVI)[0] == 200
    wait_until(lambda: bool(told(bot, RAVI)))
    [note] = told(bot, RAVI)
    assert note.startswith(":no_entry: ") and "pending" in note.lower()
    assert decision_row(engine, ids[0]) is None or decision_row(engine, ids[0]).action == ""
    refused = events(engine, "refused")
    assert len(refused) == 1 and refused[0].actor_id == RAVI
    assert refused[0].reason == note.removeprefix(":no_entry: ")


def test_a_declined_rejection_reopens_the_record_everywhere(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",), tax_scale=20_000_000)
    ts, _ = post_digest(bot)
    bot.click(REJECT, f"{ids[0]}:0", ts=ts)
    view = bot.slack.wait_for("views.open")[0].args["view"]
    bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "not ours"}}})
    request = bot.slack.wait_for("chat.postMessage", 2)[1]
    decline_button = [
        e
        for b in request.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == DECLINE
    ][0]
    decline(bot, decline_button["value"], user=RAVI, ts=request.response["ts"])
    wait_until(lambda: len(events(engine, "reject_declined")) == 1)
    row = decision_row(engine, ids[0])
    assert (row.action, row.requested_action) == ("", "")

    def latest(ts_: str) -> str:
        updates = [c for c in bot.slack.of("chat.update") if c.args["ts"] == ts_]
        return _blocks(updates[-1].args) if updates else ""

    wait_until(lambda: "Rejection declined" in latest(request.response["ts"]))
    wait_until(lambda: '"ims_accept"' in latest(ts))


def test_a_digest_posted_after_a_declined_rejection_carries_the_current_version(
    bot: BotUnderTest, engine
):
    """The record is undecided again but at version 2: its buttons must say so, or the next click
    would lose the compare-and-set to nobody."""
    ids = seed(engine, count=1, statuses=("mismatch",), tax_scale=20_000_000)
    ts, _ = post_digest(bot)
    bot.click(REJECT, f"{ids[0]}:0", ts=ts)
    view = bot.slack.wait_for("views.open")[0].args["view"]
    bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "not ours"}}})
    request = bot.slack.wait_for("chat.postMessage", 2)[1]
    decline(bot, f"{ids[0]}:1", user=RAVI, ts=request.response["ts"])
    wait_until(lambda: len(events(engine, "reject_declined")) == 1)
    wait_until(lambda: any("Rejection declined" in _blocks(c.args) for c in bot.slack.of("chat.update")))
    wait_until(lambda: any(c.args["ts"] == ts and '"ims_accept"' in _blocks(c.args)
                           for c in bot.slack.of("chat.update")))
    seen = len(bot.slack.of("chat.update"))
    assert bot.command("digest now")[0] == 200
    # the digest's own update: a late redraw of the approval request may come in between
    wait_until(lambda: any(c.args["ts"] == ts for c in bot.slack.of("chat.update")[seen:]))
    redrawn = [c for c in bot.slack.of("chat.update")[seen:] if c.args["ts"] == ts][-1]
    buttons = [e for b in redrawn.args["blocks"] if b.get("block_id", "").startswith("rec:")
               for e in b.get("elements", [])]
    assert {e["value"] for e in buttons} == {f"{ids[0]}:2"}
    bot.click(ACCEPT, f"{ids[0]}:2", ts=ts)
    wait_until(lambda: decision_row(engine, ids[0]).action == "A")
    assert decision_row(engine, ids[0]).version == 3
    assert [c for c in bot.slack.of("chat.postEphemeral") if "changed by" in c.args["text"]] == []
