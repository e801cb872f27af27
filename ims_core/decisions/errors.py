"""What the decision engine raises. A leaf module: every part of the engine and its callers import
these without importing the engine.

``ActionRefused`` (and ``ActionConflict``) reach users, so they derive from ``UserFacingError``;
``RuleRefusal`` and ``CompareAndSetMissed`` stay inside the engine, which turns them into those (a
bulk apply skips the record instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ims_core.errors import UserFacingError

if TYPE_CHECKING:
    from ims_core.models import PortalDocument


class ActionRefused(UserFacingError):
    """An action the rules do not allow; ``reason`` is written for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ActionConflict(ActionRefused):
    """Someone else changed the record first (compare-and-set failed): nothing was overwritten."""

    def __init__(self, reason: str, *, decided_by: str, current_action: str):
        super().__init__(reason)
        self.decided_by = decided_by
        self.current_action = current_action


class RuleRefusal(Exception):
    """A rule said no. Raised before anything is written; ``actions`` turns it into an audited
    ActionRefused at the public edge, bulk callers skip the record."""

    def __init__(
        self,
        reason: str,
        *,
        doc: PortalDocument | None,
        document_id: int | None,
        attempted: dict,
        before: dict | None,
    ):
        super().__init__(reason)
        self.reason, self.doc, self.document_id = reason, doc, document_id
        self.attempted, self.before = attempted, before


class CompareAndSetMissed(Exception):
    """The compare-and-set matched no row: someone changed the record first."""

    def __init__(self, doc: PortalDocument):
        super().__init__(doc.id)
        self.doc = doc
