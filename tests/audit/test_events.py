"""Imports, reconciliation runs and exports each leave one audit event, and the chain stays intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ims_core.audit import Actor, verify
from ims_core.errors import UserFacingError
from ims_core.ingest.books import parse_books
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.models import AuditEvent
from ims_core.reports.export import export_reconciliation

DEMO = Path(__file__).resolve().parents[2] / "ims_core" / "data" / "demo"


def test_the_pipeline_is_in_the_audit_trail(engine, tmp_path):
    asha = Actor(id="U01ASHA", name="Asha", source="slack")
    load(engine, parse_books(DEMO / "purchase_register_oct2025.csv"), actor=asha)
    load(engine, parse_gstr2b([DEMO / "gstr2b_102025.json"]), actor=asha)
    run = run_reconciliation(engine, actor="ravi")
    export_reconciliation(engine, tmp_path / "reco.csv", actor="ravi")
    with engine.connect() as conn:
        events = conn.execute(select(AuditEvent.kind, AuditEvent.actor_name, AuditEvent.actor_source,
                                     AuditEvent.after_json).order_by(AuditEvent.id)).all()
    assert [(e.kind, e.actor_name, e.actor_source) for e in events] == [
        ("import", "Asha", "slack"), ("import", "Asha", "slack"),
        ("reconciliation", "ravi", "cli"), ("export", "ravi", "cli")]
    assert json.loads(events[2].after_json)["run_id"] == run.id
    assert json.loads(events[3].after_json)["rows"] > 0
    result = verify(engine)
    assert result.ok and result.checked == 4
    assert (result.anchored, result.unanchored) == (4, 0)  # appends on bare connections are anchored too


def test_a_dry_run_and_a_failed_export_leave_no_event(engine, tmp_path):
    load(engine, parse_books(DEMO / "purchase_register_oct2025.csv"), dry_run=True)
    with pytest.raises(UserFacingError, match="must end in .csv or .xlsx"):
        export_reconciliation(engine, tmp_path / "reco.pdf")
    with engine.connect() as conn:
        assert conn.execute(select(AuditEvent.id)).first() is None
