"""What a verifier accepts and a signer emits: one frozen :class:`SignaturePolicy`, two presets.

The policy is the single place where "is SHA-1 acceptable?" is decided. ``STRICT`` is the
default everywhere; ``LEGACY_PEER`` exists because the reference peers still sign with RSA-SHA1,
sometimes in a ``Signature`` without the XML-DSig namespace and with a misspelt exclusive-C14N
URI. Everything ``LEGACY_PEER`` tolerates beyond ``STRICT`` is reported as a warning.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Final

from qnegov.signing._algorithms import C14NMethod, DigestMethod, SignatureMethod

__all__ = [
    "INTEROP",
    "LEGACY_PEER",
    "QUIRK_ENVELOPED_OBJECT",
    "STRICT",
    "KeyInfoForm",
    "SignaturePolicy",
    "interop_policy",
    "policy_by_name",
]


class KeyInfoForm(enum.StrEnum):
    """How the signer's certificate must travel in ``KeyInfo``."""

    X509_CERTIFICATE = "x509-certificate"
    """``X509Data/X509Certificate`` holds at least the signer's certificate; intermediates may
    come from ``KeyInfo`` or the trust store."""
    X509_CHAIN = "x509-chain"
    """``KeyInfo`` carries the whole chain up to (not including) a trust anchor."""


_MODERN_SIGNATURES: Final = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
_MODERN_DIGESTS: Final = frozenset({DigestMethod.SHA256, DigestMethod.SHA384, DigestMethod.SHA512})
_STANDARD_C14N: Final = frozenset({C14NMethod.C14N_10, C14NMethod.EXC_C14N})


@dataclass(frozen=True, slots=True)
class SignaturePolicy:
    """Acceptable algorithms, key sizes, signature shape and time tolerance.

    The ``sign_*`` fields say what a signer under this policy emits; they must themselves be
    acceptable to the policy (checked on construction), so a policy always verifies its own
    signatures.
    """

    name: str
    signature_methods: frozenset[SignatureMethod] = _MODERN_SIGNATURES
    digest_methods: frozenset[DigestMethod] = _MODERN_DIGESTS
    c14n_methods: frozenset[C14NMethod] = _STANDARD_C14N
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256
    require_whole_document: bool = True
    """The one reference must be ``URI=""`` with the enveloped transform (covers everything).

    ``False`` also accepts one same-document ``#id`` reference (verified through signxml): the
    result then holds only that element, so callers must expect a subtree, not the document."""
    key_info: KeyInfoForm = KeyInfoForm.X509_CERTIFICATE
    clock_skew: timedelta = field(default_factory=lambda: timedelta(minutes=5))
    accept_unnamespaced_signature: bool = False
    """Accept the VNPT ``Signature`` that lost the XML-DSig namespace (legacy peers)."""
    sign_digest: DigestMethod = DigestMethod.SHA256
    """Hash used when signing (reference digest and signature method alike)."""
    sign_c14n: C14NMethod = C14NMethod.EXC_C14N
    interop: bool = False
    """The general W3C profile (:data:`INTEROP`): every signature of the document is verified,
    each with any number of references by Id, and the result lists them all."""
    id_attributes: frozenset[str] = frozenset()
    """Attribute names recognised as Ids besides ``Id``, ``ID``, ``id``, ``xml:id``, ``wsu:Id``
    (a local name, or ``{namespace}name``); interop profile only."""
    allowed_quirks: frozenset[str] = frozenset()
    """Known signer defects accepted (with a warning), e.g. :data:`QUIRK_ENVELOPED_OBJECT`."""

    def __post_init__(self) -> None:
        if self.sign_digest not in self.digest_methods:
            raise ValueError(f"policy {self.name!r} signs with a digest it does not accept")
        if self.sign_c14n not in self.c14n_methods:
            raise ValueError(f"policy {self.name!r} signs with a C14N method it does not accept")
        if self.min_rsa_bits < 1024 or self.min_ec_bits < 256:
            raise ValueError("key size floors below RSA-1024 / P-256 are not supported")

    def allows_signing(self, key_type: str) -> SignatureMethod:
        """The signature method a ``key_type`` key signs with; raises ``ValueError`` if none."""
        try:
            method = SignatureMethod.for_key(key_type, self.sign_digest)
        except KeyError:  # no such pair, e.g. ECDSA with SHA-1
            raise ValueError(
                f"no signature method for {key_type} with {self.sign_digest.name}"
            ) from None
        if method not in self.signature_methods:
            raise ValueError(f"policy {self.name!r} does not allow {method.name}")
        return method


STRICT: Final = SignaturePolicy(name="strict")
"""The default: SHA-256 or stronger, RSA ≥ 2048 or EC ≥ P-256, whole-document reference,
X.509 certificate in ``KeyInfo``, 5 minutes of clock skew, XML-DSig namespace required."""

LEGACY_PEER: Final = SignaturePolicy(
    name="legacy",
    signature_methods=_MODERN_SIGNATURES | {SignatureMethod.RSA_SHA1},
    digest_methods=_MODERN_DIGESTS | {DigestMethod.SHA1},
    c14n_methods=_STANDARD_C14N | {C14NMethod.EXC_C14N_LEGACY_URI},
    accept_unnamespaced_signature=True,
    sign_digest=DigestMethod.SHA1,
)
"""For peers built on the VNPT edXML library: accepts RSA-SHA1, SHA-1 digests, the
namespace-less ``Signature`` and the misspelt exclusive-C14N URI (each reported as a warning),
and signs with RSA-SHA1 (still in the proper XML-DSig namespace) so that those peers can
verify. Key sizes, whole-document reference and trust are as strict as ``STRICT``."""

_ALL_C14N: Final = frozenset(C14NMethod) - {C14NMethod.EXC_C14N_LEGACY_URI}

QUIRK_ENVELOPED_OBJECT: Final = "enveloped-object"
"""A reference into the signature's own ``Object`` that also declares the enveloped-signature
transform: by the rules that digests nothing, yet one e-invoice tool computed the digest as if
the transform were absent. Accepted only when named in ``allowed_quirks``."""
_QUIRKS: Final = frozenset({QUIRK_ENVELOPED_OBJECT})
_ATTRIBUTE_NAME: Final = re.compile(r"(\{[^{}]*\})?[A-Za-z_][\w.\-]*")

INTEROP: Final = SignaturePolicy(
    name="interop",
    c14n_methods=_ALL_C14N,
    require_whole_document=False,
    interop=True,
)
"""The W3C profile as Vietnamese e-invoices and other integrators use it: every signature of the
document, each with references to the whole document or to elements by Id (enveloped,
enveloping and detached same-document), C14N 1.0/1.1/exclusive with or without comments,
RSA and ECDSA with SHA-256 or stronger. SHA-1 only through :func:`interop_policy`."""


def interop_policy(
    *,
    allow_sha1: bool = False,
    id_attributes: Iterable[str] = (),
    allow_quirks: Iterable[str] = (),
) -> SignaturePolicy:
    """:data:`INTEROP` with SHA-1 (RSA-SHA1 and SHA-1 digests, reported as warnings), more Id
    attribute names, or named signer quirks accepted."""
    names = frozenset(id_attributes)
    for attr in names:
        if not _ATTRIBUTE_NAME.fullmatch(attr):
            raise ValueError(f"not an attribute name: {attr!r} (use name or {{namespace}}name)")
    quirks = frozenset(allow_quirks)
    unknown = quirks - _QUIRKS
    if unknown:
        raise ValueError(
            f"unknown quirk {sorted(unknown)[0]!r}; known: {', '.join(sorted(_QUIRKS))}"
        )
    policy = replace(INTEROP, id_attributes=names, allowed_quirks=quirks)
    if allow_sha1:
        policy = replace(
            policy,
            name="interop",
            signature_methods=policy.signature_methods | {SignatureMethod.RSA_SHA1},
            digest_methods=policy.digest_methods | {DigestMethod.SHA1},
        )
    return policy


_BY_NAME: Final = {"strict": STRICT, "legacy": LEGACY_PEER, "interop": INTEROP}


def policy_by_name(name: str) -> SignaturePolicy:
    """``"strict"``, ``"legacy"`` or ``"interop"`` (the CLI's ``--policy`` values)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown signature policy {name!r}; expected strict, legacy or interop"
        ) from None
