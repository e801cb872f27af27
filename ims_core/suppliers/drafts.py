"""The words of a follow-up: the Jinja2 templates (the team's own first), the text of each escalation
level, and who signs it. What to ask, and by when, is :mod:`ims_core.suppliers.asks`'s."""

from __future__ import annotations

import datetime as dt
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from sqlalchemy import select
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.gst.money import format_inr
from ims_core.models import Recipient
from ims_core.settings import get_settings
from ims_core.suppliers.asks import KIND_WORDS, DocumentAsk

# The templates live in the project's templates/ folder; an installed (non-editable) copy of the
# package finds them where pyproject's data-files put them, under the environment's share/. A team's
# own wording (IMS_TEMPLATES_DIR) comes before both: see ``environment``.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INSTALLED_TEMPLATES = Path(sysconfig.get_path("data")) / "share" / "ims-assistant" / "templates"
LEVELS = {1: "first_request", 2: "reminder", 3: "final_notice"}
CHAT_LISTED = 5


@dataclass(frozen=True)
class DraftText:
    subject: str
    body: str
    chat_text: str


class TemplateProblem(UserFacingError):
    """A follow-up template that cannot be rendered (a syntax error, an unknown name): nothing is
    drafted, and the message names the file and line to fix."""


@lru_cache
def environment(own_folder: str = "") -> Environment:
    """The follow-up templates: ``own_folder`` (``IMS_TEMPLATES_DIR``) first, so a team can word its
    own letters under the same names, then the project's templates/, then an installed copy's."""
    folders = [Path(own_folder)] if own_folder else []
    return Environment(
        loader=FileSystemLoader([*folders, TEMPLATES, INSTALLED_TEMPLATES]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _render_template(name: str, context: dict) -> str:
    """One template rendered; a broken one raises :class:`TemplateProblem` naming its file and line."""
    env = environment(get_settings().ims_templates_dir)
    try:
        template = env.get_template(name)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"follow-up template {exc.filename or name}, line {exc.lineno}: {exc.message}"
        ) from None
    try:
        return template.render(context).strip()
    except TemplateError as exc:  # an unknown name under StrictUndefined, a failing filter, …
        raise TemplateProblem(f"follow-up template {template.filename or name}: {exc}") from None


def document_lines(asks: list[DocumentAsk]) -> list[dict]:
    """The documents as the templates show them: words and formatted rupees, nothing to compute."""
    return [
        {
            "kind": KIND_WORDS.get(a.doc_type, "document"),
            "number": a.doc_number,
            "date": f"{a.doc_date:%d-%m-%Y}",
            "value": format_inr(a.invoice_value_paise),
            "taxable": format_inr(a.taxable_paise),
            "tax": format_inr(a.tax_paise),
            "wrong": a.what_is_wrong,
            "need": a.what_we_need,
        }
        for a in asks
    ]


def render(
    level: int,
    *,
    supplier_name: str,
    supplier_gstin: str,
    contact_name: str,
    company: str,
    asks: list[DocumentAsk],
    need_by_date: dt.date | None,
    previous_requests: list[dt.date],
    need_by_reason: str = "",
) -> DraftText:
    """The email subject, body and chat message for one escalation level (StrictUndefined templates)."""
    if level not in LEVELS:
        raise ValueError(f"escalation level {level} is not one of {sorted(LEVELS)}")
    lines = document_lines(asks)
    context = {
        "supplier_name": supplier_name or supplier_gstin,
        "supplier_gstin": supplier_gstin,
        "contact_name": contact_name,
        "company": company,
        "documents": lines,
        "document_count": len(lines),
        "chat_documents": lines[:CHAT_LISTED],
        "more_documents": max(0, len(lines) - CHAT_LISTED),
        "itc_held": format_inr(held) if (held := sum(a.itc_held_paise for a in asks)) else "",
        "itc_lost": format_inr(lost) if (lost := sum(a.itc_lost_paise for a in asks)) else "",
        "need_by": f"{need_by_date:%d-%m-%Y}" if need_by_date else "",
        "need_by_reason": need_by_reason,
        "previous_requests": [f"{d:%d-%m-%Y}" for d in previous_requests],
        "final_action": get_settings().ims_followup_final_action,
    }
    name = LEVELS[level]
    return DraftText(
        *(_render_template(f"followups/{name}.{part}.j2", context) for part in ("subject", "body", "chat"))
    )


class NoCompanyName(UserFacingError):
    """A letter would be signed with a GSTIN alone: the company's name is not set anywhere."""


def company_name(session: Session, asks: list[DocumentAsk], given: str = "") -> str:
    """Who signs the letter: ``given`` (``--company-name``), else the ``IMS_COMPANY_NAME`` setting, else
    the registration's legal name (``ims registration set GSTIN --legal-name``); refused without any,
    since a supplier should not have to recognise its customer by a GSTIN."""
    name = given.strip() or get_settings().ims_company_name.strip()
    if name:
        return name
    recipients = sorted({a.recipient_gstin for a in asks})
    names = dict(
        session.execute(
            select(Recipient.gstin, Recipient.legal_name).where(Recipient.gstin.in_(recipients))
        ).all()
    )
    name = next((names[g] for g in recipients if names.get(g)), "")
    if not name:
        raise NoCompanyName(
            f"no company name to sign the letter with for {', '.join(recipients)}: pass --company-name, set "
            "IMS_COMPANY_NAME, or record the registration's name with ims registration set GSTIN "
            "--frequency monthly --legal-name NAME"
        )
    return name
