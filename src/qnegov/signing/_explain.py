"""Diagnostics: what was canonicalised and hashed, so an integrator sees why a signature fails.

:func:`explain` never judges trust and never stops at the first problem it can work around: it
reads the signature as leniently as the legacy policy, recomputes the digest and checks the
signature value against the certificate in ``KeyInfo``, and records every step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field, replace

from cryptography import x509
from lxml import etree

from qnegov._i18n import tr
from qnegov._location import element_path
from qnegov.errors import SignatureError, SignatureInvalid
from qnegov.signing._c14n import canonicalize, detach_signature
from qnegov.signing._structure import find_signature, line_of, parse_signature
from qnegov.signing._verify import (
    SignedInput,
    load_tree,
    select_signer_certificate,
    verify_signature_value,
)

__all__ = [
    "ReferenceExplanation",
    "SignatureExplanation",
    "certificate_summary",
    "explain",
    "explain_tree",
]

_HEAD = 240


@dataclass(frozen=True, slots=True)
class ReferenceExplanation:
    """One reference: what its transforms produced and how the digests compare."""

    uri: str
    transforms: tuple[str, ...]
    c14n: str
    digest_method: str
    declared_digest: str
    computed_digest: str
    canonical_length: int
    canonical_head: str
    """The first bytes of the canonical form (UTF-8, as text) to compare with a peer's."""

    @property
    def matches(self) -> bool:
        """Declared and computed digests are equal."""
        return hmac.compare_digest(self.declared_digest, self.computed_digest)


@dataclass(frozen=True, slots=True)
class SignatureExplanation:
    """The whole diagnosis; ``problems`` lists every reason the signature cannot verify."""

    found: bool
    refusal: str | None = None
    """When no signature could be taken up: the error code saying why (missing, ambiguous...)."""
    line: int | None = None
    path: str | None = None
    namespace: str | None = None
    c14n: str | None = None
    signature_method: str | None = None
    signed_info_canonical: str | None = None
    signed_info_sha256: str | None = None
    signature_value_ok: bool | None = None
    certificates: tuple[str, ...] = ()
    references: tuple[ReferenceExplanation, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def intact(self) -> bool:
        """Digest and signature value both check against the certificate in ``KeyInfo``."""
        return (
            self.found
            and not self.problems
            and bool(self.signature_value_ok)
            and all(r.matches for r in self.references)
        )


def explain(xml: SignedInput, *, name: str | None = None) -> SignatureExplanation:
    """Diagnose the signature of ``xml`` (read through the safe parser; trees are copied)."""
    return explain_tree(load_tree(xml, name=name))


def explain_tree(tree: etree._ElementTree) -> SignatureExplanation:
    """:func:`explain` on a private tree (the signature is detached from it)."""
    try:
        sig = find_signature(tree.getroot(), accept_unnamespaced=True)
    except SignatureError as exc:
        return SignatureExplanation(found=False, refusal=exc.code, problems=(exc.message,))
    problems: list[str] = []
    base = SignatureExplanation(
        found=True, line=line_of(sig), path=element_path(sig), namespace=etree.QName(sig).namespace
    )
    try:
        parsed = parse_signature(sig, bad_certificate=lambda e: problems.append(e.message))
    except SignatureError as exc:
        return replace(base, problems=(*problems, exc.message))
    signed_info = canonicalize(parsed.signed_info, parsed.c14n, comments=parsed.c14n.with_comments)
    value_ok: bool | None = None
    certs = tuple(certificate_summary(c) for c in parsed.certificates)
    try:
        leaf = select_signer_certificate(parsed.certificates) if parsed.certificates else None
    except SignatureError as exc:
        problems.append(exc.message)
        leaf = None
    if leaf is None:
        problems.append(tr("no usable certificate in KeyInfo: the signature value was not checked"))
    else:
        try:
            verify_signature_value(leaf, parsed.method, signed_info, parsed.signature_value)
            value_ok = True
        except SignatureError as exc:
            value_ok = False
            problems.append(exc.message)
    try:
        detach_signature(sig)
    except SignatureError as exc:  # the signature is the document element
        return replace(
            base,
            c14n=parsed.c14n.value,
            signature_method=parsed.method.value,
            signature_value_ok=value_ok,
            certificates=certs,
            problems=(*problems, exc.message),
        )
    content = canonicalize(tree, parsed.reference_c14n, parsed.inclusive_prefixes)
    computed = parsed.digest_method.digest(content)
    reference = ReferenceExplanation(
        uri=parsed.reference_uri,
        transforms=parsed.transforms,
        c14n=parsed.reference_c14n.value,
        digest_method=parsed.digest_method.value,
        declared_digest=base64.b64encode(parsed.digest_value).decode(),
        computed_digest=base64.b64encode(computed).decode(),
        canonical_length=len(content),
        canonical_head=content[:_HEAD].decode("utf-8", errors="replace"),
    )
    if not reference.matches:
        problems.append(
            SignatureInvalid(
                tr(
                    "the digest of the signed content does not match: the document "
                    "was changed after signing"
                )
            ).message
        )
    return replace(
        base,
        c14n=parsed.c14n.value,
        signature_method=parsed.method.value,
        signed_info_canonical=signed_info.decode("utf-8", errors="replace"),
        signed_info_sha256=hashlib.sha256(signed_info).hexdigest(),
        signature_value_ok=value_ok,
        certificates=certs,
        references=(reference,),
        problems=tuple(problems),
    )


def certificate_summary(cert: x509.Certificate) -> str:
    """One line: subject, issuer, validity."""
    return (
        f"{cert.subject.rfc4514_string()} / issuer {cert.issuer.rfc4514_string()} / "
        f"{cert.not_valid_before_utc:%Y-%m-%d} .. {cert.not_valid_after_utc:%Y-%m-%d}"
    )
