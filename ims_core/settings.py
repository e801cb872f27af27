"""All configuration in one place: environment variables and an optional ``.env`` file."""

from __future__ import annotations

import logging
import os
import stat
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = ".env"


class Settings(BaseSettings):
    """The settings DESIGN.md fixes, plus the tolerances and policies users tune."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///ims.db", description="SQLAlchemy URL of the database")
    # Secrets are SecretStr: repr(), logs and test output show '**********', never the value
    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")
    slack_api_url: str = "https://slack.com/api/"
    ims_approvers: str = Field(default="", description="comma-separated Slack user/user-group IDs")
    ims_timezone: str = "Asia/Kolkata"

    # Matching tolerances (DESIGN.md: ₹1 per tax head, same date)
    ims_amount_tolerance: Decimal = Decimal("1.00")
    ims_date_tolerance_days: int = 0

    # Maker-checker: rejecting a document above this tax needs a second approver
    ims_reject_approval_threshold: Decimal = Decimal("100000")
    # A rejection still waiting for its second approver this many hours after it was asked for is
    # raised once in the channel it was asked in (the approvers had it by direct message)
    ims_approval_escalate_hours: float = 24.0

    # GSTR-3B due day for monthly filers; QRMP states file on the 22nd or the 24th
    ims_gstr3b_due_day: int = 20
    # QRMP state codes whose GSTR-3B is due on the 22nd (empty: the built-in list in deadlines.py)
    ims_qrmp_22nd_states: str = ""
    # Rule 88D (DRC-01C): GSTR-3B claiming more than GSTR-2B by more than this amount and this share
    ims_rule_88d_amount: Decimal = Decimal("2500000")
    ims_rule_88d_percent: int = 20
    # DOMAIN.md marks this (?): whether a partial or nil ITC reduction needs remarks
    ims_remarks_required_for_reduced_itc: bool = True

    # Supplier follow-ups: days before an unresolved one comes back into the digest, and what the
    # final notice says the company will do (company policy, so configurable)
    ims_followup_cadence_days: int = 7
    # The company's name that signs supplier letters (else the registration's legal name)
    ims_company_name: str = ""
    ims_followup_final_action: str = "reverse the input tax credit on these documents and hold the payment"
    # A folder of the team's own follow-up templates (followups/<level>.<part>.j2), used before ours
    ims_templates_dir: str = ""

    # The GST portal through a GSP (ims_core.portal): the GSP's base URL and the credentials it issued,
    # GSTN's public key (a PEM or DER file), and the Fernet key sessions are stored encrypted with
    ims_gsp_url: str = ""
    ims_gsp_client_id: str = ""
    ims_gsp_client_secret: SecretStr = SecretStr("")
    ims_gstn_public_key: str = Field(default="", description="path of GSTN's public certificate or key")
    ims_secret_key: SecretStr = SecretStr("")
    # A JSON file overriding the GSP's paths, API versions, headers or IMS sections (ims_core.portal.profile)
    ims_gsp_profile: str = ""
    ims_gsp_ip_usr: str = Field(default="127.0.0.1", description="the user IP address GSTN asks for (ip-usr)")
    ims_gsp_timeout_seconds: float = 60.0
    # Seconds to wait before each retry of a request the GSP or GSTN could not answer (5xx, timeout)
    ims_gsp_retry_seconds: str = "2,5,15"
    # Seconds between looks at an upload's status (and at a large file being prepared): the schedule
    # india-compliance uses, 2 s up to 12 min, about half an hour in all
    ims_gsp_poll_seconds: str = "2,3,15,30,60,120,300,600,720"
    # Uploads above this size are split (some GSPs refuse requests of about 4 MB)
    ims_gsp_max_request_bytes: int = 3_500_000
    # A session with less than this left is refreshed before a pull or push
    ims_gsp_refresh_minutes: int = 30
    # When the bot pulls IMS (and GSTR-2B) from the portal by itself, HH:MM in IMS_TIMEZONE, comma-separated
    # (empty: never); each time runs once however many bots run
    ims_portal_pull_times: str = "09:00,16:00"

    # The audit trail's anchor (ims_core.audit.anchor): the key of the checkpoint's keyed hash (else
    # IMS_AUDIT_DIR/audit.key, generated on first use); the checkpoint's file (else beside a SQLite
    # database, or in IMS_AUDIT_DIR for a server database); IMS_AUDIT_DIR defaults to
    # ~/.config/ims-assistant
    ims_audit_key: SecretStr = SecretStr("")
    ims_audit_dir: str = ""
    ims_audit_checkpoint: str = ""

    # Imports: an XLSX whose parts unpack to more than this many MB is refused before it is read
    ims_max_xlsx_mb: int = 256

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""
    # One email's whole SMTP conversation, connect to QUIT: a server slower than this fails the send
    smtp_deadline_seconds: float = 60.0

    @property
    def approvers(self) -> set[str]:
        return {a.strip() for a in self.ims_approvers.split(",") if a.strip()}


logger = logging.getLogger(__name__)


def env_file_warning(path: Path | str = ENV_FILE) -> str:
    """Why the ``.env`` file at ``path`` should not be trusted as it is, or "" when it is fine.

    Whoever can write it can point ``DATABASE_URL``, ``SLACK_API_URL`` or ``SMTP_HOST`` elsewhere and
    read what the assistant then sends there, so a file other users may change (or that another user
    owns) is worth a warning every time it is read. (POSIX permissions; elsewhere nothing to say.)
    """
    try:
        info = os.stat(path)
    except OSError:
        return ""
    if os.name != "posix":
        return ""
    who = [w for bit, w in ((stat.S_IWGRP, "its group"), (stat.S_IWOTH, "every user")) if info.st_mode & bit]
    if who:
        return (f"{path} can be changed by {' and '.join(who)} (mode {stat.filemode(info.st_mode)}); "
                f"anyone who can change it controls where the assistant connects: chmod 600 {path}")
    if info.st_uid != os.getuid():
        return (f"{path} belongs to another user (uid {info.st_uid}); the assistant runs as uid "
                f"{os.getuid()}: make it the owner's file (chown) and chmod 600 {path}")
    return ""


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once; a ``.env`` others may change is used with a warning."""
    if warning := env_file_warning(ENV_FILE):
        logger.warning("%s", warning)
    return Settings()
