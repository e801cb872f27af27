"""The GST portal from Slack over real HTTP: the scheduled pull (once per time however many bots run),
'Upload decisions to the portal' behind a confirmation with counts and ₹, the outcome with refused
records in the channel, and a lapsed session named with who must log in again. The fake Slack Web API
and the fake GSP both serve on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from portal.fake_gsp import CLIENT_ID, CLIENT_SECRET, OTP, FakeGsp, key_pair
from portal.records import ACME, CHOLA, RECIPIENT, USERNAME, gstr2b_part, ims_records
from sqlalchemy import select
from sqlmodel import Session

from bot.blocks.portal import PORTAL_UPLOAD
from bot.portal_jobs import pull_times
from bot.scheduler import BotScheduler
from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.errors import UserFacingError
from ims_core.models import PortalDocument
from ims_core.portal import sessions
from ims_core.settings import get_settings

from .conftest import ASHA, CHANNEL, OUTSIDER, BotUnderTest, serving
from .test_e2e_decisions import events, wait_until


@pytest.fixture
def gsp(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGsp]:
    """The fake GSP with the sample IMS records and October's GSTR-2B; the connector pointed at it."""
    private_key, files = key_pair(tmp_path)
    fake = FakeGsp(private_key).start()
    fake.ims = ims_records()
    fake.gstr2b["102025"] = [gstr2b_part(1)]
    for name, value in {
        "IMS_GSP_URL": fake.url, "IMS_GSP_CLIENT_ID": CLIENT_ID, "IMS_GSP_CLIENT_SECRET": CLIENT_SECRET,
        "IMS_GSTN_PUBLIC_KEY": str(files["pem"]), "IMS_SECRET_KEY": Fernet.generate_key().decode(),
        "IMS_GSP_RETRY_SECONDS": "0,0", "IMS_GSP_POLL_SECONDS": "0,0,0,0",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield fake
    fake.stop()
    get_settings.cache_clear()


@pytest.fixture
def logged_in(gsp: FakeGsp, bot: BotUnderTest, engine) -> BotScheduler:
    """The channel follows the recipient, and the taxpayer has logged in (with the OTP) from a terminal."""
    assert bot.command(f"subscribe {RECIPIENT}")[0] == 200
    bot.slack.wait_for("response_url:/respond/U0ASHA")
    sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                   username=USERNAME, otp=OTP, actor=Actor("asha", "Asha", "cli"))
    return BotScheduler(bot.services)


def channel_texts(bot: BotUnderTest) -> list[str]:
    return [c.args["text"] for c in bot.slack.of("chat.postMessage") if c.args["channel"] == CHANNEL]


def _decide(engine, stin: str, number: str, action: str) -> None:
    with Session(engine) as session:
        doc = session.execute(select(PortalDocument).where(
            PortalDocument.supplier_gstin == stin, PortalDocument.doc_number == number,
            PortalDocument.source == "ims")).scalar_one()
        decide(session, portal_document_id=doc.id, action=action, actor=Actor(ASHA, "asha", "slack"))
        session.commit()


def test_the_pull_times_default_to_twice_a_day_and_refuse_a_bad_time():
    assert pull_times(get_settings().ims_portal_pull_times) == [(9, 0), (16, 0)]
    with pytest.raises(UserFacingError, match="'25:00' is not a time"):
        pull_times("09:00,25:00")


def test_a_scheduled_pull_imports_and_tells_the_channel_once(bot: BotUnderTest, engine, logged_in):
    assert logged_in.run_portal_pull("09:00") == "done"
    said = channel_texts(bot)[-1]
    assert said.startswith(f":inbox_tray: Pulled IMS for {RECIPIENT}") and "6 new" in said
    assert "GSTR-2B 102025: 1 new" in said  # last month's GSTR-2B, as of 12 November
    # another bot process firing the same job at the same time finds it claimed
    assert BotScheduler(bot.services).run_portal_pull("09:00") == "skipped"
    assert len([t for t in channel_texts(bot) if t.startswith(":inbox_tray:")]) == 1


def test_upload_from_app_home_confirms_counts_and_rupees_and_posts_refusals(
    bot: BotUnderTest, engine, gsp: FakeGsp, logged_in
):
    logged_in.run_portal_pull("09:00")
    _decide(engine, ACME, "ACM/101", "accept")  # 9% + 9% of ₹10,000: ₹1,800 of tax
    _decide(engine, CHOLA, "CH0091", "reject")  # 9% + 9% of ₹1,500: ₹270
    gsp.refuse[(ACME, "ACM/101")] = ("IMSSAV0010", "The record was modified by the supplier")
    bot.click(PORTAL_UPLOAD, "upload", user=ASHA)
    update = bot.slack.wait_for("views.update")[0]
    view = update.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    shown = json.dumps(view, ensure_ascii=False)
    assert "*2 decision(s) not yet on the portal* · ₹2,070.00 net tax" in shown
    assert "accept 1, reject 1" in shown and view["submit"]["text"] == "Upload 2"
    status, _ = bot.submit(view, {}, user=ASHA)
    assert status == 200
    wait_until(lambda: any("Upload to the GST portal" in t for t in channel_texts(bot)))
    outcome = [t for t in channel_texts(bot) if "Upload to the GST portal" in t][0]
    assert "processed with errors; 1 uploaded, 1 refused" in outcome
    assert f"{ACME}/ACM/101: IMSSAV0010 The record was modified by the supplier" in outcome
    assert gsp.actions()[(CHOLA, "CH0091")] == "R"


def test_a_lapsed_session_is_told_with_who_must_log_in(bot: BotUnderTest, engine, gsp: FakeGsp, logged_in):
    gsp.expire_sessions()  # the portal ended the session
    assert logged_in.run_portal_pull("16:00") == "done"  # the job ran; what failed is said, not raised
    said = channel_texts(bot)[-1]
    assert said.startswith(":key: I could not pull from the GST portal")
    assert f"{USERNAME} must log in again with a new OTP" in said
    assert f"ims portal login {RECIPIENT} --username {USERNAME}" in said


def test_upload_is_for_approvers_only(bot: BotUnderTest, engine, logged_in):
    bot.click(PORTAL_UPLOAD, "upload", user=OUTSIDER)
    wait_until(lambda: bool(events(engine, "refused")))
    assert events(engine, "refused")[0].actor_id == OUTSIDER and bot.slack.of("views.open") == []


def test_the_scheduler_pulls_at_the_configured_times_in_the_configured_zone(engine, database_url, slack):
    with serving(engine, database_url, slack, ims_portal_pull_times="08:15, 17:45") as bot:
        scheduler = BotScheduler(bot.services)
        scheduler.start(catch_up=False)
        try:
            jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        finally:
            scheduler.shutdown()
    assert {"portal-pull:0815", "portal-pull:1745", "escalations"} <= set(jobs)
    fire = jobs["portal-pull:0815"].trigger.get_next_fire_time(None, jobs["portal-pull:0815"].next_run_time)
    assert (fire.hour, fire.minute, fire.tzinfo.key) == (8, 15, "Asia/Kolkata")
