"""The follow-up Block Kit builders: valid against Slack's limits, and saying what they should."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from bot.blocks import followups as fb
from ims_core.suppliers.followups import ClosedFollowUp, DueFollowUp

IST = ZoneInfo("Asia/Kolkata")  # the core hands follow-up times over already in IMS_TIMEZONE


def _draft(body: str = "Dear Mr Rao,\nPlease file A-102.") -> fb.DraftShown:
    return fb.DraftShown(
        7,
        "27AHQPA7588L1ZJ",
        "Shree <Polymers> & Co",
        2,
        2,
        1_260_000,
        "Reminder: 2 GST documents",
        body,
        "chat text",
        "a@b.in",
    )


def test_draft_view_carries_the_follow_up_and_the_channel():
    view = fb.draft_view(_draft(), "C0GST").to_dict()
    assert view["callback_id"] == fb.FOLLOWUP_VIEW and view["submit"]["text"] == "Send email"
    assert fb.FollowUpContext.loads(view["private_metadata"]) == fb.FollowUpContext(7, "C0GST")
    assert view["blocks"][0]["text"]["text"] == (
        "*Shree &lt;Polymers&gt; &amp; Co* (27AHQPA7588L1ZJ): reminder, 2 documents, ITC held up ₹12,600.00"
    )
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids[1:6] == [fb.TO_BLOCK, fb.SUBJECT_BLOCK, fb.BODY_BLOCK, fb.CHAT_BLOCK, fb.ATTACH_BLOCK]
    assert view["blocks"][-1]["elements"][0]["action_id"] == fb.MARK_SENT


def test_a_body_too_long_for_an_input_is_sent_as_drafted():
    view = fb.draft_view(_draft("x" * 3001), "C0GST").to_dict()
    assert fb.BODY_BLOCK not in [b.get("block_id") for b in view["blocks"]]
    assert any("too long to edit here" in str(b) for b in view["blocks"])


def test_due_blocks_list_waiting_and_failed_follow_ups_with_a_draft_button():
    due = [
        DueFollowUp(
            3,
            "27AHQPA7588L1ZJ",
            "Shree Polymers",
            "sent",
            1,
            2,
            dt.datetime(2025, 11, 10, 10, 0, tzinfo=IST),
            9,
            2,
            1_260_000,
            "C0GST",
            "1.2",
        ),
        DueFollowUp(4, "29AAFCC9980M1ZR", "", "failed", 2, 3, None, 0, 1, 0, "", ""),
    ]
    blocks = [b.to_dict() for b in fb.due_blocks(due)]
    assert blocks[0]["text"]["text"] == "*Supplier follow-ups due (2)*"
    assert blocks[1]["text"]["text"] == (
        "*Shree Polymers* (27AHQPA7588L1ZJ): waiting 9 days, sent 10 Nov 10:00 IST; "
        "2 open, ITC held up ₹12,600.00; next: reminder"
    )
    assert blocks[1]["accessory"] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Draft follow-up", "emoji": True},
        "action_id": fb.DRAFT_BUTTON,
        "value": "27AHQPA7588L1ZJ",
    }
    assert "send failed" in blocks[2]["text"]["text"] and "next: final notice" in blocks[2]["text"]["text"]
    assert fb.due_blocks([]) == []
    many = fb.due_blocks(due * 6, limit=10)
    assert many[-1].to_dict()["elements"][0]["text"] == "… and 2 more"


def test_closed_and_thread_messages():
    text, blocks = fb.closed_message(ClosedFollowUp(5, "27AHQPA7588L1ZJ", "Shree", 1, "C", "1.1", "x"))
    assert text == "✅ Follow-up #5 to Shree is closed: 1 document filed or corrected."
    text, blocks = fb.thread_message(
        followup_id=5,
        supplier="A & B",
        level=3,
        documents=4,
        itc_held_paise=100,
        how="marked as sent",
        user_id="U0ASHA",
    )
    assert text == (
        "Follow-up #5 to A &amp; B (final notice, 4 documents, ITC held up ₹1.00) marked as sent "
        "by <@U0ASHA>."
    )
    assert (
        "A &amp; B" in blocks[0].to_dict()["text"]["text"]
        and "<@U0ASHA>" in blocks[0].to_dict()["text"]["text"]
    )


def test_names_from_files_never_ping_or_link_in_text_or_blocks():
    """A supplier name is file data: ``<!channel>`` in it must reach Slack escaped, in the fallback
    ``text`` (which notifications render) as well as in the blocks."""
    name = "<!channel> Traders <https://evil.example|pay here> & Co"
    closed = ClosedFollowUp(5, "27AHQPA7588L1ZJ", name, 2, "C", "1.1", f"Resolved: {name} has filed")
    thread = fb.thread_message(followup_id=5, supplier=name, level=1, documents=2, itc_held_paise=100,
                               how="emailed to <!here>", user_id="U0ASHA")
    for text, blocks in (fb.closed_message(closed), thread):
        shown = text + json.dumps([b.to_dict() for b in blocks])
        assert "<!channel>" not in shown and "<!here>" not in shown and "<https://evil" not in shown
        assert "&lt;!channel&gt; Traders &lt;https://evil.example|pay here&gt; &amp; Co" in text
