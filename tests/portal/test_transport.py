"""The HTTP layer's retry policy and the transport's checks: what is retried and what is not, timeouts,
the GSP's credentials, tampered answers, and the one table another GSP's variant is configured in."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from ims_core.portal.errors import IntegrityFailure, NotConfigured, PortalUnavailable
from ims_core.portal.http import Http
from ims_core.portal.profile import load_profile

from .fake_gsp import FakeGsp

HEADERS = lambda: {"txn": "t"}  # noqa: E731 - a header factory for the HTTP layer


def _http(sleeps, waits=(1, 2), timeout=5.0) -> Http:
    return Http(timeout=timeout, retry_waits=waits, sleep=sleeps)


def test_a_save_is_not_sent_twice_after_an_answer_that_may_mean_it_was_processed(gsp: FakeGsp, sleeps):
    gsp.fail_next = [500]
    with pytest.raises(PortalUnavailable, match="may or may not have been processed"):
        _http(sleeps).send("PUT", gsp.url + "/taxpayerapi/v1.0/returns/ims", HEADERS, b"{}")
    assert sleeps == [] and len(gsp.requests) == 1


def test_a_save_is_sent_again_when_the_gateway_surely_did_not_pass_it_on(gsp: FakeGsp, sleeps):
    gsp.fail_next = [503]
    reply = _http(sleeps).send("PUT", gsp.url + "/nowhere", HEADERS, b"{}")
    assert reply.status == 401 and len(sleeps) == 1 and len(gsp.requests) == 2  # 401: no GSP credentials


def test_a_refused_connection_is_retried_then_reported(sleeps):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PortalUnavailable, match=r"answer PUT \(connection refused\) after 3 attempts"):
        _http(sleeps).send("PUT", f"http://127.0.0.1:{port}/x", HEADERS, b"{}")
    assert len(sleeps) == 2


def test_a_server_that_never_answers_times_out_and_is_retried(sleeps):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(2)], daemon=True).start()
    try:
        with pytest.raises(PortalUnavailable, match=r"did not answer GET \(timed out\) after 2 attempts"):
            _http(sleeps, waits=(0,), timeout=0.3).send("GET", f"http://127.0.0.1:{server.getsockname()[1]}/",
                                                        HEADERS)
    finally:
        for connection, _ in held:
            connection.close()
        server.close()


def test_wrong_gsp_credentials_are_named(portal_env, engine, monkeypatch):
    from ims_core.portal import sessions
    from ims_core.settings import get_settings

    monkeypatch.setenv("IMS_GSP_CLIENT_SECRET", "wrong")
    get_settings.cache_clear()
    with pytest.raises(NotConfigured, match=r"GSP refused OTPREQUEST \(HTTP 401\): check IMS_GSP_CLIENT_ID"):
        sessions.transport_from_settings().request_otp("29AAFCC9980M1ZR", "deccan_fin")


def test_an_answer_whose_hmac_does_not_match_is_not_used(portal_env, engine, gsp):
    from ims_core.audit import Actor
    from ims_core.portal import service, sessions

    from .records import RECIPIENT, USERNAME

    actor = Actor(id="asha", name="Asha", source="cli")
    sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                   username=USERNAME, otp="575757", actor=actor)
    gsp.tamper = True
    with pytest.raises(IntegrityFailure, match="the portal's answer to GETINV failed its HMAC check"):
        service.pull(engine, RECIPIENT, actor=actor, sleep=lambda s: None)


def test_another_gsps_paths_versions_and_headers_are_configuration(tmp_path):
    path = tmp_path / "gsp.json"
    path.write_text(json.dumps({
        "routes": {"GETINV": {"version": "v1.2"},
                   "GET2B": {"path": "/gsp/taxpayerapi/{version}/returns/gstr2b"}},
        "headers": {"clientid": None, "client-secret": None, "x-api-key": "{client_secret}"},
        "ims_sections": {"B2B": "b2b"},
    }))
    profile = load_profile(str(path))
    assert profile.route("GETINV").resolved_path == "/taxpayerapi/v1.2/returns/ims"
    assert profile.route("GET2B").resolved_path == "/gsp/taxpayerapi/v2.0/returns/gstr2b"
    assert profile.route("SAVE").method == "PUT"
    headers = profile.headers_for(client_id="id", client_secret="s3", gstin="29AAFCC9980M1ZR", txn="t1",
                                  state_cd="29")
    assert headers == {"x-api-key": "s3", "state-cd": "29", "txn": "t1", "gstin": "29AAFCC9980M1ZR"}
    assert profile.ims_sections == {"B2B": "b2b"}
    default = load_profile("").headers_for(client_id="id", auth_token="", ret_period="")
    assert "auth-token" not in default and "ret_period" not in default and default["clientid"] == "id"


@pytest.mark.parametrize(("content", "message"), [
    ({"routes": {"GETALL": {"version": "v1"}}}, "unknown action 'GETALL'"),
    ({"headers": {"x": "{password}"}}, "headers.x names password"),
    ({"routes": {"SAVE": {"version": ""}}}, "routes.SAVE takes non-empty"),
    ({"extra": 1}, "may hold only 'routes', 'headers' and 'ims_sections'"),
])
def test_a_wrong_profile_is_refused_naming_the_key(tmp_path, content, message):
    path = tmp_path / "gsp.json"
    path.write_text(json.dumps(content))
    with pytest.raises(NotConfigured, match=message):
        load_profile(str(path))
