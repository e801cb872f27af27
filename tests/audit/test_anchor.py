"""The audit trail's anchor: a trail cut short at its end, emptied, or rebuilt with its hashes
recomputed is reported by ``ims audit verify``, thanks to the sealed checkpoint kept outside the
database; a forged, missing or foreign checkpoint is reported too, and a reviewed restore can be
anchored again (as an event of its own)."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest
from sqlalchemy import select, text
from sqlmodel import Session
from support.documents import ASHA
from typer.testing import CliRunner

from ims_core import audit
from ims_core.audit import anchor
from ims_core.cli import app
from ims_core.errors import UserFacingError
from ims_core.models import AuditEvent
from ims_core.settings import Settings, get_settings

from .test_chain import _drop_triggers, _write_events

runner = CliRunner()


def _verify(*extra: str):
    return runner.invoke(app, ["audit", "verify", *extra])


def _refused(result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, UserFacingError), result.exception
    return str(result.exception)


def _checkpoint(engine) -> dict:
    return json.loads(anchor.checkpoint_path(engine.url).read_text())


def test_each_commit_moves_the_checkpoint_forward(env_db, engine, session):
    _write_events(session, 3)
    assert _checkpoint(engine)["events"] == 3
    _write_events(session, 2)
    written = _checkpoint(engine)
    last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert (written["events"], written["head"]) == (5, last.hash)
    result = _verify()
    assert result.exit_code == 0, result.output
    assert "intact: 5 events" in result.output and "vouches for 5 of them" in result.output


def test_a_rolled_back_append_never_reaches_the_checkpoint(env_db, engine, session):
    _write_events(session, 2)
    with Session(engine) as other:
        audit.record(other, kind="import", actor=ASHA, document_id=None, before=None, after={"n": 9})
        other.rollback()
    with Session(engine) as later:  # the same pooled connection, a new transaction
        later.execute(select(AuditEvent.id)).all()
        later.commit()
    assert _checkpoint(engine)["events"] == 2
    assert audit.verify(engine).ok


def _delete_newest(engine, count: int) -> None:
    with engine.begin() as conn:
        newest = conn.execute(text("SELECT max(id) FROM audit_event")).scalar()
        conn.execute(text("DELETE FROM audit_event WHERE id > :keep"), {"keep": newest - count})


def _rewrite_whole_chain(engine) -> None:
    """The forger's best: every event changed and every hash recomputed, the links all valid."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor_name = 'Mallory'"))
    with Session(engine) as s:
        rows = s.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all()
    prev = audit.GENESIS
    with engine.begin() as conn:
        for row in rows:
            forged = audit.chain_hash(prev, row)
            conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": prev, "h": forged, "i": row.id})
            prev = forged
    assert audit.verify(engine, anchored=False).ok  # the chain alone is fooled


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (lambda e: _delete_newest(e, 1), "the trail ends at event 5, but the checkpoint"),
        (lambda e: _delete_newest(e, 3), "the newest 3 event(s) were deleted"),
        (lambda e: _delete_newest(e, 6), "the trail ends at event 0"),
        (_rewrite_whole_chain, "rewritten and its hashes recomputed"),
    ],
    ids=["last-row", "last-three", "every-row", "rewritten-whole"],
)
def test_tampering_the_chain_cannot_hide_is_reported(env_db, engine, session, tamper, said):
    _write_events(session, 6)
    _drop_triggers(engine)
    tamper(engine)
    message = _refused(_verify())
    assert said in message, message


def test_a_forged_checkpoint_is_reported(env_db, engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    _delete_newest(engine, 2)
    path = anchor.checkpoint_path(engine.url)
    forged = {**_checkpoint(engine), "events": 2}  # the forger lowers the count without the key
    with Session(engine) as s:
        forged["head"] = s.execute(select(AuditEvent.hash).where(AuditEvent.id == 2)).scalar()
    path.write_text(json.dumps(forged))
    assert "does not carry a valid keyed hash" in _refused(_verify())


def test_a_checkpoint_sealed_with_another_key_is_reported(env_db, engine, session, monkeypatch):
    _write_events(session, 2)
    monkeypatch.setenv("IMS_AUDIT_KEY", "someone-elses-key")
    get_settings.cache_clear()
    assert "written with another IMS_AUDIT_KEY" in _refused(_verify())


def test_a_missing_checkpoint_is_reported_and_a_reviewed_restore_anchored_again(env_db, engine, session):
    _write_events(session, 5)
    anchor.checkpoint_path(engine.url).unlink()
    assert "there is no checkpoint at" in _refused(_verify())
    _drop_triggers(engine)
    _delete_newest(engine, 2)  # a restore from last night's backup, say
    anchored = _verify("--anchor", "--by", "asha")
    assert anchored.exit_code == 0, anchored.output
    assert "intact: 4 events" in anchored.output and "vouches for 4" in anchored.output
    with Session(engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.id == 4)).scalars().one()
    assert (event.kind, event.actor_name, event.before_json) == ("audit_anchored", "asha", None)
    assert json.loads(event.after_json)["events"] == 3
    assert _verify().exit_code == 0


def test_re_anchoring_keeps_what_the_old_checkpoint_said(env_db, engine, session):
    _write_events(session, 5)
    _drop_triggers(engine)
    _delete_newest(engine, 1)
    assert _verify("--anchor", "--by", "asha").exit_code == 0
    with Session(engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.kind == "audit_anchored")).scalars().one()
    assert json.loads(event.before_json)["events"] == 5  # the evidence of the cut stays in the trail


def test_a_broken_link_is_still_named_before_the_checkpoint(env_db, engine, session):
    _write_events(session, 4)
    _drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET reason = 'edited' WHERE id = 2"))
    assert _verify("--anchor", "--by", "asha").exit_code == 1  # no re-anchoring over a broken chain
    assert "audit trail broken at event 2" in _refused(_verify())


def test_without_a_key_one_is_generated_once_owner_only(tmp_path, caplog):
    settings = Settings(ims_audit_key="", ims_audit_dir=str(tmp_path / "audit"))
    with caplog.at_level(logging.WARNING, logger="ims_core.audit.anchor"):
        first = anchor.audit_key(settings)
    path = tmp_path / "audit" / anchor.KEY_FILE
    assert len(first) == 64 and path.read_bytes().strip() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "generated the audit trail's key in" in caplog.text and str(path) in caplog.text
    anchor._keys.clear()
    assert anchor.audit_key(settings) == first  # read back, not made again


def test_where_checkpoints_are_kept(tmp_path):
    settings = Settings(ims_audit_dir=str(tmp_path))
    beside = anchor.checkpoint_path(f"sqlite:///{tmp_path}/ims.db", settings)
    assert beside == tmp_path / "ims.db.audit-checkpoint"
    assert anchor.checkpoint_path("sqlite://", settings) is None
    assert anchor.checkpoint_path("postgresql://u@db.example:5432/ims", settings) == (
        tmp_path / "audit-db.example-5432-ims.checkpoint")
    given = Settings(ims_audit_checkpoint=str(tmp_path / "there.json"))
    assert anchor.checkpoint_path("postgresql://u@h/ims", given) == tmp_path / "there.json"
