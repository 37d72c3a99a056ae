"""A throwaway PKI for the signing tests, made once per session with cryptography directly.

Root CA → intermediate CA → RSA signer; root → EC signer, expired signer, RSA-1024 signer, a
signer whose key usage forbids signing; and a foreign root with its own signer (not trusted).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from qnegov.signing import KeySigner, TrustStore

DATA = Path(__file__).resolve().parent / "data"
NOW = datetime.now(UTC)

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "qnegov tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _usage(*, ca: bool, sign: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign and not ca,
        content_commitment=False,
        key_encipherment=not sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_cert(
    cn: str,
    key: Key,
    issuer: x509.Certificate | None,
    issuer_key: Key,
    *,
    ca: bool = False,
    sign: bool = True,
    start: datetime = NOW - timedelta(days=1),
    end: datetime = NOW + timedelta(days=365),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.subject if issuer is not None else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca=ca, sign=sign), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _key_pool() -> dict[int, list[rsa.RSAPrivateKey]]:
    """Throwaway RSA keys made once and committed (``data/test-rsa-keys.pem``, test use only).

    Generating the ten keys of the PKI took about a second per session; mutation testing starts
    one session per mutant, so the keys are loaded instead (certificates are still made fresh).
    """
    pool: dict[int, list[rsa.RSAPrivateKey]] = {}
    text = (DATA / "test-rsa-keys.pem").read_bytes()
    for block in text.split(b"-----END PRIVATE KEY-----")[:-1]:
        key = serialization.load_pem_private_key(block + b"-----END PRIVATE KEY-----\n", None)
        assert isinstance(key, rsa.RSAPrivateKey)
        pool.setdefault(key.key_size, []).append(key)
    return pool


_POOL = _key_pool()


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A distinct RSA key of ``bits`` bits: from the pool while it lasts, then a new one."""
    spare = _POOL.get(bits)
    if spare:
        return spare.pop(0)
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass
class PKI:
    root_key: rsa.RSAPrivateKey
    root: x509.Certificate
    intermediate: x509.Certificate
    rsa: KeySigner
    rsa_key: rsa.RSAPrivateKey
    chained: KeySigner
    other: KeySigner
    ec: KeySigner
    expired: KeySigner
    weak: KeySigner
    no_signing_usage: KeySigner
    foreign: KeySigner
    foreign_root: x509.Certificate
    trust: TrustStore
    folder: Path

    def pem(self, cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    root_key = rsa_key()
    root = make_cert(
        "Test Root CA",
        root_key,
        None,
        root_key,
        ca=True,
        start=NOW - timedelta(days=500),
        end=NOW + timedelta(days=3650),
    )
    inter_key = rsa_key()
    intermediate = make_cert("Test Sub CA", inter_key, root, root_key, ca=True)

    def leaf(
        cn: str, key: Key, issuer: x509.Certificate = root, issuer_key: Key = root_key, **kw: object
    ) -> KeySigner:
        return KeySigner(key, make_cert(cn, key, issuer, issuer_key, **kw))  # type: ignore[arg-type]

    signer_key = rsa_key()
    chained_key = rsa_key()
    chained = KeySigner(
        chained_key,
        make_cert("Chained signer", chained_key, intermediate, inter_key),
        [intermediate],
    )
    foreign_key = rsa_key()
    foreign_root = make_cert("Foreign Root", foreign_key, None, foreign_key, ca=True)
    folder = tmp_path_factory.mktemp("pki")
    pki = PKI(
        root_key=root_key,
        root=root,
        intermediate=intermediate,
        rsa=leaf("UBND tinh Quang Nam", signer_key),
        rsa_key=signer_key,
        chained=chained,
        other=leaf("So Noi vu", rsa_key()),
        ec=leaf("EC signer", ec.generate_private_key(ec.SECP256R1())),
        expired=leaf(
            "Expired signer",
            rsa_key(),
            start=NOW - timedelta(days=400),
            end=NOW - timedelta(days=35),
        ),
        weak=leaf("Weak signer", rsa_key(1024)),
        no_signing_usage=leaf("Encryption only", rsa_key(), sign=False),
        foreign=leaf("Foreign signer", rsa_key(), foreign_root, foreign_key),
        foreign_root=foreign_root,
        trust=TrustStore([root]),
        folder=folder,
    )
    (folder / "root.pem").write_bytes(pki.pem(root))
    (folder / "signer.pem").write_bytes(pki.pem(pki.rsa.certificate))
    (folder / "signer.key").write_bytes(
        signer_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "foreign-root.pem").write_bytes(pki.pem(foreign_root))
    return pki


def unsigned_packet() -> bytes:
    """The VPCP reference packet with its dummy signature stripped."""
    from qnegov.signing import strip_signature

    return strip_signature(DATA / "vnpt_dummy_signature.edxml")


@pytest.fixture(scope="session")
def packet() -> bytes:
    return unsigned_packet()


def external_required() -> bool:
    """CI sets QNEGOV_REQUIRE_EXTERNAL: then a missing xmlsec is a failure, not a skip."""
    return bool(os.environ.get("QNEGOV_REQUIRE_EXTERNAL"))


def xmlsec1_path() -> str | None:
    return shutil.which("xmlsec1")
