"""``load_public_key`` reads every form a pinned key comes in, and names what it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from qnegov.errors import KeyLoadError
from qnegov.signing._trust import load_public_key

from .conftest import PKI

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


def _numbers(key: object) -> object:
    return key.public_numbers()  # type: ignore[attr-defined]


@pytest.mark.parametrize("form", ["key-pem", "key-der", "cert-pem", "cert-der"])
def test_a_key_is_read_from_each_form(tmp_path: Path, pki: PKI, form: str) -> None:
    cert = pki.rsa.certificate
    data = {
        "key-pem": cert.public_key().public_bytes(PEM, SPKI),
        "key-der": cert.public_key().public_bytes(DER, SPKI),
        "cert-pem": cert.public_bytes(PEM),
        "cert-der": cert.public_bytes(DER),
    }[form]
    path = tmp_path / "k"
    path.write_bytes(data)
    assert _numbers(load_public_key(path)) == _numbers(cert.public_key())


def test_an_ec_key_is_accepted(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    path = tmp_path / "ec.pem"
    path.write_bytes(key.public_bytes(PEM, SPKI))
    assert _numbers(load_public_key(str(path))) == _numbers(key)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.pem"
    with pytest.raises(KeyLoadError) as caught:
        load_public_key(path)
    assert caught.value.message == "cannot read file: No such file or directory"
    assert caught.value.file == str(path)


@pytest.mark.parametrize("data", [b"not a key at all", b"-----BEGIN PUBLIC KEY-----\nAAAA\n"])
def test_bytes_that_hold_no_key_are_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junk"
    path.write_bytes(data)
    with pytest.raises(KeyLoadError) as caught:
        load_public_key(path)
    assert caught.value.message.startswith("not a public key: ")
    assert caught.value.file == str(path)


def test_only_rsa_and_ec_keys_can_be_pinned(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    for name, data in (
        ("e.pem", key.public_bytes(PEM, SPKI)),
        ("e.der", key.public_bytes(DER, SPKI)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(KeyLoadError) as caught:
            load_public_key(path)
        assert caught.value.message == "only RSA and EC public keys can be pinned"
        assert caught.value.file == str(path)
