"""Portal sessions, one per GSTIN: logging in with an OTP, refreshing before expiry, logging out, and
opening the session a pull or push runs on.

A session lives in ``portal_session`` with its secrets sealed by ``IMS_SECRET_KEY``; nothing here
logs or prints them. Its expiry is judged by :func:`ims_core.clock.now`. GSTN's rules (Sandbox.co.in
and GSTZen developer docs, GSTN's "Manage API Access" FAQ): an auth token lasts about six hours, a
REFRESHTOKEN before it expires extends it, and refreshing works only within the API access period
the taxpayer enabled on the portal (six hours to 30 days); after that a new OTP is needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.models import PortalSession
from ims_core.portal.crypto import SecretBox, load_public_key
from ims_core.portal.errors import LoginNeeded, NotConfigured, WrongOtp
from ims_core.portal.http import Http
from ims_core.portal.profile import load_profile
from ims_core.portal.transport import GstnTransport, SessionKeys, Transport
from ims_core.settings import get_settings

OTP_ATTEMPTS = 3  # on a terminal, a mistyped OTP may be typed again this many times in all


def seconds(text: str, setting: str) -> tuple[float, ...]:
    """A comma-separated list of seconds from a setting, e.g. ``"2,5,15"``."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise NotConfigured(f"{setting}: '{text}' is not a comma-separated list of seconds") from None
    if any(v < 0 for v in values):
        raise NotConfigured(f"{setting}: waits cannot be negative")
    return values


def transport_from_settings(sleep: Callable[[float], None] = time.sleep) -> GstnTransport:
    """GSTN's transport, configured from the environment (IMS_GSP_URL and friends)."""
    settings = get_settings()
    if not settings.ims_gstn_public_key:
        raise NotConfigured("IMS_GSTN_PUBLIC_KEY is not set: the path of GSTN's public certificate "
                            "(the GSP gives it, one for the sandbox and one for production)")
    http = Http(timeout=settings.ims_gsp_timeout_seconds, sleep=sleep,
                retry_waits=seconds(settings.ims_gsp_retry_seconds, "IMS_GSP_RETRY_SECONDS"))
    return GstnTransport(base_url=settings.ims_gsp_url, client_id=settings.ims_gsp_client_id,
                         client_secret=settings.ims_gsp_client_secret.get_secret_value(),
                         public_key=load_public_key(settings.ims_gstn_public_key),
                         profile=load_profile(settings.ims_gsp_profile), http=http,
                         ip_usr=settings.ims_gsp_ip_usr)


def secret_box() -> SecretBox:
    return SecretBox(get_settings().ims_secret_key.get_secret_value())


@dataclass(frozen=True)
class LoginResult:
    """``outcome``: ``otp_sent`` (run again with the OTP), ``logged_in`` or ``refreshed``."""

    outcome: str
    gstin: str
    username: str
    expires_at: dt.datetime | None = None
    note: str = ""


def login(engine: Engine, transport: Transport, box: SecretBox, *, gstin: str, username: str,
          otp: str | None, actor: Actor, ask_otp: Callable[[], str] | None = None) -> LoginResult:
    """Log ``username`` in for ``gstin``; see the module's docstring for the rules.

    A live session of the same user is refreshed (no OTP). Otherwise an OTP is requested (or the one
    requested by an earlier run is used, when ``otp`` is given), then exchanged for a session: with
    ``otp``, or what ``ask_otp`` (a terminal prompt) returns. Without either, the request is kept for
    the next run, whose ``otp`` completes it.
    """
    row = _row(engine, gstin)
    note = ""
    if otp is None and row is not None and row.state == "active" and row.username == username:
        if _aware(row.expires_at) > clock.now():
            try:
                keys = transport.refresh(gstin, _keys(box, row))
            except LoginNeeded as exc:
                end_session(engine, gstin, "expired", str(exc))
                note = f"the session could not be refreshed ({exc.code}): a new OTP is needed"
            else:
                _store(engine, box, gstin, keys, actor, refreshed=True)
                return LoginResult("refreshed", gstin, username, keys.expires_at)
        else:
            end_session(engine, gstin, "expired", "expired by the clock")
            note = f"the session expired at {clock.local_time(_aware(row.expires_at)):%d-%m-%Y %H:%M}: " \
                   "a new OTP is needed"
    pending = row is not None and row.state == "otp_requested" and row.username == username
    if otp is not None and pending:
        app_key = base64.b64decode(box.open(row.secrets)["app_key"])
    else:
        app_key = transport.request_otp(gstin, username)
        _store_otp_request(engine, box, gstin, username, app_key, actor)
        if otp is None and ask_otp is None:
            return LoginResult("otp_sent", gstin, username, note=note)
    keys = _exchange(transport, gstin, username, app_key, otp, ask_otp)
    _store(engine, box, gstin, keys, actor, refreshed=False)
    return LoginResult("logged_in", gstin, username, keys.expires_at, note)


def _exchange(transport: Transport, gstin: str, username: str, app_key: bytes, otp: str | None,
              ask_otp: Callable[[], str] | None) -> SessionKeys:
    """AUTHTOKEN with the OTP; a wrong one typed at a terminal may be typed again."""
    attempt = 1
    while True:
        code = otp if otp is not None else ask_otp().strip()
        try:
            return transport.authenticate(gstin, username, app_key, code)
        except WrongOtp:
            if otp is not None or attempt >= OTP_ATTEMPTS:
                raise
        attempt += 1


def open_session(engine: Engine, transport: Transport, box: SecretBox, gstin: str,
                 actor: Actor) -> SessionKeys:
    """The live session of ``gstin``, refreshed first when less than ``IMS_GSP_REFRESH_MINUTES`` is
    left; :class:`LoginNeeded` naming who logged in last when there is none."""
    row = _row(engine, gstin)
    if row is None or row.state != "active":
        raise LoginNeeded(f"no portal session for {gstin}{_who(row)}: log in with "
                          f"`ims portal login {gstin} --username NAME`", "no session", gstin=gstin,
                          username=row.username if row else "")
    now = clock.now()
    if _aware(row.expires_at) <= now:
        end_session(engine, gstin, "expired", "expired by the clock")
        raise session_lost(gstin, row.username, f"the session expired at "
                                                f"{clock.local_time(_aware(row.expires_at)):%d-%m-%Y %H:%M}")
    keys = _keys(box, row)
    if _aware(row.expires_at) - now < dt.timedelta(minutes=get_settings().ims_gsp_refresh_minutes):
        try:
            keys = transport.refresh(gstin, keys)
        except LoginNeeded as exc:
            fresh = _row(engine, gstin)
            if fresh is not None and fresh.state == "active" and fresh.secrets != row.secrets:
                return _keys(box, fresh)  # another process refreshed it first: its token is the live one
            end_session(engine, gstin, "expired", str(exc))
            raise session_lost(gstin, row.username, f"the session could not be refreshed ({exc.code})") \
                from None
        _store(engine, box, gstin, keys, actor, refreshed=True)
    return keys


def session_lost(gstin: str, username: str, why: str) -> LoginNeeded:
    """The error that says who must log in again, and how."""
    return LoginNeeded(f"{why}: {username or 'the portal user'} must log in again with a new OTP: "
                       f"`ims portal login {gstin} --username {username or 'NAME'}`", "session expired",
                       gstin=gstin, username=username)


def logout(engine: Engine, transport: Transport, box: SecretBox, gstin: str, actor: Actor) -> bool:
    """End the session on the portal and here; False when there was none. A session the portal has
    already dropped is ended here all the same."""
    row = _row(engine, gstin)
    if row is None or row.state != "active":
        return False
    try:
        transport.logout(gstin, _keys(box, row))
    except LoginNeeded:
        pass  # the portal had ended it already
    end_session(engine, gstin, "logged_out", f"logged out by {actor.name or actor.id}")
    with Session(engine) as session:
        audit.record(session, kind="portal_logout", actor=actor, document_id=None, before=None,
                     after={"gstin": gstin, "username": row.username}, recipient_gstin=gstin)
        session.commit()
    return True


def end_session(engine: Engine, gstin: str, state: str, note: str) -> None:
    """Forget a session's secrets; keep who it was and why it ended."""
    with Session(engine) as session:
        row = session.get(PortalSession, gstin)
        if row is not None:
            row.state, row.secrets, row.note = state, "", note[:500]
            row.ended_at = row.updated_at = clock.now()
            session.commit()


def _row(engine: Engine, gstin: str) -> PortalSession | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(PortalSession, gstin)


def _keys(box: SecretBox, row: PortalSession) -> SessionKeys:
    sealed = box.open(row.secrets)
    return SessionKeys(username=row.username, app_key=base64.b64decode(sealed["app_key"]),
                       auth_token=sealed["auth_token"], sek=base64.b64decode(sealed["sek"]),
                       expires_at=_aware(row.expires_at))


def _store(engine: Engine, box: SecretBox, gstin: str, keys: SessionKeys, actor: Actor, *,
           refreshed: bool) -> None:
    secrets = box.seal({"app_key": base64.b64encode(keys.app_key).decode(), "auth_token": keys.auth_token,
                        "sek": base64.b64encode(keys.sek).decode()})
    now = clock.now()
    with Session(engine) as session:
        row = session.get(PortalSession, gstin) or PortalSession(recipient_gstin=gstin)
        row.username, row.state, row.secrets = keys.username, "active", secrets
        row.expires_at = keys.expires_at
        row.note, row.ended_at, row.updated_at, row.updated_by = "", None, now, actor.name or actor.id
        if refreshed:
            row.refreshed_at = now
        else:
            row.logged_in_at, row.refreshed_at = now, None
            audit.record(session, kind="portal_login", actor=actor, document_id=None, before=None,
                         after={"gstin": gstin, "username": keys.username,
                                "expires_at": keys.expires_at.isoformat() if keys.expires_at else None},
                         recipient_gstin=gstin)
        session.add(row)
        session.commit()


def _store_otp_request(engine: Engine, box: SecretBox, gstin: str, username: str, app_key: bytes,
                       actor: Actor) -> None:
    now = clock.now()
    with Session(engine) as session:
        row = session.get(PortalSession, gstin) or PortalSession(recipient_gstin=gstin)
        row.username, row.state, row.otp_requested_at = username, "otp_requested", now
        row.secrets = box.seal({"app_key": base64.b64encode(app_key).decode()})
        row.expires_at, row.updated_at, row.updated_by = None, now, actor.name or actor.id
        session.add(row)
        session.commit()


def _who(row: PortalSession | None) -> str:
    if row is None or not row.username:
        return ""
    return f" (last user {row.username}, {row.state.replace('_', ' ')})"


def _aware(moment: dt.datetime | None) -> dt.datetime:
    """A stored time as aware UTC (SQLite gives naive ones back); the distant past when unset."""
    if moment is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
