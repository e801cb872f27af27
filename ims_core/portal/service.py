"""The connector in one call each, configured from the environment: what the command line runs and
what the Slack bot's scheduled pull and upload button will run.

``transport`` and ``sleep`` are there for tests and for another GSP's transport; by default the
transport is GSTN's, built from ``IMS_GSP_*`` settings, and waits really wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from ims_core.audit import Actor
from ims_core.portal import sessions
from ims_core.portal.client import PortalClient
from ims_core.portal.errors import LoginNeeded
from ims_core.portal.profile import load_profile
from ims_core.portal.pull import PullResult, pull_everything
from ims_core.portal.push import PushResult, push_pending
from ims_core.portal.transport import Transport
from ims_core.settings import get_settings

Sleep = Callable[[float], None]


def connect(engine: Engine, gstin: str, actor: Actor, *, transport: Transport | None = None,
            sleep: Sleep = time.sleep) -> PortalClient:
    """A client on ``gstin``'s live session (refreshed when close to expiry). When the portal ends
    the session mid-way, it is forgotten and the error names who must log in again."""
    settings = get_settings()
    transport = transport or sessions.transport_from_settings(sleep)
    keys = sessions.open_session(engine, transport, sessions.secret_box(), gstin, actor)

    def lost(error: LoginNeeded) -> LoginNeeded:
        sessions.end_session(engine, gstin, "expired", str(error))
        return sessions.session_lost(gstin, keys.username, f"the portal ended the session ({error.code})")

    return PortalClient(transport, gstin, keys,
                        ims_sections=load_profile(settings.ims_gsp_profile).ims_sections,
                        waits=sessions.seconds(settings.ims_gsp_poll_seconds, "IMS_GSP_POLL_SECONDS"),
                        sleep=sleep, on_session_lost=lost)


def pull(engine: Engine, gstin: str, *, actor: Actor, period: str | None = None,
         transport: Transport | None = None, sleep: Sleep = time.sleep) -> PullResult:
    """Pull everything for ``gstin``: every IMS section, and GSTR-2B of ``period`` when given."""
    client = connect(engine, gstin, actor, transport=transport, sleep=sleep)
    return pull_everything(engine, client, actor=actor, period=period)


def push(engine: Engine, gstin: str, *, actor: Actor, transport: Transport | None = None,
         sleep: Sleep = time.sleep) -> PushResult:
    """Push what is pending for ``gstin``: the counts uploaded and the records refused."""
    client = connect(engine, gstin, actor, transport=transport, sleep=sleep)
    return push_pending(engine, client, actor=actor, max_bytes=get_settings().ims_gsp_max_request_bytes)
