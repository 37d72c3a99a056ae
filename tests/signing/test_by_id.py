"""The general path (``require_whole_document=False``): one ``#id`` reference, via signxml.

Signatures here are made by signxml itself (qnegov only signs whole documents), placed next to
the element they sign, the way SOAP and SAML-style peers do.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from qnegov import _xml
from qnegov.errors import AmbiguousSignature, PolicyViolation, SignatureInvalid
from qnegov.signing import STRICT, SignaturePolicy, verify

from .conftest import PKI

BY_ID = SignaturePolicy(name="by-id", require_whole_document=False)
X = "{urn:x}"
DOC = (
    "<HoSo xmlns='urn:x'><Payload Id='p'><Ten>Lê Thị D</Ten></Payload>"
    "<Note>not signed</Note></HoSo>"
).encode()


def _signed_by_id(pki: PKI, doc: bytes = DOC) -> bytes:
    from signxml import XMLSigner, methods  # type: ignore[import-untyped]

    root = _xml.parse(doc).getroot()
    signer = XMLSigner(
        method=methods.detached,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signature = signer.sign(
        root, key=pki.rsa_key, reference_uri="#p", cert=[pki.pem(pki.rsa.certificate).decode()]
    )
    root.append(signature)
    return etree.tostring(root, encoding="UTF-8")


def test_strict_refuses_a_reference_by_id(pki: PKI) -> None:
    with pytest.raises(PolicyViolation, match="whole document"):
        verify(_signed_by_id(pki), trust=pki.trust, policy=STRICT)


def test_by_id_returns_only_the_referenced_element(pki: PKI) -> None:
    result = verify(_signed_by_id(pki), trust=pki.trust, policy=BY_ID)
    signed = result.signed_tree.getroot()
    assert signed.tag == X + "Payload"
    assert signed.findtext(X + "Ten") == "Lê Thị D"
    assert b"not signed" not in result.signed_bytes
    assert result.chain[-1] == pki.root


def test_unsigned_siblings_may_change_but_never_reach_the_caller(pki: PKI) -> None:
    tampered = _signed_by_id(pki).replace(b"not signed", b"forged note")
    result = verify(tampered, trust=pki.trust, policy=BY_ID)
    assert b"forged" not in result.signed_bytes


def test_changed_referenced_element_fails(pki: PKI) -> None:
    signed = _signed_by_id(pki)
    tampered = signed.replace("Lê Thị D".encode(), "Lê Thị E".encode())
    assert tampered != signed
    with pytest.raises(SignatureInvalid, match="digest"):
        verify(tampered, trust=pki.trust, policy=BY_ID)


def test_duplicated_id_is_ambiguous(pki: PKI) -> None:
    tree = _xml.parse(_signed_by_id(pki))
    root = tree.getroot()
    forged = copy.deepcopy(root.find(X + "Payload"))
    forged.find(X + "Ten").text = "Kẻ gian"  # type: ignore[union-attr]
    root.insert(0, forged)  # same Id, earlier in document order
    with pytest.raises(AmbiguousSignature, match="#p matches 2 elements"):
        verify(etree.tostring(tree), trust=pki.trust, policy=BY_ID)


def test_dangling_id_is_ambiguous(pki: PKI) -> None:
    tampered = _signed_by_id(pki).replace(b'Id="p"', b'Id="q"')
    with pytest.raises(AmbiguousSignature, match="matches 0 elements"):
        verify(tampered, trust=pki.trust, policy=BY_ID)


def test_xpointer_and_external_references_are_refused(pki: PKI) -> None:
    for uri in (b"#xpointer(/)", b"http://example.org/doc.xml"):
        tampered = _signed_by_id(pki).replace(b'URI="#p"', b'URI="' + uri + b'"')
        with pytest.raises(PolicyViolation, match="references by Id"):
            verify(tampered, trust=pki.trust, policy=BY_ID)


def test_trust_still_applies_on_the_general_path(pki: PKI) -> None:
    from qnegov.errors import UntrustedCertificate
    from qnegov.signing import TrustStore

    with pytest.raises(UntrustedCertificate):
        verify(_signed_by_id(pki), trust=TrustStore([pki.foreign_root]), policy=BY_ID)
