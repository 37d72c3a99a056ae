"""A throwaway test PKI (CA, signing key, certificate): for trying things out, never production.

Every certificate made here says so in its subject (``O=qnegov TEST ONLY - NOT FOR PRODUCTION``)
and the folder gets a README repeating it. Keys are written unencrypted (the PKCS#12 bundle uses
the password ``test``), because their only purpose is to be thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from qnegov._i18n import tr
from qnegov.errors import InputError

__all__ = ["TEST_PKCS12_PASSWORD", "TestPKI", "make_test_pki"]

TEST_PKCS12_PASSWORD: Final = "test"  # noqa: S105 - a published throwaway password
_MARK: Final = "qnegov TEST ONLY - NOT FOR PRODUCTION"

_README: Final = """\
THIS IS A TEST PKI MADE BY `qnegov keys new`. NOT FOR PRODUCTION.

The private keys below are stored unencrypted and the PKCS#12 password is "test".
Anyone holding this folder can sign as this "agency". Use it to try qnegov sign/verify only;
real signatures need a certificate from a licensed CA (see docs/signing.md).

  ca.pem          test root CA certificate (use as --trust)
  signer.key      signing private key (PEM, unencrypted)
  signer.pem      signing certificate, issued by the test CA
  signer.p12      key + certificate + CA in one PKCS#12 bundle (password: test)
"""


@dataclass(frozen=True, slots=True)
class TestPKI:
    """Paths of the files :func:`make_test_pki` wrote."""

    __test__ = False  # not a pytest test class despite the name

    folder: Path
    ca_cert: Path
    signer_key: Path
    signer_cert: Path
    pkcs12: Path


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _new_key(kind: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_test_pki(folder: str | Path, *, key_type: str = "rsa", days: int = 365) -> TestPKI:
    """Write a test CA and a signing key + certificate under ``folder`` (created if needed)."""
    if key_type not in ("rsa", "ec"):
        raise ValueError("key_type must be 'rsa' or 'ec'")
    out = Path(folder)
    now = datetime.now(UTC) - timedelta(minutes=1)
    ca_key = _new_key(key_type)
    ca_name = _name("qnegov test root CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = _new_key(key_type)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("qnegov test signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files = {
        "ca.pem": ca_cert.public_bytes(pem),
        "signer.pem": cert.public_bytes(pem),
        "signer.key": key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "signer.p12": pkcs12.serialize_key_and_certificates(
            b"qnegov-test-signer",
            key,
            cert,
            [ca_cert],
            serialization.BestAvailableEncryption(TEST_PKCS12_PASSWORD.encode()),
        ),
        "README-NOT-FOR-PRODUCTION.txt": _README.encode(),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for file_name, data in files.items():
            (out / file_name).write_bytes(data)
    except OSError as exc:
        raise InputError(tr("cannot write {path}: {reason}", path=out, reason=exc)) from exc
    return TestPKI(out, out / "ca.pem", out / "signer.key", out / "signer.pem", out / "signer.p12")


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
