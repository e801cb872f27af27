"""A fake GSP on 127.0.0.1 that speaks GSTN's taxpayer API as the sources in PORTAL_API.md describe it.

It is a real HTTP server (``http.server`` in a thread) with its own RSA key pair, and it implements the
protocol on its own, with ``cryptography`` directly: it imports nothing of ``ims_core.portal``, so a
mistake in the client's ciphers cannot be mirrored here and pass unnoticed.

What it does: the OTP handshake (OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT) with the app key under
its public key; every return call checked for the GSP's credentials, the session's auth token, the
GSTIN and state headers and a fresh ``txn``; answers encrypted under a fresh ``rek`` with their HMAC;
GETINV per section (no records → RET13509), the large-file route (a token, FILEDET answering RTN_24
a set number of times, tar.gz parts with their SHA-256 and ``ek``), GET2B in ``file_num`` parts (or
RET2B1023 when not generated), SAVE/RESETIMS checked against the records' current actions and
settled after a set number of ``IP`` answers to REQSTS (P, PE with an error report, or ER), one
save in flight per GSTIN (IMSSAV0015). Failures on demand: HTTP 5xx, 429, expired sessions, an
ended API access period, a wrong OTP, a corrupted file, a tampered answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
import tarfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

CLIENT_ID, CLIENT_SECRET, OTP = "fake-gsp-client", "fake-gsp-secret", "575757"
SECTIONS = {"B2B": "b2b", "B2BA": "b2ba", "CN": "b2bcn", "CNA": "b2bcna", "DN": "b2bdn", "DNA": "b2bdna",
            "ECOM": "ecom", "ECOMA": "ecoma", "IMPG": "impg", "IMPGA": "impga", "IMPGSEZ": "impgsez",
            "IMPGSEZA": "impgseza"}
REPORT_KEYS = {"b2bcn": "cn", "b2bcna": "cna", "b2bdn": "dn", "b2bdna": "dna"}  # GSPs vary the names


def aes(key: bytes, data: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(padder.update(data) + padder.finalize()) + enc.finalize()).decode()


def unaes(key: bytes, text: str) -> bytes:
    dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(dec.update(base64.b64decode(text)) + dec.finalize()) + unpadder.finalize()


def tag(key: bytes, data: bytes) -> str:
    return base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()


def key_pair(folder: Path) -> tuple[rsa.RSAPrivateKey, dict[str, Path]]:
    """A key pair, and its public half as a PEM certificate, a DER certificate and a PEM key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake GSTN")])
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(private, hashes.SHA256()))
    files = {"pem": folder / "gstn.pem", "der": folder / "gstn.cer", "key": folder / "gstn_key.pem"}
    files["pem"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["der"].write_bytes(cert.public_bytes(serialization.Encoding.DER))
    files["key"].write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, files


@dataclass
class Upload:
    gstin: str
    reqtyp: str
    invdata: dict
    ip_left: int
    outcome: dict = field(default_factory=dict)
    settled: bool = False


class Refuse(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class FakeGsp:
    """The server and its state; tests set the state and read what arrived."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.lock = threading.Lock()
        self.pending_app_keys: dict[str, bytes] = {}
        self.sessions: dict[str, dict] = {}  # auth token -> {username, app_key, sek}
        self.ims: dict[str, list[dict]] = {}  # answer key -> records (each with its current action)
        self.large: set[str] = set()  # GETINV sections answered with a token
        self.file_parts = 2
        self.not_ready = 0  # FILEDET answers RTN_24 this many times first
        self.corrupt_files = False
        self.tokens: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.gstr2b: dict[str, list[dict]] = {}  # period -> parts
        self.ip_polls = 0  # REQSTS answers IP this many times before settling
        self.refuse: dict[tuple[str, str], tuple[str, str]] = {}  # (stin, number) -> (code, message)
        self.error_all: tuple[str, str] | None = None  # settle every upload as ER
        self.uploads: dict[str, Upload] = {}
        self.fail_next: list[int] = []  # HTTP statuses to answer before serving normally
        self.rate_limited = False
        self.access_ended = False
        self.tamper = False  # answers carry an HMAC of other data
        self.requests: list[dict] = []  # method, path, action, headers, and the decrypted data
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGsp:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def actions(self) -> dict[tuple[str, str], str]:
        """The portal's current action per (stin, number)."""
        return {(r["stin"], _number(r)): r.get("action", "N") for rs in self.ims.values() for r in rs}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # http.server's naming
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_PUT(self) -> None:
                fake._serve(self, "PUT")

        return Handler

    # --- dispatch ----------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else {}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            record = {"method": method, "path": parts.path, "headers": headers, "query": query,
                      "action": query.get("action") or body.get("action")}
            self.requests.append(record)
            if self.fail_next:
                return self._send(handler, self.fail_next.pop(0), b"upstream down")
            if self.rate_limited:
                return self._send(handler, 429, b"too many requests", {"Retry-After": "60"})
            if parts.path.startswith("/files/"):
                data = self.files.get(parts.path.removeprefix("/files/"))
                if data is not None and self.corrupt_files:
                    data = data[:-1] + bytes([data[-1] ^ 1])
                return self._send(handler, 200 if data else 404, data or b"no such file")
            if (headers.get("clientid"), headers.get("client-secret")) != (CLIENT_ID, CLIENT_SECRET):
                return self._send(handler, 401, b"unknown GSP client")
            try:
                if parts.path == "/taxpayerapi/v1.0/authenticate" and method == "POST":
                    answer = self._authenticate(body)
                elif parts.path in ("/taxpayerapi/v1.0/returns/ims", "/taxpayerapi/v2.0/returns/gstr2b"):
                    answer = self._returns(method, parts.path, query, body, headers, record)
                else:
                    return self._send(handler, 404, b"no such API")
            except Refuse as exc:
                answer = {"status_cd": "0", "error": {"error_cd": exc.code, "message": exc.message}}
        self._send(handler, 200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict | None = None) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    # --- authentication ----------------------------------------------------------------------

    def _rsa_open(self, text: str) -> bytes:
        try:
            return self.private_key.decrypt(base64.b64decode(text), rsa_padding.PKCS1v15())
        except ValueError:
            raise Refuse("TEC4002", "Invalid public key") from None

    def _authenticate(self, body: dict) -> dict:
        action, username = body.get("action"), body.get("username")
        if action == "OTPREQUEST":
            self.pending_app_keys[username] = self._rsa_open(body["app_key"])
            return {"status_cd": "1"}
        if action == "AUTHTOKEN":
            app_key = self._rsa_open(body["app_key"])
            if self.pending_app_keys.get(username) != app_key:
                raise Refuse("AUTH4033", "Invalid Session")
            if unaes(app_key, body["otp"]).decode() != OTP:
                raise Refuse("AUTH4034", "Invalid OTP")
            del self.pending_app_keys[username]
            return self._new_session(username, app_key)
        session = self.sessions.get(body.get("auth_token", ""))
        if session is None or session["username"] != username:
            raise Refuse("AUTH4033", "Invalid Session")
        if action == "REFRESHTOKEN":
            if unaes(session["sek"], body["app_key"]) != session["app_key"]:
                raise Refuse("AUTH4033", "Invalid Session")
            if self.access_ended:
                raise Refuse("AUTH4037", "API access duration has expired")
            del self.sessions[body["auth_token"]]
            return self._new_session(username, session["app_key"])
        if action == "LOGOUT":
            if self._rsa_open(body["app_key"]) != session["app_key"]:
                raise Refuse("AUTH4033", "Invalid Session")
            del self.sessions[body["auth_token"]]
            return {"status_cd": "1"}
        raise Refuse("AUTH4000", f"unknown action {action}")

    def _new_session(self, username: str, app_key: bytes) -> dict:
        token, sek = secrets.token_hex(16), secrets.token_bytes(32)
        self.sessions[token] = {"username": username, "app_key": app_key, "sek": sek}
        return {"status_cd": "1", "auth_token": token, "expiry": 360, "sek": aes(app_key, sek)}

    # --- return calls ------------------------------------------------------------------------

    def _returns(self, method: str, path: str, query: dict, body: dict, headers: dict, record: dict) -> dict:
        session = self.sessions.get(headers.get("auth-token", ""))
        if session is None or headers.get("username") != session["username"]:
            raise Refuse("AUTH4033", "Invalid Session")
        gstin = query.get("gstin") or headers.get("gstin", "")
        if headers.get("gstin") != gstin or headers.get("state-cd") != gstin[:2] or not headers.get("txn"):
            raise Refuse("RET11402", "API Authorization Failed: headers do not match")
        if sum(1 for r in self.requests if r["headers"].get("txn") == headers["txn"]) > 1:
            raise Refuse("TXN0001", "txn already used")
        if method == "PUT":
            data = unaes(session["sek"], body["data"])
            if not hmac.compare_digest(tag(session["sek"], data), body["hmac"]):
                raise Refuse("RET191106", "HMAC mismatch")
            record["data"] = payload = json.loads(base64.b64decode(data))
            answer = self._upload(gstin, body["action"], payload)
        elif path.endswith("gstr2b"):
            answer = self._get2b(query)
        else:
            answer = self._get_ims(query)
        return self._sealed(session["sek"], answer)

    def _sealed(self, sek: bytes, answer: dict) -> dict:
        rek = secrets.token_bytes(32)
        plain = base64.b64encode(json.dumps(answer).encode())
        return {"status_cd": "1", "rek": aes(sek, rek), "data": aes(rek, plain),
                "hmac": tag(rek, plain + b" " if self.tamper else plain)}

    def _get_ims(self, query: dict) -> dict:
        action = query.get("action")
        if action == "GETINV":
            key = SECTIONS[query["section"]]
            if not self.ims.get(key):
                raise Refuse("RET13509", "No invoices found for the provided inputs")
            if query["section"] not in self.large:
                return {key: self.ims[key]}
            token = secrets.token_hex(8)
            self.tokens[token] = key
            return {"token": token, "est": "1"}
        if action == "FILEDET":
            return self._file_details(self.tokens[query["token"]])
        if action == "REQSTS":
            return self._status(self.uploads[query["int_tran_id"]])
        raise Refuse("RET00001", f"unknown action {action}")

    def _file_details(self, key: str) -> dict:
        if self.not_ready:
            self.not_ready -= 1
            raise Refuse("RTN_24", "File generation is in progress, please try after sometime")
        ek = secrets.token_bytes(32)
        records = self.ims[key]
        size = -(-len(records) // self.file_parts)
        urls = []
        for n in range(self.file_parts):
            content = aes(ek, base64.b64encode(json.dumps({key: records[n * size:(n + 1) * size]}).encode()))
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
                info = tarfile.TarInfo(f"returns_{key}_{n + 1}.json")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content.encode()))
            name = secrets.token_hex(8)
            self.files[name] = buffer.getvalue()
            urls.append({"ul": f"/files/{name}", "ic": len(records[n * size:(n + 1) * size]),
                         "hash": hashlib.sha256(self.files[name]).hexdigest()})
        return {"fc": self.file_parts, "urls": urls, "ek": base64.b64encode(ek).decode()}

    def _get2b(self, query: dict) -> dict:
        parts = self.gstr2b.get(query.get("rtnprd", ""))
        if parts is None:
            raise Refuse("RET2B1023", "GSTR-2B is not generated for the tax period")
        if len(parts) == 1:
            return parts[0]
        if "file_num" not in query:
            first = parts[0]["data"]
            return {"chksum": "x",
                    "data": {"gstin": first["gstin"], "rtnprd": first["rtnprd"], "fc": len(parts)}}
        return parts[int(query["file_num"]) - 1]

    # --- uploads -----------------------------------------------------------------------------

    def _upload(self, gstin: str, action: str, payload: dict) -> dict:
        if payload.get("rtin") != gstin or payload.get("reqtyp") != ("SAVE" if action == "SAVE" else "RESET"):
            raise Refuse("IMSSAV005", "Invalid request: rtin or reqtyp")
        if any(u.gstin == gstin and not u.settled for u in self.uploads.values()):
            raise Refuse("IMSSAV0015", "A save or reset request is already in progress")
        reference = f"IMSREF{len(self.uploads) + 1:04d}"
        self.uploads[reference] = Upload(gstin, payload["reqtyp"], payload["invdata"], self.ip_polls)
        return {"reference_id": reference}

    def _status(self, upload: Upload) -> dict:
        if upload.ip_left:
            upload.ip_left -= 1
            return {"status_cd": "IP"}
        if not upload.settled:
            upload.outcome, upload.settled = self._settle(upload), True
        return upload.outcome

    def _settle(self, upload: Upload) -> dict:
        if self.error_all:
            return {"status_cd": "ER", "err_cd": self.error_all[0], "err_msg": self.error_all[1]}
        current = {(key, r["stin"], _number(r)): r for key, rs in self.ims.items() for r in rs}
        report: dict[str, list] = {}
        count = 0
        for section, rows in upload.invdata.items():
            for row in rows:
                count += 1
                found = current.get((section, row["stin"], _number(row)))
                refusal = self.refuse.get((row["stin"], _number(row)))
                if refusal is None and found is None:
                    refusal = ("IMSSAV0010", "No such record in IMS")
                elif refusal is None and row.get("prev_status") != found.get("action", "N"):
                    refusal = ("IMSSAV0010", f"prev_status {row.get('prev_status')} does not match the "
                                             f"record's status {found.get('action', 'N')}")
                if refusal is not None:
                    report.setdefault(REPORT_KEYS.get(section, section), []).append(
                        {"stin": row["stin"], "error_cd": refusal[0], "error_msg": refusal[1],
                         "inv": [{"inum" if "inum" in row else "nt_num": _number(row),
                                  "rtnprd": row["rtnprd"]}]})
                else:
                    found["action"] = row.get("action", "N") if upload.reqtyp == "SAVE" else "N"
        errors = sum(len(v) for v in report.values())
        outcome = {"status_cd": "PE" if errors else "P", "transTypCd": "SAV", "proc_cnt": str(count),
                   "err_cnt": str(errors)}
        if errors:
            outcome["error_report"] = report
        return outcome


def _number(row: dict) -> str:
    return row.get("inum") or row.get("nt_num") or row.get("boenum") or ""
