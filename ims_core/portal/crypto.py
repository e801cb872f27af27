"""The ciphers GSTN's taxpayer API prescribes, and the one that keeps sessions at rest; all from
``cryptography``, none written here.

- RSA PKCS#1 v1.5 with GSTN's public key: the app key sent at login;
- AES-256-ECB with PKCS#7 padding, base64 text: the OTP (under the app key), the session key ``sek``
  (under the app key), request and response data (under the session key and the response key);
- HMAC-SHA256, base64: the integrity tag of request and response data;
- Fernet (AES-128-CBC with HMAC-SHA256) with ``IMS_SECRET_KEY``: the session stored in the database.

ECB is GSTN's choice, not ours: it is what the portal speaks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_core.portal.errors import IntegrityFailure, NotConfigured

APP_KEY_BYTES = 32  # AES-256
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.S)


def new_app_key() -> bytes:
    """A fresh app key: 32 random bytes from the operating system's generator."""
    return secrets.token_bytes(APP_KEY_BYTES)


def load_public_key(path: str | Path) -> RSAPublicKey:
    """GSTN's RSA public key from a file holding a PEM public key, a PEM certificate (or both), or a
    DER certificate or key."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotConfigured(f"IMS_GSTN_PUBLIC_KEY: cannot read {path} ({exc.strerror})") from None
    try:
        key = _parse_key(data)
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, RSAPublicKey):
        raise NotConfigured(f"IMS_GSTN_PUBLIC_KEY: {path} holds no RSA public key or certificate "
                            "(expected PEM or DER, as GSTN publishes it)")
    return key


def _parse_key(data: bytes) -> object:
    blocks = {match.group(1).decode(): match.group(0) for match in _PEM_BLOCK.finditer(data)}
    if "CERTIFICATE" in blocks:
        return x509.load_pem_x509_certificate(blocks["CERTIFICATE"]).public_key()
    if "PUBLIC KEY" in blocks:
        return serialization.load_pem_public_key(blocks["PUBLIC KEY"])
    try:
        return x509.load_der_x509_certificate(data).public_key()
    except ValueError:
        return serialization.load_der_public_key(data)


def rsa_encrypt(public_key: RSAPublicKey, data: bytes) -> str:
    """``data`` under GSTN's public key (PKCS#1 v1.5), base64."""
    return _b64(public_key.encrypt(data, asymmetric_padding.PKCS1v15()))


def aes_encrypt(key: bytes, data: bytes) -> str:
    """``data`` under ``key`` (AES-ECB, PKCS#7), base64."""
    padder = symmetric_padding.PKCS7(algorithms.AES.block_size).padder()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return _b64(encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize())


def aes_decrypt(key: bytes, text: str | bytes, what: str = "data") -> bytes:
    """The plain bytes of base64 ``text`` encrypted under ``key``; :class:`IntegrityFailure` when it
    is not valid base64, not whole blocks, or its padding is wrong (a wrong key, or tampering)."""
    try:
        raw = base64.b64decode(text, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = symmetric_padding.PKCS7(algorithms.AES.block_size).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except (binascii.Error, ValueError, TypeError):
        raise IntegrityFailure(f"the portal's {what} could not be decrypted: nothing of it was used") \
            from None


def hmac_sha256(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, base64."""
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def same_text(a: str, b: str) -> bool:
    """Constant-time comparison of two tags."""
    return hmac.compare_digest(a.encode(), b.encode())


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class SecretBox:
    """Secrets at rest: a JSON object sealed with the Fernet key ``IMS_SECRET_KEY``."""

    def __init__(self, key: str) -> None:
        if not key:
            raise NotConfigured("IMS_SECRET_KEY is not set: portal sessions are stored encrypted with it. "
                                "Make one with `python -c \"from cryptography.fernet import Fernet; "
                                "print(Fernet.generate_key().decode())\"` and keep it secret")
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, binascii.Error):
            raise NotConfigured("IMS_SECRET_KEY is not a Fernet key (32 bytes, url-safe base64: what "
                                "Fernet.generate_key() prints)") from None

    def seal(self, values: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(values, sort_keys=True).encode()).decode("ascii")

    def open(self, token: str) -> dict[str, str]:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise NotConfigured("the stored portal session cannot be read with this IMS_SECRET_KEY "
                                "(was the key changed?); log in again with `ims portal login`") from None
