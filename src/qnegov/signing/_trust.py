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
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

from qnegov._i18n import tr
from qnegov.errors import CertificateExpired, KeyLoadError, UntrustedCertificate
from qnegov.signing._keys import load_certificates

__all__ = ["TrustStore", "describe_certificate"]

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

    __slots__ = ("_anchors", "_intermediates")

    def __init__(
        self,
        anchors: Iterable[x509.Certificate],
        intermediates: Iterable[x509.Certificate] = (),
    ) -> None:
        self._anchors = {_fingerprint(c): c for c in anchors}
        if not self._anchors:
            raise KeyLoadError(tr("a trust store needs at least one anchor certificate"))
        self._intermediates = tuple(intermediates)

    @classmethod
    def from_paths(
        cls, *paths: str | PathLike[str], intermediates: Sequence[str | PathLike[str]] = ()
    ) -> TrustStore:
        """Anchors from PEM/DER files, or folders of ``.pem``/``.crt``/``.cer``/``.der`` files."""
        anchors = [c for p in paths for c in _load_tree(Path(p))]
        extra = [c for p in intermediates for c in _load_tree(Path(p))]
        return cls(anchors, extra)

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        """The trusted certificates."""
        return tuple(self._anchors.values())

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


def _load_tree(path: Path) -> list[x509.Certificate]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES)
        return [c for f in files for c in load_certificates(f)]
    return load_certificates(path)
