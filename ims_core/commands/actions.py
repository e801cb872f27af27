"""``ims action …``, ``ims audit verify|export``
and ``ims export ims-actions``: the action engine, ITC position and audit trail from a terminal.

Only wiring and printing: every rule lives in ``ims_core.actions`` and friends.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ims_core import audit, clock, decisions
from ims_core.commands.common import cli_actor, console, database, option, period_option, recipient_gstin
from ims_core.commands.reconcile import export_app
from ims_core.db import session_scope
from ims_core.decisions.references import find_documents, resolve_reference
from ims_core.errors import UserFacingError
from ims_core.gst.money import format_inr, to_paise
from ims_core.models.vocabulary import Action
from ims_core.portal.outcomes import upload_note

action_app = typer.Typer(help="Decide on IMS records: accept, reject, pending, reset.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit trail: verify the hash chain, export the evidence.", no_args_is_help=True
)

Doc = Annotated[str, typer.Argument(help="SUPPLIER_GSTIN/DOC_NUMBER, or a document id like 42")]
DocType = Annotated[str | None, typer.Option("--type", help="INV, CRN, DBN or BOE")]
PeriodOpt = Annotated[str | None, typer.Option(
    "--period", metavar="MMYYYY", help="return period MMYYYY", callback=period_option)]
RecipientOpt = Annotated[str | None, typer.Option("--recipient", help="your GSTIN (when you have several)")]
By = Annotated[str, typer.Option("--by", help="who decides (recorded in the audit trail)")]
Reason = Annotated[str, typer.Option("--reason", help="why (remarks)")]
Money = Annotated[str | None, typer.Option(help="rupees, for a partial ITC reduction")]


def register(app: typer.Typer) -> None:
    app.add_typer(action_app, name="action")
    app.add_typer(audit_app, name="audit")


def _paise(label: str, value: str | None) -> int | None:
    return None if value is None else option(f"--{label}", to_paise, value)


def _decide(
    verb: str,
    doc: str,
    doc_type: str | None,
    period: str | None,
    recipient: str | None,
    by: str,
    reason: str,
    itc_reduction: str | None = None,
    amounts: dict[str, str | None] | None = None,
    version: int | None = None,
) -> None:
    actor = cli_actor(by)
    reduction = None
    if itc_reduction:
        declared = {head: _paise(head, value) for head, value in (amounts or {}).items()}
        reduction = decisions.ItcReduction(itc_reduction, **{f"{h}_paise": v for h, v in declared.items()})
    elif amounts and any(v is not None for v in amounts.values()):
        raise UserFacingError("--igst/--cgst/--sgst/--cess go with --itc-reduction partial")
    engine = database()
    with session_scope(engine) as session:
        target = resolve_reference(session, doc, doc_type=doc_type, period=period, recipient=recipient)
        result = decisions.decide(
            session,
            portal_document_id=target.id,
            action=verb,
            actor=actor,
            expected_version=version,
            reason=reason,
            itc_reduction=reduction,
        )
    console.print(result.message + (f" [dim](version {result.version})[/]" if result.changed else ""))


def _verb_command(verb: str, help_text: str) -> None:
    def command(
        doc: Doc,
        doc_type: DocType = None,
        period: PeriodOpt = None,
        recipient: RecipientOpt = None,
        by: By = "",
        reason: Reason = "",
        version: Annotated[int | None, typer.Option(help="fail unless the record is at this version")] = None,
    ) -> None:
        _decide(verb, doc, doc_type, period, recipient, by, reason, version=version)

    command.__doc__ = help_text
    action_app.command(verb)(command)


@action_app.command(Action.ACCEPT.verb)
def accept(
    doc: Doc,
    doc_type: DocType = None,
    period: PeriodOpt = None,
    recipient: RecipientOpt = None,
    by: By = "",
    reason: Reason = "",
    itc_reduction: Annotated[str | None, typer.Option(help="credit notes: full, partial or nil")] = None,
    igst: Money = None,
    cgst: Money = None,
    sgst: Money = None,
    cess: Money = None,
    version: Annotated[int | None, typer.Option(help="fail unless the record is at this version")] = None,
) -> None:
    """Accept a record (credit notes from Oct 2025: with an ITC-reduction choice)."""
    _decide(
        Action.ACCEPT.verb,
        doc,
        doc_type,
        period,
        recipient,
        by,
        reason,
        itc_reduction,
        {"igst": igst, "cgst": cgst, "sgst": sgst, "cess": cess},
        version,
    )


_verb_command(Action.REJECT.verb, "Reject a record (a large rejection waits for a second approver).")
_verb_command(Action.PENDING.verb, "Keep a record pending (out of this GSTR-2B, carried forward).")
_verb_command(Action.NO_ACTION.verb, "Set a record back to No action (deemed accepted).")


@action_app.command("approve")
def approve(
    doc: Doc, doc_type: DocType = None, period: PeriodOpt = None, recipient: RecipientOpt = None, by: By = ""
) -> None:
    """Approve a rejection someone else requested."""
    actor = cli_actor(by)
    with session_scope(database()) as session:
        target = resolve_reference(session, doc, doc_type=doc_type, period=period, recipient=recipient)
        result = decisions.approve_rejection(session, portal_document_id=target.id, approver=actor)
    console.print(result.message)


@action_app.command("decline")
def decline(
    doc: Doc,
    doc_type: DocType = None,
    period: PeriodOpt = None,
    recipient: RecipientOpt = None,
    by: By = "",
    reason: Reason = "",
) -> None:
    """Decline a rejection someone else requested."""
    actor = cli_actor(by)
    with session_scope(database()) as session:
        target = resolve_reference(session, doc, doc_type=doc_type, period=period, recipient=recipient)
        result = decisions.decline_rejection(
            session, portal_document_id=target.id, approver=actor, reason=reason
        )
    console.print(result.message)


@action_app.command("show")
def show(
    doc: Doc, doc_type: DocType = None, period: PeriodOpt = None, recipient: RecipientOpt = None
) -> None:
    """Show a record's current decision and version."""
    with session_scope(database()) as session:
        target = resolve_reference(session, doc, doc_type=doc_type, period=period, recipient=recipient)
        state = decisions.current_decision(session, target.id)
        label = f"{target.doc_type} {target.doc_number} from {target.supplier_gstin} ({target.return_period})"
        upload = upload_note(session, state.portal_document_id)
    who = (
        "portal"
        if state.from_portal
        else f"{state.decided_by}, {clock.local_time(state.decided_at):%d-%m-%Y %H:%M}"
    )
    console.print(
        f"{label}: {state.action_word} ({who}); version {state.version}"
        + (f"; rejection requested by {state.requested_by}" if state.pending_approval else "")
    )
    if upload:
        console.print(upload)


@action_app.command("apply-recommended")
def apply_recommended(
    recipient: RecipientOpt = None,
    period: PeriodOpt = None,
    by: By = "",
    matched_only: Annotated[bool, typer.Option("--matched-only", help="accept only matched records")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what would change and what is skipped, change nothing")
    ] = False,
    include_decided: Annotated[bool, typer.Option(
        "--include-decided", help="also replace people's decisions (each is named; needs --reason)")] = False,
    reason: Reason = "",
) -> None:
    """Apply the reconciliation's recommended actions (or accept every matched record) to the records
    nobody has decided; people's decisions are skipped and named, unless --include-decided."""
    actor = cli_actor(by) if not dry_run else None
    which = "matched" if matched_only else "recommended"
    with session_scope(database()) as session:
        gstin = recipient_gstin(session, recipient)
        preview = decisions.preview_bulk(session, recipient_gstin=gstin, period=period, which=which,
                                         include_decided=include_decided, reason=reason)
        _print_preview(preview, f"{which} actions for {gstin}{' ' + period if period else ''}")
        if dry_run or not preview.count:
            console.print("Nothing changed." if not preview.count else "Dry run: nothing changed.")
            return
        result = decisions.apply_bulk(session, recipient_gstin=gstin, period=period, which=which, actor=actor,
                                      preview=preview)
    for label, previous in result.overwritten:
        console.print(f"[red]overwrote[/] {label}: was {previous}")
    for label, why in result.skipped[len(preview.skipped):]:
        console.print(f"[yellow]skipped[/] {label}: {why}")
    console.print(
        f"{result.count} record(s) decided; {result.awaiting_approval} rejection(s) wait for approval; "
        f"{len(result.skipped)} skipped."
    )


def _print_preview(preview: decisions.BulkPreview, title: str) -> None:
    """The totals by action, then each record that would change and each skipped, with why."""
    table = Table(title=title)
    for column in ("action", "records", "net tax"):
        table.add_column(column, justify="left" if column == "action" else "right")
    for word, (count, tax) in preview.by_action().items():
        table.add_row(word, str(count), format_inr(tax))
    table.add_row("total", str(preview.count), format_inr(preview.tax_paise), style="bold")
    console.print(table)
    for item in preview.items:
        replaces = f" [red](replaces: {item.overwrites})[/]" if item.overwrites else ""
        console.print(f"will {item.action.verb} {item.label}{replaces}", highlight=False)
    for label, why in preview.skipped:
        console.print(f"[yellow]skipped[/] {label}: {why}", highlight=False)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[bool, typer.Option("--anchor", help=(
        "after a reviewed restore: anchor the trail as it stands (recorded as an event)"))] = False,
    by: Annotated[str, typer.Option("--by", help="who anchors (default: the login name)")] = "",
) -> None:
    """Check the hash chain from the first event, and against its checkpoint outside the database;
    exit 1 naming the first broken link, or how the trail was cut short or rewritten."""
    engine = database()
    result = audit.reanchor(engine, cli_actor(by or getpass.getuser())) if anchor else audit.verify(engine)
    if not result.ok:
        where = f" at event {result.first_broken}" if result.first_broken else ""
        raise UserFacingError(
            f"audit trail broken{where}: {result.problem} ({result.checked} events before it are intact)"
            if result.first_broken else f"audit trail cannot be trusted: {result.problem}"
        )
    console.print(f"Audit trail intact: {result.checked} events; newest hash {result.head_hash}")
    if result.anchored is not None:
        console.print(f"Checkpoint {result.checkpoint} vouches for {result.anchored} of them"
                      + (f"; the {result.unanchored} newest are not in it yet" if result.unanchored else ""))


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="X.csv or X.xlsx")],
    period: PeriodOpt = None,
    supplier: Annotated[str | None, typer.Option(help="supplier GSTIN")] = None,
    document: Annotated[str | None, typer.Option(help="SUPPLIER_GSTIN/DOC_NUMBER or id")] = None,
    by: Annotated[str, typer.Option("--by", help="who exports (default: the login name)")] = "",
) -> None:
    """The evidence pack: every audit event (optionally of one period, supplier or document)."""
    from ims_core.audit.evidence import export_audit

    actor = cli_actor(by or getpass.getuser())
    with session_scope(database()) as session:
        ids = [d.id for d in find_documents(session, document)] if document else None
        if document and not ids:
            raise UserFacingError(f"no document matches '{document}'")
        count = export_audit(session, output, period=period, supplier=supplier, document_ids=ids, actor=actor)
    console.print(f"{count} audit event(s) written to {output}")


# `ims export` is the reconciliation commands' group; this export joins it when this module loads.
@export_app.command("ims-actions")
def export_ims_actions_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="X.json")],
    recipient: RecipientOpt = None,
    by: Annotated[str, typer.Option("--by", help="who exports")] = "",
) -> None:
    """The IMS save request: only records whose action changed since the last export."""
    from ims_core.decisions.save_request import export_ims_actions

    actor = cli_actor(by or getpass.getuser())
    with session_scope(database()) as session:
        gstin = recipient_gstin(session, recipient)
        result = export_ims_actions(session, recipient_gstin=gstin, path=output, actor=actor)
    if not (result.saved or result.reset):
        console.print("Nothing changed since the last export; no file written.")
        return
    if result.save_path:
        console.print(f"{result.saved} action(s) written to {result.save_path}")
    if result.reset_path:
        console.print(f"{result.reset} reset(s) to No action written to {result.reset_path}")
