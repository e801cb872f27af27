"""Text that is not ours reaches Slack escaped, over real HTTP: what a person typed after ``/ims``, and
names and document numbers from files, in replies, conflict warnings and refusals. A ``<!channel>``
anywhere in them would ping the channel; ``<https://…|…>`` would show a link of someone else's."""

from __future__ import annotations

import json

from sqlalchemy import update

from bot.blocks.records import ACCEPT
from ims_core.models import PortalDocument

from .conftest import ASHA, RAVI, BotUnderTest
from .seed import seed
from .test_e2e_decisions import post_digest, told, wait_until

PING = "<!channel>"
LINK = "<https://evil.example|pay here>"


def _everything_sent(bot: BotUnderTest) -> str:
    """Every text and block the bot sent to Slack (replies, posts, views), as one string."""
    return json.dumps([c.args for c in bot.slack.calls], ensure_ascii=False)


def test_what_people_type_after_ims_is_echoed_escaped(bot: BotUnderTest):
    for typed in (f"vendor {PING} {LINK}", f"invoice {PING}", f"scorecard {PING}", f"followup {PING}",
                  f"{PING}", f"summary {PING}"):
        assert bot.command(typed)[0] == 200
    bot.slack.wait_for(f"response_url:/respond/{ASHA}", 6)
    sent = _everything_sent(bot)
    assert PING not in sent and "<https://evil" not in sent
    assert "&lt;!channel&gt;" in sent


def test_a_document_number_from_a_file_is_escaped_in_a_conflict_warning(bot: BotUnderTest, engine):
    [doc_id] = seed(engine, count=1, statuses=("mismatch",))
    with engine.begin() as conn:
        conn.execute(update(PortalDocument).where(PortalDocument.id == doc_id)
                     .values(doc_number=f"{PING}{LINK}", supplier_name=f"{PING} Traders"))
    ts, _ = post_digest(bot)
    assert bot.click(ACCEPT, f"{doc_id}:0", ts=ts)[0] == 200
    wait_until(lambda: bot.slack.of("chat.update"))
    assert bot.click(ACCEPT, f"{doc_id}:0", user=RAVI, ts=ts)[0] == 200  # too late: a conflict
    wait_until(lambda: told(bot, RAVI))
    [warning] = told(bot, RAVI)
    assert warning.startswith(":warning:")
    sent = _everything_sent(bot)
    assert PING not in sent and "<https://evil" not in sent
