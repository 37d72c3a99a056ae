"""Algorithm identifiers of XML-DSig, as enums whose values are the URIs that travel in documents.

Only what qnegov can compute is listed; an URI outside these enums is refused as unsupported
before any cryptography runs. Which of them a verifier *accepts* is the policy's business
(:mod:`qnegov.signing._policy`), not this module's.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Final

from cryptography.hazmat.primitives import hashes

__all__ = [
    "DSIG_NS",
    "C14NMethod",
    "DigestMethod",
    "SignatureMethod",
    "Transform",
]

DSIG_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
"""The XML-DSig namespace; a ``Signature`` outside it is the legacy VNPT shape."""


class DigestMethod(enum.StrEnum):
    """``DigestMethod/@Algorithm`` values."""

    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    @property
    def hashlib_name(self) -> str:
        """The name :func:`hashlib.new` knows."""
        return self.name.lower()

    def digest(self, data: bytes) -> bytes:
        """Hash ``data`` with this algorithm."""
        return hashlib.new(self.hashlib_name, data).digest()

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """The matching :mod:`cryptography` hash object."""
        return _HASHES[self]()

    @property
    def legacy(self) -> bool:
        """SHA-1 is broken for collision resistance: only a legacy policy accepts it."""
        return self is DigestMethod.SHA1


_HASHES: Final[dict[DigestMethod, type[hashes.HashAlgorithm]]] = {
    DigestMethod.SHA1: hashes.SHA1,
    DigestMethod.SHA256: hashes.SHA256,
    DigestMethod.SHA384: hashes.SHA384,
    DigestMethod.SHA512: hashes.SHA512,
}


class SignatureMethod(enum.StrEnum):
    """``SignatureMethod/@Algorithm`` values: public-key methods only (never HMAC)."""

    RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
    ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

    @property
    def key_type(self) -> str:
        """``"rsa"`` or ``"ec"``: the key a certificate must carry for this method."""
        return "rsa" if self.name.startswith("RSA") else "ec"

    @property
    def digest(self) -> DigestMethod:
        """The hash inside the signature method."""
        return DigestMethod[self.name.split("_", 1)[1]]

    @property
    def legacy(self) -> bool:
        """Whether this method hashes with SHA-1."""
        return self.digest.legacy

    @classmethod
    def for_key(cls, key_type: str, digest: DigestMethod) -> SignatureMethod:
        """The method for a key type and hash, e.g. ``("ec", SHA256)`` → ``ECDSA_SHA256``."""
        prefix = "RSA" if key_type == "rsa" else "ECDSA"
        return cls[f"{prefix}_{digest.name}"]


class C14NMethod(enum.StrEnum):
    """Canonicalisation methods (for ``SignedInfo`` and as reference transforms)."""

    C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    EXC_C14N_LEGACY_URI = "http://www.w3.org/TR/xml-exc-c14n#"
    """Not an XML-DSig identifier: the VPCP reference samples write it for exclusive C14N."""
    C14N_10_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
    C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
    C14N_11_COMMENTS = "http://www.w3.org/2006/12/xml-c14n11#WithComments"
    EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"

    @property
    def exclusive(self) -> bool:
        """Exclusive (namespaces rendered where used) rather than inclusive C14N."""
        return self in _EXCLUSIVE

    @property
    def with_comments(self) -> bool:
        """Comments are kept in the node-set (only matters where the input has comments:
        ``SignedInfo``; same-document references drop comments before any transform)."""
        return self.value.endswith("#WithComments")

    @property
    def version_11(self) -> bool:
        """C14N 1.1: ``xml:id`` is not inherited by a document subset, ``xml:base`` is joined."""
        return self in (C14NMethod.C14N_11, C14NMethod.C14N_11_COMMENTS)

    @property
    def legacy(self) -> bool:
        """Only the legacy policy reads the misspelt URI, and says so."""
        return self is C14NMethod.EXC_C14N_LEGACY_URI


_EXCLUSIVE: Final = frozenset(
    {C14NMethod.EXC_C14N, C14NMethod.EXC_C14N_LEGACY_URI, C14NMethod.EXC_C14N_COMMENTS}
)


class Transform(enum.StrEnum):
    """Reference transforms other than canonicalisation."""

    ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
