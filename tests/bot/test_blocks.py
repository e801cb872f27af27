"""Block builders through slack_sdk's models: ``to_dict()`` validates Slack's limits."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from bot.blocks.approvals import APPROVE, DECLINE, approval_blocks
from bot.blocks.digest import MAX_BLOCK_CHARS, MAX_BLOCKS, build_pages
from bot.blocks.home import HomeData, home_view
from bot.blocks.modals import (
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_VIEW,
    ModalContext,
    credit_note_accept_modal,
    input_value,
    reject_modal,
)
from bot.blocks.records import parse_button_value, record_blocks
from ims_core.decisions.store import DecisionState
from ims_core.reports.digest import DeadlineLine, DigestData, ItcFigures
from ims_core.reports.worklist import StatusCount, WorkItem

IST = ZoneInfo("Asia/Kolkata")


def item(n: int = 7, **changes: object) -> WorkItem:
    fields = dict(
        portal_document_id=n,
        recipient_gstin="29AAFCC9980M1ZR",
        supplier_gstin="27AHQPA7588L1ZJ",
        supplier_name="Acme Traders",
        doc_type="INV",
        doc_number=f"INV-{n}",
        doc_date=dt.date(2025, 10, 10),
        return_period="102025",
        taxable_paise=1_000_000,
        tax_paise=180_000,
        status="mismatch",
        reasons="taxable value differs by ₹120.00",
        recommended_action="P",
        pending_action_blocked=None,
        source="ims",
    )
    fields.update(changes)
    return WorkItem(**fields)


def undecided(n: int = 7, version: int = 0) -> DecisionState:
    return DecisionState(portal_document_id=n, action="N", version=version)


def test_open_record_shows_four_buttons_carrying_id_and_version():
    blocks = [b.to_dict() for b in record_blocks(item(), undecided(version=3), IST)]
    assert blocks[0] == {
        "type": "section",
        "block_id": "doc:7",
        "text": {
            "type": "mrkdwn",
            "text": "*Acme Traders* `27AHQPA7588L1ZJ` · INV *INV-7* · 10-10-2025 · tax "
            "*₹1,800.00*\nMismatch: taxable value differs by ₹120.00 · suggested: Pending",
        },
    }
    buttons = blocks[1]["elements"]
    assert [b["action_id"] for b in buttons] == ["ims_accept", "ims_reject", "ims_pending", "ims_details"]
    assert {b["value"] for b in buttons} == {"7:3"}
    assert parse_button_value("7:3") == (7, 3)


def test_pending_button_left_out_when_the_portal_blocks_pending():
    blocks = [b.to_dict() for b in record_blocks(item(pending_action_blocked=True), undecided(), IST)]
    assert [b["action_id"] for b in blocks[1]["elements"]] == ["ims_accept", "ims_reject", "ims_details"]


def test_decided_record_replaces_buttons_with_who_and_when_in_ist():
    decided = DecisionState(
        7,
        "A",
        1,
        decided_by="asha",
        decided_by_id="U0ASHA",
        decided_by_source="slack",
        decided_at=dt.datetime(2025, 11, 5, 5, 2, tzinfo=dt.UTC),
        from_portal=False,
    )
    blocks = [b.to_dict() for b in record_blocks(item(), decided, IST)]
    assert blocks[1] == {
        "type": "context",
        "block_id": "rec:7",
        "elements": [{"type": "mrkdwn", "text": "✅ Accepted by <@U0ASHA> · 5 Nov 10:32 IST"}],
    }


def test_a_decision_made_outside_slack_names_the_person_instead_of_mentioning():
    by_cli = DecisionState(
        7, "P", 2, decided_by="Asha <ca>", decided_by_id="asha", decided_by_source="cli", from_portal=False
    )
    line = record_blocks(item(), by_cli, dt.UTC)[1].to_dict()["elements"][0]["text"]
    assert line == "⏸️ Kept pending by Asha &lt;ca&gt;"


def test_mrkdwn_control_characters_are_escaped():
    text = record_blocks(item(supplier_name="Sharma <Steel> & Sons"), undecided(), IST)[0].to_dict()["text"][
        "text"
    ]
    assert "Sharma &lt;Steel&gt; &amp; Sons" in text


def digest_data(records: int) -> DigestData:
    return DigestData(
        day=dt.date(2025, 11, 5),
        recipients=["29AAFCC9980M1ZR"],
        period="102025",
        counts=[StatusCount("matched", 10, 100), StatusCount("mismatch", records, 5_000)],
        itc=ItcFigures(12_345_650, 0, 1_000),
        deadlines=[DeadlineLine(dt.date(2025, 11, 20), "GSTR-3B due")],
        records=[item(n, reasons="x" * 900) for n in range(1, records + 1)],
        open_total=records + 5,
        open_tax_paise=999_999,
    )


def test_digest_pages_stay_within_block_and_size_limits_and_keep_every_record_once():
    data = digest_data(60)
    states = {r.portal_document_id: undecided(r.portal_document_id) for r in data.records}
    pages = build_pages(data, states, IST)
    assert len(pages) > 1
    for page in pages:
        blocks = [b.to_dict() for b in page.blocks]
        assert len(blocks) <= MAX_BLOCKS
        assert len(json.dumps(blocks, ensure_ascii=False)) <= MAX_BLOCK_CHARS
    assert [i for p in pages for i in p.document_ids] == list(range(1, 61))
    assert pages[0].text.startswith(
        "GST digest 5 Nov 2025: 65 record(s) need a decision, ₹9,999.99 net tax (part 1 of"
    )
    summary = json.dumps(pages[0].blocks[0].to_dict(), ensure_ascii=False)
    assert "GST digest · 5 Nov 2025" in summary
    assert "₹1,23,456.50" in json.dumps([b.to_dict() for b in pages[0].head], ensure_ascii=False)


def test_digest_with_nothing_open_says_so_in_one_page():
    data = digest_data(0)
    data.open_total = 0
    pages = build_pages(data, {}, IST)
    assert len(pages) == 1 and pages[0].document_ids == []
    assert "Nothing needs a decision" in json.dumps([b.to_dict() for b in pages[0].blocks])


def test_reject_modal_carries_its_context_and_requires_a_reason():
    ctx = ModalContext(7, 2, "C1", "1700000000.000001")
    view = reject_modal(item(), ctx).to_dict()
    assert view["callback_id"] == REJECT_VIEW and view["type"] == "modal"
    assert ModalContext.loads(view["private_metadata"]) == ctx
    reason = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert not reason.get("optional", False) and reason["element"]["action_id"] == REASON_INPUT
    state = {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "  not received "}}}
    assert input_value(state, REASON_BLOCK, REASON_INPUT) == "not received"


def test_credit_note_modal_offers_full_partial_nil_with_full_preselected():
    view = credit_note_accept_modal(item(doc_type="CRN"), ModalContext(7, 0)).to_dict()
    radios = view["blocks"][1]["element"]
    assert [o["value"] for o in radios["options"]] == ["full", "partial", "nil"]
    assert radios["initial_option"]["value"] == "full"


def test_approval_request_has_approve_and_decline_until_answered():
    waiting = DecisionState(
        7,
        "N",
        1,
        pending_approval=True,
        requested_by="asha",
        requested_by_id="U0ASHA",
        request_reason="duplicate bill",
    )
    blocks = [b.to_dict() for b in approval_blocks(item(), waiting, IST)]
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [APPROVE, DECLINE]
    assert "Requested by <@U0ASHA>: “duplicate bill”" in blocks[1]["elements"][0]["text"]
    done = DecisionState(
        7,
        "R",
        2,
        decided_by="asha",
        decided_by_id="U0ASHA",
        decided_by_source="slack",
        decided_at=dt.datetime(2025, 11, 5, 6, 0, tzinfo=dt.UTC),
        from_portal=False,
    )
    assert (
        approval_blocks(item(), done, IST)[-1]
        .to_dict()["elements"][0]["text"]
        .startswith("⛔ Rejected by <@U0ASHA>")
    )


def test_home_view_is_a_valid_home_tab():
    data = HomeData(
        user_id="U1",
        is_approver=False,
        recipients=["29AAFCC9980M1ZR"],
        period="102025",
        counts=[StatusCount("mismatch", 3, 300)],
        open_total=3,
        open_tax_paise=300,
        itc=None,
        deadlines=[],
        generated_at=dt.datetime(2025, 11, 5, 5, 0, tzinfo=dt.UTC),
    )
    view = home_view(data, IST).to_dict()
    assert view["type"] == "home"
    text = json.dumps(view, ensure_ascii=False)
    assert "only approvers decide" in text and "Oct 2025" in text and "Updated 5 Nov 10:30 IST" in text


def test_no_builder_falls_back_to_a_zone_of_its_own():
    """Times are shown in the configured IMS_TIMEZONE, which the caller passes: a default zone here
    would silently show Indian times to a team elsewhere."""
    import inspect
    import pkgutil
    from importlib import import_module
    from pathlib import Path

    import bot
    import bot.blocks

    for info in pkgutil.iter_modules(bot.blocks.__path__):
        module = import_module(f"bot.blocks.{info.name}")
        for _, function in inspect.getmembers(module, inspect.isfunction):
            tz = inspect.signature(function).parameters.get("tz")
            assert tz is None or tz.default is inspect.Parameter.empty, function.__qualname__
    for path in Path(bot.__file__).parent.rglob("*.py"):
        assert "Kolkata" not in path.read_text(encoding="utf-8"), path


def test_digest_says_apart_what_no_button_can_decide():
    from ims_core.reports.worklist import KeptApart

    data = digest_data(0)
    data.open_total = 0
    data.later = {"112025": (2, 36_000)}
    data.apart = KeptApart(locked=(56, 1_00_800_00, []), not_in_ims=(3, 12_600_00, []))
    (page,) = build_pages(data, {}, IST)
    blocks = [b.to_dict() for b in page.blocks]
    aside = next(b for b in blocks if b["type"] == "context" and "For information" in json.dumps(b))
    # no record's buttons: only the safe bulk actions of the reconciliation (approvers, confirmed)
    assert [b.get("block_id") for b in blocks if b["type"] == "actions"] == ["bulk"]
    assert aside["elements"][0]["text"].splitlines() == [
        "Also to decide: 2 record(s) of Nov 2025, ₹360.00 net tax",
        "For information: 56 record(s) in periods marked filed: locked, no decision possible, "
        "₹1,00,800.00 net tax",
        "For information: 3 record(s) only in GSTR-2B/2A, not in IMS: the portal takes no action on them, "
        "₹12,600.00 net tax",
    ]
