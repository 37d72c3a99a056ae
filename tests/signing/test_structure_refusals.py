"""``parse_signature``'s refusals, exactly: every shape outside the profile is named with its
message, error class and line, and the pieces of an accepted shape are read as written.

The cases start from one well-formed signature written out line by line and change one part of
it; nothing here is checked cryptographically (that is the verifier's job), so a real
certificate but dummy digest and signature values are enough.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from qnegov.errors import (
    AmbiguousSignature,
    PolicyViolation,
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
)
from qnegov.signing import _structure
from qnegov.signing._structure import find_signature, parse_signature

from .conftest import PKI

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST = base64.b64encode(b"\x01" * 32).decode()
VALUE = base64.b64encode(b"\x02" * 256).decode()

TEMPLATE = f"""<ds:Signature xmlns:ds="{DS}">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="{EXC}"/>
<ds:SignatureMethod Algorithm="{RSA256}"/>
<ds:Reference URI="">
<ds:Transforms>
<ds:Transform Algorithm="{ENVELOPED}"/>
<ds:Transform Algorithm="{EXC}"/>
</ds:Transforms>
<ds:DigestMethod Algorithm="{SHA256}"/>
<ds:DigestValue>{DIGEST}</ds:DigestValue>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue>{VALUE}</ds:SignatureValue>
<ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
</ds:Signature>"""


@pytest.fixture(scope="module")
def cert_b64(pki: PKI) -> str:
    der = pki.rsa.certificate.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def _signature(text: str, cert_b64: str) -> etree._Element:
    return etree.fromstring(text.replace("CERT", cert_b64).encode())


def _edit(old: str, new: str) -> str:
    assert old in TEMPLATE
    return TEMPLATE.replace(old, new, 1)


def test_the_template_is_read_as_written(cert_b64: str, pki: PKI) -> None:
    parsed = parse_signature(_signature(TEMPLATE, cert_b64))
    assert parsed.namespace == DS
    assert parsed.c14n.value == EXC and parsed.method.value == RSA256
    assert parsed.reference_uri == "" and parsed.transforms == (ENVELOPED, EXC)
    assert parsed.reference_c14n.value == EXC and parsed.inclusive_prefixes == ()
    assert parsed.digest_method.value == SHA256
    assert parsed.digest_value == b"\x01" * 32 and parsed.signature_value == b"\x02" * 256
    assert parsed.certificates == (pki.rsa.certificate,)


def test_without_transforms_the_reference_is_canonicalised_with_c14n_10(cert_b64: str) -> None:
    text = _edit(
        f'<ds:Transforms>\n<ds:Transform Algorithm="{ENVELOPED}"/>\n'
        f'<ds:Transform Algorithm="{EXC}"/>\n</ds:Transforms>\n',
        "",
    )
    parsed = parse_signature(_signature(text, cert_b64))
    assert parsed.transforms == () and parsed.reference_c14n.value == C14N


def test_inclusive_prefixes_are_read_from_an_exclusive_transform(cert_b64: str) -> None:
    text = _edit(
        f'<ds:Transform Algorithm="{EXC}"/>',
        f'<ds:Transform Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="{EXC}" '
        'PrefixList="a  b"/></ds:Transform>',
    )
    assert parse_signature(_signature(text, cert_b64)).inclusive_prefixes == ("a", "b")


# (edit old, edit new, error class, message, line)
CASES = [
    (
        "</ds:KeyInfo>\n",
        "</ds:KeyInfo>\n<ds:Object/>\n",
        PolicyViolation,
        "unexpected Object inside the signature (only SignedInfo, SignatureValue and KeyInfo "
        "are accepted)",
        16,
    ),
    (
        "<ds:SignedInfo>\n",
        '<ds:SignedInfo>\n<x:Other xmlns:x="urn:x"/>\n',
        PolicyViolation,
        "unexpected element {urn:x}Other inside the signature",
        3,
    ),
    (
        f"<ds:SignatureValue>{VALUE}</ds:SignatureValue>\n",
        "",
        PolicyViolation,
        "Signature must hold SignatureValue here, found KeyInfo",
        None,
    ),
    (
        f'<ds:CanonicalizationMethod Algorithm="{EXC}"/>',
        '<ds:CanonicalizationMethod Algorithm="urn:odd"/>',
        PolicyViolation,
        "unsupported canonicalisation algorithm 'urn:odd'",
        3,
    ),
    (
        f'<ds:CanonicalizationMethod Algorithm="{EXC}"/>',
        f'<ds:CanonicalizationMethod Algorithm="{EXC}"><ds:X/></ds:CanonicalizationMethod>',
        PolicyViolation,
        "CanonicalizationMethod parameters are not supported",
        None,
    ),
    (
        f'<ds:SignatureMethod Algorithm="{RSA256}"/>',
        f'<ds:SignatureMethod Algorithm="{RSA256}"><ds:HMACOutputLength>8'
        "</ds:HMACOutputLength></ds:SignatureMethod>",
        PolicyViolation,
        "SignatureMethod parameters are not supported",
        None,
    ),
    (
        f'<ds:SignatureMethod Algorithm="{RSA256}"/>',
        '<ds:SignatureMethod Algorithm="urn:weak"/>',
        PolicyViolation,
        "unsupported signature algorithm 'urn:weak'",
        4,
    ),
    (
        '<ds:Reference URI="">',
        '<ds:Manifest/>\n<ds:Reference URI="">',
        PolicyViolation,
        "SignedInfo must hold Reference elements after SignatureMethod",
        None,
    ),
    (
        "</ds:Reference>\n",
        '</ds:Reference>\n<ds:Reference URI="#b">\n<ds:DigestMethod/></ds:Reference>\n',
        AmbiguousSignature,
        "the signature holds 2 references; exactly one is accepted",
        13,
    ),
    (
        '<ds:Reference URI="">',
        "<ds:Reference>",
        PolicyViolation,
        "the Reference has no URI attribute",
        5,
    ),
    (
        f'<ds:Transform Algorithm="{EXC}"/>',
        '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>',
        PolicyViolation,
        "unsupported transform 'http://www.w3.org/TR/1999/REC-xpath-19991116' at position 2; "
        "accepted: the enveloped-signature transform, then at most one canonicalisation",
        8,
    ),
    (
        f'<ds:Transform Algorithm="{EXC}"/>',
        f'<ds:Transform Algorithm="{EXC}"/>\n<ds:Transform Algorithm="{EXC}"/>',
        PolicyViolation,
        f"unsupported transform '{EXC}' at position 3; accepted: the enveloped-signature "
        "transform, then at most one canonicalisation",
        9,
    ),
    (
        f'<ds:Transform Algorithm="{ENVELOPED}"/>\n<ds:Transform Algorithm="{EXC}"/>',
        f'<ds:Transform Algorithm="{EXC}"/>\n<ds:Transform Algorithm="{ENVELOPED}"/>',
        PolicyViolation,
        f"unsupported transform '{ENVELOPED}' at position 2; accepted: the enveloped-signature "
        "transform, then at most one canonicalisation",
        8,
    ),
    (
        f'<ds:Transform Algorithm="{ENVELOPED}"/>',
        f'<ds:Transform Algorithm="{ENVELOPED}"><ds:X/></ds:Transform>',
        PolicyViolation,
        f"unsupported transform '{ENVELOPED}' at position 1; accepted: the enveloped-signature "
        "transform, then at most one canonicalisation",
        7,
    ),
    (
        f'<ds:Transform Algorithm="{EXC}"/>',
        f'<ds:Transform Algorithm="{C14N}"><ec:InclusiveNamespaces xmlns:ec="{EXC}" '
        'PrefixList="a"/></ds:Transform>',
        PolicyViolation,
        f"unsupported transform parameter {{{EXC}}}InclusiveNamespaces",
        None,
    ),
    (
        f'<ds:DigestMethod Algorithm="{SHA256}"/>\n',
        "",
        PolicyViolation,
        "Reference must hold DigestMethod here, found DigestValue",
        None,
    ),
    (
        f"<ds:DigestValue>{DIGEST}</ds:DigestValue>\n",
        f"<ds:DigestValue>{DIGEST}</ds:DigestValue>\n<ds:Extra/>\n",
        PolicyViolation,
        "unexpected Extra inside Reference",
        None,
    ),
    (
        f"<ds:DigestValue>{DIGEST}</ds:DigestValue>",
        "<ds:DigestValue>not*base64</ds:DigestValue>",
        SignatureInvalid,
        "DigestValue is not valid base64",
        11,
    ),
    (
        "<ds:X509Certificate>CERT</ds:X509Certificate>",
        "<ds:X509Certificate>AAAA</ds:X509Certificate>",
        SignatureInvalid,
        "KeyInfo holds an X509Certificate that does not parse",
        15,
    ),
    (
        "<ds:SignedInfo>\n",
        "<ds:Object/><ds:SignedInfo>\n",
        PolicyViolation,
        "Signature must hold SignedInfo here, found Object",
        None,
    ),
    (
        f'<ds:CanonicalizationMethod Algorithm="{EXC}"/>\n',
        "",
        PolicyViolation,
        "SignedInfo must hold CanonicalizationMethod here, found SignatureMethod",
        None,
    ),
    (
        f'<ds:SignatureMethod Algorithm="{RSA256}"/>\n',
        "",
        PolicyViolation,
        "SignedInfo must hold SignatureMethod here, found Reference",
        None,
    ),
    (
        f"<ds:DigestValue>{DIGEST}</ds:DigestValue>\n",
        "",
        PolicyViolation,
        "Reference must hold DigestValue here, found nothing",
        None,
    ),
    (
        f'<ds:DigestMethod Algorithm="{SHA256}"/>',
        '<ds:DigestMethod Algorithm="urn:md5"/>',
        PolicyViolation,
        "unsupported digest algorithm 'urn:md5'",
        10,
    ),
    (
        f"<ds:SignatureValue>{VALUE}</ds:SignatureValue>",
        "<ds:SignatureValue>%%%</ds:SignatureValue>",
        SignatureInvalid,
        "SignatureValue is not valid base64",
        14,
    ),
    (
        "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data>"
        "</ds:KeyInfo>",
        "<ds:Object/>",
        PolicyViolation,
        "unexpected Object inside the signature (only SignedInfo, SignatureValue and KeyInfo "
        "are accepted)",
        15,
    ),
]


@pytest.mark.parametrize(("old", "new", "kind", "message", "line"), CASES)
def test_each_shape_outside_the_profile_is_refused_by_name(
    cert_b64: str, old: str, new: str, kind: type[SignatureError], message: str, line: int | None
) -> None:
    with pytest.raises(SignatureError) as caught:
        parse_signature(_signature(_edit(old, new), cert_b64))
    assert type(caught.value) is kind
    assert caught.value.message == message
    assert caught.value.line == line


def test_a_signature_with_nothing_after_signed_info_names_what_is_missing(cert_b64: str) -> None:
    text = f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo/></ds:Signature>'
    with pytest.raises(PolicyViolation) as caught:
        parse_signature(_signature(text, cert_b64))
    assert caught.value.message == "Signature must hold SignatureValue here, found nothing"


def test_an_unreadable_certificate_can_be_skipped_and_told(cert_b64: str, pki: PKI) -> None:
    text = _edit(
        "<ds:X509Certificate>CERT</ds:X509Certificate>",
        "<ds:X509Certificate>AAAA</ds:X509Certificate><ds:X509Certificate>CERT"
        "</ds:X509Certificate>",
    )
    told: list[SignatureError] = []
    parsed = parse_signature(_signature(text, cert_b64), bad_certificate=told.append)
    assert parsed.certificates == (pki.rsa.certificate,)
    assert [e.message for e in told] == ["KeyInfo holds an X509Certificate that does not parse"]


def test_too_many_certificates_are_refused(cert_b64: str) -> None:
    many = "".join("<ds:X509Certificate>CERT</ds:X509Certificate>" for _ in range(40))
    limit = _structure._MAX_CERTIFICATES
    assert limit < 40
    text = _edit("<ds:X509Certificate>CERT</ds:X509Certificate>", many)
    with pytest.raises(PolicyViolation) as caught:
        parse_signature(_signature(text, cert_b64))
    assert caught.value.message == (f"KeyInfo holds 40 certificates; at most {limit} are accepted")
    assert caught.value.line == 15


def test_an_unnamespaced_signature_is_read_in_no_namespace(cert_b64: str) -> None:
    text = TEMPLATE.replace(f' xmlns:ds="{DS}"', "").replace("ds:", "")
    parsed = parse_signature(_signature(text, cert_b64))
    assert parsed.namespace is None and parsed.certificates


def _document(body: str) -> etree._Element:
    return etree.fromstring(f'<r xmlns:ds="{DS}">\n{body}</r>'.encode())


def test_a_document_without_a_signature_says_so() -> None:
    with pytest.raises(SignatureMissing) as caught:
        find_signature(_document("<a/>\n"), accept_unnamespaced=True)
    assert caught.value.message == "the document carries no XML signature"


def test_two_signatures_are_ambiguous_at_the_second() -> None:
    root = _document("<ds:Signature/>\n<a>\n<ds:Signature/>\n</a>\n")
    with pytest.raises(AmbiguousSignature) as caught:
        find_signature(root, accept_unnamespaced=False)
    assert caught.value.message == "the document holds 2 signatures; exactly one is accepted"
    assert caught.value.line == 4


def test_a_legacy_unnamespaced_signature_needs_the_legacy_policy(cert_b64: str) -> None:
    legacy = TEMPLATE.replace(f' xmlns:ds="{DS}"', "").replace("ds:", "").replace("CERT", cert_b64)
    root = etree.fromstring(f"<r>\n<a/>\n{legacy}</r>".encode())
    found = find_signature(root, accept_unnamespaced=True)
    assert found.tag == "Signature"
    with pytest.raises(PolicyViolation) as caught:
        find_signature(root, accept_unnamespaced=False)
    assert caught.value.message == (
        "the Signature element is not in the XML-DSig namespace (the VNPT legacy shape); only "
        "the legacy policy accepts it"
    )
    assert caught.value.line == 3
    both = etree.fromstring(f'<r>\n{legacy}<ds:Signature xmlns:ds="{DS}"/></r>'.encode())
    with pytest.raises(AmbiguousSignature):
        find_signature(both, accept_unnamespaced=True)


def test_comments_and_pis_inside_the_signature_are_skipped(cert_b64: str) -> None:
    text = _edit("<ds:SignedInfo>\n", "<!-- c --><?p x?><ds:SignedInfo>\n<!-- d -->")
    assert parse_signature(_signature(text, cert_b64)).reference_uri == ""


def test_only_the_enveloped_transform_means_c14n_10_for_the_reference(cert_b64: str) -> None:
    text = _edit(f'<ds:Transform Algorithm="{EXC}"/>\n', "")
    parsed = parse_signature(_signature(text, cert_b64))
    assert parsed.transforms == (ENVELOPED,) and parsed.reference_c14n.value == C14N


def test_inclusive_namespaces_without_a_prefix_list_name_none(cert_b64: str) -> None:
    text = _edit(
        f'<ds:Transform Algorithm="{EXC}"/>',
        f'<ds:Transform Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="{EXC}"/>'
        "</ds:Transform>",
    )
    assert parse_signature(_signature(text, cert_b64)).inclusive_prefixes == ()


def test_sixteen_certificates_are_accepted(cert_b64: str) -> None:
    limit = _structure._MAX_CERTIFICATES
    many = "".join("<ds:X509Certificate>CERT</ds:X509Certificate>" for _ in range(limit))
    text = _edit("<ds:X509Certificate>CERT</ds:X509Certificate>", many)
    assert len(parse_signature(_signature(text, cert_b64)).certificates) == limit


@pytest.mark.parametrize("body", ["<Signature/>\n", "<Signature><x/></Signature>\n"])
def test_a_no_namespace_signature_without_signed_info_is_no_signature(body: str) -> None:
    with pytest.raises(SignatureMissing):
        find_signature(_document(body), accept_unnamespaced=True)
