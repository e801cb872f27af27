"""Settings keep their secrets out of sight, and a ``.env`` file others may change is not used
silently."""

from __future__ import annotations

import logging
import os

import pytest

from ims_core.settings import Settings, env_file_warning, get_settings

SECRETS = {
    "slack_bot_token": "xoxb-123-456-abcdef",
    "slack_signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
    "slack_app_token": "xapp-1-A0-123-abc",
    "smtp_password": "s3cret-pass",
    "ims_gsp_client_secret": "gsp-client-secret",
    "ims_secret_key": "fernet-key-value",
    "ims_audit_key": "audit-key-value",
}


def test_secrets_never_show_in_repr_or_str():
    settings = Settings(**SECRETS)
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    for value in SECRETS.values():
        assert value not in shown
    assert settings.slack_bot_token.get_secret_value() == SECRETS["slack_bot_token"]
    assert settings.smtp_password.get_secret_value() == SECRETS["smtp_password"]


@pytest.mark.parametrize(("mode", "said"), [(0o666, "every user"), (0o620, "its group")])
def test_an_env_file_others_can_change_is_warned_of(tmp_path, monkeypatch, caplog, mode, said):
    env = tmp_path / ".env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-from-env-file\n")
    env.chmod(mode)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ims_core.settings"):
        settings = get_settings()
    get_settings.cache_clear()
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-env-file"  # still used, but said
    assert ".env can be changed by" in caplog.text and said in caplog.text and "chmod 600 .env" in caplog.text


def test_a_private_env_file_is_used_quietly(tmp_path):
    env = tmp_path / ".env"
    env.write_text("IMS_TIMEZONE=Asia/Kolkata\n")
    env.chmod(0o600)
    assert env_file_warning(env) == ""
    assert env_file_warning(tmp_path / "absent.env") == ""


def test_an_env_file_of_another_user_is_warned_of(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("")
    env.chmod(0o600)
    owner = os.stat(env).st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)  # the assistant running as someone else
    assert f"belongs to another user (uid {owner})" in env_file_warning(env)
