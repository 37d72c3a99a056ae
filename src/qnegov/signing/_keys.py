"""Signers: who signs, with which certificate. Load a key once, sign many documents.

:class:`Signer` is the protocol the signing code calls; :class:`KeySigner` implements it with a
software key from PEM or PKCS#12. An HSM or PKCS#11 token implements the same five members and
plugs in without touching callers: the signing code never sees a private key, only ``sign()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike, fspath
from pathlib import Path
from typing import Protocol, TypeAlias, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12

from qnegov._i18n import tr
from qnegov.errors import InputError, KeyLoadError
from qnegov.signing._algorithms import SignatureMethod

__all__ = ["KeySigner", "PEMSource", "Signer", "key_size", "key_type", "load_certificates"]

PEMSource: TypeAlias = "bytes | str | PathLike[str]"
"""PEM or DER material: the bytes themselves, or a path to a file holding them."""

_CURVES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}


@runtime_checkable
class Signer(Protocol):
    """What the signing code needs from a key holder."""

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's own certificate (goes first into ``KeyInfo``)."""
        ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediate certificates to ship after the signer's (may be empty)."""
        ...

    @property
    def key_type(self) -> str:
        """``"rsa"`` or ``"ec"``."""
        ...

    @property
    def key_size(self) -> int:
        """Modulus bits (RSA) or curve size (EC)."""
        ...

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        """The XML-DSig ``SignatureValue`` bytes over ``data`` (ECDSA as raw ``r || s``)."""
        ...


def key_type(public_key: object) -> str:
    """``"rsa"`` or ``"ec"`` for a :mod:`cryptography` key; ``"unsupported"`` otherwise."""
    if isinstance(public_key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(public_key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return "ec" if public_key.curve.name in _CURVES else "unsupported"
    return "unsupported"


def key_size(public_key: object) -> int:
    """Bits of an RSA modulus or an EC curve (0 for anything else)."""
    if isinstance(public_key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return _CURVES.get(public_key.curve.name, 0)
    return 0


def _same_key(a: object, b: object) -> bool:
    """Whether two public keys are the same key (compared by their DER encoding)."""

    def der(key: object) -> bytes:
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            return b""
        return key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return der(a) != b"" and der(a) == der(b)


def _read(source: PEMSource, what: str) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, f"<{what}>"
    try:
        return Path(source).read_bytes(), fspath(source)
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=fspath(source)
        ) from exc


def load_certificates(source: PEMSource) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate); at least one is required."""
    data, label = _read(source, "certificate")
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise KeyLoadError(tr("not a certificate: {reason}", reason=exc), file=label) from None
    return certs


_PrivateKey: TypeAlias = "rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey"


class KeySigner:
    """A software key with its certificate chain, loaded once and reused for every signature.

    Loading a PEM key costs tens of milliseconds, signing about one: build one ``KeySigner`` at
    start-up and share it (it holds no mutable state and is safe across threads).
    """

    __slots__ = ("_certificate", "_chain", "_key")

    def __init__(
        self,
        private_key: _PrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        if key_type(private_key) == "unsupported":
            raise KeyLoadError(tr("only RSA and EC (P-256, P-384, P-521) keys can sign"))
        if not _same_key(private_key.public_key(), certificate.public_key()):
            raise KeyLoadError(tr("the private key does not belong to the certificate"))
        self._key = private_key
        self._certificate = certificate
        self._chain = tuple(chain)

    @classmethod
    def from_pem(
        cls,
        key: PEMSource,
        certificates: PEMSource,
        *,
        password: bytes | str | None = None,
        chain: PEMSource | None = None,
    ) -> KeySigner:
        """A signer from a PEM private key and a PEM certificate file.

        ``certificates`` may hold the whole chain; the certificate matching the key is the
        signer's, the others become intermediates (as does anything in ``chain``).
        """
        data, label = _read(key, "key")
        pw = password.encode() if isinstance(password, str) else password
        try:
            try:
                private = serialization.load_pem_private_key(data, pw)
            except TypeError:
                if pw is None:
                    raise
                # a password meant for another file (a shared environment variable) is not
                # an error for an unencrypted key
                private = serialization.load_pem_private_key(data, None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyLoadError(
                tr("cannot load the private key (wrong format or password): {reason}", reason=exc),
                file=label,
            ) from None
        if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError(
                tr("only RSA and EC (P-256, P-384, P-521) keys can sign"), file=label
            )
        certs = load_certificates(certificates)
        if chain is not None:
            certs.extend(load_certificates(chain))
        return cls._assemble(private, certs, label)

    @classmethod
    def from_pkcs12(cls, bundle: PEMSource, password: bytes | str | None = None) -> KeySigner:
        """A signer from a PKCS#12 (``.p12``/``.pfx``) bundle holding key, certificate and chain."""
        data, label = _read(bundle, "pkcs12")
        pw = password.encode() if isinstance(password, str) else password
        try:
            loaded = pkcs12.load_pkcs12(data, pw)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyLoadError(
                tr(
                    "cannot open the PKCS#12 bundle (wrong format or password): {reason}",
                    reason=exc,
                ),
                file=label,
            ) from None
        private = loaded.key
        if loaded.cert is None or private is None:
            raise KeyLoadError(tr("the PKCS#12 bundle lacks a key or a certificate"), file=label)
        if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError(
                tr("only RSA and EC (P-256, P-384, P-521) keys can sign"), file=label
            )
        certs = [loaded.cert.certificate, *(c.certificate for c in loaded.additional_certs)]
        return cls._assemble(private, certs, label)

    @classmethod
    def _assemble(
        cls, private: _PrivateKey, certs: list[x509.Certificate], label: str
    ) -> KeySigner:
        mine = private.public_key()
        leaf = [c for c in certs if _same_key(c.public_key(), mine)]
        if not leaf:
            raise KeyLoadError(tr("no certificate matches the private key"), file=label)
        rest = [c for c in certs if c is not leaf[0]]
        return cls(private, leaf[0], rest)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    @property
    def key_type(self) -> str:
        return key_type(self._key)

    @property
    def key_size(self) -> int:
        return key_size(self._key)

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        hash_alg = method.digest.hash_algorithm()
        if isinstance(self._key, rsa.RSAPrivateKey):
            if method.key_type != "rsa":
                raise ValueError(f"an RSA key cannot sign with {method.name}")
            return self._key.sign(data, padding.PKCS1v15(), hash_alg)
        if method.key_type != "ec":
            raise ValueError(f"an EC key cannot sign with {method.name}")
        der = self._key.sign(data, ec.ECDSA(hash_alg))
        r, s = decode_dss_signature(der)
        width = (self._key.curve.key_size + 7) // 8
        return r.to_bytes(width, "big") + s.to_bytes(width, "big")

    def __repr__(self) -> str:
        return f"KeySigner({self._certificate.subject.rfc4514_string()!r}, {self.key_type})"
