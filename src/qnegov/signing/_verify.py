"""Strict verification: one signature, one whole-document reference, a trusted signer.

(A policy may also allow one ``#id`` reference; :mod:`qnegov.signing._by_id` verifies those.)
:func:`verify` returns a :class:`VerifiedDocument` holding the canonical bytes that were
actually hashed, re-parsed on demand: callers read *those*, never the input, so nothing an
attacker adds outside the signed content (or hides in comments) can reach them.
"""

from __future__ import annotations

import copy
import hmac
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from os import PathLike
from typing import Final, TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.errors import (
    AmbiguousSignature,
    PolicyViolation,
    SignatureError,
    SignatureInvalid,
    UnsafeXMLError,
)
from qnegov.report import Issue, Severity, issue_code
from qnegov.signing._algorithms import C14NMethod, DigestMethod, SignatureMethod
from qnegov.signing._c14n import canonicalize, detach_signature
from qnegov.signing._keys import key_size, key_type
from qnegov.signing._policy import STRICT, KeyInfoForm, SignaturePolicy
from qnegov.signing._structure import ParsedSignature, find_signature, line_of, parse_signature
from qnegov.signing._trust import TrustStore, describe_certificate

__all__ = [
    "SignedInput",
    "VerifiedDocument",
    "check_policy",
    "input_label",
    "legacy_findings",
    "load_tree",
    "select_signer_certificate",
    "verify",
    "verify_signature_value",
    "verify_tree",
]

SignedInput: TypeAlias = "_xml.Source | etree._ElementTree | etree._Element"
"""What verification accepts: bytes, a path, a binary stream, or an already parsed tree."""

LEGACY_NAMESPACE: Final = issue_code(
    "signature_legacy_namespace",
    "The Signature element is not in the XML-DSig namespace (VNPT legacy shape).",
    area="signing",
)
LEGACY_C14N_URI: Final = issue_code(
    "signature_legacy_c14n_uri",
    "A transform uses the misspelt exclusive-C14N URI of the VPCP samples.",
    area="signing",
)
SHA1_USED: Final = issue_code(
    "signature_sha1",
    "The signature or digest uses SHA-1 (accepted only for legacy peers).",
    area="signing",
)


class VerifiedDocument:
    """What a successful verification hands back: the signed content and who signed it.

    ``signed_bytes`` are the canonical bytes whose digest the signature covers (the document
    without its signature); ``signed_tree`` parses them (through the safe parser, on first use).
    Work only on these: the input document may hold content the signature does not cover.
    """

    __slots__ = (
        "_tree",
        "c14n",
        "certificate",
        "chain",
        "digest_method",
        "policy",
        "signature_method",
        "signed_bytes",
        "warnings",
    )

    def __init__(
        self,
        *,
        signed_bytes: bytes,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        signature_method: SignatureMethod,
        digest_method: DigestMethod,
        c14n: C14NMethod,
        policy: SignaturePolicy,
        warnings: tuple[Issue, ...],
    ) -> None:
        self.signed_bytes = signed_bytes
        self.certificate = certificate
        self.chain = chain
        self.signature_method = signature_method
        self.digest_method = digest_method
        self.c14n = c14n
        self.policy = policy
        self.warnings = warnings
        self._tree: etree._ElementTree | None = None

    @property
    def signed_tree(self) -> etree._ElementTree:
        """The signed content as a tree, parsed from :attr:`signed_bytes`."""
        if self._tree is None:
            self._tree = _xml.parse(
                self.signed_bytes,
                name="<signed content>",
                large_text=len(self.signed_bytes) > _xml.MAX_TEXT_BYTES,
            )
        return self._tree

    @property
    def signer(self) -> str:
        """The signer certificate's subject, RFC 4514 form."""
        return self.certificate.subject.rfc4514_string()

    def __repr__(self) -> str:
        return (
            f"VerifiedDocument(signer={self.signer!r}, method={self.signature_method.name}, "
            f"{len(self.signed_bytes)} signed bytes, {len(self.warnings)} warnings)"
        )


def load_tree(xml: SignedInput, *, name: str | None = None) -> etree._ElementTree:
    """A private tree for ``xml``: parsed safely, or a copy of the caller's tree."""
    if isinstance(xml, etree._ElementTree):
        return copy.deepcopy(xml)
    if isinstance(xml, etree._Element):
        return copy.deepcopy(xml.getroottree())
    return parse_large(xml, name=name)


def parse_large(xml: _xml.Source, *, name: str | None = None) -> etree._ElementTree:
    """Parse safely; a document refused only for a text node over 10 MB (a large attachment)
    is parsed again in the large-text form, whose bound is the whole document instead."""
    try:
        return _xml.parse(xml, name=name)
    except UnsafeXMLError as exc:
        rewind = getattr(xml, "seek", None)
        if exc.construct != "size limit" or (
            not isinstance(xml, bytes | str | PathLike) and rewind is None
        ):
            raise
        if rewind is not None:
            rewind(0)
    return _xml.parse(xml, name=name, large_text=True)


def legacy_findings(*, unnamespaced: bool, legacy_uri: bool, sha1: bool) -> list[tuple[str, str]]:
    """(issue code, message) for each legacy trait of a signature."""
    found: list[tuple[str, str]] = []
    if unnamespaced:
        found.append(
            (
                LEGACY_NAMESPACE,
                tr("the Signature element is not in the XML-DSig namespace (legacy shape)"),
            )
        )
    if legacy_uri:
        found.append(
            (
                LEGACY_C14N_URI,
                tr(
                    "the transform URI http://www.w3.org/TR/xml-exc-c14n# was read as exclusive "
                    "C14N"
                ),
            )
        )
    if sha1:
        found.append((SHA1_USED, tr("the signature uses SHA-1 (legacy peers only)")))
    return found


def _warning(code: str, message: str, line: int | None) -> Issue:
    return Issue(code=code, severity=Severity.WARNING, message=message, line=line, rule="legacy")


def check_policy(parsed: ParsedSignature, policy: SignaturePolicy) -> tuple[Issue, ...]:
    """Refuse what ``policy`` forbids; return warnings for legacy shapes it tolerates."""
    line = line_of(parsed.element)
    if parsed.method not in policy.signature_methods:
        raise PolicyViolation(
            tr(
                "signature method {method} is not allowed by the {policy} policy",
                method=parsed.method.name,
                policy=policy.name,
            ),
            line=line,
        )
    if parsed.digest_method not in policy.digest_methods:
        raise PolicyViolation(
            tr(
                "digest method {method} is not allowed by the {policy} policy",
                method=parsed.digest_method.name,
                policy=policy.name,
            ),
            line=line,
        )
    for method in (parsed.c14n, parsed.reference_c14n):
        if method not in policy.c14n_methods:
            raise PolicyViolation(
                tr(
                    "canonicalisation {uri} is not allowed by the {policy} policy",
                    uri=method.value,
                    policy=policy.name,
                ),
                line=line,
            )
    _check_reference(parsed, policy, line)
    if not parsed.certificates:
        raise PolicyViolation(
            tr("KeyInfo must carry the signer's certificate (X509Data/X509Certificate)"),
            line=line,
        )
    found = legacy_findings(
        unnamespaced=parsed.legacy_namespace,
        legacy_uri=C14NMethod.EXC_C14N_LEGACY_URI in (parsed.c14n, parsed.reference_c14n),
        sha1=parsed.method.legacy or parsed.digest_method.legacy,
    )
    warnings = [_warning(code, message, line) for code, message in found]
    return tuple(warnings)


_BARE_NAME: Final = re.compile(r"#[A-Za-z_][\w.\-]*")


def _check_reference(parsed: ParsedSignature, policy: SignaturePolicy, line: int | None) -> None:
    """``URI=""`` with the enveloped transform, or (if the policy allows) ``#id``."""
    uri = parsed.reference_uri
    if uri == "":
        if not parsed.transforms:
            raise PolicyViolation(
                tr(
                    "the Reference has no Transforms; the enveloped-signature transform is required"
                ),
                line=line,
            )
        if not parsed.enveloped:
            raise PolicyViolation(
                tr("the first transform must be the enveloped-signature transform"), line=line
            )
        return
    if policy.require_whole_document:
        raise PolicyViolation(
            tr(
                'the reference URI {uri!r} does not cover the whole document (URI="" required)',
                uri=uri,
            ),
            line=line,
        )
    if not _BARE_NAME.fullmatch(uri):
        raise PolicyViolation(
            tr("only same-document references by Id (#name) are supported, not {uri!r}", uri=uri),
            line=line,
        )


def select_signer_certificate(certs: Sequence[x509.Certificate]) -> x509.Certificate:
    """The one certificate in ``KeyInfo`` that issued none of the others (the signer's)."""
    if len(certs) == 1:
        return certs[0]
    leaves = [
        c
        for c in certs
        if not any(o is not c and o.issuer == c.subject and o.subject != c.subject for o in certs)
    ]
    if len(leaves) != 1:
        raise AmbiguousSignature(
            tr(
                "KeyInfo holds {count} candidate signer certificates; exactly one is accepted",
                count=len(leaves),
            )
        )
    return leaves[0]


def _check_key(cert: x509.Certificate, method: SignatureMethod, policy: SignaturePolicy) -> None:
    check_public_key(cert.public_key(), method, policy)


def check_public_key(key: object, method: SignatureMethod, policy: SignaturePolicy) -> None:
    """The signer's key fits the signature method and is as large as the policy asks."""
    kind, bits = key_type(key), key_size(key)
    if kind != method.key_type:
        raise PolicyViolation(
            tr(
                "the signer's {kind} key cannot have made a {method} signature",
                kind=kind,
                method=method.name,
            )
        )
    floor = policy.min_rsa_bits if kind == "rsa" else policy.min_ec_bits
    if bits < floor:
        raise PolicyViolation(
            tr(
                "the signer's {kind} key has {bits} bits; the {policy} policy requires {floor}",
                kind=kind,
                bits=bits,
                policy=policy.name,
                floor=floor,
            )
        )


def verify_signature_value(
    cert: x509.Certificate, method: SignatureMethod, data: bytes, value: bytes
) -> None:
    """Check ``value`` over ``data`` with the certificate's key, or raise SignatureInvalid."""
    public = cert.public_key()
    hash_alg = method.digest.hash_algorithm()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(value, data, padding.PKCS1v15(), hash_alg)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            width = (public.curve.key_size + 7) // 8
            if len(value) != 2 * width:
                raise InvalidSignature
            r = int.from_bytes(value[:width], "big")
            s = int.from_bytes(value[width:], "big")
            public.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_alg))
        else:
            raise PolicyViolation(tr("unsupported key type in the signer certificate"))
    except InvalidSignature:
        raise SignatureInvalid(
            tr(
                "the SignatureValue does not match SignedInfo for the key of {cert}",
                cert=describe_certificate(cert),
            )
        ) from None


def verify(
    xml: SignedInput,
    *,
    trust: TrustStore,
    policy: SignaturePolicy = STRICT,
    at: datetime | None = None,
    name: str | None = None,
) -> VerifiedDocument:
    """Verify the one enveloped signature of ``xml`` and return what it signed.

    Every refusal is a :class:`~qnegov.errors.SignatureError` subclass naming its reason;
    unreadable or hostile XML raises :class:`~qnegov.errors.XMLError` before anything else.
    ``at`` (default: now; naive means UTC) is the time certificates must be valid at.
    """
    tree = load_tree(xml, name=name)
    return verify_tree(tree, trust=trust, policy=policy, at=at, label=input_label(xml, name))


def input_label(xml: SignedInput, name: str | None) -> str | None:
    """The file name errors carry: ``name``, or the path for path input."""
    if name is not None or isinstance(xml, etree._ElementTree | etree._Element):
        return name
    return _xml.source_name(xml)


def verify_tree(
    tree: etree._ElementTree,
    *,
    trust: TrustStore,
    policy: SignaturePolicy,
    at: datetime | None,
    label: str | None = None,
    placement: Callable[[etree._Element], None] | None = None,
) -> VerifiedDocument:
    """:func:`verify` on a private tree (it is modified); errors are labelled with ``label``."""
    if not isinstance(trust, TrustStore):  # no "trust everything" by accident (None, a path...)
        raise TypeError("trust must be a TrustStore, e.g. TrustStore.from_paths('roots/')")
    if not isinstance(policy, SignaturePolicy):
        raise TypeError("policy must be a SignaturePolicy, e.g. STRICT or LEGACY_PEER")
    if policy.interop:
        raise TypeError(
            "the interop policy verifies every signature of a document and returns each "
            "verdict: call verify_signatures()"
        )
    try:
        return _verify_tree(tree, trust=trust, policy=policy, at=at, placement=placement)
    except SignatureError as exc:
        if exc.file is None:
            exc.file = label
        raise


def _verify_tree(
    tree: etree._ElementTree,
    *,
    trust: TrustStore,
    policy: SignaturePolicy,
    at: datetime | None,
    placement: Callable[[etree._Element], None] | None,
) -> VerifiedDocument:
    root = tree.getroot()
    sig = find_signature(root, accept_unnamespaced=policy.accept_unnamespaced_signature)
    if placement is not None:
        placement(sig)
    if sig.getparent() is None:
        raise PolicyViolation(
            tr(
                "the signature is the document element (an enveloping signature); the {policy} "
                "policy accepts only enveloped signatures",
                policy=policy.name,
            ),
            line=line_of(sig),
        )
    parsed = parse_signature(sig)
    warnings = check_policy(parsed, policy)
    leaf = select_signer_certificate(parsed.certificates)
    _check_key(leaf, parsed.method, policy)
    when = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
    chain = trust.validate(leaf, parsed.certificates, at=when, clock_skew=policy.clock_skew)
    if policy.key_info is KeyInfoForm.X509_CHAIN:
        _require_chain_in_key_info(chain, parsed.certificates)
    if parsed.reference_uri != "":  # allowed by the policy: signxml resolves and digests
        from qnegov.signing._by_id import verify_reference_by_id

        return verify_reference_by_id(
            tree, parsed, leaf, chain=chain, policy=policy, warnings=warnings, at=when
        )
    signed_info = canonicalize(parsed.signed_info, parsed.c14n)
    verify_signature_value(leaf, parsed.method, signed_info, parsed.signature_value)
    detach_signature(sig)
    content = canonicalize(tree, parsed.reference_c14n, parsed.inclusive_prefixes)
    computed = parsed.digest_method.digest(content)
    if not hmac.compare_digest(computed, parsed.digest_value):
        raise SignatureInvalid(
            tr(
                "the digest of the signed content does not match: the document was changed "
                "after signing"
            ),
            line=line_of(sig),
        )
    return VerifiedDocument(
        signed_bytes=content,
        certificate=leaf,
        chain=chain,
        signature_method=parsed.method,
        digest_method=parsed.digest_method,
        c14n=parsed.reference_c14n,
        policy=policy,
        warnings=warnings,
    )


def _require_chain_in_key_info(
    chain: tuple[x509.Certificate, ...], presented: tuple[x509.Certificate, ...]
) -> None:
    for cert in chain[:-1]:
        if cert not in presented:
            raise PolicyViolation(
                tr(
                    "KeyInfo lacks certificate {cert} of the chain (the policy requires the whole "
                    "chain)",
                    cert=describe_certificate(cert),
                )
            )
