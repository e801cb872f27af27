"""Decisions on IMS records: the portal's rules (``rules``), the stored state and its compare-and-set
(``store``), single decisions and the maker-checker (``engine``), bulk decisions (``bulk``), filed
periods (``locks``), the IMS save request for the portal (``save_request``) and finding the record a
user names (``references``). Errors are in the leaf module ``errors``.

This package's surface is what the command line and the bot call.
"""

from ims_core.decisions.bulk import BulkPreview, BulkResult, apply_bulk, preview_bulk
from ims_core.decisions.engine import approve_rejection, decide, decline_rejection
from ims_core.decisions.errors import ActionConflict, ActionRefused
from ims_core.decisions.locks import mark_period_filed, reopen_period
from ims_core.decisions.rules import ItcReduction
from ims_core.decisions.store import Decision, DecisionState, current_decision, resolve_ims_document

__all__ = [
    "ActionConflict", "ActionRefused", "BulkPreview", "BulkResult", "Decision", "DecisionState",
    "ItcReduction", "apply_bulk", "approve_rejection", "current_decision", "decide", "decline_rejection",
    "mark_period_filed", "preview_bulk", "reopen_period", "resolve_ims_document",
]
