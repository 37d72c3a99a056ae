"""Finding the one ``Signature`` of a document and reading its shape, refusing anything odd.

This is where signature wrapping is stopped: a document must hold exactly one signature
(namespaced or, under a legacy policy, the VNPT namespace-less one), with exactly one
``Reference`` whose transforms are at most the enveloped transform and one canonicalisation.
No ``Object``, no ``Manifest``, no ``XPath`` or ``XSLT`` transform, no second reference: shapes
that could make "what was signed" differ from "what the application reads" are refused before
any cryptography runs. Which reference ``URI`` is acceptable is the policy's business.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from cryptography import x509
from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import (
    AmbiguousSignature,
    PolicyViolation,
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
)
from qnegov.signing._algorithms import (
    DSIG_NS,
    C14NMethod,
    DigestMethod,
    SignatureMethod,
    Transform,
)

__all__ = ["ParsedSignature", "b64_content", "find_signature", "line_of", "parse_signature"]

_EXC_NS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
_MAX_CERTIFICATES: Final = 16
"""More certificates than any real chain needs are refused before any is parsed."""
_Alg = TypeVar("_Alg", C14NMethod, DigestMethod, SignatureMethod)


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """The pieces of one signature, as read; nothing here has been checked cryptographically."""

    element: etree._Element
    namespace: str | None
    signed_info: etree._Element
    c14n: C14NMethod
    method: SignatureMethod
    reference_uri: str
    transforms: tuple[str, ...]
    reference_c14n: C14NMethod
    inclusive_prefixes: tuple[str, ...]
    digest_method: DigestMethod
    digest_value: bytes
    signature_value: bytes
    certificates: tuple[x509.Certificate, ...]

    @property
    def enveloped(self) -> bool:
        """The first transform is the enveloped-signature transform."""
        return self.transforms[:1] == (Transform.ENVELOPED.value,)

    @property
    def legacy_namespace(self) -> bool:
        """The VNPT shape: ``Signature`` outside the XML-DSig namespace."""
        return self.namespace != DSIG_NS


def line_of(el: etree._Element) -> int | None:
    """The element's source line, when the parser recorded one."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _ns(el: etree._Element) -> str | None:
    return etree.QName(el).namespace if isinstance(el.tag, str) else None


def _is_legacy_signature(el: etree._Element) -> bool:
    """A namespace-less look-alike: ``Signature`` whose first element child is ``SignedInfo``."""
    if _local(el) != "Signature" or _ns(el) == DSIG_NS:
        return False
    first = next((c for c in el if isinstance(c.tag, str)), None)
    return first is not None and _local(first) == "SignedInfo" and _ns(first) == _ns(el)


def find_signature(root: etree._Element, *, accept_unnamespaced: bool) -> etree._Element:
    """The document's single signature element, or the typed reason there is not exactly one."""
    proper = list(root.iter(f"{{{DSIG_NS}}}Signature"))
    legacy = [el for el in root.iter("{*}Signature", "Signature") if _is_legacy_signature(el)]
    found = proper + legacy
    if len(found) > 1:
        raise AmbiguousSignature(
            tr("the document holds {count} signatures; exactly one is accepted", count=len(found)),
            line=line_of(found[1]),
        )
    if not found:
        raise SignatureMissing(tr("the document carries no XML signature"))
    if legacy and not accept_unnamespaced:
        raise PolicyViolation(
            tr(
                "the Signature element is not in the XML-DSig namespace (the VNPT legacy "
                "shape); only the legacy policy accepts it"
            ),
            line=line_of(found[0]),
        )
    return found[0]


def _children(el: etree._Element, ns: str | None) -> list[etree._Element]:
    """Element children, refusing any in another namespace (comments and PIs are skipped)."""
    kids: list[etree._Element] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments and PIs inside the signature do not change its meaning
        if _ns(child) != ns:
            raise PolicyViolation(
                tr("unexpected element {tag} inside the signature", tag=child.tag),
                line=line_of(child),
            )
        kids.append(child)
    return kids


def _expect(kids: list[etree._Element], index: int, name: str, parent: str) -> etree._Element:
    if index >= len(kids) or _local(kids[index]) != name:
        got = _local(kids[index]) if index < len(kids) else tr("nothing")
        raise PolicyViolation(
            tr("{parent} must hold {name} here, found {got}", parent=parent, name=name, got=got)
        )
    return kids[index]


def _algorithm(el: etree._Element, kind: type[_Alg], what: str) -> _Alg:
    uri = el.get("Algorithm", "")
    try:
        return kind(uri)
    except ValueError:
        raise PolicyViolation(
            tr("unsupported {what} algorithm {uri!r}", what=what, uri=uri), line=line_of(el)
        ) from None


def _b64(el: etree._Element, what: str) -> bytes:
    """The base64 content of ``el``: all its text, across comments and PIs (as xmlsec1 reads
    it), whitespace ignored."""
    text = "".join("".join(str(t) for t in el.itertext()).split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(
            tr("{what} is not valid base64", what=what), line=line_of(el)
        ) from None


b64_content = _b64


def parse_signature(
    sig: etree._Element, *, bad_certificate: Callable[[SignatureError], None] | None = None
) -> ParsedSignature:
    """Read ``sig`` into a :class:`ParsedSignature`, refusing every shape outside the profile.

    An unreadable ``X509Certificate`` raises, unless ``bad_certificate`` is given: then it is
    told and the certificate skipped (diagnostics want to go on and compute the digest).
    """
    ns = _ns(sig)
    kids = _children(sig, ns)
    signed_info = _expect(kids, 0, "SignedInfo", "Signature")
    value_el = _expect(kids, 1, "SignatureValue", "Signature")
    key_info = kids[2] if len(kids) > 2 and _local(kids[2]) == "KeyInfo" else None
    extra = kids[3:] if key_info is not None else kids[2:]
    if extra:
        raise PolicyViolation(
            tr(
                "unexpected {name} inside the signature (only SignedInfo, SignatureValue and "
                "KeyInfo are accepted)",
                name=_local(extra[0]),
            ),
            line=line_of(extra[0]),
        )
    si = _children(signed_info, ns)
    c14n = _algorithm(
        _expect(si, 0, "CanonicalizationMethod", "SignedInfo"), C14NMethod, "canonicalisation"
    )
    if len(si[0]):
        raise PolicyViolation(tr("CanonicalizationMethod parameters are not supported"))
    method = _algorithm(
        _expect(si, 1, "SignatureMethod", "SignedInfo"), SignatureMethod, "signature"
    )
    if len(si[1]):
        raise PolicyViolation(tr("SignatureMethod parameters are not supported"))
    references = si[2:]
    if not references or any(_local(r) != "Reference" for r in references):
        raise PolicyViolation(tr("SignedInfo must hold Reference elements after SignatureMethod"))
    if len(references) > 1:
        raise AmbiguousSignature(
            tr(
                "the signature holds {count} references; exactly one is accepted",
                count=len(references),
            ),
            line=line_of(references[1]),
        )
    ref = references[0]
    uri = ref.get("URI")
    if uri is None:
        raise PolicyViolation(tr("the Reference has no URI attribute"), line=line_of(ref))
    transforms, ref_c14n, prefixes, rest = _transforms(_children(ref, ns), ns)
    digest_method = _algorithm(
        _expect(rest, 0, "DigestMethod", "Reference"), DigestMethod, "digest"
    )
    digest_el = _expect(rest, 1, "DigestValue", "Reference")
    if len(rest) > 2:
        raise PolicyViolation(tr("unexpected {name} inside Reference", name=_local(rest[2])))
    return ParsedSignature(
        element=sig,
        namespace=ns,
        signed_info=signed_info,
        c14n=c14n,
        method=method,
        reference_uri=uri,
        transforms=transforms,
        reference_c14n=ref_c14n,
        inclusive_prefixes=prefixes,
        digest_method=digest_method,
        digest_value=_b64(digest_el, "DigestValue"),
        signature_value=_b64(value_el, "SignatureValue"),
        certificates=_certificates(key_info, ns, bad_certificate),
    )


def _transforms(
    kids: list[etree._Element], ns: str | None
) -> tuple[tuple[str, ...], C14NMethod, tuple[str, ...], list[etree._Element]]:
    """(transform URIs, the C14N applied last, its inclusive prefixes, the remaining children).

    Accepted: optionally the enveloped-signature transform first, then at most one
    canonicalisation. Whether the enveloped transform is *required* is the policy's call.
    """
    if not kids or _local(kids[0]) != "Transforms":
        return (), C14NMethod.C14N_10, (), kids
    uris: list[str] = []
    c14n = C14NMethod.C14N_10  # XML-DSig: a node-set result is serialised with C14N 1.0
    prefixes: tuple[str, ...] = ()
    seen_c14n = False
    for transform in _children(kids[0], ns):
        uri = transform.get("Algorithm", "")
        uris.append(uri)
        params = [c for c in transform if isinstance(c.tag, str)]
        if uri == Transform.ENVELOPED and len(uris) == 1 and not params:
            continue
        if uri in set(C14NMethod) and not seen_c14n:
            seen_c14n = True
            c14n = C14NMethod(uri)
            for p in params:
                if p.tag != f"{{{_EXC_NS}}}InclusiveNamespaces" or not c14n.exclusive:
                    raise PolicyViolation(tr("unsupported transform parameter {tag}", tag=p.tag))
                prefixes = tuple(p.get("PrefixList", "").split())
            continue
        raise PolicyViolation(
            tr(
                "unsupported transform {uri!r} at position {pos}; accepted: the enveloped-"
                "signature transform, then at most one canonicalisation",
                uri=uri,
                pos=len(uris),
            ),
            line=line_of(transform),
        )
    return tuple(uris), c14n, prefixes, kids[1:]


def _certificates(
    key_info: etree._Element | None,
    ns: str | None,
    bad: Callable[[SignatureError], None] | None,
) -> tuple[x509.Certificate, ...]:
    if key_info is None:
        return ()
    certs: list[x509.Certificate] = []
    elements = list(key_info.iter(f"{{{ns}}}X509Certificate" if ns else "X509Certificate"))
    if len(elements) > _MAX_CERTIFICATES:
        raise PolicyViolation(
            tr(
                "KeyInfo holds {count} certificates; at most {limit} are accepted",
                count=len(elements),
                limit=_MAX_CERTIFICATES,
            ),
            line=line_of(key_info),
        )
    for el in elements:
        try:
            try:
                certs.append(x509.load_der_x509_certificate(_b64(el, "X509Certificate")))
            except ValueError:
                raise SignatureInvalid(
                    tr("KeyInfo holds an X509Certificate that does not parse"),
                    line=line_of(el),
                ) from None
        except SignatureInvalid as exc:
            if bad is None:
                raise
            bad(exc)
    return tuple(certs)
