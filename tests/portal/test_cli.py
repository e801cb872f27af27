"""``ims portal login|pull|push|status|logout`` end to end: the program in its own process, the fake GSP
over HTTP on loopback, the test's database (SQLite, or PostgreSQL with ``DATABASE_URL``)."""

from __future__ import annotations

from sqlalchemy import func, select

from ims_core.db import build_engine
from ims_core.models import AuditEvent, ImsDecision, PortalDocument, PortalSession

from .conftest import ims
from .records import ACME, CHOLA, RECIPIENT, USERNAME


def _count(url: str, query) -> int:  # a select
    engine = build_engine(url)
    with engine.connect() as conn:
        value = conn.execute(query).scalar()
    engine.dispose()
    return value


def test_the_month_in_one_loop_login_pull_decide_push_status(logged_in, gsp, database_url):
    env = logged_in
    pulled = ims(env, "portal", "pull", "--recipient", RECIPIENT, "--period", "102025")
    assert pulled.returncode == 0, pulled.stderr
    assert "IMS for 29AAFCC9980M1ZR from the portal: B2B 5, CN 1." in pulled.stdout
    assert "ims import of portal-ims-29AAFCC9980M1ZR-" in pulled.stdout
    assert "gstr2b import of" in pulled.stdout
    assert "portal-gstr2b-29AAFCC9980M1ZR-102025-1of1-" in pulled.stdout
    assert _count(database_url, select(func.count()).select_from(PortalDocument)
                  .where(PortalDocument.source == "ims")) == 6

    rejected = ims(env, "action", "reject", f"{CHOLA}/CH0092", "--by", "asha", "--reason", "not ours")
    assert rejected.returncode == 0, rejected.stderr
    assert ims(env, "action", "accept", f"{ACME}/ACM/101", "--by", "asha").returncode == 0
    gsp.refuse[(ACME, "ACM/101")] = ("IMSSAV0010", "The record was changed by the supplier")

    dry = ims(env, "portal", "push", "--recipient", RECIPIENT, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "accept" in dry.stdout and "reject" in dry.stdout and "₹16,200.00" in dry.stdout  # 14,400 + 1,800
    assert "Dry run: nothing was sent." in dry.stdout and not gsp.uploads

    pushed = ims(env, "portal", "push", "--recipient", RECIPIENT, "--by", "asha")
    assert pushed.returncode == 0, pushed.stderr  # PE: processed, the refusal printed
    assert "SAVE 1/1: upload IMSREF0001 processed with errors; 1 uploaded, 1 refused" in pushed.stdout
    assert f"refused b2b {ACME}/ACM/101: IMSSAV0010 The record was changed by the supplier" in pushed.stdout
    assert gsp.actions()[(CHOLA, "CH0092")] == "R"

    shown = ims(env, "action", "show", f"{ACME}/ACM/101")
    assert "refused by the portal: IMSSAV0010 The record was changed by the supplier (upload IMSREF0001); " \
           "not uploaded" in shown.stdout
    assert "uploaded to the portal" in ims(env, "action", "show", f"{CHOLA}/CH0092").stdout

    status = ims(env, "portal", "status", "--recipient", RECIPIENT)
    assert status.returncode == 0, status.stderr
    assert f"session active ({USERNAME}), until" in status.stdout
    assert "last IMS pull:" in status.stdout and "imported, 6 documents" in status.stdout
    assert "last GSTR-2B 102025 pull:" in status.stdout and "imported, 1 documents" in status.stdout
    assert "last push:" in status.stdout and "upload IMSREF0001 PE, 1 uploaded, 1 refused" in status.stdout
    assert "1 record(s) refused by the portal" in status.stdout

    kinds = _audit_kinds(database_url)
    assert kinds.count("portal_login") == 1 and kinds.count("portal_push") == 1
    assert kinds.count("portal_push_result") == 1 and kinds.count("import") == 2

    out = ims(env, "portal", "logout", "--recipient", RECIPIENT)
    assert out.returncode == 0 and "Logged out of the GST portal" in out.stdout and not gsp.sessions
    again = ims(env, "portal", "pull", "--recipient", RECIPIENT)
    assert again.returncode == 1
    assert again.stderr.startswith("error: no portal session for 29AAFCC9980M1ZR (last user deccan_fin, "
                                   "logged out): log in with `ims portal login")


def _audit_kinds(url: str) -> list[str]:
    engine = build_engine(url)
    with engine.connect() as conn:
        kinds = list(conn.execute(select(AuditEvent.kind).order_by(AuditEvent.id)).scalars())
    engine.dispose()
    return kinds


def test_login_in_two_steps_without_a_terminal(portal_env, gsp, database_url):
    first = ims(portal_env, "portal", "login", RECIPIENT, "--username", USERNAME)
    assert first.returncode == 0, first.stderr
    assert "An OTP was sent to the mobile and e-mail registered for deccan_fin" in first.stdout
    assert f"ims portal login {RECIPIENT} --username {USERNAME} --otp CODE" in first.stdout
    assert USERNAME in gsp.pending_app_keys and not gsp.sessions

    wrong = ims(portal_env, "portal", "login", RECIPIENT, "--username", USERNAME, "--otp", "123456")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == ("error: the OTP is wrong or has expired (AUTH4034: Invalid OTP); run "
                                    "`ims portal login` again with the OTP the portal sent")
    right = ims(portal_env, "portal", "login", RECIPIENT, "--username", USERNAME, "--otp", "575757")
    assert right.returncode == 0, right.stderr
    assert "Logged in to the GST portal as deccan_fin for 29AAFCC9980M1ZR" in right.stdout
    # one OTP request in all: the second and third runs used the app key the first one sent
    assert [r["action"] for r in gsp.requests] == ["OTPREQUEST", "AUTHTOKEN", "AUTHTOKEN"]

    refreshed = ims(portal_env, "portal", "login", RECIPIENT, "--username", USERNAME)
    assert refreshed.returncode == 0
    assert "Session for 29AAFCC9980M1ZR (deccan_fin) refreshed" in refreshed.stdout
    assert gsp.requests[-1]["action"] == "REFRESHTOKEN"
    assert _count(database_url, select(func.count()).select_from(PortalSession)
                  .where(PortalSession.state == "active")) == 1


def test_an_erred_upload_exits_non_zero_and_keeps_every_record_un_uploaded(logged_in, gsp, database_url):
    assert ims(logged_in, "portal", "pull", "--recipient", RECIPIENT).returncode == 0
    assert ims(logged_in, "action", "accept", f"{ACME}/ACM/102", "--by", "asha").returncode == 0
    gsp.error_all = ("IMSSAV005", "Invalid JSON schema")
    pushed = ims(logged_in, "portal", "push", "--recipient", RECIPIENT)
    assert pushed.returncode == 1
    assert "SAVE 1/1: upload IMSREF0001 refused (error); 0 uploaded, 1 refused" in pushed.stdout
    assert pushed.stderr.strip() == ("error: the portal refused upload IMSREF0001 as a whole (ER); nothing "
                                     "of it was uploaded")
    assert _count(database_url, select(func.count()).select_from(ImsDecision)
                  .where(ImsDecision.upload_error_code == "IMSSAV005",
                         ImsDecision.exported_signature == "")) == 1


def test_pull_says_when_gstr2b_is_not_generated_and_still_imports_ims(logged_in, gsp):
    result = ims(logged_in, "portal", "pull", "--recipient", RECIPIENT, "--period", "112025")
    assert result.returncode == 0, result.stderr
    assert "GSTR-2B 112025 is not generated yet (RET2B1023); pull it again after the 14th" in result.stdout
    assert "ims import of portal-ims-" in result.stdout


def test_bad_arguments_and_missing_settings_are_one_line_errors(portal_env, monkeypatch):
    bad = ims(portal_env, "portal", "pull", "--recipient", "29AAFCC9980M1Z")
    assert bad.returncode == 1 and bad.stderr.startswith("error: '29AAFCC9980M1Z' is not a GSTIN")
    period = ims(portal_env, "portal", "pull", "--recipient", RECIPIENT, "--period", "2025-10")
    assert period.returncode == 1 and "--period: '2025-10' is not a return period" in period.stderr
    unset = ims({**portal_env, "IMS_SECRET_KEY": ""}, "portal", "login", RECIPIENT, "--username", USERNAME)
    assert unset.returncode == 1 and unset.stderr.startswith("error: IMS_SECRET_KEY is not set")
    no_url = ims({**portal_env, "IMS_GSP_URL": ""}, "portal", "login", RECIPIENT, "--username", USERNAME)
    assert no_url.returncode == 1 and no_url.stderr.startswith("error: IMS_GSP_URL is not set")
