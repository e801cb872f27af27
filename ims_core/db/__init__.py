"""The database: engine and sessions (``engine``), the schema's migrations (``schema``), fast column
reads (``reads``) and the one bulk writer (``bulk_write``)."""

from ims_core.db.engine import (
    build_engine,
    dispose_engines,
    get_engine,
    is_sqlite,
    normalise_url,
    session_scope,
)

__all__ = ["build_engine", "dispose_engines", "get_engine", "is_sqlite", "normalise_url", "session_scope"]
