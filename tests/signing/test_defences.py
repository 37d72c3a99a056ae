"""Every way we know to make "what was signed" differ from "what is read" is refused.

Where a forgery needs a cryptographically valid signature over a modified ``SignedInfo`` (extra
reference, sibling reference, foreign transforms...), the test re-signs ``SignedInfo`` with the
real key, so the refusal proven is the structural one and not a bad signature value.
"""

from __future__ import annotations

import base64
import copy
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from qnegov import _xml
from qnegov.errors import (
    AmbiguousSignature,
    PolicyViolation,
    SignatureInvalid,
    SignatureMissing,
    UnsafeXMLError,
)
from qnegov.signing import (
    DSIG_NS,
    LEGACY_PEER,
    SignaturePolicy,
    sign,
    sign_packet,
    verify,
    verify_packet,
)

from .conftest import PKI

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NS = {"ds": DSIG_NS, "e": EDXML}
DS = f"{{{DSIG_NS}}}"


def _tree(data: bytes) -> etree._ElementTree:
    return _xml.parse(data)


def _bytes(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _sig(tree: etree._ElementTree) -> etree._Element:
    found = tree.getroot().xpath("//ds:Signature", namespaces=NS)
    assert len(found) == 1
    return found[0]


def _resign(tree: etree._ElementTree, pki: PKI) -> bytes:
    """Recompute SignatureValue over the (modified) SignedInfo with the real RSA key."""
    sig = _sig(tree)
    signed_info = sig.find("ds:SignedInfo", NS)
    assert signed_info is not None
    data = etree.tostring(signed_info, method="c14n", exclusive=True)
    value = pki.rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    sig.find("ds:SignatureValue", NS).text = base64.b64encode(value).decode()  # type: ignore[union-attr]
    return _bytes(tree)


@pytest.fixture()
def signed(pki: PKI, packet: bytes) -> bytes:
    return sign_packet(packet, pki.rsa)


# --- signature wrapping -------------------------------------------------------------------------


def test_moved_signed_element_breaks_the_digest(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    root = tree.getroot()
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    message = header.find("e:MessageHeader", NS)  # type: ignore[union-attr]
    root.append(message)  # the header content moves out of the envelope
    with pytest.raises(SignatureInvalid, match="digest"):
        verify(_bytes(tree), trust=pki.trust)


def test_classic_wrapping_original_tucked_away_forgery_in_place(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    root = tree.getroot()
    original = copy.deepcopy(root.find("e:edXMLEnvelope", NS))
    subject = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", NS)
    subject.text = "Giả mạo"  # type: ignore[union-attr]
    wrapper = etree.SubElement(root, "{urn:evil}Wrapper")
    wrapper.append(original)
    with pytest.raises(AmbiguousSignature):  # the tucked-away copy still holds its signature
        verify_packet(_bytes(tree), trust=pki.trust)
    copied = original.find("e:edXMLHeader/ds:Signature", NS)  # type: ignore[union-attr]
    copied.getparent().remove(copied)  # type: ignore[union-attr]
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_packet(_bytes(tree), trust=pki.trust)


def test_signature_moved_out_of_the_header(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    tree.getroot().append(_sig(tree))
    with pytest.raises(PolicyViolation, match="last child of edXMLHeader"):
        verify_packet(_bytes(tree), trust=pki.trust)


def test_signature_not_last_in_the_header(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    sig = _sig(tree)
    sig.getparent().insert(0, sig)  # type: ignore[union-attr]
    with pytest.raises(PolicyViolation, match="last child"):
        verify_packet(_bytes(tree), trust=pki.trust)


def test_second_signature_is_ambiguous(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    tree.getroot().append(copy.deepcopy(_sig(tree)))
    with pytest.raises(AmbiguousSignature, match="2 signatures"):
        verify(_bytes(tree), trust=pki.trust)


def test_legacy_shaped_second_signature_is_ambiguous_too(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    fake = etree.SubElement(tree.getroot(), f"{{{EDXML}}}Signature")
    etree.SubElement(fake, f"{{{EDXML}}}SignedInfo")
    with pytest.raises(AmbiguousSignature):
        verify(_bytes(tree), trust=pki.trust, policy=LEGACY_PEER)
    with pytest.raises(AmbiguousSignature):
        verify(_bytes(tree), trust=pki.trust)


def test_extra_reference_is_ambiguous(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    signed_info = _sig(tree).find("ds:SignedInfo", NS)
    signed_info.append(copy.deepcopy(signed_info.find("ds:Reference", NS)))  # type: ignore[union-attr,arg-type]
    with pytest.raises(AmbiguousSignature, match="2 references"):
        verify(_resign(tree, pki), trust=pki.trust)


def _reference_to_sibling(tree: etree._ElementTree) -> None:
    """Point the reference at an element by Id, with a digest that matches that element."""
    target = tree.getroot().find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS)
    target.set("Id", "msg")  # type: ignore[union-attr]
    ref = _sig(tree).find("ds:SignedInfo/ds:Reference", NS)
    ref.set("URI", "#msg")  # type: ignore[union-attr]
    digest = hashlib.sha256(etree.tostring(target, method="c14n", exclusive=True)).digest()
    ref.find("ds:DigestValue", NS).text = base64.b64encode(digest).decode()  # type: ignore[union-attr]


def test_signature_over_a_sibling_is_refused(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    _reference_to_sibling(tree)
    with pytest.raises(PolicyViolation, match="whole document"):
        verify(_resign(tree, pki), trust=pki.trust)


def test_duplicated_ids_cannot_be_exploited(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    _reference_to_sibling(tree)
    clone = copy.deepcopy(tree.getroot().find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS))
    clone.find("e:Subject", NS).text = "forged"  # type: ignore[union-attr]
    tree.getroot().insert(0, clone)  # same Id="msg" first in document order
    with pytest.raises(PolicyViolation, match="whole document"):
        verify(_resign(tree, pki), trust=pki.trust)


def test_unknown_reference_transform_is_refused(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    transforms = _sig(tree).find("ds:SignedInfo/ds:Reference/ds:Transforms", NS)
    xpath = etree.SubElement(
        transforms,
        DS + "Transform",  # type: ignore[arg-type]
        Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116",
    )
    etree.SubElement(xpath, DS + "XPath").text = "not(ancestor-or-self::e:MessageHeader)"
    with pytest.raises(PolicyViolation, match="unsupported transform"):
        verify(_resign(tree, pki), trust=pki.trust)


def test_missing_enveloped_transform_is_refused(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    transforms = _sig(tree).find("ds:SignedInfo/ds:Reference/ds:Transforms", NS)
    transforms.remove(transforms[0])  # type: ignore[union-attr,index]
    with pytest.raises(PolicyViolation, match="enveloped"):
        verify(_resign(tree, pki), trust=pki.trust)


def test_object_inside_the_signature_is_refused(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    obj = etree.SubElement(_sig(tree), DS + "Object")
    etree.SubElement(obj, "Payload").text = "unsigned"
    with pytest.raises(PolicyViolation, match="Object"):
        verify(_bytes(tree), trust=pki.trust)


def test_hmac_signature_method_is_unsupported(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    method = _sig(tree).find("ds:SignedInfo/ds:SignatureMethod", NS)
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")  # type: ignore[union-attr]
    with pytest.raises(PolicyViolation, match="unsupported signature algorithm"):
        verify(_bytes(tree), trust=pki.trust)


def test_key_info_swapped_for_another_trusted_certificate(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    cert = _sig(tree).find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    from cryptography.hazmat.primitives.serialization import Encoding

    cert.text = base64.b64encode(pki.ec.certificate.public_bytes(Encoding.DER)).decode()  # type: ignore[union-attr]
    with pytest.raises(PolicyViolation, match="ec key"):
        verify(_bytes(tree), trust=pki.trust)
    other = sign(b"<x/>", pki.other)  # another trusted RSA signer's certificate
    other_cert = _sig(_tree(other)).find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    cert.text = other_cert.text  # type: ignore[union-attr]
    with pytest.raises(SignatureInvalid, match="SignatureValue"):
        verify(_bytes(tree), trust=pki.trust, policy=SignaturePolicy(name="p"))


def test_missing_key_info_is_refused(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    sig = _sig(tree)
    sig.remove(sig.find("ds:KeyInfo", NS))  # type: ignore[arg-type]
    with pytest.raises(PolicyViolation, match="KeyInfo"):
        verify(_bytes(tree), trust=pki.trust)


def test_unnamespaced_signature_needs_the_legacy_policy(pki: PKI, signed: bytes) -> None:
    text = signed.replace(b"ds:", b"").replace(f' xmlns:ds="{DSIG_NS}"'.encode(), b"")
    with pytest.raises(PolicyViolation, match="namespace"):
        verify(text, trust=pki.trust)


# --- comments and whitespace ---------------------------------------------------------------------


def test_comment_injection_cannot_truncate_what_callers_read(pki: PKI, signed: bytes) -> None:
    subject = (
        _tree(signed)
        .getroot()
        .findtext("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", namespaces=NS)
    )
    assert subject and len(subject) > 4
    split = f"<edXML:Subject>{subject[:3]}<!-- injected -->{subject[3:]}</edXML:Subject>"
    tampered = signed.replace(f"<edXML:Subject>{subject}</edXML:Subject>".encode(), split.encode())
    assert tampered != signed
    naive = (
        _tree(tampered)
        .getroot()
        .findtext("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", namespaces=NS)
    )
    assert naive == subject[:3]  # what a naive reader of the input would see
    result = verify_packet(tampered, trust=pki.trust)  # comments are not signed content...
    read = result.signed_tree.getroot().findtext(
        "e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", namespaces=NS
    )
    assert read == subject  # ...and never reach what the caller reads


def test_whitespace_injected_in_content_breaks_the_digest(pki: PKI, signed: bytes) -> None:
    tampered = signed.replace(b"<edXML:Subject>", b"<edXML:Subject> ", 1)
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_packet(tampered, trust=pki.trust)
    tampered = signed.replace(b"</edXML:MessageHeader>", b"</edXML:MessageHeader>\n", 1)
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_packet(tampered, trust=pki.trust)


def test_whitespace_injected_in_signed_info_breaks_the_signature(pki: PKI, signed: bytes) -> None:
    tampered = signed.replace(b"<ds:SignatureMethod", b"\n<ds:SignatureMethod", 1)
    with pytest.raises(SignatureInvalid, match="SignatureValue"):
        verify_packet(tampered, trust=pki.trust)


# --- hostile XML and single-byte changes ---------------------------------------------------------


def test_xxe_inside_a_signed_document_is_refused_before_anything(pki: PKI, signed: bytes) -> None:
    body = signed.split(b"?>", 1)[1]
    hostile = (
        b'<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY xxe SYSTEM '
        b'"file:///etc/passwd">]>' + body.replace(b"<edXML:Subject>", b"<edXML:Subject>&xxe;", 1)
    )
    with pytest.raises(UnsafeXMLError, match="external entity"):
        verify_packet(hostile, trust=pki.trust)


def _content_positions(signed: bytes) -> list[int]:
    """Offsets of text bytes outside the signature, spread over header, body and attachment."""
    start = signed.index(b"<edXML:Subject>") + len(b"<edXML:Subject>")
    positions = [start, start + 1]
    for marker in (b"<edXML:OrganId>", b"<edXML:CodeNumber>", b"<edXML:ContentId>"):
        positions.append(signed.index(marker) + len(marker))
    attachment = signed.index(b"ContentTransferEncoded") + 100
    positions += [
        attachment,
        attachment + 5000,
        signed.rindex(b"</edXML:ContentTransferEncoded>") - 3,
    ]
    return positions


def test_one_byte_change_in_signed_content_or_attachment_fails(pki: PKI, signed: bytes) -> None:
    for pos in _content_positions(signed):
        original = signed[pos]
        replacement = b"Q"[0] if original != b"Q"[0] else b"R"[0]
        tampered = signed[:pos] + bytes([replacement]) + signed[pos + 1 :]
        with pytest.raises(SignatureInvalid):
            verify_packet(tampered, trust=pki.trust)


def test_one_byte_change_in_an_attribute_fails(pki: PKI, signed: bytes) -> None:
    tampered = signed.replace(b'version="1.0"', b'version="1.1"', 1)
    assert tampered != signed
    with pytest.raises(SignatureInvalid):
        verify_packet(tampered, trust=pki.trust)


def test_truncated_document_is_a_syntax_error_not_a_pass(pki: PKI, signed: bytes) -> None:
    from qnegov.errors import XMLSyntaxError

    with pytest.raises(XMLSyntaxError):
        verify_packet(signed[:-20], trust=pki.trust)


def test_removing_the_signature_leaves_an_unsigned_packet(pki: PKI, signed: bytes) -> None:
    tree = _tree(signed)
    sig = _sig(tree)
    sig.getparent().remove(sig)  # type: ignore[union-attr]
    with pytest.raises(SignatureMissing):
        verify_packet(_bytes(tree), trust=pki.trust)
