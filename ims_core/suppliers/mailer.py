"""Email to suppliers: SMTP with STARTTLS whenever the server offers it, and the XLSX of documents.

Configured by ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USER``, ``SMTP_PASSWORD`` and ``SMTP_FROM``. Port
465 means TLS from the first byte; any other port starts in plain text and upgrades with STARTTLS
when the server offers it (a server that does not is used as is: a local relay, for instance). We
never log in over an unencrypted connection. Every failure becomes a :class:`MailError` whose message
says what went wrong and where, never the password.

The whole conversation, connect to QUIT, has one deadline (``SMTP_DEADLINE_SECONDS``): a socket
timeout bounds each read, but a server that drips a byte every few seconds never trips it, so a
watchdog shuts the socket when the deadline passes. Every address and header value is checked
before anything is sent: one address per recipient, no control characters (a line break in a header
would inject headers of its own; a comma in an address would add recipients).
"""

from __future__ import annotations

import email.policy
import io
import re
import smtplib
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ims_core.errors import UserFacingError
from ims_core.gst.money import to_rupees
from ims_core.reports.cells import inert_sheet
from ims_core.settings import Settings, get_settings

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Indian digit grouping in Excel: crores, lakhs, thousands
INR_FORMAT = '[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"##,##0.00'
IMPLICIT_TLS_PORT = 465
# One mailbox: local part and domain as people type them (quotes, comments and IP literals are not)
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class MailError(UserFacingError):
    """The email could not be sent; nothing was marked as sent."""


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str = XLSX_TYPE[0]
    subtype: str = XLSX_TYPE[1]


@dataclass
class OutgoingMail:
    to: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


def _controls(value: str) -> list[str]:
    """The control, line- and paragraph-separator characters in ``value``, as ``\\r``, ``\\x0b``…"""
    return list(dict.fromkeys(repr(c)[1:-1] for c in value if unicodedata.category(c) in ("Cc", "Zl", "Zp")))


def check_header(what: str, value: str) -> str:
    """``value`` if it can be one header line; else :class:`MailError` naming the characters."""
    if bad := _controls(value):
        kind = "a line break" if set(bad) & {"\\r", "\\n"} else "a control character"
        raise MailError(f"cannot send: the {what} {value!r} has {kind} in it ({', '.join(bad)}); "
                        "an email header must be one line of text")
    return value


def check_address(what: str, value: str) -> str:
    """One plain mailbox (``name@example.com``), else :class:`MailError`: a comma or semicolon would
    add recipients, a line break would add headers."""
    check_header(what, value)
    if not ADDRESS.match(value):
        extra = " (one address per recipient: a comma or semicolon adds recipients)" if re.search(
            r"[,;]", value) else ""
        raise MailError(f"cannot send: the {what} {value!r} is not an email address{extra}; expected one "
                        "address such as accounts@supplier.example")
    return value


def check_sender(value: str) -> str:
    """``SMTP_FROM``: an address, or ``Name <address>``."""
    check_header("sender (SMTP_FROM)", value)
    name, address = parseaddr(value)
    if not address or not ADDRESS.match(address) or (name and "<" not in value):
        raise MailError(f"SMTP_FROM {value!r} is not an email address; expected ap@company.example "
                        "or 'Accounts <ap@company.example>'")
    return value


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The email as it goes out, once every header value has passed the checks above."""
    # Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding at 78 puts
    # the whole subject on a continuation line, which some readers show with a leading space.
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    message["From"] = check_sender(sender)
    message["To"] = ", ".join(check_address("recipient address", a) for a in mail.to)
    message["Subject"] = check_header("subject", mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rsplit("@", 1)[-1] or None)
    message.set_content(mail.body)
    for item in mail.attachments:
        check_header("attachment name", item.filename)
        message.add_attachment(
            item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
        )
    return message


class _Watchdog:
    """Shuts the SMTP client's socket once ``seconds`` have passed, ending any read that is still
    waiting (``smtplib`` then raises); :attr:`fired` tells the failure was the deadline's."""

    def __init__(self, client: smtplib.SMTP, seconds: float) -> None:
        self.client, self.fired = client, threading.Event()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired.set()
        sock = getattr(self.client, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _check_settings(settings: Settings, mail: OutgoingMail) -> None:
    if not settings.smtp_host:
        raise MailError("email is not configured: set SMTP_HOST (and SMTP_PORT, SMTP_FROM) first")
    if not settings.smtp_from:
        raise MailError("email is not configured: set SMTP_FROM, the address follow-ups are sent from")
    if not mail.to:
        raise MailError("no recipient address for this email")


def send_mail(
    mail: OutgoingMail,
    *,
    settings: Settings | None = None,
    tls_context: ssl.SSLContext | None = None,
    deadline: float | None = None,
) -> str:
    """Deliver ``mail`` within ``deadline`` seconds (default ``SMTP_DEADLINE_SECONDS``); return its
    Message-ID. ``tls_context`` defaults to the system's trusted CAs."""
    settings = settings or get_settings()
    _check_settings(settings, mail)
    message = build_message(mail, settings.smtp_from)
    context = tls_context or ssl.create_default_context()
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    seconds = settings.smtp_deadline_seconds if deadline is None else deadline
    implicit = settings.smtp_port == IMPLICIT_TLS_PORT
    # the socket timeout bounds each read; the watchdog bounds them all together
    client = smtplib.SMTP_SSL(timeout=seconds, context=context) if implicit else smtplib.SMTP(timeout=seconds)
    started = time.monotonic()
    try:
        with _Watchdog(client, seconds) as watchdog:
            try:
                refused = _converse(client, message, settings, context, where)
            except MailError:
                raise
            except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
                if watchdog.fired.is_set() or time.monotonic() - started >= seconds:
                    raise MailError(f"SMTP server {where} did not finish the email within {seconds:g} s "
                                    "(SMTP_DEADLINE_SECONDS); nothing is marked as sent") from exc
                raise _mail_error(exc, settings, where) from exc
    finally:
        client.close()
    if refused:
        raise MailError(f"SMTP server {where} refused {', '.join(sorted(refused))}; the others were sent")
    return message["Message-ID"]


def _converse(client: smtplib.SMTP, message: EmailMessage, settings: Settings, context: ssl.SSLContext,
              where: str) -> dict:
    """Connect, upgrade to TLS when offered, log in if configured, send: the recipients refused."""
    # made without a host so the watchdog holds it from the first byte; STARTTLS and implicit TLS
    # check the certificate against the host smtplib keeps from its constructor
    client._host = settings.smtp_host
    client.connect(settings.smtp_host, settings.smtp_port)
    client.ehlo()
    encrypted = settings.smtp_port == IMPLICIT_TLS_PORT
    if not encrypted and client.has_extn("starttls"):
        client.starttls(context=context)
        client.ehlo()
        encrypted = True
    if settings.smtp_user:
        if not encrypted:
            raise MailError(
                f"SMTP server {where} does not offer STARTTLS; refusing to send the password unencrypted"
            )
        client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    refused = client.send_message(message)
    try:  # the server has the email now: a slow or failed goodbye changes nothing
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    return refused


def _mail_error(exc: Exception, settings: Settings, where: str) -> MailError:
    """An SMTP, TLS or network failure as the user reads it (never the password)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            f"SMTP server {where} refused the login for {settings.smtp_user!r} ({exc.smtp_code})")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return MailError(f"SMTP server {where} refused every recipient: {', '.join(exc.recipients)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else text
        return MailError(f"SMTP server {where} answered {exc.smtp_code}: {text}")
    if isinstance(exc, smtplib.SMTPException | ssl.SSLError):
        return MailError(f"sending through SMTP server {where} failed: {exc}")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return MailError(f"could not connect to SMTP server {where}: {reason}")


XLSX_COLUMNS = (
    "Type",
    "Number",
    "Date",
    "Invoice value",
    "Taxable value",
    "Tax",
    "Return period",
    "What is wrong",
    "What we need",
)


def documents_xlsx(title: str, rows: list[dict]) -> bytes:
    """A one-sheet workbook of documents (keys: kind, number, date (a date), value/taxable/tax in paise,
    period, wrong, need): real numbers for the amounts, so the supplier can sum and filter them."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Documents"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(XLSX_COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row["kind"],
                row["number"],
                row["date"],
                to_rupees(row["value_paise"]),
                to_rupees(row["taxable_paise"]),
                to_rupees(row["tax_paise"]),
                row["period"],
                row["wrong"],
                row["need"],
            ]
        )
    for cells in sheet.iter_rows(min_row=3, min_col=3, max_col=6):
        for cell in cells:
            cell.number_format = "DD-MM-YYYY" if cell.column == 3 else INR_FORMAT
    for column, width in zip("ABCDEFGHI", (12, 18, 12, 16, 16, 14, 10, 60, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=3, min_col=8, max_col=9):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    inert_sheet(sheet)  # a document number or reason starting with "=" stays text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
