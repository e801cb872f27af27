"""How requests reach the portal: the :class:`Transport` interface the client talks to, and
:class:`GstnTransport`, the encrypted pass-through that GSTN defines and every GSP forwards.

GSTN's scheme (PORTAL_API.md; public clients: resilient-tech/india-compliance ``taxpayer_base.py``,
createroftheearth/GST-API ``GSTNAuthClient.cs`` and ``GSTNReturnsClient.cs``):

- login: a fresh 32-byte app key, RSA-encrypted with GSTN's public key, asks for an OTP (OTPREQUEST);
  the OTP, AES-encrypted with the app key, buys an auth token and a session key ``sek`` encrypted with
  the app key (AUTHTOKEN); REFRESHTOKEN sends the app key under the session key;
- calls: a body's JSON is base64-encoded, then encrypted with the session key (``data``) and tagged
  with HMAC-SHA256 under it (``hmac``); an answer's ``rek`` (under the session key) decrypts its
  ``data``, whose HMAC is checked before anything of it is used;
- errors: ``status_cd`` ``0`` with ``error.error_cd``/``message``, sorted by :mod:`errors`.

A GSP that decrypts for its clients (a "plaintext" variant) is another implementation of
:class:`Transport`; the client above does not change.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
import tarfile
import uuid
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode, urljoin

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ims_core import clock
from ims_core.portal import crypto
from ims_core.portal.errors import IntegrityFailure, NotConfigured, PortalError, from_code
from ims_core.portal.http import Http, Reply
from ims_core.portal.profile import Profile


@dataclass(frozen=True)
class SessionKeys:
    """What a session is: the portal user, the app key, the auth token, the decrypted session key and
    when the token expires. The secrets are kept out of ``repr`` so that no log or traceback shows them."""

    username: str
    app_key: bytes = field(repr=False)
    auth_token: str = field(default="", repr=False)
    sek: bytes = field(default=b"", repr=False)
    expires_at: dt.datetime | None = None


class Transport(Protocol):
    """The operations the client needs from the portal, whatever carries them."""

    def request_otp(self, gstin: str, username: str) -> bytes:
        """Ask the portal to send an OTP; return the app key the answer must be used with."""

    def authenticate(self, gstin: str, username: str, app_key: bytes, otp: str) -> SessionKeys:
        """Exchange the OTP for a session."""

    def refresh(self, gstin: str, keys: SessionKeys) -> SessionKeys:
        """Extend a live session (within the portal's API access period)."""

    def logout(self, gstin: str, keys: SessionKeys) -> None:
        """End the session on the portal."""

    def get(self, action: str, gstin: str, keys: SessionKeys, params: dict[str, str],
            ret_period: str = "") -> dict:
        """A read (GETINV, FILEDET, REQSTS, GET2B…): the decrypted answer."""

    def put(self, action: str, gstin: str, keys: SessionKeys, data: dict) -> dict:
        """A write (SAVE, RESETIMS): the decrypted answer."""

    def download(self, url: str, sha256: str, ek: str) -> dict:
        """One part of a large file: fetched, its hash checked, unpacked and decrypted with ``ek``."""


class GstnTransport:
    """GSTN's encrypted taxpayer API over HTTP, through a GSP at ``base_url``."""

    def __init__(self, *, base_url: str, client_id: str, client_secret: str, public_key: RSAPublicKey,
                 profile: Profile, http: Http, ip_usr: str) -> None:
        if not base_url:
            raise NotConfigured("IMS_GSP_URL is not set: the GSP's base URL (ask the GSP for it)")
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.public_key, self.profile, self.http, self.ip_usr = public_key, profile, http, ip_usr

    # --- session -----------------------------------------------------------------------------------

    def request_otp(self, gstin: str, username: str) -> bytes:
        app_key = crypto.new_app_key()
        self._authenticate(gstin, {"action": "OTPREQUEST", "username": username,
                                   "app_key": crypto.rsa_encrypt(self.public_key, app_key)})
        return app_key

    def authenticate(self, gstin: str, username: str, app_key: bytes, otp: str) -> SessionKeys:
        answer = self._authenticate(gstin, {
            "action": "AUTHTOKEN", "username": username,
            "app_key": crypto.rsa_encrypt(self.public_key, app_key),
            "otp": crypto.aes_encrypt(app_key, otp.encode()),
        })
        return self._session(username, app_key, answer)

    def refresh(self, gstin: str, keys: SessionKeys) -> SessionKeys:
        answer = self._authenticate(gstin, {
            "action": "REFRESHTOKEN", "username": keys.username, "auth_token": keys.auth_token,
            "app_key": crypto.aes_encrypt(keys.sek, keys.app_key),
        })
        return self._session(keys.username, keys.app_key, answer)

    def logout(self, gstin: str, keys: SessionKeys) -> None:
        self._authenticate(gstin, {"action": "LOGOUT", "username": keys.username,
                                   "auth_token": keys.auth_token,
                                   "app_key": crypto.rsa_encrypt(self.public_key, keys.app_key)})

    def _authenticate(self, gstin: str, body: dict) -> dict:
        """A call to the authenticate endpoint: plain JSON both ways, no auth-token header."""
        action = body["action"]
        return self._checked(action, gstin, self._send(action, gstin, body["username"], body=body))

    def _session(self, username: str, app_key: bytes, answer: dict) -> SessionKeys:
        token, sek = answer.get("auth_token"), answer.get("sek")
        if not token or not sek:
            raise PortalError("the portal's login answer lacks the auth token or the session key")
        try:
            minutes = int(answer.get("expiry") or 0)
        except (TypeError, ValueError):
            minutes = 0
        # ``expiry`` is read as minutes (india-compliance does; about 360, six hours): uncertain, so a
        # missing or odd value is taken as the six hours GSPs document for a session
        minutes = minutes if 0 < minutes <= 24 * 60 else 360
        return SessionKeys(username=username, app_key=app_key, auth_token=str(token),
                           sek=crypto.aes_decrypt(app_key, sek, "session key"),
                           expires_at=clock.now() + dt.timedelta(minutes=minutes))

    # --- calls -------------------------------------------------------------------------------------

    def get(self, action: str, gstin: str, keys: SessionKeys, params: dict[str, str],
            ret_period: str = "") -> dict:
        query = {"action": action, "gstin": gstin, **params}
        reply = self._send(action, gstin, keys.username, keys=keys, query=query, ret_period=ret_period)
        return self._opened(action, keys, self._checked(action, gstin, reply))

    def put(self, action: str, gstin: str, keys: SessionKeys, data: dict) -> dict:
        encoded = base64.b64encode(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
        body = {"action": action, "data": crypto.aes_encrypt(keys.sek, encoded),
                "hmac": crypto.hmac_sha256(keys.sek, encoded)}
        reply = self._send(action, gstin, keys.username, keys=keys, body=body)
        return self._opened(action, keys, self._checked(action, gstin, reply))

    def download(self, url: str, sha256: str, ek: str) -> dict:
        reply = self.http.send("GET", urljoin(self.base_url + "/", url), lambda: {"txn": uuid.uuid4().hex})
        if reply.status != 200:
            raise PortalError(f"the large file could not be downloaded (HTTP {reply.status})",
                              str(reply.status))
        if crypto.sha256_hex(reply.body).lower() != str(sha256).lower():
            raise IntegrityFailure("a downloaded file does not match the SHA-256 hash the portal gave for "
                                   "it: it was corrupted or tampered with, and nothing of it was used")
        encrypted = _unpack_json_member(reply.body)
        plain = crypto.aes_decrypt(_b64decode(ek, "file key"), encrypted.strip(), "file")
        return _json(base64.b64decode(plain), "a downloaded file")

    def _send(self, action: str, gstin: str, username: str | None, *, keys: SessionKeys | None = None,
              body: dict | None = None, query: dict | None = None, ret_period: str = "") -> Reply:
        route = self.profile.route(action)
        url = self.base_url + route.resolved_path + (f"?{urlencode(query)}" if query else "")

        def headers() -> dict[str, str]:  # anew for every attempt: each carries its own txn
            return {**self.profile.headers_for(
                client_id=self.client_id, client_secret=self.client_secret, state_cd=gstin[:2],
                ip_usr=self.ip_usr, txn=uuid.uuid4().hex, gstin=gstin, username=username or "",
                auth_token=keys.auth_token if keys else "", ret_period=ret_period),
                "Content-Type": "application/json"}

        data = json.dumps(body).encode() if body is not None else None
        return self.http.send(route.method, url, headers, data)

    def _checked(self, action: str, gstin: str, reply: Reply) -> dict:
        """The answer's JSON once ``status_cd`` says success; else the error it names."""
        try:
            answer = json.loads(reply.body)
        except (ValueError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            if reply.status in (401, 403):
                raise NotConfigured(f"the GSP refused {action} (HTTP {reply.status}): check "
                                    "IMS_GSP_CLIENT_ID, IMS_GSP_CLIENT_SECRET and IMS_GSP_URL with the GSP",
                                    str(reply.status))
            raise PortalError(f"the GSP answered {action} with HTTP {reply.status} and no JSON",
                              str(reply.status))
        if str(answer.get("status_cd", "")) == "1":
            return answer
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        code = str(error.get("error_cd") or answer.get("error_cd") or f"HTTP {reply.status}")
        message = str(error.get("message") or error.get("msg") or answer.get("message") or "")
        raise from_code(code, message, gstin=gstin)

    def _opened(self, action: str, keys: SessionKeys, answer: dict) -> dict:
        """The decrypted ``data`` of an answer, once its HMAC is checked."""
        if "data" not in answer:
            return {k: v for k, v in answer.items() if k != "status_cd"}
        if not answer.get("rek") or not answer.get("hmac"):
            raise IntegrityFailure(f"the portal's answer to {action} is missing its key or its HMAC: "
                                   "nothing of it was used")
        rek = crypto.aes_decrypt(keys.sek, answer["rek"], "response key")
        payload = crypto.aes_decrypt(rek, answer["data"], "answer")
        if not crypto.same_text(crypto.hmac_sha256(rek, payload), str(answer["hmac"])):
            raise IntegrityFailure(f"the portal's answer to {action} failed its HMAC check: it was altered "
                                   "on the way or not meant for this session, and nothing of it was used")
        return _json(base64.b64decode(payload), f"the answer to {action}")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise IntegrityFailure(f"the portal's {what} is not base64") from None


def _json(data: bytes, what: str) -> dict:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise IntegrityFailure(f"{what} is not JSON once decrypted") from None
    if not isinstance(value, dict):
        raise IntegrityFailure(f"{what} is not a JSON object once decrypted")
    return value


def _unpack_json_member(archive: bytes) -> bytes:
    """The JSON file inside a downloaded tar.gz (GSTN packs one per URL)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.lower().endswith(".json"):
                    return tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError):
        raise IntegrityFailure("a downloaded file is not the tar.gz archive the portal sends") from None
    raise IntegrityFailure("a downloaded archive holds no JSON file")
