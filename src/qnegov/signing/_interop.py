"""The interop profile: every signature of a document, references by Id, the W3C algorithms.

Vietnamese e-invoices carry two or three signatures, each covering elements by Id plus a
signing-time property in its own ``Object``; other integrators send enveloping and detached
same-document signatures. This module verifies all of them with lxml's C14N and
:mod:`cryptography` (no signxml), after refusing what breeds wrapping and denial of service:
XPath, XPath-Filter 2, XSLT and base64 transforms, any URI that leaves the document, an Id that
more than one element carries, DSA, HMAC, MD5 and RIPEMD. Each signature gets its own verdict
and the canonical bytes of exactly the elements it covers, which are what an application reads.
"""

from __future__ import annotations

import copy
import functools
import hmac
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal, TypeAlias

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov._location import element_path
from qnegov.errors import (
    AmbiguousSignature,
    PolicyViolation,
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
    UntrustedCertificate,
)
from qnegov.report import Issue, Severity, issue_code
from qnegov.signing._algorithms import (
    DSIG_NS,
    C14NMethod,
    DigestMethod,
    SignatureMethod,
    Transform,
)
from qnegov.signing._c14n import canonicalize, detach_signature
from qnegov.signing._keys import key_type
from qnegov.signing._policy import INTEROP, QUIRK_ENVELOPED_OBJECT, SignaturePolicy
from qnegov.signing._structure import b64_content, line_of
from qnegov.signing._trust import PublicKey, TrustStore, describe_certificate
from qnegov.signing._verify import (
    SHA1_USED,
    SignedInput,
    check_public_key,
    input_label,
    load_tree,
    select_signer_certificate,
)

__all__ = [
    "AtTime",
    "CoveredContent",
    "SignatureResult",
    "VerifiedSignatures",
    "canonical_reference",
    "id_index",
    "resolve_id",
    "verify_signatures",
]

AtTime: TypeAlias = "datetime | Literal['signing-time'] | None"
"""When certificates must be valid: a moment, each signature's own signing time, or now."""

_DS: Final = f"{{{DSIG_NS}}}"
_EXC_NS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
_DSIG11: Final = "http://www.w3.org/2009/xmldsig11#"
_WSU: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_XML_ID: Final = "{http://www.w3.org/XML/1998/namespace}id"
_ID_LOCAL_NAMES: Final = frozenset({"Id", "ID", "id"})
_VIETNAM: Final = timezone(timedelta(hours=7), "ICT")
_MAX_REFERENCES: Final = 64
_MAX_SIGNATURES: Final = 1024
"""A TDiep message may carry many invoices of two or three signatures each."""
_MAX_CANONICAL_BYTES: Final = 256 << 20
"""All references of a document together may canonicalise this much (the safe parser's
large-document bound): many references to a large element are a cheap way to burn CPU."""
_MAX_DIAGNOSES: Final = 4
"""Failed digests re-checked without indentation (each copies the tree) per document."""


@dataclass(slots=True)
class _Budget:
    canonical_bytes: int = _MAX_CANONICAL_BYTES
    diagnoses: int = _MAX_DIAGNOSES

    def spend(self, size: int) -> None:
        self.canonical_bytes -= size
        if self.canonical_bytes < 0:
            raise PolicyViolation(
                tr(
                    "the references of this document canonicalise to more than {limit} MB in "
                    "total; refused (denial of service)",
                    limit=_MAX_CANONICAL_BYTES >> 20,
                )
            )

    def diagnose(self) -> bool:
        self.diagnoses -= 1
        return self.diagnoses >= 0


_MAX_CERTIFICATES: Final = 16
_BARE_NAME: Final = re.compile(r"#([A-Za-z_][\w.\-]*)")
_CURVES: Final[dict[str, type[ec.SECP256R1 | ec.SECP384R1 | ec.SECP521R1]]] = {
    "urn:oid:1.2.840.10045.3.1.7": ec.SECP256R1,
    "urn:oid:1.3.132.0.34": ec.SECP384R1,
    "urn:oid:1.3.132.0.35": ec.SECP521R1,
}

_REFUSED_ALGORITHMS: Final = {
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA-SHA1",
    "http://www.w3.org/2009/xmldsig11#dsa-sha256": "DSA-SHA256",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "HMAC-SHA1",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha224": "HMAC-SHA224",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256": "HMAC-SHA256",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384": "HMAC-SHA384",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512": "HMAC-SHA512",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-md5": "HMAC-MD5",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-ripemd160": "HMAC-RIPEMD160",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "RSA-MD5",
    "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-ripemd160": "RSA-RIPEMD160",
    "http://www.w3.org/2001/04/xmlenc#ripemd160": "RIPEMD160",
}
"""Algorithms refused by name: DSA (weak parameters in practice), HMAC (a shared secret is no
signature, and the classic HMACOutputLength truncation attack), MD5 and RIPEMD (broken or
unreviewed hashes)."""

_C14N_URIS: Final = frozenset(m.value for m in C14NMethod)
_REFUSED_TRANSFORMS: Final = {
    "http://www.w3.org/TR/1999/REC-xpath-19991116": "XPath",
    "http://www.w3.org/2002/06/xmldsig-filter2": "XPath-Filter2",
    "http://www.w3.org/TR/1999/REC-xslt-19991116": "XSLT",
    "http://www.w3.org/2000/09/xmldsig#base64": "base64",
    "http://www.w3.org/2002/07/decrypt#XML": "Decryption",
}
"""Transforms refused by name: XPath and XSLT run attacker-chosen programs (denial of service)
and, like base64, let the signed bytes differ from the element an application reads."""

QUIRK_USED: Final = issue_code(
    "signature_quirk",
    "A known signer defect was accepted because the caller named it (e.g. enveloped-object).",
    area="signing",
)


@dataclass(frozen=True, slots=True)
class _Reference:
    element: etree._Element
    uri: str
    enveloped: bool
    c14n: C14NMethod
    prefixes: tuple[str, ...]
    digest_method: DigestMethod
    digest_value: bytes


@dataclass(frozen=True, slots=True)
class _Signature:
    element: etree._Element
    signed_info: etree._Element
    c14n: C14NMethod
    c14n_prefixes: tuple[str, ...]
    method: SignatureMethod
    references: tuple[_Reference, ...]
    signature_value: bytes
    certificates: tuple[x509.Certificate, ...]
    key_value: PublicKey | None


class CoveredContent:
    """What one reference covers: the canonical bytes that were digested, and their tree.

    ``element_id`` is the Id the reference named (``None`` for ``URI=""``, the whole document);
    ``tag`` the covered element's tag in the input. Read :attr:`signed_tree`, never the input.
    """

    __slots__ = ("_source", "_tree", "element_id", "signed_bytes", "tag", "uri")

    def __init__(
        self, *, uri: str, tag: str, signed_bytes: bytes, source: etree._Element | None = None
    ) -> None:
        self._source = source  # the verifier's private tree: read only during verification
        self.uri = uri
        self.element_id = uri[1:] if uri.startswith("#") else None
        self.tag = tag
        self.signed_bytes = signed_bytes
        self._tree: etree._ElementTree | None = None

    @property
    def local_name(self) -> str:
        """The covered element's local name (``DLHDon``, ``MCCQT``...)."""
        return etree.QName(self.tag).localname

    @property
    def signed_tree(self) -> etree._ElementTree:
        """The covered content parsed (safely) from :attr:`signed_bytes`, on first use."""
        if self._tree is None:
            self._tree = _xml.parse(
                self.signed_bytes,
                name="<signed content>",
                large_text=len(self.signed_bytes) > _xml.MAX_TEXT_BYTES,
            )
        return self._tree

    def __repr__(self) -> str:
        return f"CoveredContent({self.uri!r}, {self.local_name}, {len(self.signed_bytes)} bytes)"


@dataclass(frozen=True, slots=True)
class SignatureResult:
    """The verdict on one signature of the document.

    ``error`` is ``None`` exactly when the signature verified; ``covered`` then holds what each
    of its references covers, in ``SignedInfo`` order (empty for a refused signature).
    """

    path: str
    line: int | None
    signature_id: str | None
    error: SignatureError | None
    certificate: x509.Certificate | None = None
    chain: tuple[x509.Certificate, ...] = ()
    signer: str | None = None
    signing_time: datetime | None = None
    signature_method: SignatureMethod | None = None
    covered: tuple[CoveredContent, ...] = ()
    warnings: tuple[Issue, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """Whether this signature verified."""
        return self.error is None

    def find(self, local_name: str) -> list[CoveredContent]:
        """The covered contents whose element has this local name (e.g. ``"DLHDon"``)."""
        return [c for c in self.covered if c.local_name == local_name]


@dataclass(frozen=True, slots=True)
class VerifiedSignatures:
    """Every signature of a document with its own verdict, in document order."""

    signatures: tuple[SignatureResult, ...]
    policy: SignaturePolicy

    @property
    def all_valid(self) -> bool:
        """Whether every signature verified (what ``qnegov verify`` exits 0 on)."""
        return all(s.valid for s in self.signatures)

    def valid(self) -> list[SignatureResult]:
        """The signatures that verified."""
        return [s for s in self.signatures if s.valid]

    def raise_first(self) -> None:
        """Raise the first refusal, if any (for callers that want all-or-nothing)."""
        for result in self.signatures:
            if result.error is not None:
                raise result.error

    def signed(self, local_name: str) -> list[CoveredContent]:
        """What verified signatures cover with this element local name, e.g. ``"DLHDon"``."""
        return [c for s in self.signatures if s.valid for c in s.find(local_name)]


# --- reading a signature ---------------------------------------------------------------------


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _kids(el: etree._Element) -> list[etree._Element]:
    """Element children in the XML-DSig namespace; any other element is refused."""
    kids: list[etree._Element] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if not child.tag.startswith(_DS):
            raise PolicyViolation(
                tr("unexpected element {tag} inside the signature", tag=child.tag),
                line=line_of(child),
            )
        kids.append(child)
    return kids


def _what(key: str) -> str:
    """The algorithm kind in the user's language (translated only when a message needs it)."""
    if key == "c14n":
        return tr("canonicalisation")
    if key == "signature":
        return tr("signature")
    return tr("digest")


def _algorithm_uri(el: etree._Element, kind: str) -> str:
    uri = el.get("Algorithm", "")
    if uri in _REFUSED_ALGORITHMS:
        what = _what(kind)
        raise PolicyViolation(
            tr(
                "{what} algorithm {name} ({uri}) is refused: DSA, HMAC, MD5 and RIPEMD are not "
                "accepted",
                what=what,
                name=_REFUSED_ALGORITHMS[uri],
                uri=uri,
            ),
            line=line_of(el),
        )
    return uri


def _sha1_refusal(name: str, policy: SignaturePolicy, line: int | None) -> PolicyViolation:
    return PolicyViolation(
        tr(
            "{name} uses SHA-1, which the {policy} policy accepts only when allowed "
            "(--allow-sha1, interop_policy(allow_sha1=True))",
            name=name,
            policy=policy.name,
        ),
        line=line,
    )


def _c14n(el: etree._Element, policy: SignaturePolicy) -> tuple[C14NMethod, tuple[str, ...]]:
    uri = _algorithm_uri(el, "c14n")
    try:
        method = C14NMethod(uri)
    except ValueError:
        raise PolicyViolation(
            tr("unsupported canonicalisation algorithm {uri!r}", uri=uri), line=line_of(el)
        ) from None
    if method not in policy.c14n_methods:
        raise PolicyViolation(
            tr(
                "canonicalisation {uri} is not allowed by the {policy} policy",
                uri=uri,
                policy=policy.name,
            ),
            line=line_of(el),
        )
    prefixes: tuple[str, ...] = ()
    for param in el:
        if not isinstance(param.tag, str):
            continue
        if param.tag != f"{{{_EXC_NS}}}InclusiveNamespaces" or not method.exclusive:
            raise PolicyViolation(
                tr("unsupported transform parameter {tag}", tag=param.tag), line=line_of(param)
            )
        prefixes = tuple(param.get("PrefixList", "").split())
    return method, prefixes


def _parse(sig: etree._Element, policy: SignaturePolicy) -> _Signature:
    kids = _kids(sig)
    names = [_local(k) for k in kids]
    if names[:2] != ["SignedInfo", "SignatureValue"]:
        raise PolicyViolation(
            tr("a Signature must begin with SignedInfo and SignatureValue"), line=line_of(sig)
        )
    rest = names[2:]
    if rest[:1] == ["KeyInfo"]:
        rest = rest[1:]
    if any(n != "Object" for n in rest):
        odd = next(n for n in rest if n != "Object")
        raise PolicyViolation(
            tr("unexpected {name} inside the signature", name=odd), line=line_of(sig)
        )
    signed_info, value_el = kids[0], kids[1]
    key_info = kids[2] if len(kids) > 2 and names[2] == "KeyInfo" else None
    si = _kids(signed_info)
    if len(si) < 3 or [_local(e) for e in si[:2]] != ["CanonicalizationMethod", "SignatureMethod"]:
        raise PolicyViolation(
            tr("SignedInfo must hold CanonicalizationMethod, SignatureMethod and Reference"),
            line=line_of(signed_info),
        )
    c14n, c14n_prefixes = _c14n(si[0], policy)
    method = _signature_method(si[1], policy)
    refs = si[2:]
    if any(_local(r) != "Reference" for r in refs):
        raise PolicyViolation(
            tr("SignedInfo must hold only Reference elements after SignatureMethod"),
            line=line_of(signed_info),
        )
    if len(refs) > _MAX_REFERENCES:
        raise PolicyViolation(
            tr(
                "the signature holds {count} references; at most {limit} are accepted",
                count=len(refs),
                limit=_MAX_REFERENCES,
            ),
            line=line_of(signed_info),
        )
    return _Signature(
        element=sig,
        signed_info=signed_info,
        c14n=c14n,
        c14n_prefixes=c14n_prefixes,
        method=method,
        references=tuple(_reference(r, policy) for r in refs),
        signature_value=b64_content(value_el, "SignatureValue"),
        certificates=_certificates(key_info),
        key_value=_key_value(key_info),
    )


def _signature_method(el: etree._Element, policy: SignaturePolicy) -> SignatureMethod:
    uri = _algorithm_uri(el, "signature")
    try:
        method = SignatureMethod(uri)
    except ValueError:
        raise PolicyViolation(
            tr("unsupported signature algorithm {uri!r}", uri=uri), line=line_of(el)
        ) from None
    if any(isinstance(p.tag, str) for p in el):
        raise PolicyViolation(tr("SignatureMethod parameters are not supported"), line=line_of(el))
    if method not in policy.signature_methods:
        if method.legacy:
            raise _sha1_refusal(method.name, policy, line_of(el))
        raise PolicyViolation(
            tr(
                "signature method {method} is not allowed by the {policy} policy",
                method=method.name,
                policy=policy.name,
            ),
            line=line_of(el),
        )
    return method


def _reference(ref: etree._Element, policy: SignaturePolicy) -> _Reference:
    uri = ref.get("URI")
    line = line_of(ref)
    if uri is None:
        raise PolicyViolation(
            tr("a Reference without URI (resolved by the application) is not accepted"),
            line=line,
        )
    if uri != "" and not _BARE_NAME.fullmatch(uri):
        what = tr("an XPointer") if uri.startswith("#xpointer(") else tr("a non-same-document URI")
        raise PolicyViolation(
            tr(
                'the reference URI {uri!r} is {what}; only URI="" and #id are accepted',
                uri=uri,
                what=what,
            ),
            line=line,
        )
    kids = _kids(ref)
    enveloped = False
    c14n: C14NMethod | None = None
    prefixes: tuple[str, ...] = ()
    if kids and _local(kids[0]) == "Transforms":
        for transform in _kids(kids[0]):
            t_uri = transform.get("Algorithm", "")
            if t_uri in _REFUSED_TRANSFORMS:
                raise PolicyViolation(
                    tr(
                        "the {name} transform is refused: it lets the signed content differ "
                        "from the element an application reads, or runs an attacker's program",
                        name=_REFUSED_TRANSFORMS[t_uri],
                    ),
                    line=line_of(transform),
                )
            if c14n is not None:
                raise PolicyViolation(
                    tr("a canonicalisation must be the last transform of a Reference"),
                    line=line_of(transform),
                )
            if t_uri == Transform.ENVELOPED and not enveloped:
                if any(isinstance(p.tag, str) for p in transform):
                    raise PolicyViolation(
                        tr("unsupported transform parameter {tag}", tag="enveloped-signature"),
                        line=line_of(transform),
                    )
                enveloped = True
                continue
            if t_uri in _C14N_URIS:
                c14n, prefixes = _c14n(transform, policy)
                continue
            raise PolicyViolation(
                tr("unsupported transform {uri!r}", uri=t_uri), line=line_of(transform)
            )
        kids = kids[1:]
    if len(kids) != 2 or [_local(k) for k in kids] != ["DigestMethod", "DigestValue"]:
        raise PolicyViolation(
            tr("a Reference must hold DigestMethod and DigestValue after its Transforms"),
            line=line,
        )
    d_uri = _algorithm_uri(kids[0], "digest")
    try:
        digest = DigestMethod(d_uri)
    except ValueError:
        raise PolicyViolation(
            tr("unsupported digest algorithm {uri!r}", uri=d_uri), line=line_of(kids[0])
        ) from None
    if digest not in policy.digest_methods:
        if digest.legacy:
            raise _sha1_refusal(tr("the digest of {uri}", uri=uri or '""'), policy, line)
        raise PolicyViolation(
            tr(
                "digest method {method} is not allowed by the {policy} policy",
                method=digest.name,
                policy=policy.name,
            ),
            line=line,
        )
    return _Reference(
        element=ref,
        uri=uri,
        enveloped=enveloped,
        # XML-DSig: a node-set left at the end of the transforms is serialised with C14N 1.0
        c14n=c14n or C14NMethod.C14N_10,
        prefixes=prefixes,
        digest_method=digest,
        digest_value=b64_content(kids[1], "DigestValue"),
    )


def _certificates(key_info: etree._Element | None) -> tuple[x509.Certificate, ...]:
    if key_info is None:
        return ()
    elements = list(key_info.iter(_DS + "X509Certificate"))
    if len(elements) > _MAX_CERTIFICATES:
        raise PolicyViolation(
            tr(
                "KeyInfo holds {count} certificates; at most {limit} are accepted",
                count=len(elements),
                limit=_MAX_CERTIFICATES,
            ),
            line=line_of(key_info),
        )
    certs: list[x509.Certificate] = []
    for el in elements:
        try:
            certs.append(x509.load_der_x509_certificate(b64_content(el, "X509Certificate")))
        except ValueError as exc:
            if isinstance(exc, SignatureError):
                raise
            raise SignatureInvalid(
                tr("KeyInfo holds an X509Certificate that does not parse"), line=line_of(el)
            ) from None
    return tuple(certs)


def _key_value(key_info: etree._Element | None) -> PublicKey | None:
    """The ``KeyValue`` public key (RSA, or dsig11 EC on a named curve), if any."""
    if key_info is None:
        return None
    for kv in key_info.iter(_DS + "KeyValue"):
        if not any(isinstance(c.tag, str) for c in kv):
            continue  # an empty template slot
        for inner in kv:
            if inner.tag == _DS + "RSAKeyValue":
                mod = inner.find(_DS + "Modulus")
                exp = inner.find(_DS + "Exponent")
                if mod is None or exp is None:
                    break
                n = int.from_bytes(b64_content(mod, "Modulus"), "big")
                e = int.from_bytes(b64_content(exp, "Exponent"), "big")
                try:
                    return rsa.RSAPublicNumbers(e, n).public_key()
                except ValueError:
                    break
            if inner.tag == f"{{{_DSIG11}}}ECKeyValue":
                curve_el = inner.find(f"{{{_DSIG11}}}NamedCurve")
                point_el = inner.find(f"{{{_DSIG11}}}PublicKey")
                curve = _CURVES.get(curve_el.get("URI", "") if curve_el is not None else "")
                if curve is None or point_el is None:
                    break
                try:
                    return ec.EllipticCurvePublicKey.from_encoded_point(
                        curve(), b64_content(point_el, "PublicKey")
                    )
                except ValueError:
                    break
        raise SignatureInvalid(tr("KeyInfo holds a KeyValue that cannot be read"), line=line_of(kv))
    return None


# --- Ids and canonical content ---------------------------------------------------------------


def _is_id(name: str, extra: frozenset[str]) -> bool:
    """Whether attribute ``name`` (Clark notation) is an Id the profile recognises."""
    if name in extra or name == _XML_ID or name == f"{{{_WSU}}}Id":
        return True
    return not name.startswith("{") and (name in _ID_LOCAL_NAMES or name in extra)


def id_index(
    root: etree._Element, extra: frozenset[str] = frozenset()
) -> dict[str, list[tuple[etree._Element, str]]]:
    """Every Id-like value → the (element, attribute) pairs carrying it.

    Counted are recognised Id attributes *and* any attribute whose local name is one of
    ``Id``/``ID``/``id`` (or a caller-named one) in another namespace: a look-alike Id in a
    foreign namespace makes the value ambiguous, which is how it is refused. One XPath pass
    (in C) finds them.
    """
    names = tuple(sorted(_ID_LOCAL_NAMES | {_id_local(n) for n in extra}))
    found: dict[str, list[tuple[etree._Element, str]]] = {}
    hits = _id_xpath(names)(root)
    assert isinstance(hits, list)
    for attr in hits:
        if isinstance(attr, etree._ElementUnicodeResult) and attr.attrname is not None:
            parent = attr.getparent()
            if parent is not None:
                found.setdefault(str(attr), []).append((parent, str(attr.attrname)))
    return found


@functools.lru_cache(maxsize=32)
def _id_xpath(names: tuple[str, ...]) -> etree.XPath:
    """The compiled XPath finding every attribute with one of these local names."""
    test = " or ".join(f"local-name()='{n}'" for n in names)
    return etree.XPath(f"descendant-or-self::*/@*[{test}]")


_NAME: Final = re.compile(r"(\{[^{}]*\})?[A-Za-z_][\w.\-]*")


def _id_local(name: str) -> str:
    """The local part of a caller-named Id attribute (``name`` or ``{namespace}name``)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not an attribute name: {name!r}")
    return etree.QName(name).localname


def resolve_id(
    index: dict[str, list[tuple[etree._Element, str]]],
    name: str,
    extra: frozenset[str],
    line: int | None = None,
) -> etree._Element:
    """The one element whose recognised Id is ``name``, or the typed refusal."""
    holders = index.get(name, [])
    if len(holders) > 1:
        raise AmbiguousSignature(
            tr(
                "the Id {id!r} occurs {count} times in the document; a referenced Id must be "
                "unique (duplicated Ids are how signatures are wrapped)",
                id=name,
                count=len(holders),
            ),
            line=line,
        )
    if not holders or not _is_id(holders[0][1], extra):
        raise SignatureInvalid(
            tr("no element has the Id {id!r} the reference names", id=name), line=line
        )
    return holders[0][0]


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return el is ancestor or any(a is ancestor for a in el.iterancestors())


@contextmanager
def _without(sig: etree._Element) -> Iterator[None]:
    """``sig`` taken out of its tree for the duration (the enveloped-signature transform)."""
    parent = sig.getparent()
    if parent is None:
        raise PolicyViolation(
            tr(
                "the signature is the document element: an enveloped-signature transform "
                "would leave nothing to sign"
            ),
            line=line_of(sig),
        )
    index = parent.index(sig)
    previous = sig.getprevious()
    before = previous.tail if previous is not None else parent.text
    tail = sig.tail
    detach_signature(sig)
    try:
        yield
    finally:
        if previous is not None:
            previous.tail = before
        else:
            parent.text = before
        sig.tail = tail
        parent.insert(index, sig)


def canonical_reference(
    tree: etree._ElementTree,
    sig: etree._Element,
    target: etree._Element | None,
    *,
    enveloped: bool,
    c14n: C14NMethod,
    prefixes: Sequence[str] = (),
) -> bytes:
    """The bytes a reference digests: ``target`` (``None``: the whole document) canonicalised,
    without comments, without ``sig`` when ``enveloped`` and ``sig`` lies inside it."""
    node: etree._Element | etree._ElementTree = tree if target is None else target
    covers_sig = target is None or _inside(sig, target)
    if enveloped and covers_sig:
        with _without(sig):
            return canonicalize(node, c14n, prefixes)
    return canonicalize(node, c14n, prefixes)


# --- verifying --------------------------------------------------------------------------------


def _target(
    tree: etree._ElementTree,
    ref: _Reference,
    index: dict[str, list[tuple[etree._Element, str]]],
    policy: SignaturePolicy,
) -> etree._Element | None:
    if ref.uri == "":
        return None
    return resolve_id(index, ref.uri[1:], policy.id_attributes, line_of(ref.element))


def _twin(other: etree._ElementTree, el: etree._Element) -> etree._Element:
    """The element of ``other`` (a deep copy of ``el``'s tree) at ``el``'s position."""
    steps: list[int] = []
    node = el
    parent = node.getparent()
    while parent is not None:
        steps.append(parent.index(node))
        node, parent = parent, parent.getparent()
    found = other.getroot()
    for step in reversed(steps):
        found = found[step]
    return found


def _strip_indentation(el: etree._Element) -> None:
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None
        for child in node:
            if child.tail is not None and not child.tail.strip():
                child.tail = None


def _whitespace_only_difference(
    tree: etree._ElementTree,
    node: etree._Element | None,
    expected: bytes,
    compute: Callable[[etree._ElementTree, etree._Element | None], bytes],
) -> bool:
    """Whether ``node`` (``None``: the document) with its indentation removed hashes as signed:
    the document was pretty-printed after signing. Only run once a check has failed."""
    other = copy.deepcopy(tree)
    twin = None if node is None else _twin(other, node)
    _strip_indentation(other.getroot() if twin is None else twin)
    try:
        return hmac.compare_digest(compute(other, twin), expected)
    except SignatureError:
        return False


def _check_reference(
    tree: etree._ElementTree,
    parsed: _Signature,
    ref: _Reference,
    index: dict[str, list[tuple[etree._Element, str]]],
    policy: SignaturePolicy,
    warnings: list[Issue],
    budget: _Budget,
) -> CoveredContent:
    sig = parsed.element
    target = _target(tree, ref, index, policy)
    line = line_of(ref.element)
    enveloped = ref.enveloped
    if enveloped and target is not None and target is not sig and _inside(target, sig):
        # a reference into the signature's own Object with the enveloped transform: by the
        # rules nothing is left to digest; one signer hashed the Object as if untransformed
        if QUIRK_ENVELOPED_OBJECT not in policy.allowed_quirks:
            raise PolicyViolation(
                tr(
                    "the reference {uri} points into the signature's own Object yet declares "
                    "the enveloped-signature transform, which leaves nothing to digest (the "
                    "enveloped-object quirk of one e-invoice tool; accepted only with "
                    "--allow-quirk enveloped-object)",
                    uri=ref.uri,
                ),
                line=line,
            )
        enveloped = False
        warnings.append(
            Issue(
                QUIRK_USED,
                Severity.WARNING,
                tr(
                    "the reference {uri} was digested without its enveloped-signature transform "
                    "(enveloped-object quirk accepted)",
                    uri=ref.uri,
                ),
                line=line,
                rule="interop",
            )
        )

    def compute(doc: etree._ElementTree, node: etree._Element | None) -> bytes:
        doc_sig = sig if doc is tree else _twin(doc, sig)
        return ref.digest_method.digest(
            canonical_reference(
                doc,
                doc_sig,
                node,
                enveloped=enveloped,
                c14n=ref.c14n,
                prefixes=ref.prefixes,
            )
        )

    content = canonical_reference(
        tree, sig, target, enveloped=enveloped, c14n=ref.c14n, prefixes=ref.prefixes
    )
    budget.spend(len(content))
    if not hmac.compare_digest(ref.digest_method.digest(content), ref.digest_value):
        if budget.diagnose() and _whitespace_only_difference(
            tree, target, ref.digest_value, compute
        ):
            raise SignatureInvalid(
                tr(
                    "the digest of {uri} does not match: whitespace differs from what was "
                    "signed (the document was re-indented or pretty-printed after signing)",
                    uri=ref.uri or '""',
                ),
                line=line,
            )
        raise SignatureInvalid(
            tr(
                "the digest of {uri} does not match: the content was changed after signing",
                uri=ref.uri or '""',
            ),
            line=line,
        )
    tag = tree.getroot().tag if target is None else target.tag
    return CoveredContent(uri=ref.uri, tag=str(tag), signed_bytes=content, source=target)


def _value_ok(key: object, method: SignatureMethod, data: bytes, value: bytes) -> bool:
    hash_alg = method.digest.hash_algorithm()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(value, data, padding.PKCS1v15(), hash_alg)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            width = (key.curve.key_size + 7) // 8
            if len(value) != 2 * width:
                return False
            r = int.from_bytes(value[:width], "big")
            s = int.from_bytes(value[width:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_alg))
            return True
    except InvalidSignature:
        return False
    return False


def _signed_info_bytes(parsed: _Signature, node: etree._Element | None = None) -> bytes:
    return canonicalize(
        parsed.signed_info if node is None else node,
        parsed.c14n,
        parsed.c14n_prefixes,
        comments=parsed.c14n.with_comments,
    )


def _signing_time(sig: etree._Element, covered: Sequence[CoveredContent]) -> datetime | None:
    """The ``SigningTime`` a covered part of the signature's own ``Object`` states, if any."""
    own = {
        obj_id
        for obj in sig.iter(_DS + "Object", _DS + "SignatureProperties", _DS + "SignatureProperty")
        for obj_id in (obj.get("Id"), obj.get("ID"), obj.get("id"))
        if obj_id
    }
    for element in sig.iter("{*}SignatureProperties", "SignatureProperties"):
        for value in (element.get("Id"), element.get("ID"), element.get("id")):
            if value:
                own.add(value)
    for part in covered:
        if part.element_id is None or part.element_id not in own or part._source is None:
            continue
        # the element whose canonical bytes just matched their digest: its text (comments and
        # PIs left out by itertext) is what was signed, so no re-parse of the bytes is needed
        for el in part._source.iter("{*}SigningTime", "SigningTime"):
            text = "".join(str(t) for t in el.itertext()).strip()
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise SignatureInvalid(
                    tr("the signed SigningTime {text!r} is not an ISO date-time", text=text[:40])
                ) from None
            # e-invoices write local time without a zone: Vietnam time
            return when if when.tzinfo else when.replace(tzinfo=_VIETNAM)
    return None


def _signer_key(
    parsed: _Signature, trust: TrustStore, data: bytes
) -> tuple[x509.Certificate | None, PublicKey]:
    """The certificate (if any) and key the signature is checked with; value checked here."""
    if parsed.certificates:
        cert = select_signer_certificate(parsed.certificates)
        key = cert.public_key()
        if not _value_ok(key, parsed.method, data, parsed.signature_value):
            raise SignatureInvalid(
                tr(
                    "the SignatureValue does not match SignedInfo for the key of {cert}",
                    cert=describe_certificate(cert),
                ),
                line=line_of(parsed.element),
            )
        return cert, key  # type: ignore[return-value]
    if parsed.key_value is not None:
        if not trust.key_pinned(parsed.key_value):
            raise UntrustedCertificate(
                tr(
                    "the signature carries a bare KeyValue key that is not pinned (a key "
                    "without a certificate is trusted only with --key / pinned_keys)"
                ),
                line=line_of(parsed.element),
            )
        if not _value_ok(parsed.key_value, parsed.method, data, parsed.signature_value):
            raise SignatureInvalid(
                tr("the SignatureValue does not match SignedInfo for the KeyValue key"),
                line=line_of(parsed.element),
            )
        return None, parsed.key_value
    for cert in trust.pinned_certificates:
        if _value_ok(cert.public_key(), parsed.method, data, parsed.signature_value):
            return cert, cert.public_key()  # type: ignore[return-value]
    for key in trust.pinned_keys:
        if _value_ok(key, parsed.method, data, parsed.signature_value):
            return None, key
    raise UntrustedCertificate(
        tr(
            "KeyInfo names no certificate or key, and no pinned certificate or key verifies "
            "the signature"
        ),
        line=line_of(parsed.element),
    )


def _describe_key(key: PublicKey) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    digest = hashes.Hash(hashes.SHA256())
    digest.update(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
    return tr("pinned {kind} key sha256:{fp}", kind=key_type(key), fp=digest.finalize().hex()[:16])


def _verify_one(
    tree: etree._ElementTree,
    sig: etree._Element,
    index: dict[str, list[tuple[etree._Element, str]]],
    *,
    trust: TrustStore,
    policy: SignaturePolicy,
    at: AtTime,
    budget: _Budget,
) -> SignatureResult:
    path = element_path(sig)
    base = SignatureResult(path=path, line=line_of(sig), signature_id=sig.get("Id"), error=None)
    warnings: list[Issue] = []
    try:
        parsed = _parse(sig, policy)
        if parsed.method.legacy or any(r.digest_method.legacy for r in parsed.references):
            warnings.append(
                Issue(
                    SHA1_USED,
                    Severity.WARNING,
                    tr("the signature uses SHA-1 (accepted because SHA-1 was allowed)"),
                    line=line_of(sig),
                    rule="interop",
                )
            )
        covered = tuple(
            _check_reference(tree, parsed, ref, index, policy, warnings, budget)
            for ref in parsed.references
        )
        data = _signed_info_bytes(parsed)
        try:
            cert, key = _signer_key(parsed, trust, data)
        except SignatureInvalid:
            if budget.diagnose() and _signed_info_whitespace(parsed, trust):
                raise SignatureInvalid(
                    tr(
                        "the SignatureValue does not match: whitespace differs from what was "
                        "signed (SignedInfo was re-indented or pretty-printed after signing)"
                    ),
                    line=line_of(sig),
                ) from None
            raise
        check_public_key(key, parsed.method, policy)
        signing_time = _signing_time(sig, covered)
        for part in covered:
            part._source = None  # results must not keep the private tree alive
        chain: tuple[x509.Certificate, ...] = ()
        if at == "signing-time":
            if signing_time is None:
                raise PolicyViolation(
                    tr(
                        "the signature states no signed SigningTime, so it cannot be checked "
                        "at its signing time"
                    ),
                    line=line_of(sig),
                )
            when: datetime | None = signing_time
        else:
            when = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
        if cert is not None:
            chain = trust.validate(cert, parsed.certificates, at=when, clock_skew=policy.clock_skew)
        elif not trust.key_pinned(key):
            raise UntrustedCertificate(tr("the signer's key is not pinned"), line=line_of(sig))
        return SignatureResult(
            path=path,
            line=base.line,
            signature_id=base.signature_id,
            error=None,
            certificate=cert,
            chain=chain,
            signer=cert.subject.rfc4514_string() if cert is not None else _describe_key(key),
            signing_time=signing_time,
            signature_method=parsed.method,
            covered=covered,
            warnings=tuple(warnings),
        )
    except SignatureError as exc:
        if exc.line is None:
            exc.line = line_of(sig)
        return SignatureResult(
            path=path,
            line=base.line,
            signature_id=base.signature_id,
            error=exc,
            warnings=tuple(warnings),
        )


def _signed_info_whitespace(parsed: _Signature, trust: TrustStore) -> bool:
    """Whether SignedInfo without its indentation verifies (pretty-printed after signing)."""
    twin = _xml.parse(etree.tostring(parsed.signed_info), name="<SignedInfo>").getroot()
    _strip_indentation(twin)
    data = _signed_info_bytes(parsed, twin)
    keys: list[object] = [c.public_key() for c in parsed.certificates]
    if parsed.key_value is not None:
        keys.append(parsed.key_value)
    keys += [c.public_key() for c in trust.pinned_certificates]
    keys += list(trust.pinned_keys)
    return any(_value_ok(k, parsed.method, data, parsed.signature_value) for k in keys)


def verify_signatures(
    xml: SignedInput,
    *,
    trust: TrustStore,
    policy: SignaturePolicy = INTEROP,
    at: AtTime = None,
    name: str | None = None,
) -> VerifiedSignatures:
    """Verify every XML-DSig signature of ``xml`` under the interop profile.

    Returns one :class:`SignatureResult` per signature, in document order, each with its own
    verdict (a refusal does not stop the others); read only ``result.covered`` of valid ones.
    Raises :class:`~qnegov.errors.SignatureMissing` when there is no signature at all, and
    :class:`~qnegov.errors.XMLError` for unreadable or hostile XML. ``at`` is a moment
    (naive means UTC), ``"signing-time"`` (each certificate at its own signature's signed
    signing time) or ``None`` (now).
    """
    if not isinstance(trust, TrustStore):
        raise TypeError("trust must be a TrustStore, e.g. TrustStore.from_paths('roots/')")
    if not isinstance(policy, SignaturePolicy) or not policy.interop:
        raise TypeError("policy must be an interop SignaturePolicy (INTEROP or interop_policy())")
    label = input_label(xml, name)
    tree = load_tree(xml, name=name)
    root = tree.getroot()
    signatures = list(root.iter(_DS + "Signature"))
    if not signatures:
        raise SignatureMissing(tr("the document carries no XML signature"), file=label)
    if len(signatures) > _MAX_SIGNATURES:
        raise PolicyViolation(
            tr(
                "the document holds {count} signatures; at most {limit} are accepted",
                count=len(signatures),
                limit=_MAX_SIGNATURES,
            ),
            file=label,
        )
    index = id_index(root, policy.id_attributes)
    budget = _Budget()
    results = []
    for sig in signatures:
        result = _verify_one(tree, sig, index, trust=trust, policy=policy, at=at, budget=budget)
        if result.error is not None and result.error.file is None:
            result.error.file = label
        results.append(result)
    return VerifiedSignatures(signatures=tuple(results), policy=policy)
