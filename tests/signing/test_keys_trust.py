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


class TokenSigner:
    """A stand-in for an HSM/PKCS#11 signer: only the protocol, no KeySigner inside."""

    def __init__(self, pki: PKI) -> None:
        self._key = pki.rsa_key
        self.certificate = pki.rsa.certificate
        self.chain = ()
        self.key_type = "rsa"
        self.key_size = 2048
        self.calls = 0

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import padding

        self.calls += 1
        return self._key.sign(data, padding.PKCS1v15(), method.digest.hash_algorithm())


def test_any_signer_protocol_implementation_plugs_in(pki: PKI) -> None:
    from qnegov.signing import sign_packet, verify_packet

    from .conftest import unsigned_packet

    token = TokenSigner(pki)
    assert isinstance(token, Signer)
    signed = sign_packet(unsigned_packet(), token)
    assert token.calls == 1
    assert verify_packet(signed, trust=pki.trust).certificate == pki.rsa.certificate


def test_path_building_is_bounded_against_look_alike_cas(
    pki: PKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 fake 'Test Sub CA' certificates (one attacker key) issued by 40 fake 'Test Root CA'
    certificates: without a budget the search would try 40 x 40 links."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from qnegov.signing import _trust

    from .conftest import make_cert

    attacker = ec.generate_private_key(ec.SECP256R1())
    fake_roots = [make_cert("Test Root CA", attacker, None, attacker, ca=True) for _ in range(40)]
    fake_subs = [
        make_cert("Test Sub CA", attacker, fake_roots[0], attacker, ca=True) for _ in range(40)
    ]
    leaf = make_cert("Victim", attacker, fake_subs[0], attacker)
    checks = 0
    real = _trust._issues

    def counting(issuer: object, child: object, *, below: int) -> bool:
        nonlocal checks
        checks += 1
        return real(issuer, child, below=below)  # type: ignore[arg-type]

    monkeypatch.setattr(_trust, "_issues", counting)
    store = TrustStore([pki.root], intermediates=[*fake_subs, *fake_roots])
    with pytest.raises(UntrustedCertificate):
        store.validate(leaf)
    assert checks <= _trust._MAX_LINK_CHECKS


def test_too_many_certificates_in_key_info(pki: PKI) -> None:
    from qnegov.errors import PolicyViolation
    from qnegov.signing import sign

    signed = sign(b"<a/>", pki.rsa)
    cert = signed.split(b"<ds:X509Certificate>", 1)[1].split(b"</ds:X509Certificate>", 1)[0]
    extra = b"".join(b"<ds:X509Certificate>" + cert + b"</ds:X509Certificate>" for _ in range(20))
    tampered = signed.replace(b"</ds:X509Data>", extra + b"</ds:X509Data>")
    with pytest.raises(PolicyViolation, match="at most 16"):
        verify(tampered, trust=pki.trust)


def test_unencrypted_pem_ignores_a_stray_password(pki: PKI) -> None:
    key = pki.rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = KeySigner.from_pem(key, pki.pem(pki.rsa.certificate), password="for-the-p12")
    assert signer.certificate == pki.rsa.certificate


def test_p384_signer(pki: PKI) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from .conftest import make_cert

    key = ec.generate_private_key(ec.SECP384R1())
    signer = KeySigner(key, make_cert("P-384 signer", key, pki.root, pki.root_key))
    assert signer.key_size == 384
    result = verify(sign(b"<a/>", signer), trust=pki.trust)
    assert result.signature_method is SignatureMethod.ECDSA_SHA256
