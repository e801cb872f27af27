"""The ciphers against published test vectors and against the fake GSP's own implementation, and the
key files GSTN publishes in their several forms."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

from ims_core.portal import crypto
from ims_core.portal.errors import IntegrityFailure, NotConfigured

from .fake_gsp import aes, tag, unaes


def test_aes_256_ecb_matches_fips_197():
    # FIPS-197 appendix C.3: AES-256, key 00..1f, plaintext 00112233..ff
    key = bytes(range(32))
    block = bytes.fromhex("00112233445566778899aabbccddeeff")
    out = base64.b64decode(crypto.aes_encrypt(key, block))
    assert out[:16].hex() == "8ea2b7ca516745bfeafc49904b496089"
    assert len(out) == 32  # PKCS#7 adds a whole block to a whole block
    assert crypto.aes_decrypt(key, base64.b64encode(out)) == block


def test_hmac_sha256_matches_rfc_4231():
    digest = base64.b64decode(crypto.hmac_sha256(b"Jefe", b"what do ya want for nothing?"))
    assert digest.hex() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_the_client_and_the_fake_read_each_other():
    key = crypto.new_app_key()
    assert len(key) == 32 and key != crypto.new_app_key()
    assert unaes(key, crypto.aes_encrypt(key, b"575757")) == b"575757"
    assert crypto.aes_decrypt(key, aes(key, b"{\"a\":1}")) == b"{\"a\":1}"
    assert crypto.hmac_sha256(key, b"x") == tag(key, b"x")


def test_a_wrong_key_or_broken_text_is_an_integrity_failure():
    text = crypto.aes_encrypt(bytes(32), b"secret data")
    with pytest.raises(IntegrityFailure, match="could not be decrypted"):
        crypto.aes_decrypt(bytes([1]) * 32, text)
    with pytest.raises(IntegrityFailure):
        crypto.aes_decrypt(bytes(32), "not base64!")


@pytest.mark.parametrize("form", ["pem", "der", "key"])
def test_gstns_key_loads_from_a_pem_or_der_certificate_or_a_pem_key(gstn_keys, form):
    private, files = gstn_keys
    key = crypto.load_public_key(files[form])
    secret = b"0" * 32
    assert private.decrypt(base64.b64decode(crypto.rsa_encrypt(key, secret)), PKCS1v15()) == secret


def test_a_file_with_key_and_certificate_loads_and_anything_else_is_named(gstn_keys, tmp_path):
    _, files = gstn_keys
    both = tmp_path / "both.pem"
    both.write_bytes(files["key"].read_bytes() + files["pem"].read_bytes())
    assert crypto.load_public_key(both).key_size == 2048
    junk = tmp_path / "junk.cer"
    junk.write_bytes(b"not a certificate")
    with pytest.raises(NotConfigured, match="junk.cer holds no RSA public key or certificate"):
        crypto.load_public_key(junk)
    with pytest.raises(NotConfigured, match="cannot read"):
        crypto.load_public_key(tmp_path / "missing.pem")


def test_the_secret_box_seals_and_names_what_is_wrong():
    box = crypto.SecretBox(Fernet.generate_key().decode())
    sealed = box.seal({"auth_token": "t0k3n"})
    assert "t0k3n" not in sealed and box.open(sealed) == {"auth_token": "t0k3n"}
    with pytest.raises(NotConfigured, match="IMS_SECRET_KEY is not set"):
        crypto.SecretBox("")
    with pytest.raises(NotConfigured, match="cannot be read with this IMS_SECRET_KEY"):
        crypto.SecretBox(Fernet.generate_key().decode()).open(sealed)
