"""Loading keys and certificates, the test PKI maker, and trust stores from folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from qnegov.errors import InputError, KeyLoadError, UntrustedCertificate
from qnegov.signing import (
    KeySigner,
    SignatureMethod,
    Signer,
    TrustStore,
    make_test_pki,
    sign,
    verify,
)

from .conftest import PKI


def test_key_signer_is_a_signer(pki: PKI) -> None:
    assert isinstance(pki.rsa, Signer)
    assert (pki.rsa.key_type, pki.rsa.key_size) == ("rsa", 2048)
    assert (pki.ec.key_type, pki.ec.key_size) == ("ec", 256)
    assert len(pki.ec.sign(b"data", SignatureMethod.ECDSA_SHA256)) == 64  # raw r || s
    with pytest.raises(ValueError, match="cannot sign"):
        pki.ec.sign(b"data", SignatureMethod.RSA_SHA256)


def test_pem_with_encrypted_key_and_chain_file(pki: PKI, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_bytes(
        pki.rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"mat-khau"),
        )
    )
    bundle = tmp_path / "chain.pem"  # intermediate first: the signer is found by its key
    bundle.write_bytes(pki.pem(pki.intermediate) + pki.pem(pki.rsa.certificate))
    signer = KeySigner.from_pem(key, bundle, password="mat-khau")
    assert signer.certificate == pki.rsa.certificate
    assert signer.chain == (pki.intermediate,)
    with pytest.raises(KeyLoadError, match="password"):
        KeySigner.from_pem(key, bundle, password="sai")
    with pytest.raises(KeyLoadError, match="password"):
        KeySigner.from_pem(key, bundle)


def test_key_must_match_a_certificate(pki: PKI) -> None:
    key = pki.rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyLoadError, match="no certificate matches"):
        KeySigner.from_pem(key, pki.pem(pki.root))
    with pytest.raises(KeyLoadError, match="does not belong"):
        KeySigner(pki.rsa_key, pki.root)


def test_pkcs12_bundle(pki: PKI, tmp_path: Path) -> None:
    p12 = pkcs12.serialize_key_and_certificates(
        b"agency",
        pki.rsa_key,
        pki.rsa.certificate,
        [pki.root],
        serialization.BestAvailableEncryption(b"p12-pass"),
    )
    path = tmp_path / "a.p12"
    path.write_bytes(p12)
    signer = KeySigner.from_pkcs12(path, "p12-pass")
    assert signer.certificate == pki.rsa.certificate
    verify(sign(b"<a/>", signer), trust=pki.trust)
    with pytest.raises(KeyLoadError, match="PKCS#12"):
        KeySigner.from_pkcs12(path, "wrong")


def test_garbage_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        KeySigner.from_pem(tmp_path / "missing.key", tmp_path / "missing.pem")
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(KeyLoadError):
        TrustStore.from_paths(bad)
    (tmp_path / "empty").mkdir()
    with pytest.raises(KeyLoadError, match="at least one"):
        TrustStore.from_paths(tmp_path / "empty")


def test_trust_store_from_a_folder(pki: PKI) -> None:
    store = TrustStore.from_paths(pki.folder)  # root.pem, foreign-root.pem and signer.pem
    assert pki.root in store.anchors and pki.foreign_root in store.anchors
    verify(sign(b"<a/>", pki.foreign), trust=store)
    only_foreign = TrustStore.from_paths(pki.folder / "foreign-root.pem")
    with pytest.raises(UntrustedCertificate):
        verify(sign(b"<a/>", pki.rsa), trust=only_foreign)


def test_intermediate_is_not_an_anchor(pki: PKI) -> None:
    store = TrustStore([pki.foreign_root], intermediates=[pki.intermediate])
    with pytest.raises(UntrustedCertificate):
        verify(sign(b"<a/>", pki.chained), trust=store)


def test_a_directly_trusted_signer_certificate(pki: PKI) -> None:
    result = verify(sign(b"<a/>", pki.other), trust=TrustStore([pki.other.certificate]))
    assert result.chain == (pki.other.certificate,)


def test_make_test_pki_is_usable_and_marked(tmp_path: Path) -> None:
    for kind in ("rsa", "ec"):
        made = make_test_pki(tmp_path / kind, key_type=kind)
        signer = KeySigner.from_pkcs12(made.pkcs12, "test")
        assert signer.key_type == kind
        assert "NOT FOR PRODUCTION" in signer.certificate.subject.rfc4514_string()
        assert "NOT FOR PRODUCTION" in (made.folder / "README-NOT-FOR-PRODUCTION.txt").read_text()
        verify(
            sign(b"<a/>", KeySigner.from_pem(made.signer_key, made.signer_cert)),
            trust=TrustStore.from_paths(made.ca_cert),
        )
