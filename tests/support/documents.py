"""Portal documents inserted directly, one actor per role (a pytest plugin: the root ``conftest``
loads its fixtures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

import pytest
from sqlmodel import Session

from ims_core.audit import Actor
from ims_core.gst.dates import financial_year, period_key
from ims_core.models import PortalDocument

RECIPIENT = "29AAFCC9980M1ZR"
SUPPLIER = "27AHQPA7588L1ZJ"
OTHER_SUPPLIER = "06AAMCS8709B1ZA"
ASHA = Actor(id="U0ASHA", name="Asha", source="slack")
RAVI = Actor(id="U0RAVI", name="Ravi", source="slack")
CLI_ASHA = Actor(id="Asha", name="Asha", source="cli")
TODAY = dt.date(2025, 11, 5)

_numbers = iter(range(1, 10**6))


@pytest.fixture
def session(engine) -> Iterator[Session]:  # the conftest engine fixture
    with Session(engine, expire_on_commit=False) as s:
        yield s


def insert_document(session: Session, **fields: object) -> PortalDocument:
    """One portal document with sensible defaults (an IMS invoice of 102025 for ₹1,800 of tax)."""
    period = str(fields.pop("return_period", "102025"))
    doc_date = fields.pop("doc_date", dt.date(int(period[2:]), int(period[:2]), 10))
    defaults: dict[str, object] = dict(
        source="ims",
        section="b2b",
        recipient_gstin=RECIPIENT,
        return_period=period,
        period_key=period_key(period),
        supplier_gstin=SUPPLIER,
        supplier_pan=SUPPLIER[2:12],
        supplier_name="Acme Traders",
        doc_type="INV",
        doc_number=f"INV-{next(_numbers)}",
        doc_date=doc_date,
        fy=financial_year(doc_date),
        invoice_type="R",
        taxable_paise=1_000_000,
        igst_paise=0,
        cgst_paise=90_000,
        sgst_paise=90_000,
        cess_paise=0,
        invoice_value_paise=1_180_000,
        place_of_supply="29",
        ims_action="N",
        src_form="R1",
    )
    defaults.update(fields)
    doc = PortalDocument(**defaults)
    session.add(doc)
    session.commit()
    session.refresh(doc)
    return doc


@pytest.fixture
def make_doc(session: Session) -> Callable[..., PortalDocument]:
    return lambda **fields: insert_document(session, **fields)


def reconciled(session: Session, docs: Iterable[PortalDocument], *, status: str = "matched",
               action: str = "A", tax_paise: int = 0) -> None:
    """A reconciliation run of October 2025 in which each of ``docs`` got ``status`` and the
    recommended ``action`` (what the bulk decisions act on), committed."""
    from ims_core.models import MatchResult, ReconciliationRun

    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="102025")
    session.add(run)
    session.flush()
    session.add_all([
        MatchResult(run_id=run.id, portal_document_id=doc.id, status=status, recommended_action=action,
                    recipient_gstin=RECIPIENT, return_period=doc.return_period, tax_paise=tax_paise)
        for doc in docs])
    session.commit()
