"""Trust anchors and certificate-chain validation, offline.

A :class:`TrustStore` holds the certificates an organisation decides to trust (for Vietnamese
agencies: the national root of the public CA system and the Government specialised CA root, see
``docs/signing.md``). Validation builds a path from the signer's certificate to one of them using
only certificates at hand (the document's ``KeyInfo`` and the store), checks every signature,
CA flag, key usage, path length and validity period at the requested time. No network access
happens here: no AIA fetching, no OCSP or CRL download (revocation is out of scope, see docs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import TypeAlias, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
    load_pem_public_key,
)

from qnegov._i18n import tr
from qnegov.errors import CertificateExpired, KeyLoadError, UntrustedCertificate
from qnegov.signing._keys import load_certificates

__all__ = ["PublicKey", "TrustStore", "describe_certificate", "load_public_key"]

_MAX_DEPTH = 8
_MAX_LINK_CHECKS = 64
"""Signature checks one path search may spend: certificates in ``KeyInfo`` are attacker-chosen,
and a crafted pool of look-alike CAs must not turn path building into an exponential search."""
_Ext = TypeVar("_Ext", bound=x509.ExtensionType)
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def describe_certificate(cert: x509.Certificate) -> str:
    """Subject and serial, the way messages name a certificate."""
    return f"{cert.subject.rfc4514_string()} (serial {cert.serial_number:x})"


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _extension(cert: x509.Certificate, kind: type[_Ext]) -> _Ext | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


class TrustStore:
    """Certificates trusted as anchors, plus optional intermediates for path building.

    Every certificate given as an anchor is trusted as such, self-signed or not (an
    organisation may choose to trust a sub-CA only).
    """

    __slots__ = ("_anchors", "_intermediates", "_pinned", "_pinned_keys")

    def __init__(
        self,
        anchors: Iterable[x509.Certificate],
        intermediates: Iterable[x509.Certificate] = (),
        *,
        pinned_certificates: Iterable[x509.Certificate] = (),
        pinned_keys: Iterable[PublicKey] = (),
    ) -> None:
        self._anchors = {_fingerprint(c): c for c in anchors}
        self._pinned = {_fingerprint(c): c for c in pinned_certificates}
        self._pinned_keys = {_key_der(k): k for k in pinned_keys}
        if not (self._anchors or self._pinned or self._pinned_keys):
            raise KeyLoadError(
                tr("a trust store needs at least one anchor, pinned certificate or pinned key")
            )
        self._intermediates = tuple(intermediates)

    @classmethod
    def from_paths(
        cls,
        *paths: str | PathLike[str],
        intermediates: Sequence[str | PathLike[str]] = (),
        certificates: Sequence[str | PathLike[str]] = (),
        keys: Sequence[str | PathLike[str]] = (),
    ) -> TrustStore:
        """Anchors from PEM/DER files, or folders of ``.pem``/``.crt``/``.cer``/``.der`` files.

        ``certificates`` are pinned signer certificates (trusted as they are, no chain);
        ``keys`` pinned public keys (PEM or DER ``SubjectPublicKeyInfo``, or a certificate whose
        key is meant), for signatures that carry a bare ``KeyValue``.
        """
        anchors = [c for p in paths for c in _load_tree(Path(p))]
        extra = [c for p in intermediates for c in _load_tree(Path(p))]
        pinned = [c for p in certificates for c in _load_tree(Path(p))]
        return cls(
            anchors,
            extra,
            pinned_certificates=pinned,
            pinned_keys=[load_public_key(p) for p in keys],
        )

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        """The trusted certificates."""
        return tuple(self._anchors.values())

    @property
    def pinned_certificates(self) -> tuple[x509.Certificate, ...]:
        """Signer certificates trusted as they are."""
        return tuple(self._pinned.values())

    @property
    def pinned_keys(self) -> tuple[PublicKey, ...]:
        """Public keys trusted as they are (for ``KeyValue`` signatures)."""
        return tuple(self._pinned_keys.values())

    def key_pinned(self, key: object) -> bool:
        """Whether ``key`` is a pinned key or the key of a pinned certificate."""
        der = _key_der(key)
        if not der:
            return False
        return der in self._pinned_keys or any(
            _key_der(c.public_key()) == der for c in self._pinned.values()
        )

    def validate(
        self,
        leaf: x509.Certificate,
        presented: Sequence[x509.Certificate] = (),
        *,
        at: datetime | None = None,
        clock_skew: timedelta = timedelta(0),
    ) -> tuple[x509.Certificate, ...]:
        """The chain ``leaf … anchor`` valid at ``at`` (default: now), or a typed error.

        Raises :class:`UntrustedCertificate` when no path to an anchor exists or the leaf may not
        sign, :class:`CertificateExpired` when a certificate of the path is outside its validity.
        """
        when = (at or datetime.now(UTC)).astimezone(UTC)
        _check_signing_usage(leaf)
        if _fingerprint(leaf) in self._pinned:
            chain: tuple[x509.Certificate, ...] = (leaf,)
        else:
            chain = self._build(leaf, [*presented, *self._intermediates])
        for cert in chain:
            start = cert.not_valid_before_utc - clock_skew
            end = cert.not_valid_after_utc + clock_skew
            if not start <= when <= end:
                raise CertificateExpired(
                    tr(
                        "certificate {cert} is valid from {start} to {end}, not at {when}",
                        cert=describe_certificate(cert),
                        start=cert.not_valid_before_utc.isoformat(),
                        end=cert.not_valid_after_utc.isoformat(),
                        when=when.isoformat(),
                    )
                )
        return chain

    def _build(
        self, leaf: x509.Certificate, pool: Sequence[x509.Certificate]
    ) -> tuple[x509.Certificate, ...]:
        if _fingerprint(leaf) in self._anchors:
            return (leaf,)
        budget = [_MAX_LINK_CHECKS]
        found = self._extend([leaf], pool, budget)
        if found is None:
            raise UntrustedCertificate(
                tr(
                    "certificate {cert} issued by {issuer} does not chain to a trusted anchor",
                    cert=describe_certificate(leaf),
                    issuer=leaf.issuer.rfc4514_string(),
                )
            )
        return tuple(found)

    def _extend(
        self, path: list[x509.Certificate], pool: Sequence[x509.Certificate], budget: list[int]
    ) -> list[x509.Certificate] | None:
        """Depth-first search for an issuer path; every link is checked before it is taken.

        ``budget`` (one mutable counter shared by the whole search) bounds the signature checks.
        """
        if len(path) > _MAX_DEPTH:
            return None
        child = path[-1]
        seen = {_fingerprint(c) for c in path}
        candidates = [*self._anchors.values(), *pool]
        for issuer in candidates:
            fp = _fingerprint(issuer)
            if fp in seen or issuer.subject != child.issuer:
                continue
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            if not _issues(issuer, child, below=len(path) - 1):
                continue
            if fp in self._anchors:
                return [*path, issuer]
            longer = self._extend([*path, issuer], pool, budget)
            if longer is not None:
                return longer
        return None


def _issues(issuer: x509.Certificate, child: x509.Certificate, *, below: int) -> bool:
    """Whether ``issuer`` may have issued ``child`` and did sign it.

    ``below`` is the number of CA certificates between ``child`` and the leaf (for pathLen).
    """
    constraints = _extension(issuer, x509.BasicConstraints)
    if constraints is not None:
        if not constraints.ca:
            return False
        if constraints.path_length is not None and below > constraints.path_length:
            return False
    usage = _extension(issuer, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        return False
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _check_signing_usage(leaf: x509.Certificate) -> None:
    """A certificate whose key usage excludes signing documents must not sign them."""
    usage = _extension(leaf, x509.KeyUsage)
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise UntrustedCertificate(
            tr(
                "certificate {cert} may not sign documents: its key usage has neither "
                "digitalSignature nor nonRepudiation",
                cert=describe_certificate(leaf),
            )
        )
    constraints = _extension(leaf, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise UntrustedCertificate(
            tr(
                "certificate {cert} is a CA certificate; documents are signed by end entities",
                cert=describe_certificate(leaf),
            )
        )


PublicKey: TypeAlias = "rsa.RSAPublicKey | ec.EllipticCurvePublicKey"


def _key_der(key: object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: str | PathLike[str]) -> PublicKey:
    """An RSA or EC public key from a PEM/DER key file (or a certificate file: its key)."""
    label = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyLoadError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=label
        ) from None
    key: object
    try:
        if b"-----BEGIN CERTIFICATE" in data:
            key = load_certificates(data)[0].public_key()
        elif b"-----BEGIN" in data:
            key = load_pem_public_key(data)
        else:
            try:
                key = load_der_public_key(data)
            except ValueError:
                key = x509.load_der_x509_certificate(data).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyLoadError(tr("not a public key: {reason}", reason=exc), file=label) from None
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise KeyLoadError(tr("only RSA and EC public keys can be pinned"), file=label)
    return key


def _load_tree(path: Path) -> list[x509.Certificate]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES)
        return [c for f in files for c in load_certificates(f)]
    return load_certificates(path)
