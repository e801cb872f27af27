"""SMTP sends against a real server on loopback: plain, STARTTLS with login, refused, and refusals."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from ims_core.settings import get_settings
from ims_core.suppliers.mailer import Attachment, MailError, OutgoingMail, documents_xlsx, send_mail

ROWS = [
    {
        "kind": "invoice",
        "number": "A-102",
        "date": dt.date(2025, 10, 10),
        "value_paise": 5_900_000,
        "taxable_paise": 5_000_000,
        "tax_paise": 900_000,
        "period": "102025",
        "wrong": "not on the portal",
        "need": "report it",
    },
    {
        "kind": "credit note",
        "number": "CN-9",
        "date": dt.date(2025, 10, 12),
        "value_paise": 1_234_567_89,
        "taxable_paise": 1_000_000_00,
        "tax_paise": 180_000_00,
        "period": "102025",
        "wrong": "amount",
        "need": "amend",
    },
]


def _mail(to=("accounts@shreepolymers.in",), attachments=()) -> OutgoingMail:
    return OutgoingMail(
        to=list(to),
        subject="GST documents to report",
        body="Dear Sir,\n₹1,00,000.00 held up.",
        attachments=list(attachments),
    )


def test_plain_server_receives_the_message_and_its_xlsx(smtp_server):
    xlsx = Attachment("docs.xlsx", documents_xlsx("Documents of 27AHQPA7588L1ZJ", ROWS))
    message_id = send_mail(_mail(attachments=[xlsx]))
    [got] = smtp_server.inbox.messages
    assert got.rcpt_tos == ["accounts@shreepolymers.in"] and got.mail_from == "ap@deccanpolymers.in"
    assert got.message["Message-ID"] == message_id and got.message["Subject"] == "GST documents to report"
    assert "₹1,00,000.00 held up." in got.message.get_body(("plain",)).get_content()
    assert not got.tls
    [part] = list(got.message.iter_attachments())
    assert part.get_filename() == "docs.xlsx"
    sheet = load_workbook(io.BytesIO(part.get_payload(decode=True))).active
    assert sheet["A1"].value == "Documents of 27AHQPA7588L1ZJ"
    assert [c.value for c in sheet[2]][:3] == ["Type", "Number", "Date"]
    assert sheet["B3"].value == "A-102" and sheet["C3"].value.date().isoformat() == "2025-10-10"
    assert Decimal(str(sheet["E4"].value)) == Decimal("1000000.00") and sheet["F3"].value == 9000
    assert "##\\,##\\,##0.00" in sheet["D3"].number_format


def test_starttls_is_used_when_offered_and_the_login_travels_encrypted(tls_smtp_server):
    send_mail(_mail(), tls_context=tls_smtp_server.client_context)
    [got] = tls_smtp_server.inbox.messages
    assert got.tls and got.user == b"ap-team"


def test_wrong_password_is_a_clear_error(tls_smtp_server, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    get_settings.cache_clear()
    with pytest.raises(MailError, match=r"refused the login for 'ap-team' \(535\)"):
        send_mail(_mail(), tls_context=tls_smtp_server.client_context)
    assert tls_smtp_server.inbox.messages == []


def test_untrusted_certificate_is_refused(tls_smtp_server):
    with pytest.raises(MailError, match="failed.*CERTIFICATE_VERIFY_FAILED"):
        send_mail(_mail())
    assert tls_smtp_server.inbox.messages == []


def test_password_is_never_sent_without_tls(smtp_server, monkeypatch):
    monkeypatch.setenv("SMTP_USER", "ap-team")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-pass")
    get_settings.cache_clear()
    with pytest.raises(MailError, match="does not offer STARTTLS; refusing to send the password") as caught:
        send_mail(_mail())
    assert "s3cret-pass" not in str(caught.value)
    assert smtp_server.inbox.messages == []


def test_refused_connection_names_the_server(refused_port):
    with pytest.raises(
        MailError,
        match=rf"could not connect to SMTP server 127.0.0.1:{refused_port}: "
        r"Connection refused",
    ):
        send_mail(_mail())


def test_missing_configuration_is_explained(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(MailError, match="set SMTP_HOST"):
            send_mail(_mail())
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_FROM", "")
        get_settings.cache_clear()
        with pytest.raises(MailError, match="set SMTP_FROM"):
            send_mail(_mail())
    finally:
        get_settings.cache_clear()


class PickyInbox:
    """Refuses addresses at nobody@, like a server that knows its mailboxes."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_server_refusing_every_recipient_is_reported(refused_port):
    controller = Controller(PickyInbox(), hostname="127.0.0.1", port=refused_port)
    controller.start()
    try:
        with pytest.raises(MailError, match="refused every recipient: nobody@x.in"):
            send_mail(_mail(to=["nobody@x.in"]))
    finally:
        controller.stop()
