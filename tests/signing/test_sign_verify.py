"""Sign → verify, for packets and any XML, under the strict default and the legacy policy."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from qnegov import _xml
from qnegov.errors import (
    AmbiguousSignature,
    CertificateExpired,
    PacketError,
    PolicyViolation,
    SignatureInvalid,
    SignatureMissing,
    UnsafeXMLError,
    UntrustedCertificate,
)
from qnegov.signing import (
    DSIG_NS,
    LEGACY_PEER,
    STRICT,
    DigestMethod,
    KeyInfoForm,
    SignatureMethod,
    SignaturePolicy,
    sign,
    sign_packet,
    strip_signature,
    verify,
    verify_packet,
)

from .conftest import DATA, PKI

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = {"ds": DSIG_NS, "e": EDXML}


def _tree(data: bytes) -> etree._ElementTree:
    return _xml.parse(data)


def test_packet_signature_sits_where_peers_expect_it(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    root = _tree(signed).getroot()
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", DS)
    assert header is not None
    last = [c for c in header if isinstance(c.tag, str)][-1]
    assert last.tag == f"{{{DSIG_NS}}}Signature"
    assert last.xpath("ds:SignedInfo/ds:Reference/@URI", namespaces=DS) == [""]
    transforms = last.xpath(
        "ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform/@Algorithm", namespaces=DS
    )
    assert transforms == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    assert last.xpath("ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=DS) == [
        SignatureMethod.RSA_SHA256.value
    ]
    assert last.xpath("ds:SignedInfo/ds:Reference/ds:DigestMethod/@Algorithm", namespaces=DS) == [
        DigestMethod.SHA256.value
    ]
    assert len(last.xpath("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=DS)) == 1


def test_packet_round_trip_returns_what_was_signed(pki: PKI, packet: bytes) -> None:
    result = verify_packet(sign_packet(packet, pki.rsa), trust=pki.trust)
    assert result.certificate == pki.rsa.certificate
    assert result.chain == (pki.rsa.certificate, pki.root)
    assert result.signature_method is SignatureMethod.RSA_SHA256
    assert result.warnings == ()
    signed = result.signed_tree.getroot()
    assert not signed.xpath("//*[local-name()='Signature']")
    assert signed.findtext(
        "e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", namespaces=DS
    ) == _tree(packet).getroot().findtext(
        "e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:Subject", namespaces=DS
    )
    assert signed.find("e:AttachmentEncoded", DS) is not None


def test_ecdsa_p256_signer(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.ec)
    assert SignatureMethod.ECDSA_SHA256.value.encode() in signed
    assert verify_packet(signed, trust=pki.trust).certificate == pki.ec.certificate


def test_any_xml_document_is_signed_under_its_root(pki: PKI) -> None:
    doc = "<?xml version='1.0'?><HoSo xmlns='urn:x'><Ten>Nguyễn Văn A</Ten></HoSo>".encode()
    signed = sign(doc, pki.rsa)
    root = _tree(signed).getroot()
    assert root[-1].tag == f"{{{DSIG_NS}}}Signature"
    result = verify(signed, trust=pki.trust)
    assert result.signed_tree.getroot().findtext("{urn:x}Ten") == "Nguyễn Văn A"


def test_sign_accepts_a_tree_and_leaves_it_untouched(pki: PKI) -> None:
    tree = _tree(b"<a><b>1</b></a>")
    before = etree.tostring(tree)
    verify(sign(tree, pki.rsa), trust=pki.trust)
    assert etree.tostring(tree) == before


def test_intermediate_from_key_info_completes_the_chain(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.chained)
    result = verify_packet(signed, trust=pki.trust)
    assert result.chain == (pki.chained.certificate, pki.intermediate, pki.root)
    chain_policy = SignaturePolicy(name="chain", key_info=KeyInfoForm.X509_CHAIN)
    assert verify_packet(signed, trust=pki.trust, policy=chain_policy).chain[1] == pki.intermediate


def test_whole_chain_policy_refuses_a_lone_certificate(pki: PKI, packet: bytes) -> None:
    from qnegov.signing import KeySigner, TrustStore

    lone = KeySigner(pki.chained._key, pki.chained.certificate)
    signed = sign_packet(packet, lone)
    store = TrustStore([pki.root], intermediates=[pki.intermediate])
    assert verify_packet(signed, trust=store).chain[1] == pki.intermediate
    with pytest.raises(UntrustedCertificate):
        verify_packet(signed, trust=pki.trust)
    with pytest.raises(PolicyViolation, match="lacks certificate"):
        verify_packet(
            signed,
            trust=store,
            policy=SignaturePolicy(name="chain", key_info=KeyInfoForm.X509_CHAIN),
        )


def test_unsigned_packet_is_refused(pki: PKI, packet: bytes) -> None:
    with pytest.raises(SignatureMissing):
        verify_packet(packet, trust=pki.trust)


def test_signing_twice_is_refused(pki: PKI, packet: bytes) -> None:
    with pytest.raises(AmbiguousSignature, match="already signed"):
        sign_packet(sign_packet(packet, pki.rsa), pki.rsa)


def test_strip_then_resign(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    again = sign_packet(strip_signature(signed), pki.ec)
    assert verify_packet(again, trust=pki.trust).certificate == pki.ec.certificate


def test_sign_packet_needs_a_packet(pki: PKI) -> None:
    with pytest.raises(PacketError):
        sign_packet(b"<a/>", pki.rsa)


def test_placeholder_digital_signature_is_replaced(pki: PKI, packet: bytes) -> None:
    tree = _tree(packet)
    header = tree.getroot().find("e:edXMLEnvelope/e:edXMLHeader", DS)
    assert header is not None
    etree.SubElement(header, f"{{{EDXML}}}DigitalSignature")
    signed = sign_packet(tree, pki.rsa)
    assert b"DigitalSignature" not in signed
    verify_packet(signed, trust=pki.trust)


def test_verify_at_a_given_time(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    verify_packet(signed, trust=pki.trust, at=datetime.now(UTC) + timedelta(days=30))
    with pytest.raises(CertificateExpired):
        verify_packet(signed, trust=pki.trust, at=datetime.now(UTC) + timedelta(days=800))
    with pytest.raises(CertificateExpired):
        verify_packet(signed, trust=pki.trust, at=datetime(2020, 1, 1))  # naive = UTC


def test_expired_signer_is_refused_now_but_not_back_then(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.expired)
    with pytest.raises(CertificateExpired, match="valid from"):
        verify_packet(signed, trust=pki.trust)
    then = pki.expired.certificate.not_valid_after_utc - timedelta(days=1)
    assert verify_packet(signed, trust=pki.trust, at=then).certificate == pki.expired.certificate


def test_signer_outside_the_trust_store(pki: PKI, packet: bytes) -> None:
    with pytest.raises(UntrustedCertificate, match="does not chain"):
        verify_packet(sign_packet(packet, pki.foreign), trust=pki.trust)


def test_key_usage_without_digital_signature_is_refused(pki: PKI, packet: bytes) -> None:
    with pytest.raises(UntrustedCertificate, match="key usage"):
        verify_packet(sign_packet(packet, pki.no_signing_usage), trust=pki.trust)


def test_small_rsa_keys_are_refused_both_ways(pki: PKI, packet: bytes) -> None:
    with pytest.raises(PolicyViolation, match="1024 bits"):
        sign_packet(packet, pki.weak)
    lax = SignaturePolicy(name="lax", min_rsa_bits=1024)
    signed = sign_packet(packet, pki.weak, policy=lax)
    assert verify_packet(signed, trust=pki.trust, policy=lax)
    with pytest.raises(PolicyViolation, match="1024 bits"):
        verify_packet(signed, trust=pki.trust)


def test_sha1_only_through_the_legacy_policy(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa, policy=LEGACY_PEER)
    assert SignatureMethod.RSA_SHA1.value.encode() in signed
    assert DigestMethod.SHA1.value.encode() in signed
    with pytest.raises(PolicyViolation, match="RSA_SHA1"):
        verify_packet(signed, trust=pki.trust)
    result = verify_packet(signed, trust=pki.trust, policy=LEGACY_PEER)
    assert [w.code for w in result.warnings] == ["signature_sha1"]
    assert result.policy is LEGACY_PEER


def test_strict_policy_cannot_be_built_to_sign_with_sha1() -> None:
    with pytest.raises(ValueError, match="digest"):
        SignaturePolicy(name="bad", sign_digest=DigestMethod.SHA1)
    assert STRICT.sign_digest is DigestMethod.SHA256


def test_ecdsa_cannot_sign_under_legacy_sha1(pki: PKI, packet: bytes) -> None:
    with pytest.raises(PolicyViolation, match="ec key"):
        sign_packet(packet, pki.ec, policy=LEGACY_PEER)


def test_errors_name_the_file(pki: PKI, packet: bytes, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "p.edxml"
    path.write_bytes(packet)
    with pytest.raises(SignatureMissing) as info:
        verify_packet(path, trust=pki.trust)
    assert info.value.file == str(path)


def test_signed_content_is_the_canonical_bytes(pki: PKI, packet: bytes) -> None:
    result = verify_packet(sign_packet(packet, pki.rsa), trust=pki.trust)
    assert result.signed_bytes == etree.tostring(_tree(packet), method="c14n", exclusive=True)


def test_real_sample_with_dummy_signature_is_refused(pki: PKI) -> None:
    sample = DATA / "vnpt_dummy_signature.edxml"
    with pytest.raises(PolicyViolation, match="namespace"):
        verify_packet(sample, trust=pki.trust)
    with pytest.raises(SignatureInvalid, match="X509Certificate"):
        verify_packet(sample, trust=pki.trust, policy=LEGACY_PEER)


def _vnpt_shaped(packet: bytes, pki: PKI) -> bytes:
    """A *valid* signature in the VNPT legacy shape, built by hand.

    No XML-DSig namespace (the elements fall into the edXML default namespace), the misspelt
    exclusive-C14N URI, RSA-SHA1, inclusive C14N of SignedInfo. The canonical SignedInfo is
    written out literally (the in-scope namespaces of edXMLHeader on its apex), an oracle that
    does not come from the code under test.
    """
    import base64
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import Encoding

    digest = hashlib.sha1(  # noqa: S324 - the legacy algorithm under test
        etree.tostring(_tree(packet), method="c14n", exclusive=True)
    ).digest()
    inner = (
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315">'
        "</CanonicalizationMethod>"
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"></SignatureMethod>'
        '<Reference URI=""><Transforms>'
        '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></Transform>'
        '<Transform Algorithm="http://www.w3.org/TR/xml-exc-c14n#"></Transform></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></DigestMethod>'
        f"<DigestValue>{base64.b64encode(digest).decode()}</DigestValue></Reference>"
    )
    canonical = f'<SignedInfo xmlns="{EDXML}" xmlns:edXML="{EDXML}">{inner}</SignedInfo>'.encode()
    value = pki.rsa_key.sign(canonical, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    cert = base64.b64encode(pki.rsa.certificate.public_bytes(Encoding.DER)).decode()
    signature = (
        f"<SignedInfo>{inner}</SignedInfo>"
        f"<SignatureValue>{base64.b64encode(value).decode()}</SignatureValue>"
        "<KeyInfo><X509Data><X509SubjectName>CN=user05</X509SubjectName>"
        f"<X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo>"
    )
    closing = b"</edXML:edXMLHeader>"
    assert packet.count(closing) == 1
    return packet.replace(closing, f"<Signature>{signature}</Signature>".encode() + closing)


def test_a_genuine_vnpt_shaped_signature_verifies_under_the_legacy_policy(
    pki: PKI, packet: bytes
) -> None:
    legacy = _vnpt_shaped(packet, pki)
    with pytest.raises(PolicyViolation, match="namespace"):
        verify_packet(legacy, trust=pki.trust)
    result = verify_packet(legacy, trust=pki.trust, policy=LEGACY_PEER)
    assert result.signature_method is SignatureMethod.RSA_SHA1
    assert {w.code for w in result.warnings} == {
        "signature_legacy_namespace",
        "signature_legacy_c14n_uri",
        "signature_sha1",
    }
    assert b"Signature" not in result.signed_bytes
    tampered = legacy.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1)
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_packet(tampered, trust=pki.trust, policy=LEGACY_PEER)


def test_trust_and_policy_must_be_the_real_types(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    with pytest.raises(TypeError, match="TrustStore"):
        verify_packet(signed, trust=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="TrustStore"):
        verify(signed, trust=str(pki.folder / "root.pem"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SignaturePolicy"):
        verify(signed, trust=pki.trust, policy="legacy")  # type: ignore[arg-type]


def _with_large_attachment(packet: bytes, size: int) -> bytes:
    """The packet with its attachment's base64 text replaced by ``size`` bytes of base64."""
    import base64
    import os
    import re

    blob = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    lines = "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))
    found = re.search(rb"(<(?:\w+:)?ContentTransferEncoded[^>]*>)[^<]*(<)", packet)
    assert found is not None
    return packet[: found.end(1)] + lines.encode() + packet[found.start(2) :]


def test_packets_with_attachments_over_the_text_node_bound_sign_and_verify(
    pki: PKI, packet: bytes
) -> None:
    big = _with_large_attachment(packet, 12_000_000)
    with pytest.raises(UnsafeXMLError):  # the ordinary tree form bounds one text node at 10 MB
        _xml.parse(big)
    signed = sign_packet(big, pki.rsa)
    result = verify_packet(signed, trust=pki.trust)
    assert result.certificate == pki.rsa.certificate
    encoded = result.signed_tree.getroot().find(
        "e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded", DS
    )
    assert encoded is not None and len(encoded.text or "") > 12_000_000
    # one changed byte deep inside the attachment is caught
    middle = signed.index(b"ContentTransferEncoded") + 6_000_000
    flipped = signed[:middle] + (b"B" if signed[middle : middle + 1] != b"B" else b"C")
    with pytest.raises(SignatureInvalid):
        verify_packet(flipped + signed[middle + 1 :], trust=pki.trust)


def test_large_text_form_still_bounds_the_whole_document() -> None:
    limits = _xml.XMLLimits(large_document_bytes=1_000_000)
    data = b"<a>" + b"QUJD" * 500_000 + b"</a>"
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse(data, large_text=True, limits=limits)
    assert "document larger than 1000000 bytes" in caught.value.message
    with pytest.raises(UnsafeXMLError):
        _xml.parse(io.BytesIO(data), large_text=True, limits=limits)
    with pytest.raises(UnsafeXMLError):  # DTDs stay refused in the large form
        _xml.parse(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', large_text=True)
