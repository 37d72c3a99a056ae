"""The trust store's rules, exactly: what it needs, what a pinned certificate or key means, and
the messages of its refusals with the times and names they carry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qnegov.errors import CertificateExpired, KeyLoadError, UntrustedCertificate
from qnegov.signing._trust import TrustStore, describe_certificate

from .conftest import NOW, PKI, rsa_key


def test_an_empty_trust_store_is_refused() -> None:
    with pytest.raises(KeyLoadError) as caught:
        TrustStore([])
    assert caught.value.message == (
        "a trust store needs at least one anchor, pinned certificate or pinned key"
    )


def test_a_pinned_key_alone_makes_a_store(pki: PKI) -> None:
    key = pki.rsa.certificate.public_key()
    store = TrustStore([], pinned_keys=[key])
    assert store.key_pinned(key) and store.anchors == () and store.pinned_certificates == ()
    assert not store.key_pinned(pki.other.certificate.public_key())
    assert not store.key_pinned(object())  # not a key at all: never pinned


def test_the_key_of_a_pinned_certificate_is_pinned(pki: PKI) -> None:
    store = TrustStore([], pinned_certificates=[pki.rsa.certificate])
    assert store.key_pinned(pki.rsa.certificate.public_key())
    assert not store.key_pinned(ec.generate_private_key(ec.SECP256R1()).public_key())


def test_a_pinned_certificate_is_its_own_chain(pki: PKI) -> None:
    store = TrustStore([], pinned_certificates=[pki.foreign.certificate])
    assert store.validate(pki.foreign.certificate) == (pki.foreign.certificate,)


def test_a_chain_through_an_intermediate_is_built_from_the_store_or_the_signature(
    pki: PKI,
) -> None:
    leaf = pki.chained.certificate
    inter = pki.intermediate
    assert TrustStore([pki.root], [inter]).validate(leaf) == (leaf, inter, pki.root)
    assert TrustStore([pki.root]).validate(leaf, [inter]) == (leaf, inter, pki.root)
    assert TrustStore([pki.root, inter]).validate(leaf) == (leaf, inter)


def test_a_certificate_outside_the_store_is_named_with_its_issuer(pki: PKI) -> None:
    leaf = pki.foreign.certificate
    with pytest.raises(UntrustedCertificate) as caught:
        TrustStore([pki.root]).validate(leaf)
    assert caught.value.message == (
        f"certificate {describe_certificate(leaf)} issued by {leaf.issuer.rfc4514_string()} "
        "does not chain to a trusted anchor"
    )


def test_validity_is_checked_at_the_given_time_with_the_skew(pki: PKI) -> None:
    leaf = pki.rsa.certificate
    store = TrustStore([pki.root])
    end = leaf.not_valid_after_utc
    assert store.validate(leaf, at=end) == (leaf, pki.root)
    late = end + timedelta(seconds=30)
    assert store.validate(leaf, at=late, clock_skew=timedelta(minutes=1))
    with pytest.raises(CertificateExpired) as caught:
        store.validate(leaf, at=late)
    assert caught.value.message == (
        f"certificate {describe_certificate(leaf)} is valid from "
        f"{leaf.not_valid_before_utc.isoformat()} to {end.isoformat()}, not at {late.isoformat()}"
    )
    early = leaf.not_valid_before_utc - timedelta(seconds=30)
    with pytest.raises(CertificateExpired):
        store.validate(leaf, at=early)
    assert store.validate(leaf, at=early, clock_skew=timedelta(minutes=1))
    assert store.validate(leaf, at=NOW)


def test_from_paths_reads_anchors_intermediates_pins_and_keys(tmp_path: Path, pki: PKI) -> None:
    folder = tmp_path / "anchors"
    folder.mkdir()
    (folder / "root.pem").write_bytes(pki.pem(pki.root))
    (folder / "notes.txt").write_text("not a certificate")  # other suffixes are not read
    inter = tmp_path / "inter.der"
    inter.write_bytes(pki.intermediate.public_bytes(serialization.Encoding.DER))
    pinned = tmp_path / "pinned.crt"
    pinned.write_bytes(pki.pem(pki.foreign.certificate))
    key = tmp_path / "key.pem"
    key.write_bytes(
        pki.other.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    store = TrustStore.from_paths(folder, intermediates=[inter], certificates=[pinned], keys=[key])
    assert store.anchors == (pki.root,)
    assert store.pinned_certificates == (pki.foreign.certificate,)
    assert store.key_pinned(pki.other.certificate.public_key())
    assert store.validate(pki.chained.certificate)[-1] == pki.root


def test_a_certificate_that_may_not_sign_is_refused_by_name(pki: PKI) -> None:
    leaf = pki.no_signing_usage.certificate
    with pytest.raises(UntrustedCertificate) as caught:
        TrustStore([pki.root]).validate(leaf)
    assert caught.value.message == (
        f"certificate {describe_certificate(leaf)} may not sign documents: its key usage has "
        "neither digitalSignature nor nonRepudiation"
    )


def test_a_ca_certificate_does_not_sign_documents(pki: PKI) -> None:
    ca, _key = _cert("Signing CA", (pki.root, pki.root_key), ca=True, digital_signature=True)
    with pytest.raises(UntrustedCertificate) as caught:
        TrustStore([pki.root]).validate(ca)
    assert caught.value.message == (
        f"certificate {describe_certificate(ca)} is a CA certificate; documents are signed by "
        "end entities"
    )


def _cert(
    cn: str,
    issuer: tuple[x509.Certificate, object] | None,
    *,
    ca: bool | None,
    path_length: int | None = None,
    cert_sign: bool = True,
    digital_signature: bool = False,
) -> tuple[x509.Certificate, object]:
    """A certificate with exactly the constraints given (``ca=None``: no BasicConstraints)."""
    key = rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=cert_sign,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length), critical=True
        )
    signer = issuer[1] if issuer else key
    return builder.sign(signer, hashes.SHA256()), key  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("issuer_kind", "trusted"),
    [
        ("ca", True),
        ("no-basic-constraints", True),  # an old-style issuer without the extension
        ("not-ca", False),  # an end entity cannot issue, even with keyCertSign
        ("no-cert-sign", False),  # a CA whose key usage excludes keyCertSign
    ],
)
def test_only_a_ca_allowed_to_sign_certificates_issues_them(
    issuer_kind: str, trusted: bool
) -> None:
    root = _cert("Root", None, ca=True)
    ca = {"ca": True, "no-basic-constraints": None, "not-ca": False, "no-cert-sign": True}
    middle = _cert("Middle", root, ca=ca[issuer_kind], cert_sign=issuer_kind != "no-cert-sign")
    leaf, _key = _cert("Leaf", middle, ca=False, cert_sign=False, digital_signature=True)
    store = TrustStore([root[0]])
    if trusted:
        assert store.validate(leaf, [middle[0]]) == (leaf, middle[0], root[0])
        return
    with pytest.raises(UntrustedCertificate):
        store.validate(leaf, [middle[0]])


@pytest.mark.parametrize(("path_length", "trusted"), [(0, False), (1, True), (None, True)])
def test_a_path_length_constraint_bounds_the_cas_below(
    path_length: int | None, trusted: bool
) -> None:
    root = _cert("Root", None, ca=True, path_length=path_length)
    middle = _cert("Middle", root, ca=True)
    leaf, _key = _cert("Leaf", middle, ca=False, cert_sign=False, digital_signature=True)
    store = TrustStore([root[0]])
    if trusted:
        assert store.validate(leaf, [middle[0]])[-1] == root[0]
        return
    with pytest.raises(UntrustedCertificate):
        store.validate(leaf, [middle[0]])
