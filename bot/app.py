"""The App factory: wiring only. Listeners live in ``bot/listeners``, one concern per module.

No module-level App: tests and the benchmark build one per Slack fake with explicit settings. Nothing
slow runs before ``ack()`` (no global middleware touches the database), and no database session is
ever put into bolt's context: every handler opens its own through :meth:`Services.session`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.approvers import ApproverDirectory
from bot.posting import SafeConnectionRetries
from bot.replies import tell_error
from bot.warm import FigureWarmer
from ims_core.db import get_engine, session_scope
from ims_core.errors import UserFacingError
from ims_core.settings import Settings, get_settings

LISTENER_THREADS = 10
MAIL_THREADS = 2  # emails to suppliers wait their turn here, never on a listener thread
PORTAL_THREADS = 1  # uploads to the portal (polled for minutes) run here, one at a time
LISTENER_MODULES = ("commands", "decisions", "views", "approvals", "home", "followups", "bulk", "portal",
                    "usergroups")


@dataclass
class Services:
    """What listeners share: configuration, the engine, the Web API client, the approver directory."""

    settings: Settings
    engine: Engine
    client: WebClient
    approvers: ApproverDirectory
    tz: ZoneInfo
    warmer: FigureWarmer
    post_interval: float = 1.0
    extra: dict = field(default_factory=dict)
    listener_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="ims-listener"
        )
    )
    # SMTP conversations (each within SMTP_DEADLINE_SECONDS): a slow mail server can fill this pool,
    # never the listeners', so every click is still acknowledged within Slack's 3 s
    mail_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=MAIL_THREADS, thread_name_prefix="ims-mail")
    )

    portal_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=PORTAL_THREADS, thread_name_prefix="ims-portal"
        )
    )

    def drain(self) -> None:
        """Wait for listeners and emails still working after their ack (graceful shutdown, tests)."""
        self.listener_executor.shutdown(wait=True)
        self.mail_executor.shutdown(wait=True)
        self.portal_executor.shutdown(wait=True)
        self.warmer.shutdown()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work for one handler (commit on success, roll back on error)."""
        with session_scope(self.engine) as session:
            yield session


def build_client(settings: Settings) -> WebClient:
    """A Web API client that retries on 429 (honouring Retry-After) and on connection errors, except
    posts: one that failed after Slack had it would be posted twice (``bot.posting``)."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=_base_url(settings.slack_api_url),
        retry_handlers=[
            SafeConnectionRetries(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def _base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def build_services(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    client: WebClient | None = None,
    post_interval: float = 1.0,
) -> Services:
    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)
    client = client or build_client(settings)
    return Services(
        settings=settings,
        engine=engine,
        client=client,
        approvers=ApproverDirectory(client, settings.approvers),
        tz=ZoneInfo(settings.ims_timezone),
        warmer=FigureWarmer(engine),
        post_interval=post_interval,
    )


def create_app(services: Services) -> App:
    """A bolt App whose listeners use ``services``; signatures are verified on every request."""
    if not services.settings.slack_signing_secret and not services.settings.slack_app_token:
        raise UserFacingError("SLACK_SIGNING_SECRET is not set: the bot cannot verify Slack's requests")
    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret.get_secret_value() or None,
        process_before_response=False,
        listener_executor=services.listener_executor,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )
    import importlib

    for name in LISTENER_MODULES:
        importlib.import_module(f"bot.listeners.{name}").register(app, services)
    _register_error_handler(app)
    services.approvers.warm()  # the approver check runs before the ack: no click waits for Slack
    return app


def _register_error_handler(app: App) -> None:
    """Errors in middleware, and in listeners before their ack, reach people here (``bot.replies``;
    errors after the ack are told by the ``tells_errors`` wrapper, on the same path)."""

    @app.error
    def on_error(error: Exception, body: dict, client: WebClient, respond: Respond | None) -> None:
        tell_error(client, body, error, respond)
