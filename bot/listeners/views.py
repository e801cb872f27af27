"""Modal submissions: reject with a reason, accept a credit note with its ITC reduction.

Both are for approvers only (``bot.permissions`` middleware, before the listener). Input errors are
answered in the modal itself (``response_action="errors"``) inside the ack; the decision runs after
the ack, and its outcome is redrawn on the message the modal was opened from.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.blocks.modals import (
    CN_ACCEPT_VIEW,
    REASON_BLOCK,
    REASON_INPUT,
    REDUCTION_BLOCK,
    REDUCTION_INPUT,
    REJECT_VIEW,
    TAX_HEADS,
    ModalContext,
    input_value,
)
from bot.outcomes import actor_from, run_decision
from bot.permissions import DECIDE, approvers_only, record_in_modal
from bot.replies import tells_errors
from ims_core.decisions.rules import ItcReduction
from ims_core.gst.money import AmountError, to_paise


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=DECIDE, target=record_in_modal)

    @app.view(REJECT_VIEW, middleware=[only(action="reject")])
    @tells_errors
    def on_reject(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        reason = input_value(view["state"]["values"], REASON_BLOCK, REASON_INPUT)
        if not reason:
            ack(
                response_action="errors",
                errors={REASON_BLOCK: "Say why: the reason goes into the audit trail."},
            )
            return
        ack()
        _finish(services, body, view, client, "reject", reason=reason)

    @app.view(CN_ACCEPT_VIEW, middleware=[only(action="accept")])
    @tells_errors
    def on_accept_credit_note(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        values = view["state"]["values"]
        mode = input_value(values, REDUCTION_BLOCK, REDUCTION_INPUT) or "full"
        declared, errors = {}, {}
        for head in TAX_HEADS:
            text = input_value(values, f"decl_{head}", f"decl_{head}_input")
            if not text:
                continue
            try:
                declared[f"{head}_paise"] = to_paise(text)
            except AmountError as exc:
                errors[f"decl_{head}"] = str(exc)
        if mode != "partial" and declared:
            errors[f"decl_{TAX_HEADS[0]}"] = (
                "Amounts go with a partial reduction only; clear them or pick Partial."
            )
        if mode == "partial" and not declared and not errors:
            errors["decl_igst"] = "A partial reduction needs the amount of at least one tax head."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        reduction = ItcReduction(mode, **declared) if mode == "partial" else ItcReduction(mode)
        _finish(
            services,
            body,
            view,
            client,
            "accept",
            reason=input_value(values, REASON_BLOCK, REASON_INPUT),
            itc_reduction=reduction,
        )


def _finish(
    services: Services,
    body: dict,
    view: dict,
    client: WebClient,
    verb: str,
    *,
    reason: str,
    itc_reduction: ItcReduction | None = None,
) -> None:
    ctx = ModalContext.loads(view.get("private_metadata", ""))
    run_decision(
        services,
        client,
        actor=actor_from(body["user"]),
        channel=ctx.channel_id,
        message_ts=ctx.message_ts,
        doc_id=ctx.portal_document_id,
        verb=verb,
        version=ctx.version,
        reason=reason,
        itc_reduction=itc_reduction,
        request_id=view.get("id", ""),
    )
