"""HTTP serving for ``ims bot --http``: bolt's WSGI adapter behind waitress, a threaded WSGI server.

bolt's own ``app.start()`` server is single-threaded and documented as not for production; waitress
handles concurrent requests on a thread pool, so one slow Slack request never delays another's
``ack()``. Request bodies are capped at :data:`MAX_BODY_BYTES`: waitress answers 413 from the
``Content-Length`` alone, before reading (or signature-checking) the body, so an unsigned 300 MB POST
costs nothing; Slack's own requests are far smaller (a modal submission of several 3,000-character
fields is a few tens of KB). Request signatures are checked by bolt's verification middleware,
which answers 401 for forged or stale requests before any listener runs. The tests and the
benchmark serve through the same :func:`create_server`, so what they measure is what production runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 2 * 1024 * 1024


class SlackWsgiApp:
    """The WSGI application: Slack's requests at ``/slack/events`` and a liveness probe."""

    def __init__(self, app: App, path: str = EVENTS_PATH) -> None:
        self._slack = SlackRequestHandler(app, path=path)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return self._slack(environ, start_response)


def create_server(
    app: App,
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    threads: int = 8,
    loop_timeout: float = 1.0,
):
    """A waitress server bound to ``host:port`` (``port=0`` picks a free one: read ``.effective_port``).

    Call ``.run()`` to serve (blocking) and ``.close()`` to stop; ``loop_timeout`` bounds how long
    the event loop takes to notice the close.
    """
    return waitress.create_server(
        SlackWsgiApp(app),
        host=host,
        port=port,
        threads=threads,
        ident="ims-bot",
        clear_untrusted_proxy_headers=True,
        asyncore_loop_timeout=loop_timeout,
        max_request_body_size=MAX_BODY_BYTES,
    )


def serve(app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> None:
    """Serve until interrupted."""
    server = create_server(app, host=host, port=port, threads=threads)
    announce(server, host)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def announce(server, host: str) -> None:  # a waitress server
    """Say where the bot listens: news at INFO (``ims bot`` shows INFO), not a warning of anything."""
    logger.info("IMS bot listening on http://%s:%s%s", host, server.effective_port, EVENTS_PATH)


class ServerThread:
    """The server on a background thread, for tests and benchmarks that drive it over real HTTP."""

    def __init__(self, app: App, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.server = create_server(app, host=host, port=port, threads=threads, loop_timeout=0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ims-bot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}{EVENTS_PATH}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self._stopping.is_set():  # closing the sockets ends the select loop this way
                raise

    def stop(self) -> None:
        self._stopping.set()
        self.server.close()
        self._thread.join(timeout=5)
