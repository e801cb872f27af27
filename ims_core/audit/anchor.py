"""The audit trail's anchor: a checkpoint outside the database that the database alone cannot forge.

The hash chain (``chain``) catches an event changed, removed or moved *inside* the chain. It cannot
catch a chain cut short at its end (the newest events deleted, or all of them) or rebuilt whole with
its hashes recomputed: what is left is still a valid chain. So every commit that appended events
also writes a checkpoint, how many events there are and the newest hash, to a file outside the
database, sealed with an HMAC-SHA256 under a key that is not in the database either
(``IMS_AUDIT_KEY``, else a key file generated on first use). :func:`ims_core.audit.chain.verify`
compares the chain with it: fewer events than the checkpoint, or another hash at its event, means the
trail was cut short or rewritten; a seal that does not verify means the file was forged (or written
with another key).

The checkpoint is written *after* the commit (the connection's next transaction, or its return to the
pool, whichever comes first), so it never names an event that a rolled-back transaction took back;
``verify`` reads it before it walks the chain, so every event it names was committed before the walk
began. Writers in several processes share it under a file lock and only ever move it forward.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import Pool

from ims_core import clock
from ims_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

KEY_FILE = "audit.key"
_PENDING, _COMMITTED = "ims_audit_pending", "ims_audit_committed"  # keys in a connection's info
_keys: dict[str, bytes] = {}
_keys_lock = threading.Lock()


class AnchorProblem(Exception):
    """The checkpoint cannot be read or trusted (a message for ``verify`` to report)."""


@dataclass(frozen=True)
class Checkpoint:
    """How many events the trail had and its newest hash, when a commit last appended to it."""

    events: int
    head: str
    written_at: str = ""


def audit_dir(settings: Settings | None = None) -> Path:
    """``IMS_AUDIT_DIR``: the generated key's folder and that of server databases' checkpoints."""
    folder = (settings or get_settings()).ims_audit_dir
    return Path(folder).expanduser() if folder else Path.home() / ".config" / "ims-assistant"


def audit_key(settings: Settings | None = None) -> bytes:
    """The checkpoint's key: ``IMS_AUDIT_KEY``, else ``IMS_AUDIT_DIR/audit.key``, made on first use."""
    settings = settings or get_settings()
    given = settings.ims_audit_key.get_secret_value()
    if given:
        return given.encode("utf-8")
    path = audit_dir(settings) / KEY_FILE
    with _keys_lock:
        if str(path) not in _keys:
            _keys[str(path)] = _key_file(path)
        return _keys[str(path)]


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it (owner-only) when there is none: two processes never both do."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "w") as out:
        out.write(key + "\n")
    logger.warning(
        "IMS_AUDIT_KEY is not set: generated the audit trail's key in %s. Keep it (and a copy) apart "
        "from the database: `ims audit verify` needs it to trust the checkpoint; or set IMS_AUDIT_KEY.",
        path,
    )
    return key.encode("utf-8")


def checkpoint_path(url: str | URL, settings: Settings | None = None) -> Path | None:
    """Where the checkpoint of the database at ``url`` is kept: ``IMS_AUDIT_CHECKPOINT``, else a file
    beside a SQLite database (``ims.db.audit-checkpoint``), else one named after a server database in
    ``IMS_AUDIT_DIR``. None for an in-memory database (nothing outlives it to anchor)."""
    settings = settings or get_settings()
    if settings.ims_audit_checkpoint:
        return Path(settings.ims_audit_checkpoint).expanduser()
    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file::memory"):
            return None
        return Path(url.database + ".audit-checkpoint")
    name = "-".join(str(part) for part in (url.host or "local", url.port or "", url.database or "") if part)
    return audit_dir(settings) / f"audit-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.checkpoint"


def _seal(key: bytes, events: int, head: str) -> str:
    return hmac.new(key, f"ims-audit-checkpoint:{events}:{head}".encode(), hashlib.sha256).hexdigest()


def read_checkpoint(path: Path, key: bytes) -> Checkpoint | None:
    """The checkpoint at ``path`` (None when there is none); :class:`AnchorProblem` if it cannot be
    read or its seal does not verify under ``key``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        events, head, seal = int(data["events"]), str(data["head"]), str(data["hmac"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorProblem(f"the checkpoint {path} cannot be read ({type(exc).__name__}: {exc})") from exc
    if not hmac.compare_digest(seal, _seal(key, events, head)):
        raise AnchorProblem(
            f"the checkpoint {path} does not carry a valid keyed hash: it was forged or changed, or "
            "written with another IMS_AUDIT_KEY"
        )
    return Checkpoint(events, head, str(data.get("written_at", "")))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_checkpoint(path: Path, key: bytes, events: int, head: str, *, force: bool = False) -> bool:
    """Move the checkpoint forward to ``events``/``head`` (never back, unless ``force``: re-anchoring
    after a restore). A checkpoint whose seal fails is kept as evidence, not overwritten. Returns
    whether the file was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        if not force:
            try:
                current = read_checkpoint(path, key)
            except AnchorProblem:
                return False
            if current is not None and current.events > events:
                return False
        record = {"events": events, "head": head, "written_at": clock.now().isoformat(timespec="seconds"),
                  "hmac": _seal(key, events, head)}
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(partial, path)
    return True


def note_append(connection: Connection, event_id: int, head: str) -> None:
    """Remember, on the connection, the newest event its transaction appended (see the listeners)."""
    connection.info[_PENDING] = (connection.engine.url, event_id, head)


# After-commit hooks. SQLAlchemy announces a commit before the database makes it, so the note moves
# from pending to committed then, and the file is written when the connection next begins a
# transaction or goes back to its pool: by then the commit has surely happened. A rollback forgets it.


@event.listens_for(Engine, "commit")
def _on_commit(connection: Connection) -> None:
    pending = connection.info.pop(_PENDING, None)
    if pending is not None:
        connection.info[_COMMITTED] = pending


@event.listens_for(Engine, "rollback")
def _on_rollback(connection: Connection) -> None:
    # Also after a commit the database refused: an event left unanchored is reported by verify as
    # such, whereas a checkpoint naming an event that never landed would read as a truncation.
    connection.info.pop(_PENDING, None)
    connection.info.pop(_COMMITTED, None)


@event.listens_for(Engine, "begin")
def _on_begin(connection: Connection) -> None:
    _flush(connection.info)


@event.listens_for(Pool, "checkin")
def _on_checkin(dbapi_connection: object, record: object) -> None:
    if record is not None:
        _flush(record.info)


def _flush(info: dict) -> None:
    committed = info.pop(_COMMITTED, None)
    if committed is None:
        return
    url, event_id, head = committed
    try:
        path = checkpoint_path(url)
        if path is not None:
            write_checkpoint(path, audit_key(), event_id, head)
    except OSError as exc:  # the commit stands; verify will say the newest events are not anchored
        logger.error("could not write the audit checkpoint: %s", exc)
