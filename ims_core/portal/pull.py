"""Pull from the portal: every IMS section, and a month's GSTR-2B, imported exactly as ``ims import
ims`` and ``ims import gstr2b`` import the files a user downloads by hand.

Everything is fetched before anything is written, and every answer is parsed before the first import
starts: a portal that fails halfway, or data the parsers refuse, leaves the database as it was. Each
import is then the loader's one transaction, with its history of changes and its audit event. The
downloads go through the same parsers as files (written to a temporary folder, named after the
GSTIN and the time), so a pull and a manual import can never read the portal's JSON differently;
an unchanged pull is recognised by its content, like a file imported twice.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.errors import UserFacingError
from ims_core.ingest.document import IngestError, ParsedImport
from ims_core.ingest.gstr2b import parse_gstr2b_json
from ims_core.ingest.ims import parse_ims_json
from ims_core.ingest.loader import ImportSummary, load
from ims_core.models import PortalPull
from ims_core.portal.client import PortalClient
from ims_core.portal.errors import NotGenerated


@dataclass
class PullResult:
    """What a pull fetched and imported. ``gstr2b_note`` says why no GSTR-2B was imported when one
    was asked for (not generated yet, or empty)."""

    gstin: str
    ims: ImportSummary
    ims_sections: dict[str, int] = field(default_factory=dict)
    gstr2b_period: str = ""
    gstr2b: ImportSummary | None = None
    gstr2b_note: str = ""


def pull_everything(engine: Engine, client: PortalClient, *, actor: Actor,
                    period: str | None = None) -> PullResult:
    """Pull every IMS section of the client's GSTIN (and GSTR-2B of ``period``, MMYYYY) and import
    them; the pulls are recorded in ``portal_pull``, a failed one with its reason."""
    gstin, step = client.gstin, "ims"
    try:
        records, counts = client.ims_records()
        step = "gstr2b"
        parts, note = _gstr2b_parts(client, period) if period else ([], "")
        with tempfile.TemporaryDirectory(prefix="ims-portal-") as folder:
            ims, gstr2b = _parsed(Path(folder), gstin, records, parts, period or "")
    except (UserFacingError, IngestError) as exc:
        _record(engine, gstin, step, (period or "") if step == "gstr2b" else "", actor, "failed",
                message=str(exc))
        raise
    result = PullResult(gstin, _import(engine, ims, actor, "ims", ""), counts, period or "", gstr2b_note=note)
    if gstr2b is not None:
        result.gstr2b = _import(engine, gstr2b, actor, "gstr2b", period or "")
    elif period:
        _record(engine, gstin, "gstr2b", period, actor, "not_generated" if note else "empty", message=note)
    return result


def _gstr2b_parts(client: PortalClient, period: str) -> tuple[list[dict], str]:
    try:
        parts = client.gstr2b(period)
    except NotGenerated as exc:
        return [], f"GSTR-2B {period} is not generated yet ({exc.code}); pull it again after the 14th, " \
                   "or generate it on the portal"
    return parts, "" if parts else f"GSTR-2B {period} holds no documents"


def _parsed(folder: Path, gstin: str, records: dict[str, list], parts: list[dict],
            period: str) -> tuple[ParsedImport, ParsedImport | None]:
    """The downloads as the parsers read a user's files (stable bytes, so a re-pull is recognised)."""
    stamp = f"{clock.now():%Y%m%dT%H%M%SZ}"
    ims_path = folder / f"portal-ims-{gstin}-{stamp}.json"
    _write(ims_path, {"rtin": gstin, **records})
    ims = parse_ims_json(ims_path, recipient_gstin=gstin)
    if not parts:
        return ims, None
    paths = []
    for number, part in enumerate(parts, 1):
        paths.append(folder / f"portal-gstr2b-{gstin}-{period}-{number}of{len(parts)}-{stamp}.json")
        _write(paths[-1], part)
    return ims, parse_gstr2b_json(paths, recipient_gstin=gstin)


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def _import(engine: Engine, parsed: ParsedImport, actor: Actor, kind: str, period: str) -> ImportSummary:
    summary = load(engine, parsed, actor=actor)
    unchanged = summary.previous_batch is not None
    _record(engine, parsed.recipient_gstin, kind, period, actor, "unchanged" if unchanged else "imported",
            documents=summary.total, batch_id=summary.previous_batch if unchanged else summary.batch_id)
    return summary


def _record(engine: Engine, gstin: str, kind: str, period: str, actor: Actor, outcome: str, *,
            documents: int = 0, batch_id: int | None = None, message: str = "") -> None:
    with Session(engine) as session:
        session.add(PortalPull(recipient_gstin=gstin, kind=kind, period=period, pulled_at=clock.now(),
                               pulled_by=actor.name or actor.id, outcome=outcome, documents=documents,
                               batch_id=batch_id, message=message[:1000]))
        session.commit()
