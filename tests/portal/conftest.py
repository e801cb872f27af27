"""The fake GSP, the settings that point the connector at it, and the portal's sample data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from ims_core.settings import get_settings

from .fake_gsp import CLIENT_ID, CLIENT_SECRET, FakeGsp, key_pair
from .records import RECIPIENT, USERNAME, gstr2b_part, ims_records


@pytest.fixture(scope="session")
def gstn_keys(tmp_path_factory: pytest.TempPathFactory):  # (private key, files)
    """GSTN's key pair for the fake (its public half as PEM and DER certificates and a PEM key)."""
    return key_pair(tmp_path_factory.mktemp("gstn"))


@pytest.fixture
def gsp(gstn_keys) -> Iterator[FakeGsp]:  # fixture
    """The fake GSP, serving the sample IMS records and October's GSTR-2B."""
    fake = FakeGsp(gstn_keys[0]).start()
    fake.ims = ims_records()
    fake.gstr2b["102025"] = [gstr2b_part(1)]
    yield fake
    fake.stop()


@pytest.fixture
def portal_env(gsp: FakeGsp, gstn_keys, env_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """The connector's settings pointed at the fake (no real waits); the environment a subprocess gets."""
    values = {
        "IMS_GSP_URL": gsp.url, "IMS_GSP_CLIENT_ID": CLIENT_ID, "IMS_GSP_CLIENT_SECRET": CLIENT_SECRET,
        "IMS_GSTN_PUBLIC_KEY": str(gstn_keys[1]["pem"]), "IMS_SECRET_KEY": Fernet.generate_key().decode(),
        "IMS_GSP_RETRY_SECONDS": "0,0", "IMS_GSP_POLL_SECONDS": "0,0,0,0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield {**os.environ, "COLUMNS": "200"}
    get_settings.cache_clear()


class Sleeps(list):
    """A sleep that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def ims(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The ``ims`` program in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "ims_core.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def logged_in(portal_env: dict) -> dict:
    """A live session for the sample recipient (logged in through the command, OTP given)."""
    result = ims(portal_env, "portal", "login", RECIPIENT, "--username", USERNAME, "--otp", "575757")
    assert result.returncode == 0, result.stderr
    return portal_env
