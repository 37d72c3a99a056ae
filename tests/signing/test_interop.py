"""Interoperability: signatures made by qnegov verify elsewhere, and the other way round.

python-xmlsec and the ``xmlsec1`` command are optional here (the ``bench`` extra and Debian's
xmlsec1 package); a test skips when its tool is absent, unless ``QNEGOV_REQUIRE_EXTERNAL`` is set
(CI sets it), then the absence is a failure. signxml is a core dependency and always runs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from qnegov import _xml
from qnegov.errors import SignatureInvalid
from qnegov.signing import (
    DSIG_NS,
    LEGACY_PEER,
    STRICT,
    SignaturePolicy,
    sign,
    sign_packet,
    verify,
    verify_packet,
)

from .conftest import PKI, external_required, xmlsec1_path

NS = {"ds": DSIG_NS, "e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}


def _need(available: bool, what: str) -> None:
    if available:
        return
    if external_required():
        pytest.fail(f"{what} is required here (QNEGOV_REQUIRE_EXTERNAL is set) but missing")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def xmlsec() -> ModuleType:
    try:
        import xmlsec as module
    except ImportError:
        _need(False, "python-xmlsec")
        raise
    return module


@pytest.fixture(scope="module")
def xmlsec1() -> str:
    path = xmlsec1_path()
    _need(path is not None, "the xmlsec1 command")
    assert path is not None
    return path


def _key_pem(pki: PKI) -> bytes:
    return pki.rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _sig(root: etree._Element) -> etree._Element:
    found = root.xpath("//ds:Signature", namespaces=NS)
    assert len(found) == 1
    return found[0]


# --- qnegov → python-xmlsec / xmlsec1 ------------------------------------------------------------


def _xmlsec_verify(xmlsec: ModuleType, data: bytes, pki: PKI) -> None:
    """python-xmlsec takes the certificate from KeyInfo and checks it chains to our root."""
    manager = xmlsec.KeysManager()
    manager.load_cert_from_memory(
        pki.pem(pki.root), xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted
    )
    ctx = xmlsec.SignatureContext(manager)
    ctx.verify(_sig(_xml.parse(data).getroot()))


def test_qnegov_signature_verifies_with_python_xmlsec_trusting_our_root(
    xmlsec: ModuleType, pki: PKI, packet: bytes
) -> None:
    _xmlsec_verify(xmlsec, sign_packet(packet, pki.chained), pki)
    with pytest.raises(xmlsec.Error):
        _xmlsec_verify(xmlsec, sign_packet(packet, pki.foreign), pki)


def test_qnegov_packet_signature_verifies_with_python_xmlsec(
    xmlsec: ModuleType, pki: PKI, packet: bytes
) -> None:
    signed = sign_packet(packet, pki.rsa)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(
        pki.pem(pki.rsa.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    ctx.verify(_sig(_xml.parse(signed).getroot()))
    tampered = signed.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1)
    with pytest.raises(xmlsec.Error):
        ctx.verify(_sig(_xml.parse(tampered).getroot()))


def test_qnegov_ecdsa_signature_verifies_with_python_xmlsec(
    xmlsec: ModuleType, pki: PKI, packet: bytes
) -> None:
    signed = sign_packet(packet, pki.ec)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(
        pki.pem(pki.ec.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    ctx.verify(_sig(_xml.parse(signed).getroot()))


def _xmlsec1_verify(xmlsec1: str, path: Path, pki: PKI) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(pki.folder / "root.pem"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("signer_name", "policy"),
    [("rsa", STRICT), ("ec", STRICT), ("chained", STRICT), ("rsa", LEGACY_PEER)],
)
def test_qnegov_signature_verifies_with_the_xmlsec1_command(
    xmlsec1: str,
    pki: PKI,
    packet: bytes,
    tmp_path: Path,
    signer_name: str,
    policy: SignaturePolicy,
) -> None:
    path = tmp_path / "signed.edxml"
    path.write_bytes(sign_packet(packet, getattr(pki, signer_name), policy=policy))
    done = _xmlsec1_verify(xmlsec1, path, pki)
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stderr
    path.write_bytes(path.read_bytes().replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1))
    assert _xmlsec1_verify(xmlsec1, path, pki).returncode != 0


def test_xmlsec1_refuses_our_signer_without_its_anchor(
    xmlsec1: str, pki: PKI, packet: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "signed.edxml"
    path.write_bytes(sign_packet(packet, pki.foreign))
    assert _xmlsec1_verify(xmlsec1, path, pki).returncode != 0


def test_inclusive_c14n_and_processing_instructions_agree_with_xmlsec1(
    xmlsec1: str, pki: PKI, tmp_path: Path
) -> None:
    from qnegov.signing import C14NMethod, SignaturePolicy

    doc = (
        b'<?xml version="1.0"?>\n<?app hint?>\n<r xmlns="urn:a" xmlns:u="urn:unused" '
        b'xml:lang="vi"><h><b>Qu\xe1\xba\xa3ng Nam</b></h></r>'
    )
    policy = SignaturePolicy(name="inclusive", sign_c14n=C14NMethod.C14N_10)
    path = tmp_path / "inclusive.xml"
    path.write_bytes(sign(doc, pki.rsa, policy=policy))
    done = _xmlsec1_verify(xmlsec1, path, pki)
    assert done.returncode == 0, done.stderr


# --- python-xmlsec / xmlsec1 → qnegov ------------------------------------------------------------


def _xmlsec_sign(xmlsec: ModuleType, packet: bytes, pki: PKI) -> bytes:
    tree = _xml.parse(packet)
    header = tree.getroot().find("e:edXMLEnvelope/e:edXMLHeader", NS)
    assert header is not None
    template = xmlsec.template.create(
        header, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256
    )
    header.append(template)
    ref = xmlsec.template.add_reference(template, xmlsec.Transform.SHA256, uri="")
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(template))
    key = xmlsec.Key.from_memory(_key_pem(pki), xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(pki.pem(pki.rsa.certificate), xmlsec.constants.KeyDataFormatPem)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.sign(template)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def test_python_xmlsec_signature_verifies_with_qnegov(
    xmlsec: ModuleType, pki: PKI, packet: bytes
) -> None:
    signed = _xmlsec_sign(xmlsec, packet, pki)
    result = verify_packet(signed, trust=pki.trust)
    assert result.certificate == pki.rsa.certificate
    with pytest.raises(SignatureInvalid, match="digest"):
        verify_packet(signed.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1), trust=pki.trust)


def test_qnegov_and_python_xmlsec_agree_on_the_digest(
    xmlsec: ModuleType, pki: PKI, packet: bytes
) -> None:
    """Same canonical content, same digest (xmlsec's SignedInfo template is laid out with
    newlines, so the signature values differ while both verify)."""
    ours = _sig(_xml.parse(sign_packet(packet, pki.rsa)).getroot())
    theirs = _sig(_xml.parse(_xmlsec_sign(xmlsec, packet, pki)).getroot())
    path = "ds:SignedInfo/ds:Reference/ds:DigestValue"
    assert ours.findtext(path, namespaces=NS) == theirs.findtext(path, namespaces=NS)


_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<HoSo xmlns="urn:qnegov:test"><Ten>Sở Nội vụ</Ten><Ma>000.00.12.H47</Ma>
<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>
<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<Reference URI=""><Transforms>
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>
</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>
</HoSo>
"""


def test_xmlsec1_signature_verifies_with_qnegov(xmlsec1: str, pki: PKI, tmp_path: Path) -> None:
    template = tmp_path / "template.xml"
    template.write_text(_TEMPLATE, encoding="utf-8")
    out = tmp_path / "signed.xml"
    done = subprocess.run(
        [
            xmlsec1,
            "--sign",
            "--privkey-pem",
            f"{pki.folder / 'signer.key'},{pki.folder / 'signer.pem'}",
            "--output",
            str(out),
            str(template),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = verify(out, trust=pki.trust)
    assert result.signed_tree.getroot().findtext("{urn:qnegov:test}Ten") == "Sở Nội vụ"
    # KeyInfo is outside the signed content, and the whitespace around the signature is not
    tampered = out.read_bytes().replace("Sở Nội vụ".encode(), "Sở Tài chính".encode())
    with pytest.raises(SignatureInvalid, match="digest"):
        verify(tampered, trust=pki.trust)


# --- signxml, both ways (always available) -------------------------------------------------------


def test_signxml_and_qnegov_produce_the_same_signature(pki: PKI) -> None:
    from signxml import XMLSigner, methods  # type: ignore[import-untyped]

    doc = "<HoSo xmlns='urn:x'><Ten>Nguyễn Thị B</Ten></HoSo>".encode()
    ours = _xml.parse(sign(doc, pki.rsa)).getroot()
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    theirs = signer.sign(
        _xml.parse(doc).getroot(), key=pki.rsa_key, cert=[pki.pem(pki.rsa.certificate).decode()]
    )
    for path in ("ds:SignedInfo/ds:Reference/ds:DigestValue", "ds:SignatureValue"):
        mine = _sig(ours).findtext(path, namespaces=NS)
        other = _sig(theirs).findtext(path, namespaces=NS)
        assert mine is not None and other is not None
        assert "".join(mine.split()) == "".join(other.split()), path
    assert verify(etree.tostring(theirs), trust=pki.trust).certificate == pki.rsa.certificate


def test_qnegov_packet_signature_verifies_with_signxml(pki: PKI, packet: bytes) -> None:
    from signxml import SignatureConfiguration, XMLVerifier

    signed = sign_packet(packet, pki.rsa)
    result = XMLVerifier().verify(
        _xml.parse(signed).getroot(),
        x509_cert=pki.pem(pki.rsa.certificate).decode(),
        expect_config=SignatureConfiguration(require_x509=True),
    )
    assert b"MessageHeader" in etree.tostring(result.signed_xml)


def test_python_xmlsec_verifies_qnegov_signatures_over_generated_documents(
    xmlsec: ModuleType, pki: PKI
) -> None:
    """Any document, exclusive or inclusive C14N: libxmlsec1 agrees with our canonical bytes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from qnegov.edxml import build
    from qnegov.signing import C14NMethod
    from qnegov.testing import packets, xml_documents

    inclusive = SignaturePolicy(name="inclusive", sign_c14n=C14NMethod.C14N_10)
    key = xmlsec.Key.from_memory(
        pki.pem(pki.rsa.certificate), xmlsec.constants.KeyDataFormatCertPem
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        doc=st.one_of(xml_documents(), packets().map(build)),
        policy=st.sampled_from([STRICT, inclusive]),
    )
    def check(doc: bytes, policy: SignaturePolicy) -> None:
        ctx = xmlsec.SignatureContext()
        ctx.key = key
        ctx.verify(_sig(_xml.parse(sign(doc, pki.rsa, policy=policy)).getroot()))

    check()


def test_qnegov_verifies_python_xmlsec_signatures_over_generated_documents(
    xmlsec: ModuleType, pki: PKI
) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from qnegov.edxml import build
    from qnegov.testing import packets, xml_documents

    x = xmlsec
    c14n_choices = [x.Transform.EXCL_C14N, x.Transform.C14N]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(doc=st.one_of(xml_documents(), packets().map(build)), c14n=st.sampled_from(c14n_choices))
    def check(doc: bytes, c14n: object) -> None:
        tree = _xml.parse(doc)
        template = x.template.create(tree.getroot(), c14n, x.Transform.RSA_SHA256)
        tree.getroot().append(template)
        ref = x.template.add_reference(template, x.Transform.SHA256, uri="")
        x.template.add_transform(ref, x.Transform.ENVELOPED)
        x.template.add_transform(ref, c14n)
        x.template.add_x509_data(x.template.ensure_key_info(template))
        key = x.Key.from_memory(_key_pem(pki), x.constants.KeyDataFormatPem)
        key.load_cert_from_memory(pki.pem(pki.rsa.certificate), x.constants.KeyDataFormatPem)
        ctx = x.SignatureContext()
        ctx.key = key
        ctx.sign(template)
        signed = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        assert verify(signed, trust=pki.trust).certificate == pki.rsa.certificate

    check()
