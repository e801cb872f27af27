"""Email to suppliers: SMTP with STARTTLS whenever the server offers it, and the XLSX of documents.

Configured by ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USER``, ``SMTP_PASSWORD`` and ``SMTP_FROM``. Port
465 means TLS from the first byte; any other port starts in plain text and upgrades with STARTTLS
when the server offers it (a server that does not is used as is: a local relay, for instance). We
never log in over an unencrypted connection. Every failure becomes a :class:`MailError` whose message
says what went wrong and where, never the password.
"""

from __future__ import annotations

import email.policy
import io
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ims_core.errors import UserFacingError
from ims_core.gst.money import to_rupees
from ims_core.settings import Settings, get_settings

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Indian digit grouping in Excel: crores, lakhs, thousands
INR_FORMAT = '[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"##,##0.00'
IMPLICIT_TLS_PORT = 465


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


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The email as it goes out. A header value with a line break (a subject from a template of two
    lines, an address with CRLF in it) is refused with :class:`MailError`: it would inject headers."""
    # Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding at 78 puts
    # the whole subject on a continuation line, which some readers show with a leading space.
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    headers = (("From", "sender (SMTP_FROM)", sender), ("To", "recipient address", ", ".join(mail.to)),
               ("Subject", "subject", mail.subject))
    for header, what, value in headers:
        if "\r" in value or "\n" in value:
            raise MailError(f"cannot send: the {what} {value!r} has a line break in it; "
                            "an email header must be one line")
        message[header] = value
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    message.set_content(mail.body)
    for item in mail.attachments:
        message.add_attachment(
            item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
        )
    return message


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
    timeout: float = 30.0,
) -> str:
    """Deliver ``mail``; return its Message-ID. ``tls_context`` defaults to the system's trusted CAs."""
    settings = settings or get_settings()
    _check_settings(settings, mail)
    message = build_message(mail, settings.smtp_from)
    context = tls_context or ssl.create_default_context()
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        if settings.smtp_port == IMPLICIT_TLS_PORT:
            client = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with client:
            client.ehlo()
            encrypted = settings.smtp_port == IMPLICIT_TLS_PORT
            if not encrypted and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if settings.smtp_user:
                if not encrypted:
                    raise MailError(
                        f"SMTP server {where} does not offer STARTTLS; refusing to send the "
                        "password unencrypted"
                    )
                client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            refused = client.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"SMTP server {where} refused the login for {settings.smtp_user!r} ({exc.smtp_code})"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"SMTP server {where} refused every recipient: {', '.join(exc.recipients)}") from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        raise MailError(f"SMTP server {where} answered {exc.smtp_code}: {text}") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"sending through SMTP server {where} failed: {exc}") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise MailError(f"could not connect to SMTP server {where}: {reason}") from exc
    if refused:
        raise MailError(f"SMTP server {where} refused {', '.join(sorted(refused))}; the others were sent")
    return message["Message-ID"]


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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
