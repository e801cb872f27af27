"""The words stored in the tables, as ``StrEnum``s: a reconciliation's statuses, IMS actions, and the
states of a supplier follow-up. Each member *is* its stored string (``Status.MATCHED == "matched"``),
so rows, CSV exports and JSON keep the spellings other tools rely on; each also carries the words
people read.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A reconciliation result's status (DESIGN.md, "Status vocabulary"), in the order reports use."""

    MATCHED = "matched"
    PROBABLE = "probable"
    MISMATCH = "mismatch"
    MISSING_IN_PORTAL = "missing_in_portal"
    MISSING_IN_BOOKS = "missing_in_books"
    DUPLICATE = "duplicate"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """What a person reads: ``missing_in_books`` is "Not in books"."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.MATCHED: "Matched",
    Status.PROBABLE: "Probable match",
    Status.MISMATCH: "Mismatch",
    Status.MISSING_IN_PORTAL: "Not on portal",
    Status.MISSING_IN_BOOKS: "Not in books",
    Status.DUPLICATE: "Duplicate in books",
    Status.MANUAL: "Paired by hand",
}


def status_label(status: str) -> str:
    """The label of a stored status; an unknown one capitalised as it is."""
    try:
        return Status(status).label
    except ValueError:
        return status.replace("_", " ").capitalize()


class Action(StrEnum):
    """An IMS action as the portal codes it (``action`` in IMS records and the save request)."""

    ACCEPT = "A"
    REJECT = "R"
    PENDING = "P"
    NO_ACTION = "N"

    @property
    def verb(self) -> str:
        """What a person asks for: accept, reject, pending, reset (back to No action)."""
        return _VERBS[self]

    @property
    def word(self) -> str:
        """The state a record is in after it: accepted, rejected, pending, no action."""
        return _WORDS[self]

    @classmethod
    def of(cls, code: str | None) -> Action:
        """The action a stored code stands for; an empty code is No action."""
        return cls(code) if code else cls.NO_ACTION

    @classmethod
    def from_verb(cls, verb: str) -> Action | None:
        return next((action for action, said in _VERBS.items() if said == verb), None)


_VERBS = {Action.ACCEPT: "accept", Action.REJECT: "reject", Action.PENDING: "pending",
          Action.NO_ACTION: "reset"}
_WORDS = {Action.ACCEPT: "accepted", Action.REJECT: "rejected", Action.PENDING: "pending",
          Action.NO_ACTION: "no action"}


class FilingFrequency(StrEnum):
    """How often a registration files GSTR-3B: monthly, or quarterly under the QRMP scheme."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class FollowUpState(StrEnum):
    """Where a supplier follow-up stands (``ims_core.suppliers.followups`` moves it between these)."""

    DRAFTED = "drafted"
    SENDING = "sending"  # claimed by one send, until its SMTP conversation ends
    SENT = "sent"
    MARKED_SENT = "marked_sent"
    FAILED = "failed"
    CLOSED = "closed"
