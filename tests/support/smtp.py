"""A real SMTP server on loopback (aiosmtpd) for the send tests, with and without STARTTLS (a pytest
plugin: the root ``conftest`` loads it)."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ims_core.settings import get_settings

USER, PASSWORD = "ap-team", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """What the server accepted: the envelope and the parsed message, and whether it was over TLS."""

    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    tls: bool
    user: str | None


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message,
                session.ssl is not None,
                getattr(session.auth_data, "login", None),
            )
        )
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    client_context: ssl.SSLContext | None = None


def _configure(monkeypatch: pytest.MonkeyPatch, port: int, user: str = "", password: str = "") -> None:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_USER", user)
    monkeypatch.setenv("SMTP_PASSWORD", password)
    monkeypatch.setenv("SMTP_FROM", "ap@deccanpolymers.in")
    get_settings.cache_clear()


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A plain SMTP server (no STARTTLS offered, no login), with the settings pointing at it."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _configure(monkeypatch, port)
    yield SmtpServer("127.0.0.1", port, inbox)
    controller.stop()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_smtp_server(monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """An SMTP server that offers STARTTLS and requires it, and a login, before accepting mail."""
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    controller.start()
    _configure(monkeypatch, port, USER, PASSWORD)
    yield SmtpServer("127.0.0.1", port, inbox, ssl.create_default_context(cafile=str(cert)))
    controller.stop()
    get_settings.cache_clear()


@pytest.fixture
def refused_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """Settings pointing at a loopback port nobody listens on."""
    port = free_port()
    _configure(monkeypatch, port)
    yield port
    get_settings.cache_clear()


class DrippingServer:
    """An SMTP "server" on loopback that answers one byte every ``interval`` seconds: a socket read
    never times out, yet a greeting takes forever. Bounded: each connection gets at most ``limit``
    bytes, and every connection ends when the server is closed."""

    GREETING = b"220 slow.example ESMTP Postfix, eventually\r\n"

    def __init__(self, interval: float = 0.5, limit: int = 400) -> None:
        self.interval, self.limit = interval, limit
        self.connections = 0
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="dripping-smtp", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            data = (self.GREETING * (self.limit // len(self.GREETING) + 1))[: self.limit]
            for byte in data:
                if self._closed.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._thread.join(timeout=2)


@pytest.fixture
def dripping_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[DrippingServer]:
    """The settings pointing at a :class:`DrippingServer`, with a 2-second send deadline."""
    server = DrippingServer()
    _configure(monkeypatch, server.port)
    monkeypatch.setenv("SMTP_DEADLINE_SECONDS", "2")
    get_settings.cache_clear()
    yield server
    server.close()
    get_settings.cache_clear()
