"""Pulling IMS and GSTR-2B: every section, the large-file route, parts, "no data", failures that
leave nothing half-imported, and retries that wait through an injected sleep."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.ingest.document import IngestError
from ims_core.models import ImportBatch, PortalDocument, PortalPull
from ims_core.portal import service, sessions
from ims_core.portal.errors import GspLimit, IntegrityFailure, PortalUnavailable

from .records import ACME, RECIPIENT, USERNAME, gstr2b_part, invoice

ASHA = Actor(id="asha", name="Asha", source="cli")
NOON = dt.datetime(2025, 11, 12, 6, 30, tzinfo=dt.UTC)


@pytest.fixture
def session_ready(portal_env, engine, gsp):
    with clock.frozen(NOON):
        sessions.login(engine, sessions.transport_from_settings(), sessions.secret_box(), gstin=RECIPIENT,
                       username=USERNAME, otp="575757", actor=ASHA)
    gsp.requests.clear()
    return engine


def _pull(engine, sleeps=None, period=None):
    with clock.frozen(NOON):
        return service.pull(engine, RECIPIENT, actor=ASHA, period=period,
                            sleep=sleeps if sleeps is not None else (lambda s: None))


def _documents(engine, source: str = "ims") -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(PortalDocument)
                               .where(PortalDocument.source == source)).scalar()


def test_every_section_is_asked_for_and_empty_ones_are_not_failures(session_ready, gsp):
    result = _pull(session_ready)
    asked = [r["query"]["section"] for r in gsp.requests if r["action"] == "GETINV"]
    assert asked == ["B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG", "IMPGA", "IMPGSEZ",
                     "IMPGSEZA"]
    assert (result.ims_sections["B2B"], result.ims_sections["CN"], result.ims_sections["DN"]) == (5, 1, 0)
    assert (result.ims.added, result.ims.kind, result.ims.recipient_gstin) == (6, "ims", RECIPIENT)
    assert _documents(session_ready) == 6
    request = next(r for r in gsp.requests if r["action"] == "GETINV")
    headers = request["headers"]
    assert (headers["gstin"], headers["state-cd"], headers["username"]) == (RECIPIENT, "29", USERNAME)
    assert len({r["headers"]["txn"] for r in gsp.requests}) == len(gsp.requests)  # a fresh txn each time


def test_a_second_pull_of_the_same_data_changes_nothing_and_a_changed_record_is_updated(session_ready, gsp):
    _pull(session_ready)
    again = _pull(session_ready)
    assert again.ims.previous_batch is not None and again.ims.added == 0
    gsp.ims["b2b"][0] = invoice(ACME, "ACM/101", taxable=12_000)
    changed = _pull(session_ready)
    assert (changed.ims.added, changed.ims.updated, changed.ims.unchanged) == (0, 1, 5)
    with Session(session_ready) as session:
        outcomes = list(session.execute(select(PortalPull.outcome).order_by(PortalPull.id)).scalars())
    assert outcomes == ["imported", "unchanged", "imported"]


def test_the_large_file_route_waits_for_the_file_checks_and_decrypts_every_part(session_ready, gsp, sleeps):
    gsp.large, gsp.not_ready, gsp.file_parts = {"B2B"}, 2, 2
    result = _pull(session_ready, sleeps)
    assert [r["action"] for r in gsp.requests].count("FILEDET") == 3  # RTN_24 twice, then the details
    assert sleeps == [0.0, 0.0]  # the poll schedule's first waits (IMS_GSP_POLL_SECONDS)
    assert sum(1 for r in gsp.requests if r["path"].startswith("/files/")) == 2
    assert result.ims_sections["B2B"] == 5 and _documents(session_ready) == 6


def test_a_file_that_fails_its_hash_is_refused_and_nothing_is_imported(session_ready, gsp):
    gsp.large, gsp.corrupt_files = {"B2B"}, True
    with pytest.raises(IntegrityFailure, match="does not match the SHA-256 hash"):
        _pull(session_ready)
    assert _documents(session_ready) == 0
    with Session(session_ready) as session:
        pull = session.execute(select(PortalPull)).scalar_one()
    assert pull.outcome == "failed" and "SHA-256" in pull.message


def test_gstr2b_in_parts_is_merged_into_one_import(session_ready, gsp):
    gsp.gstr2b["092025"] = [gstr2b_part(n, of=3) for n in (1, 2, 3)]
    for part in gsp.gstr2b["092025"]:
        part["data"]["rtnprd"] = "092025"
    result = _pull(session_ready, period="092025")
    fetched = [r["query"].get("file_num") for r in gsp.requests if r["action"] == "GET2B"]
    assert fetched == [None, "1", "2", "3"]
    assert result.gstr2b.added == 3 and result.gstr2b.return_period == "092025"
    assert "portal-gstr2b-29AAFCC9980M1ZR-092025-3of3-" in result.gstr2b.file_name
    assert result.gstr2b.warnings == []  # all three files of fc = 3 were given
    with Session(session_ready) as session:
        assert session.execute(select(func.count()).select_from(ImportBatch)).scalar() == 2


def test_gstr2b_not_generated_is_a_message_and_ims_still_lands(session_ready, gsp):
    result = _pull(session_ready, period="122025")
    assert result.gstr2b is None and result.gstr2b_note.startswith("GSTR-2B 122025 is not generated yet")
    assert _documents(session_ready) == 6
    with Session(session_ready) as session:
        last = session.execute(select(PortalPull).order_by(PortalPull.id.desc())).scalars().first()
    assert (last.kind, last.period, last.outcome) == ("gstr2b", "122025", "not_generated")


def test_a_gsp_down_is_retried_with_back_off_then_succeeds(session_ready, gsp, sleeps, monkeypatch):
    from ims_core.settings import get_settings

    monkeypatch.setenv("IMS_GSP_RETRY_SECONDS", "2,5,15")
    get_settings.cache_clear()
    gsp.fail_next = [503, 504]
    result = _pull(session_ready, sleeps)
    assert result.ims.added == 6
    assert len(sleeps) == 2 and 2 <= sleeps[0] <= 2.5 and 5 <= sleeps[1] <= 6.25  # waits plus jitter


def test_a_gsp_that_stays_down_is_a_clear_error_after_the_retries(session_ready, gsp, sleeps):
    gsp.fail_next = [503] * 10
    with pytest.raises(PortalUnavailable) as caught:
        _pull(session_ready, sleeps)
    assert "did not answer GET (HTTP 503) after 3 attempts; the GSP or the GST portal may be down" \
        in str(caught.value)
    assert len(sleeps) == 2 and _documents(session_ready) == 0


def test_a_rate_limit_is_not_retried(session_ready, gsp, sleeps):
    gsp.rate_limited = True
    with pytest.raises(GspLimit, match=r"rate or credit limit reached \(HTTP 429, retry after 60 s\)"):
        _pull(session_ready, sleeps)
    assert sleeps == [] and len(gsp.requests) == 1


def test_records_the_parser_refuses_leave_the_database_as_it_was(session_ready, gsp):
    gsp.ims["b2b"][1]["idt"] = "31-02-2025"
    with pytest.raises(IngestError) as caught:
        _pull(session_ready)
    assert "b2b[1]" in str(caught.value) and "idt" in str(caught.value)
    assert _documents(session_ready) == 0
