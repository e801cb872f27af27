"""Push to the portal: the decisions not yet on it (what ``ims export ims-actions`` would write),
sent as SAVE (and RESET) requests, each followed until the portal settles it.

One upload per GSTIN is in flight at a time, here as on the portal (GSTN refuses a second with
IMSSAV0015): a request is claimed in ``portal_push`` (a unique ``in_flight``) before it is sent, and
released when the portal settles it. An upload whose outcome a run did not see (the process ended,
the session expired, the portal was still processing after the last wait) is collected by the next
run before it sends anything new. Every request is audited twice: when sent (who, reference id,
counts) and when settled (the outcome). What the outcome does to the decisions: :mod:`uploads`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.save_request import build_requests, validate
from ims_core.errors import UserFacingError
from ims_core.models import ImsDecision, PortalDocument, PortalPush
from ims_core.models.base import net_tax_sum
from ims_core.portal.client import PortalClient
from ims_core.portal.errors import PushInFlight
from ims_core.portal.uploads import Item, Part, Refusal, mark, parts_of, refusals_in

STALE_CLAIM = dt.timedelta(minutes=15)  # a claim this old without a reference: its process died
ACTION_WORDS = {"A": "accept", "R": "reject", "P": "pending", "N": "reset to no action"}


@dataclass(frozen=True)
class PushPreview:
    """What a push would send: records by action and their net tax, and uploads still in flight."""

    gstin: str
    by_action: dict[str, int]
    tax_paise: int
    in_flight: list[str]

    @property
    def records(self) -> int:
        return sum(self.by_action.values())


@dataclass(frozen=True)
class PartOutcome:
    """One request as the portal settled it."""

    request_type: str
    part: int
    parts: int
    reference_id: str
    status: str
    records: int
    uploaded: int
    refused: int
    resumed: bool = False


@dataclass
class PushResult:
    """A push: each request's outcome and every record refused. ``status`` is the worst outcome:
    ``ER`` if any request erred, else ``PE`` if any record was refused, else ``P`` ("" if nothing went)."""

    gstin: str
    parts: list[PartOutcome] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def status(self) -> str:
        found = {p.status for p in self.parts}
        return next((s for s in ("ER", "PE", "P") if s in found), "")

    @property
    def uploaded(self) -> int:
        return sum(p.uploaded for p in self.parts)

    @property
    def refused(self) -> int:
        return sum(p.refused for p in self.parts)


def preview_push(engine: Engine, gstin: str) -> PushPreview:
    """What :func:`push_pending` would send now (nothing is sent or written)."""
    with Session(engine) as session:
        requests = build_requests(session, recipient_gstin=gstin)
        signatures = dict(requests.decision_ids)
        tax = 0
        ids = list(signatures)
        for start in range(0, len(ids), 500):
            tax += session.execute(
                select(func.coalesce(func.sum(net_tax_sum(PortalDocument)), 0))
                .join(ImsDecision, ImsDecision.portal_document_id == PortalDocument.id)
                .where(ImsDecision.id.in_(ids[start:start + 500]))).scalar_one()
        flying = session.execute(select(PortalPush.reference_id)
                                 .where(PortalPush.in_flight == gstin)).scalars()
        return PushPreview(gstin, dict(Counter(s.split("|", 1)[0] for s in signatures.values())), int(tax),
                           [r or "(being sent)" for r in flying])


def push_pending(engine: Engine, client: PortalClient, *, actor: Actor, max_bytes: int) -> PushResult:
    """Collect the outcome of any upload still in flight, then send what is pending, part by part,
    each followed until settled; stop at a request the portal erred on (``ER``)."""
    gstin = client.gstin
    result = PushResult(gstin)
    for row in _unsettled(engine, gstin):
        _settle(engine, client, row, actor, result, resumed=True)
    if result.status == "ER":
        return result
    with Session(engine) as session:
        requests = build_requests(session, recipient_gstin=gstin)
        problems = validate(requests)
        if problems:
            raise UserFacingError("the IMS save request is not valid, nothing sent:\n  "
                                  + "\n  ".join(problems))
        parts = parts_of(session, requests, max_bytes)
    totals = Counter(p.request_type for p in parts)
    numbers: Counter[str] = Counter()
    for part in parts:
        numbers[part.request_type] += 1
        row = _claim(engine, gstin, part, numbers[part.request_type], totals[part.request_type], actor)
        try:
            reference = client.save(part.request_type, part.invdata)
        except BaseException as exc:
            _release(engine, row.id, "failed", str(exc))
            raise
        row = _sent(engine, row.id, reference, part, actor)
        _settle(engine, client, row, actor, result)
        if result.status == "ER":
            break
    return result


def _unsettled(engine: Engine, gstin: str) -> list[PortalPush]:
    """Uploads of ``gstin`` still in flight: sent ones to collect; a stale claim is abandoned."""
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.execute(select(PortalPush).where(PortalPush.in_flight == gstin)).scalars())
    waiting = []
    for row in rows:
        if row.reference_id:
            waiting.append(row)
        elif clock.now() - audit.utc(row.sent_at) > STALE_CLAIM:
            _release(engine, row.id, "abandoned", "the process sending it ended before the portal answered; "
                                                  "pull IMS to see whether the portal took it")
        else:
            raise PushInFlight(f"another upload for {gstin} is being sent (started by {row.pushed_by} at "
                               f"{clock.local_time(row.sent_at):%H:%M}); try again in a few minutes",
                               "in flight")
    return waiting


def _claim(engine: Engine, gstin: str, part: Part, number: int, parts: int, actor: Actor) -> PortalPush:
    with Session(engine, expire_on_commit=False) as session:
        row = PortalPush(recipient_gstin=gstin, request_type=part.request_type, part=number, parts=parts,
                         status="sending", in_flight=gstin, sent_at=clock.now(),
                         pushed_by=actor.name or actor.id, records=len(part.items),
                         items_json=json.dumps([i.as_json() for i in part.items]))
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise PushInFlight(f"another upload for {gstin} is in flight; run `ims portal push` again once "
                               "it is done", "in flight") from None
        return row


def _release(engine: Engine, row_id: int, status: str, message: str) -> None:
    with Session(engine) as session:
        row = session.get(PortalPush, row_id)
        row.status, row.in_flight, row.settled_at = status, None, clock.now()
        row.error_message = message[:1000]
        session.commit()


def _sent(engine: Engine, row_id: int, reference: str, part: Part, actor: Actor) -> PortalPush:
    """The portal took the request: its reference is kept and the upload audited."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(PortalPush, row_id)
        row.reference_id, row.status = reference, "IP"
        actions = Counter(ACTION_WORDS[i.signature.split("|", 1)[0]] for i in part.items)
        audit.record(session, kind="portal_push", actor=actor, document_id=None, before=None,
                     after={"reference_id": reference, "request": part.request_type,
                            "part": f"{row.part}/{row.parts}", "records": len(part.items),
                            "actions": dict(sorted(actions.items()))},
                     recipient_gstin=row.recipient_gstin)
        session.commit()
        return row


def _settle(engine: Engine, client: PortalClient, row: PortalPush, actor: Actor, result: PushResult, *,
            resumed: bool = False) -> None:
    """Wait for the portal's verdict on ``row``'s request, apply it, and add it to ``result``."""
    status = client.settle(row.reference_id)
    items = [Item.from_json(d) for d in json.loads(row.items_json)]
    refusals = refusals_in(status, items)
    refused = len({r.decision_id for r in refusals if r.decision_id is not None})
    with Session(engine) as session:
        uploaded = mark(session, items, refusals, row.reference_id)
        stored = session.get(PortalPush, row.id)
        stored.status, stored.in_flight, stored.settled_at = status["status_cd"], None, clock.now()
        stored.uploaded, stored.refused = uploaded, refused
        stored.error_code = str(status.get("err_cd") or "")[:20]
        stored.error_message = str(status.get("err_msg") or "")[:1000]
        audit.record(session, kind="portal_push_result", actor=actor, document_id=None, before=None,
                     after={"reference_id": row.reference_id, "request": row.request_type,
                            "part": f"{row.part}/{row.parts}", "status": status["status_cd"],
                            "records": len(items), "uploaded": uploaded, "refused": refused,
                            "pushed_by": row.pushed_by},
                     recipient_gstin=row.recipient_gstin)
        session.commit()
    result.parts.append(PartOutcome(row.request_type, row.part, row.parts, row.reference_id,
                                    status["status_cd"], len(items), uploaded, refused, resumed))
    result.refusals.extend(refusals)
