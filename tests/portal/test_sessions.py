"""Logging in, refreshing, expiring and logging out, in the process, the clock moved with ``clock.frozen``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.models import AuditEvent, PortalSession
from ims_core.portal import sessions
from ims_core.portal.errors import LoginNeeded, NotConfigured, WrongOtp
from ims_core.portal.service import connect

from .records import RECIPIENT, USERNAME

ASHA = Actor(id="asha", name="Asha", source="cli")
NOON = dt.datetime(2025, 11, 12, 6, 30, tzinfo=dt.UTC)  # 12:00 in India


def _login(engine, otp: str | None = "575757", ask=None):
    return sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                          username=USERNAME, otp=otp, actor=ASHA, ask_otp=ask)


def _row(engine) -> PortalSession:
    with Session(engine) as session:
        return session.get(PortalSession, RECIPIENT)


def test_a_login_lasts_the_six_hours_the_portal_grants_and_is_stored_sealed(portal_env, engine, gsp):
    with clock.frozen(NOON):
        result = _login(engine)
    assert result.outcome == "logged_in"
    assert result.expires_at == NOON + dt.timedelta(minutes=360)  # the fake answers expiry 360 (minutes)
    row = _row(engine)
    (token,) = gsp.sessions
    assert row.state == "active" and row.username == USERNAME and row.updated_by == "Asha"
    assert token not in row.secrets and "auth_token" not in row.secrets  # one Fernet token, nothing in clear
    assert sessions.secret_box().open(row.secrets)["auth_token"] == token
    with Session(engine) as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.kind == "portal_login")).scalar_one()
    assert token not in event.after_json and '"username":"deccan_fin"' in event.after_json


def test_a_session_at_its_end_says_who_must_log_in_again(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
    with clock.frozen(NOON + dt.timedelta(hours=6, minutes=1)), pytest.raises(LoginNeeded) as caught:
        connect(engine, RECIPIENT, ASHA)
    assert str(caught.value) == (
        "the session expired at 12-11-2025 18:00: deccan_fin must log in again with a new OTP: "
        "`ims portal login 29AAFCC9980M1ZR --username deccan_fin`")
    assert (caught.value.gstin, caught.value.username) == (RECIPIENT, USERNAME)  # for the bot to name
    assert _row(engine).state == "expired" and _row(engine).secrets == ""


def test_a_session_close_to_its_end_is_refreshed_before_use(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
    (first,) = gsp.sessions
    with clock.frozen(NOON + dt.timedelta(hours=5, minutes=45)):  # 15 minutes left, under the 30 of margin
        client = connect(engine, RECIPIENT, ASHA)
    (second,) = gsp.sessions
    assert second != first and client.keys.auth_token == second
    assert sessions._aware(_row(engine).expires_at) == NOON + dt.timedelta(hours=11, minutes=45)
    with clock.frozen(NOON + dt.timedelta(hours=1)):
        connect(engine, RECIPIENT, ASHA)
    assert set(gsp.sessions) == {second}  # plenty left: no refresh


def test_asking_again_refreshes_and_an_ended_access_period_asks_for_a_new_otp(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
        assert _login(engine, otp=None).outcome == "refreshed"
        gsp.access_ended = True
        result = _login(engine, otp=None)
    assert result.outcome == "otp_sent"
    assert result.note == "the session could not be refreshed (AUTH4037): a new OTP is needed"
    assert _row(engine).state == "otp_requested" and USERNAME in gsp.pending_app_keys
    with clock.frozen(NOON):
        assert _login(engine, otp="575757").outcome == "logged_in"


def test_a_mistyped_otp_at_the_terminal_may_be_typed_again(portal_env, engine, gsp):
    typed = iter(["111111", " 575757 "])
    with clock.frozen(NOON):
        result = _login(engine, otp=None, ask=lambda: next(typed))
    assert result.outcome == "logged_in"
    assert [r["action"] for r in gsp.requests] == ["OTPREQUEST", "AUTHTOKEN", "AUTHTOKEN"]
    answers = iter(["1", "2", "3", "575757"])
    with clock.frozen(NOON), pytest.raises(WrongOtp):
        _login(engine, otp="000000")  # given on the command line: said once, not asked again
    with clock.frozen(NOON), pytest.raises(WrongOtp):
        sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                       username="other_user", otp=None, actor=ASHA, ask_otp=lambda: next(answers))
    assert next(answers) == "575757"  # three attempts in all


def test_a_session_the_portal_dropped_is_forgotten_with_who_must_log_in(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
        client = connect(engine, RECIPIENT, ASHA)
        gsp.expire_sessions()
        with pytest.raises(LoginNeeded) as caught:
            client.ims_records()
    assert str(caught.value).startswith("the portal ended the session (AUTH4033): deccan_fin must log in")
    assert _row(engine).state == "expired" and "AUTH4033" in _row(engine).note


def test_logout_ends_the_session_on_the_portal_and_here(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
        transport, box = sessions.transport_from_settings(), sessions.secret_box()
        assert sessions.logout(engine, transport, box, RECIPIENT, ASHA) is True
        assert sessions.logout(engine, transport, box, RECIPIENT, ASHA) is False
    assert not gsp.sessions and _row(engine).state == "logged_out" and _row(engine).secrets == ""


def test_a_changed_secret_key_cannot_open_the_stored_session(portal_env, engine, gsp, monkeypatch):
    from cryptography.fernet import Fernet

    from ims_core.settings import get_settings

    with clock.frozen(NOON):
        _login(engine)
    monkeypatch.setenv("IMS_SECRET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    with clock.frozen(NOON), pytest.raises(NotConfigured, match="cannot be read with this IMS_SECRET_KEY"):
        connect(engine, RECIPIENT, ASHA)
    monkeypatch.setenv("IMS_SECRET_KEY", "not-a-key")
    get_settings.cache_clear()
    with pytest.raises(NotConfigured, match="is not a Fernet key"):
        sessions.secret_box()


def test_two_processes_refreshing_at_once_both_keep_the_session(portal_env, engine, gsp):
    with clock.frozen(NOON):
        _login(engine)
    real = sessions.transport_from_settings()

    class Racing:
        """The transport of a process that another process beats to the refresh."""

        def __getattr__(self, name: str):
            return getattr(real, name)

        def refresh(self, gstin, keys):
            sessions.login(engine, real, sessions.secret_box(), gstin=RECIPIENT, username=USERNAME, otp=None,
                           actor=ASHA)  # the other process refreshes first: the portal drops the old token
            return real.refresh(gstin, keys)

    with clock.frozen(NOON + dt.timedelta(hours=5, minutes=45)):
        keys = sessions.open_session(engine, Racing(), sessions.secret_box(), RECIPIENT, ASHA)
    assert set(gsp.sessions) == {keys.auth_token} and _row(engine).state == "active"
