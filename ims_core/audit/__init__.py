"""The audit trail: who acts (``actor``), the append-only hash chain (``chain``) and its checkpoint
outside the database (``anchor``), and the auditor's evidence pack (``evidence``, imported on its
own: it needs pandas and openpyxl)."""

from ims_core.audit.actor import SYSTEM, Actor, actor_named
from ims_core.audit.chain import (
    GENESIS,
    VerifyResult,
    chain_hash,
    hold_append_lock,
    reanchor,
    record,
    utc,
    verify,
)

__all__ = [
    "GENESIS", "SYSTEM", "Actor", "VerifyResult", "actor_named", "chain_hash", "hold_append_lock", "reanchor",
    "record", "utc", "verify",
]
