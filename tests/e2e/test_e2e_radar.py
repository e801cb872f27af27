"""The radar and the picture of the credit, driven over real HTTP against the fake Web API: the radar
lines with their rupees in the digest and App Home, the reminder the day before the 14th (with the
clock moved), and the chart uploaded with ``files_upload_v2`` as a PNG that opens as an image.

The seeded month (``seed``): October 2025 IMS records with no action, tax ₹100.00 x n for record n,
so three invoices carry ₹100 + ₹200 + ₹300 = ₹600.00 and two credit notes numbered 10 and 11 carry
₹1,000 + ₹1,100 = ₹2,100.00, which net to -₹1,500.00 (a credit note counts negative). On 12 November
they are headed for the GSTR-2B generated on Friday 14 November 2025.
"""

from __future__ import annotations

import datetime as dt
import io
import json

from matplotlib import image
from sqlmodel import Session

from bot.app import build_services
from bot.scheduler import BotScheduler
from ims_core import clock
from ims_core.audit import Actor
from ims_core.db import build_engine
from ims_core.decisions.engine import decide
from ims_core.models import ChannelSubscription

from .conftest import ASHA, CHANNEL, OUTSIDER, BotUnderTest, settings_for
from .seed import RECIPIENT, seed
from .test_e2e_commands import answer
from .test_e2e_decisions import post_digest

DEEMED_LINE = ("₹600.00 of tax in 3 records will be deemed accepted at GSTR-2B generation on Fri 14 Nov 2025 "
               "unless someone acts (GSTR-2B for Oct 2025)")
GSTR3B_LINE = ("GSTR-3B for Oct 2025 is due on Thu 20 Nov 2025: ₹600.00 net tax in accepted and no-action "
               "records")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# ₹600.00 in 4A less record 2's ₹200.00, which the books do not have: reversed in 4B(2); all three are at
# risk (1 a mismatch, 2 not in the books, 3 a probable match), each of its own supplier
OCTOBER = "claimable ₹400.00, blocked ₹0.00, at risk ₹600.00"
# as sent: the suppliers' names come from files, so Slack's three control characters go escaped
TOP_AT_RISK = ("Top suppliers by tax at risk in Oct 2025: Acme Traders Pvt Ltd (27AHQPA7588L1ZJ) ₹300.00; "
               "Gujarat Chemicals (24AAQCA8719H1ZC) ₹200.00; "
               "Sharma Steel &amp; Sons (06AAMCS8709B1ZA) ₹100.00.")


def _text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_digest_leads_with_the_radar_and_brings_its_chart_once(bot: BotUnderTest, engine):
    seed(engine, count=3)
    _ts, blocks = post_digest(bot)
    radar = blocks[2]["text"]["text"]  # after the header and the period line: before every other figure
    assert radar.startswith("*:rotating_light: What costs money soonest*\n")
    assert radar.splitlines()[1:] == [f"• {DEEMED_LINE}", f"• {GSTR3B_LINE}"]
    assert "Coming up" not in _text(blocks)  # the radar's dates are not listed twice

    bot.slack.wait_for("files.completeUploadExternal")  # the chart follows the digest's first page
    [upload] = bot.slack.completed_uploads()
    assert (upload.channel, upload.filename) == (CHANNEL, "itc-102025.png")
    assert upload.title == "ITC position to Oct 2025"
    assert upload.data.startswith(PNG_SIGNATURE) and len(upload.data) == upload.length > 10_000
    assert image.imread(io.BytesIO(upload.data), format="png").shape[:2] == (440, 1100)
    assert upload.alt_txt.startswith(f"ITC position of {RECIPIENT} by month, net tax. May 2025: claimable ")
    assert f"Oct 2025: {OCTOBER}" in upload.alt_txt and upload.alt_txt.endswith(TOP_AT_RISK)
    assert [c.method for c in bot.slack.calls if c.method.startswith("files.") or c.method == "upload"] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]

    assert "updated" in answer(bot, "digest now")  # the same day again: the message updated, no new chart
    assert len(bot.slack.completed_uploads()) == 1


def test_app_home_leads_with_the_radar_in_rupees_net_of_credit_notes(bot: BotUnderTest, engine):
    seed(engine, count=3)
    seed(engine, count=2, doc_type="CRN", start=10)
    status, _ = bot.event({"type": "app_home_opened", "user": OUTSIDER, "channel": "D0001", "tab": "home",
                           "event_ts": "1700000000.000100"})
    assert status == 200
    blocks = bot.slack.wait_for("views.publish")[0].args["view"]["blocks"]
    assert blocks[2]["text"]["text"].splitlines()[1:] == [
        "• -₹1,500.00 of tax in 5 records will be deemed accepted at GSTR-2B generation on Fri 14 Nov 2025 "
        "unless someone acts (GSTR-2B for Oct 2025)",
        "• GSTR-3B for Oct 2025 is due on Thu 20 Nov 2025: -₹1,500.00 net tax in accepted and no-action "
        "records",
    ]


def test_ims_itc_answers_with_figures_and_shares_the_chart_where_it_was_asked(bot: BotUnderTest, engine):
    seed(engine, count=3)
    reply = answer(bot, "itc 102025")
    assert "*Claimable*\\n₹400.00" in reply and "The chart of the last six periods follows" in reply
    bot.slack.wait_for("files.completeUploadExternal")  # drawn after the figures were answered
    [upload] = bot.slack.completed_uploads()
    assert upload.channel == CHANNEL and upload.initial_comment == f"ITC position, asked for by <@{ASHA}>"
    assert upload.data.startswith(PNG_SIGNATURE) and f"Oct 2025: {OCTOBER}" in upload.alt_txt

    bot.slack.absent_from.add("C0ELSEWHERE")  # asked where the bot was not invited: told so, privately
    bot.command("itc", channel="C0ELSEWHERE")
    replies = [c.args for c in bot.slack.wait_for(f"response_url:/respond/{ASHA}", 3)[1:]]  # in any order
    [told] = [r for r in replies if r["text"] != "ITC position"]
    assert told["text"] == "I could not post the chart here: invite me with /invite, then ask again."
    assert told["response_type"] == "ephemeral" and len(bot.slack.completed_uploads()) == 1


def _subscribed_scheduler(engine, database_url: str, slack) -> BotScheduler:
    with Session(engine) as session:
        session.add(ChannelSubscription(channel_id=CHANNEL, recipient_gstin=RECIPIENT, days="mon-fri",
                                        time_hhmm="09:30"))
        session.commit()
    return BotScheduler(build_services(settings_for(database_url, slack), engine=build_engine(database_url),
                                      post_interval=0.0))


def test_the_reminder_the_day_before_the_14th_says_what_would_be_deemed_accepted(engine, database_url, slack):
    seed(engine, count=3)
    scheduler = _subscribed_scheduler(engine, database_url, slack)
    tz = scheduler.services.tz
    try:
        with clock.frozen(dt.datetime(2025, 11, 12, 10, 0, tzinfo=tz)):
            assert scheduler.run_reminders() == []  # two days before: nothing yet
        with clock.frozen(dt.datetime(2025, 11, 13, 10, 0, tzinfo=tz)):
            assert scheduler.run_reminders() == ["done"]
            assert scheduler.run_reminders() == ["skipped"]  # once, however often the job fires
    finally:
        scheduler.services.engine.dispose()
    [reminder] = slack.of("chat.postMessage")
    assert reminder.args["channel"] == CHANNEL
    assert reminder.args["text"] == (
        ":alarm_clock: GSTR-2B for 10/2025 is generated tomorrow: ₹600.00 of tax in 3 record(s) will be "
        "deemed accepted unless someone acts. 3 record(s) still need a decision. `/ims pending` lists them; "
        "`/ims digest now` posts them with buttons.")


def test_no_reminder_before_the_14th_when_every_record_has_an_action(engine, database_url, slack):
    ids = seed(engine, count=3)
    with Session(engine) as session:
        for doc_id in ids:
            decide(session, portal_document_id=doc_id, action="accept",
                   actor=Actor(id=ASHA, name="asha", source="slack"), today=dt.date(2025, 11, 12))
        session.commit()
    scheduler = _subscribed_scheduler(engine, database_url, slack)
    try:
        with clock.frozen(dt.datetime(2025, 11, 13, 10, 0, tzinfo=scheduler.services.tz)):
            assert scheduler.run_reminders() == []
    finally:
        scheduler.services.engine.dispose()
    assert slack.of("chat.postMessage") == []
