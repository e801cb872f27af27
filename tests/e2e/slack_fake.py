"""A local fake of Slack's Web API and response URLs: records every call, answers like Slack does.

Also the signing helper: requests are signed exactly as Slack signs them, v0=HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlparse


@dataclass
class Call:
    method: str
    args: dict
    token: str = ""
    response: dict = field(default_factory=dict)
    at: float = field(default_factory=time.time)


@dataclass
class Upload:
    """A file sent the way ``files_upload_v2`` sends one: announced by files.getUploadURLExternal, its
    bytes POSTed to the URL that answered, then shared by files.completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    alt_txt: str = ""
    data: bytes = b""
    title: str = ""
    channel: str = ""
    initial_comment: str = ""
    thread_ts: str = ""
    completed: bool = False


@dataclass
class FakeSlack:
    """Serve on a free local port; ``url`` is the Web API base URL (ends with ``/api/``)."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    refuse_blocks: bool = False  # answer invalid_blocks to any message that carries blocks
    absent_from: set[str] = field(default_factory=set)  # channels the bot was not invited to
    delays: dict[str, float] = field(default_factory=dict)  # seconds a method takes before answering
    # per method, how its next calls fail: "drop" (carried out, then the connection is dropped), "500"
    # (carried out, then HTTP 500), "500-undone" (HTTP 500, nothing done)
    faults: dict[str, list[str]] = field(default_factory=dict)
    posted: dict[str, list[dict]] = field(default_factory=dict)  # channel -> messages, oldest first
    uploads: dict[str, Upload] = field(default_factory=dict)  # file id -> the upload, in order

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # http.server naming
                self._answer(dict(parse_qsl(urlparse(self.path).query)))

            def do_POST(self) -> None:
                if urlparse(self.path).path.startswith("/upload/"):
                    return self._receive_file()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                args = dict(parse_qsl(urlparse(self.path).query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw or "{}"))
                else:
                    args.update(dict(parse_qsl(raw)))
                self._answer(args)

            def _receive_file(self) -> None:
                """The upload URL: raw bytes in, Slack's plain ``OK - <length>`` out."""
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, text = fake.receive_file(urlparse(self.path).path.rsplit("/", 1)[-1], data)
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _answer(self, args: dict) -> None:
                path = urlparse(self.path).path
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                method = path.rsplit("/", 1)[-1] if path.startswith("/api/") else "response_url:" + path
                fault = fake.next_fault(method)
                body = {"ok": False, "error": "fatal_error"} if fault == "500-undone" else fake.handle(
                    method, args, token)
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)  # SHUT_RDWR: the client reads no answer at all
                    return
                data = json.dumps(body).encode()
                self.send_response(500 if fault else 200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url; calls to it are recorded as method ``response_url:/respond/{name}``."""
        return f"{self.base}/respond/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_fault(self, method: str) -> str:
        with self._lock:
            queue = self.faults.get(method) or []
            return queue.pop(0) if queue else ""

    def handle(self, method: str, args: dict, token: str) -> dict:
        """Answer one call and record it; a call's ``at`` is when it was answered (after any delay)."""
        if self.delays.get(method):
            time.sleep(self.delays[method])
        with self._lock:
            call = Call(method, args, token)
            call.response = self._respond(method, args)
            self.calls.append(call)
            return call.response

    def _respond(self, method: str, args: dict) -> dict:
        if self.refuse_blocks and method.startswith("chat.") and args.get("blocks"):
            return {"ok": False, "error": "invalid_blocks"}
        if method.startswith("chat.") and args.get("channel") in self.absent_from:
            return {"ok": False, "error": "not_in_channel"}
        if method in ("chat.postMessage",):
            ts = f"{int(time.time())}.{next(self._ts):06d}"  # as Slack's: seconds now, unique
            message = {"ts": ts, "text": args.get("text"), "thread_ts": args.get("thread_ts")}
            if args.get("metadata"):
                meta = args["metadata"]
                message["metadata"] = json.loads(meta) if isinstance(meta, str) else meta
            self.posted.setdefault(args.get("channel"), []).append(message)
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text"), "ts": ts},
            }
        if method == "chat.update":
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": args.get("ts"),
                "text": args.get("text"),
            }
        if method == "conversations.history":
            with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
            oldest = float(args.get("oldest") or 0)
            found = [
                {k: v for k, v in m.items() if with_metadata or k != "metadata"}
                for m in reversed(self.posted.get(args.get("channel"), []))
                if float(m["ts"]) > oldest
            ]
            return {"ok": True, "messages": found, "has_more": False}
        if method == "conversations.open":  # a direct message with one user: Slack's D… channel of the pair
            users = str(args.get("users", ""))
            if not users or "," in users:
                return {"ok": False, "error": "users_not_found" if not users else "not_allowed"}
            return {"ok": True, "channel": {"id": f"D{users}", "is_im": True}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish", "views.update"):
            view_id = args.get("view_id") or f"V{next(self._views):04d}"
            return {"ok": True, "view": {"id": view_id, "hash": "h1"}}
        if method.startswith("files."):
            return self._files(method, args)
        if method == "usergroups.users.list":
            group = args.get("usergroup", "")
            if group not in self.groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.groups[group]}
        if method == "users.info":
            user = args.get("user", "")
            return {
                "ok": True,
                "user": {"id": user, "name": self.users.get(user, user.lower()), "tz": "Asia/Kolkata"},
            }
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Test",
                "user": "ims",
                "team_id": "T0001",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method.startswith("response_url:"):
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    def _files(self, method: str, args: dict) -> dict:
        """files.getUploadURLExternal and files.completeUploadExternal, as Slack answers them."""
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{len(self.uploads) + 1:06d}"
            self.uploads[file_id] = Upload(file_id, args["filename"], int(args["length"]),
                                           alt_txt=args.get("alt_txt") or "")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            channel = args.get("channel_id") or ""
            if channel in self.absent_from:
                return {"ok": False, "error": "not_in_channel"}
            files = json.loads(args.get("files") or "[]")
            found = [self.uploads.get(f.get("id", "")) for f in files]
            if not files or any(u is None or len(u.data) != u.length for u in found):
                return {"ok": False, "error": "file_not_found"}
            for upload, described in zip(found, files, strict=True):
                upload.title, upload.channel, upload.completed = described.get("title") or "", channel, True
                upload.initial_comment = args.get("initial_comment") or ""
                upload.thread_ts = args.get("thread_ts") or ""
            return {"ok": True, "files": [{"id": u.file_id, "name": u.filename, "title": u.title}
                                          for u in found]}
        return {"ok": False, "error": "unknown_method"}

    def receive_file(self, file_id: str, data: bytes) -> tuple[int, str]:
        with self._lock:
            upload = self.uploads.get(file_id)
            if upload is None:
                return 404, "not found"
            upload.data = data
            self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(data)}))
            return 200, f"OK - {len(data)}"

    def completed_uploads(self) -> list[Upload]:
        with self._lock:
            return [u for u in self.uploads.values() if u.completed]

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` arrived (listeners run after the ack)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(
            f"expected {count} {method} call(s), got {len(self.of(method))}: {[c.method for c in self.calls]}"
        )


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post(url: str, body: str, headers: dict[str, str], content_type: str) -> tuple[int, str]:
    """POST and return (status, body) without raising on 4xx."""
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={**headers, "Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def form_body(fields: dict) -> str:
    return urlencode(fields)


def interactive_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})
