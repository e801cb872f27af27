"""The approvers' blocks: the supplier's record in a request, the decline dialog, bulk and portal
confirmations with counts and net ₹ (a credit note counts negative), and the outcomes told."""

from __future__ import annotations

import datetime as dt
import json

from test_blocks import item

from bot.blocks.approvals import DECLINE_VIEW, decline_modal, history_line, waiting_lists_blocks
from bot.blocks.bulk import BULK_VIEW, Scope, bulk_confirm_view, bulk_result_view, parse_metadata
from bot.blocks.modals import REASON_BLOCK, ModalContext
from bot.blocks.portal import PORTAL_VIEW, push_outcome_text, upload_confirm_view
from ims_core.decisions.bulk import BulkItem, BulkPreview, BulkResult
from ims_core.models.vocabulary import Action
from ims_core.portal.push import PartOutcome, PushPreview, PushResult
from ims_core.portal.uploads import Refusal
from ims_core.reports.approvals import WaitingApproval
from ims_core.suppliers.scorecard import PeriodTrend, SupplierInsight


def test_the_request_carries_the_suppliers_recent_record():
    insight = SupplierInsight(key="27AHQPA7588L1ZJ", gstins=["27AHQPA7588L1ZJ"], name="Acme",
                              itc_at_risk_paise=12_345_600, portal_documents=40, rejected=3, score=72,
                              trend=[PeriodTrend(p, 5, 1, 100, s) for p, s in
                                     (("072025", 90), ("082025", 85), ("092025", 80), ("102025", 72))])
    line = history_line(insight)
    assert line == ("Supplier's record: score *72*/100 · ITC at risk ₹1,23,456.00 (net) · 3 of 40 portal "
                    "document(s) rejected in IMS · by period: Aug 2025 85 · Sep 2025 80 · Oct 2025 72")
    assert history_line(None) == "No earlier history with this supplier."


def test_decline_is_a_dialog_whose_reason_is_required():
    view = decline_modal(item(), ModalContext(7, 1, "C0GST", "1.2")).to_dict()
    assert view["callback_id"] == DECLINE_VIEW and view["submit"]["text"] == "Decline"
    reason = [b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK][0]
    assert reason.get("optional", False) is False
    assert ModalContext.loads(view["private_metadata"]) == ModalContext(7, 1, "C0GST", "1.2")


def test_the_waiting_lists_name_at_most_five_and_count_the_rest():
    asked = dt.datetime(2025, 11, 10, 5, 0, tzinfo=dt.UTC)
    rows = [(WaitingApproval(n, "29AAFCC9980M1ZR", "U0ASHA", "asha", asked, "", 1), item(n))
            for n in range(7)]
    mine, theirs = (b.to_dict()["text"]["text"] for b in waiting_lists_blocks(rows, []))
    assert mine.startswith("*Waiting for my approval: 7*") and mine.count("asked by <@U0ASHA>") == 5
    assert mine.endswith("…and 2 more")
    assert theirs == "*Waiting for others: 0*\nNone of your rejections waits for a second approver."


def test_the_bulk_confirmation_nets_credit_notes_and_applies_only_when_there_is_something():
    # accept an invoice of ₹1,800 tax and a credit note of ₹300: ₹1,500 net
    preview = BulkPreview("matched", [BulkItem(1, Action.ACCEPT, 180_000, "INV-1"),
                                      BulkItem(2, Action.ACCEPT, -30_000, "CN-2")], [("INV-3", "filed")])
    scopes = [(Scope("29AAFCC9980M1ZR", "102025"), preview),
              (Scope("27AADCD4821K1ZM", "102025"), BulkPreview("matched"))]
    view = bulk_confirm_view("matched", scopes).to_dict()
    text = json.dumps(view, ensure_ascii=False)
    assert view["callback_id"] == BULK_VIEW and view["submit"]["text"] == "Apply to 2"
    assert "*2 record(s)* · ₹1,500.00 net tax" in text and "accepted 2 (₹1,500.00); 1 skipped" in text
    assert "*27AADCD4821K1ZM* · Oct 2025: nothing to do" in text
    assert parse_metadata(view["private_metadata"]) == ("matched", [Scope("29AAFCC9980M1ZR", "102025")])
    nothing = bulk_confirm_view("matched", [(Scope("27AADCD4821K1ZM", "102025"), BulkPreview("matched"))])
    assert "submit" not in nothing.to_dict()
    told = json.dumps(bulk_result_view("matched", [(Scope("x", "102025"), BulkResult(
        skipped=[("INV-9", "decided by ravi")]))]).to_dict(), ensure_ascii=False)
    assert "*0 record(s) decided*" in told and "• INV-9: decided by ravi" in told


def test_the_upload_confirmation_and_its_outcome():
    previews = [PushPreview("29AAFCC9980M1ZR", {"A": 2, "R": 1}, 207_000, []),
                PushPreview("27AADCD4821K1ZM", {}, 0, ["IMSREF0009"])]
    view = upload_confirm_view(previews).to_dict()
    text = json.dumps(view, ensure_ascii=False)
    assert view["callback_id"] == PORTAL_VIEW and view["submit"]["text"] == "Upload 3"
    assert "*3 decision(s) not yet on the portal* · ₹2,070.00 net tax" in text
    assert "accept 2, reject 1 · ₹2,070.00" in text and "Upload IMSREF0009 is still in flight" in text
    assert json.loads(view["private_metadata"]) == ["29AAFCC9980M1ZR", "27AADCD4821K1ZM"]
    result = PushResult("29AAFCC9980M1ZR", [PartOutcome("SAVE", 1, 1, "IMSREF0010", "PE", 3, 2, 1)],
                        [Refusal("b2b", "27AHQPA7588L1ZJ", "A<1>", "IMSSAV0010", "modified by the supplier")])
    said = push_outcome_text(result)
    assert said.startswith(":warning: Upload to the GST portal for 29AAFCC9980M1ZR: processed with errors; "
                           "2 uploaded, 1 refused.")
    assert "• b2b 27AHQPA7588L1ZJ/A&lt;1&gt;: IMSSAV0010 modified by the supplier" in said
    assert push_outcome_text(PushResult("29AAFCC9980M1ZR")).startswith(":white_check_mark: Nothing to upload")
