"""The interop profile (issue 12): e-invoices with several signatures, W3C shapes, refusals.

Fixtures are made by python-xmlsec (libxmlsec1) from templates, independently of qnegov, and
what qnegov signs is checked by python-xmlsec and the ``xmlsec1`` command. The W3C/IETF
interop vectors are not shipped by any installed package, so the vectors here are our own,
one per shape (see docs/signing.md).
"""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from qnegov import _xml
from qnegov.errors import PolicyViolation, SignatureError
from qnegov.signing import (
    DSIG_NS,
    INTEROP,
    STRICT,
    SignaturePolicy,
    TrustStore,
    interop_policy,
    sign,
    verify,
    verify_signatures,
)

from . import einvoice as E
from .conftest import PKI, external_required, xmlsec1_path

SHA1_OK = interop_policy(allow_sha1=True)
DS = f"{{{DSIG_NS}}}"


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


@pytest.fixture(scope="module")
def trust(pki: PKI) -> TrustStore:
    return TrustStore([pki.root])


@pytest.fixture(scope="module")
def einvoice(xmlsec: ModuleType, pki: PKI) -> bytes:
    tree = E.invoice_tree()
    E.seller_sign(xmlsec, tree, pki.rsa_key, pki.rsa)
    E.cqt_sign(xmlsec, tree, pki.other._key, pki.other)  # type: ignore[arg-type]
    return E.serialize(tree)


# --- real e-invoice shapes made by libxmlsec1 -----------------------------------------------------


@pytest.mark.parametrize(("wrapped", "no_ns"), [(False, False), (True, False), (True, True)])
def test_xmlsec_made_einvoice_verifies_both_signatures(
    xmlsec: ModuleType, pki: PKI, trust: TrustStore, wrapped: bool, no_ns: bool
) -> None:
    tree = E.invoice_tree(wrapped=wrapped)
    E.seller_sign(xmlsec, tree, pki.rsa_key, pki.rsa, no_ns_properties=no_ns)
    E.cqt_sign(xmlsec, tree, pki.other._key, pki.other)  # type: ignore[arg-type]
    found = verify_signatures(E.serialize(tree), trust=trust, policy=SHA1_OK)
    assert found.all_valid, [str(s.error) for s in found.signatures]
    seller, cqt = found.signatures
    assert seller.path.endswith("DSCKS/NBan/Signature") and seller.signature_id == "seller"
    assert seller.signer == pki.rsa.certificate.subject.rfc4514_string()
    assert seller.signing_time == datetime(2023, 5, 10, 3, 20, 30, tzinfo=UTC)
    assert [c.local_name for c in cqt.covered][:2] == ["DLHDon", "MCCQT"]
    assert cqt.signing_time is not None
    assert [w.code for w in seller.warnings] == ["signature_sha1"]
    (dlhdon,) = {c.signed_bytes for c in found.signed("DLHDon")}
    assert "Bàn làm việc".encode() in dlhdon
    assert found.signed("DLHDon")[0].signed_tree.getroot().findtext("TTChung/SHDon") == "123"


def test_sha1_needs_allowing_and_the_refusal_says_so(einvoice: bytes, trust: TrustStore) -> None:
    found = verify_signatures(einvoice, trust=trust, policy=INTEROP)
    seller, cqt = found.signatures
    assert not found.all_valid and cqt.valid
    assert isinstance(seller.error, PolicyViolation)
    assert "SHA-1" in seller.error.message and "--allow-sha1" in seller.error.message


def test_changed_invoice_fails_every_signature_covering_it(
    einvoice: bytes, trust: TrustStore
) -> None:
    changed = einvoice.replace(b"<SLuong>2</SLuong>", b"<SLuong>20</SLuong>")
    found = verify_signatures(changed, trust=trust, policy=SHA1_OK)
    assert [s.valid for s in found.signatures] == [False, False]
    assert all("#data" in str(s.error) for s in found.signatures)


def test_pretty_printed_after_signing_names_whitespace(einvoice: bytes, trust: TrustStore) -> None:
    pretty = etree.tostring(_xml.parse(einvoice), pretty_print=True)
    found = verify_signatures(pretty, trust=trust, policy=SHA1_OK)
    assert not any(s.valid for s in found.signatures)
    for result in found.signatures:
        assert "whitespace differs from what was signed" in str(result.error)


def test_at_signing_time_judges_an_expired_seller_certificate(pki: PKI, trust: TrustStore) -> None:
    when = datetime.now(UTC) - timedelta(days=100)  # inside the expired signer's validity
    signed = sign(
        E.serialize(E.invoice_tree()),
        pki.expired,
        policy=INTEROP,
        under="DSCKS/NBan",
        references=["data"],
        signing_time=when,
    )
    (now,) = verify_signatures(signed, trust=trust).signatures
    assert now.error is not None and now.error.code == "certificate_expired"
    (then,) = verify_signatures(signed, trust=trust, at="signing-time").signatures
    assert then.valid and then.signing_time == when.replace(microsecond=0)
    unsigned_time = sign(
        E.serialize(E.invoice_tree()), pki.rsa, policy=INTEROP, references=["data"]
    )
    (none,) = verify_signatures(unsigned_time, trust=trust, at="signing-time").signatures
    assert none.error is not None and "SigningTime" in none.error.message


# --- qnegov signs, libxmlsec1 verifies -----------------------------------------------------------


@pytest.fixture(scope="module")
def qnegov_einvoice(pki: PKI) -> bytes:
    first = sign(
        E.serialize(E.invoice_tree(wrapped=True)),
        pki.rsa,
        policy=INTEROP,
        under="DLieu/HDon/DSCKS/NBan",
        references=["data"],
        signing_time=datetime(2024, 3, 1, 9, 0, 0),
        signature_id="seller",
    )
    return sign(
        first,
        pki.other,
        policy=INTEROP,
        under="DLieu/HDon/DSCKS/CQT",
        references=["data", "Id-MCCQT"],
        signing_time=datetime(2024, 3, 1, 9, 5, 0),
        signature_id="CQT",
    )


def test_second_signer_keeps_the_first_valid(qnegov_einvoice: bytes, trust: TrustStore) -> None:
    found = verify_signatures(qnegov_einvoice, trust=trust)
    assert found.all_valid, [str(s.error) for s in found.signatures]
    assert [s.signature_id for s in found.signatures] == ["seller", "CQT"]
    assert [len(s.covered) for s in found.signatures] == [2, 3]


def test_signing_inside_signed_content_is_refused(qnegov_einvoice: bytes, pki: PKI) -> None:
    with pytest.raises(SignatureError, match="would break that signature"):
        sign(qnegov_einvoice, pki.ec, policy=INTEROP, under="DLieu/HDon/DLHDon/TTChung")
    with pytest.raises(PolicyViolation, match="interop policy"):
        sign(E.serialize(E.invoice_tree()), pki.rsa, policy=STRICT, references=["data"])


def test_python_xmlsec_verifies_both_qnegov_signatures(
    xmlsec: ModuleType, pki: PKI, qnegov_einvoice: bytes
) -> None:
    tree = _xml.parse(qnegov_einvoice)
    for sig, signer in zip(
        tree.getroot().iter(DS + "Signature"), (pki.rsa, pki.other), strict=True
    ):
        ctx = xmlsec.SignatureContext()
        for el in tree.getroot().iter():
            if isinstance(el.tag, str) and el.get("Id") is not None:
                ctx.register_id(el, "Id")
        ctx.key = xmlsec.Key.from_memory(
            pki.pem(signer.certificate), xmlsec.constants.KeyDataFormatCertPem
        )
        ctx.verify(sig)
    changed = _xml.parse(qnegov_einvoice.replace(b"<SHDon>123", b"<SHDon>124"))
    ctx = xmlsec.SignatureContext()
    for el in changed.getroot().iter():
        if isinstance(el.tag, str) and el.get("Id") is not None:
            ctx.register_id(el, "Id")
    ctx.key = xmlsec.Key.from_memory(
        pki.pem(pki.rsa.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    with pytest.raises(xmlsec.Error):
        ctx.verify(next(changed.getroot().iter(DS + "Signature")))


def _xmlsec1(xmlsec1: str, path: Path, pki: PKI, node_id: str) -> subprocess.CompletedProcess[str]:
    ids = [a for n in ("DLHDon", "MCCQT", "Object", "Signature") for a in ("--id-attr:Id", n)]
    return subprocess.run(
        [
            xmlsec1,
            "--verify",
            "--trusted-pem",
            str(pki.folder / "root.pem"),
            *ids,
            "--node-id",
            node_id,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_xmlsec1_verifies_both_qnegov_signatures(
    xmlsec1: str, pki: PKI, qnegov_einvoice: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "einvoice.xml"
    path.write_bytes(qnegov_einvoice)
    for node_id in ("seller", "CQT"):
        done = _xmlsec1(xmlsec1, path, pki, node_id)
        assert done.returncode == 0, done.stderr
        assert "OK" in done.stderr
    path.write_bytes(qnegov_einvoice.replace(b'Id-MCCQT">00', b'Id-MCCQT">FF'))
    assert _xmlsec1(xmlsec1, path, pki, "seller").returncode == 0  # seller does not cover MCCQT
    assert _xmlsec1(xmlsec1, path, pki, "CQT").returncode != 0


def test_xmlsec1_signed_einvoice_verifies_with_qnegov(
    xmlsec1: str, pki: PKI, trust: TrustStore, tmp_path: Path
) -> None:
    tree = E.invoice_tree()
    sig = E.template(
        "CQT",
        [("#data", True), ("#Id-MCCQT", False)],
        method=E.RSA_SHA256,
        digest=E.SHA256,
        when="2024-01-01T08:00:00",
    )
    E.hdon(tree).find("DSCKS/CQT").append(sig)  # type: ignore[union-attr]
    template = tmp_path / "template.xml"
    template.write_bytes(E.serialize(tree))
    out = tmp_path / "signed.xml"
    ids = [a for n in ("DLHDon", "MCCQT", "Object", "Signature") for a in ("--id-attr:Id", n)]
    done = subprocess.run(
        [
            xmlsec1,
            "--sign",
            *ids,
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
    (result,) = verify_signatures(out, trust=trust).signatures
    assert result.valid, result.error
    assert [c.local_name for c in result.covered] == ["DLHDon", "MCCQT", "Object"]


# --- our own W3C-shaped vectors, made by libxmlsec1 -------------------------------------------

_C14N = {
    "c14n": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "c14n-comments": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "c14n11": "http://www.w3.org/2006/12/xml-c14n11",
    "c14n11-comments": "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "exc": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "exc-comments": "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
}
_EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _vector(
    shape: str,
    c14n: str,
    *,
    method: str = E.RSA_SHA256,
    digest: str = E.SHA256,
    key_value: bool = False,
) -> bytes:
    """A template: enveloped (URI="" and #id), enveloping (Object) or detached (sibling)."""
    prefixes = (
        f'<ec:InclusiveNamespaces xmlns:ec="{_EXC}" PrefixList="v"/>' if "exc" in c14n else ""
    )
    t = f'<Transform Algorithm="{_C14N[c14n]}">{prefixes}</Transform>'
    env = f'<Transform Algorithm="{E.ENVELOPED}"/>'
    uri, transforms = {
        "enveloped": ("", env + t),
        "enveloped-id": ("#doc", env + t),
        "enveloping": ("#obj", t),
        "detached": ("#doc", t),
    }[shape]
    key_info = "<KeyValue/>" if key_value else "<X509Data><X509Certificate/></X509Data>"
    sig = (
        f'<Signature xmlns="{DSIG_NS}"><SignedInfo><CanonicalizationMethod '
        f'Algorithm="{_C14N[c14n]}">{prefixes}</CanonicalizationMethod>'
        f'<!-- a comment in SignedInfo --><SignatureMethod Algorithm="{method}"/>'
        f'<Reference URI="{uri}"><Transforms>{transforms}</Transforms>'
        f'<DigestMethod Algorithm="{digest}"/><DigestValue/></Reference></SignedInfo>'
        f"<SignatureValue/><KeyInfo>{key_info}</KeyInfo>"
    )
    body = (
        '<v:HoSo xmlns:v="urn:vn:hoso" xmlns:u="urn:unused" xml:lang="vi" Id="doc">'
        "<v:Ten>Sở Nội vụ<!-- c --></v:Ten><v:Ma>000.00.12.H47</v:Ma>"
    )
    if shape == "enveloping":
        return (sig + f'<Object Id="obj">{body}</v:HoSo></Object></Signature>').encode()
    if shape == "detached":
        return f"<Goi>{body}</v:HoSo>{sig}</Signature></Goi>".encode()
    return f"{body}{sig}</Signature></v:HoSo>".encode()


def _xmlsec_sign_vector(xmlsec: ModuleType, data: bytes, key: object, cert: bytes | None) -> bytes:
    tree = _xml.parse(data)
    ctx = xmlsec.SignatureContext()
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and el.get("Id") is not None:
            ctx.register_id(el, "Id")
    pem = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    k = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    if cert is not None:
        k.load_cert_from_memory(cert, xmlsec.constants.KeyDataFormatPem)
    ctx.key = k
    ctx.sign(next(tree.getroot().iter(DS + "Signature")))
    return etree.tostring(tree, encoding="UTF-8")


@pytest.mark.parametrize("c14n", sorted(_C14N))
@pytest.mark.parametrize("shape", ["enveloped", "enveloped-id", "enveloping", "detached"])
def test_w3c_shapes_and_c14n_methods_verify(
    xmlsec: ModuleType, pki: PKI, trust: TrustStore, shape: str, c14n: str
) -> None:
    signed = _xmlsec_sign_vector(
        xmlsec, _vector(shape, c14n), pki.rsa_key, pki.pem(pki.rsa.certificate)
    )
    (result,) = verify_signatures(signed, trust=trust).signatures
    assert result.valid, result.error
    (covered,) = result.covered
    assert "Sở Nội vụ".encode() in covered.signed_bytes and b"<!--" not in covered.signed_bytes
    changed = signed.replace("Sở Nội vụ".encode(), "Sở Tài chính".encode())
    (bad,) = verify_signatures(changed, trust=trust).signatures
    assert bad.error is not None and "digest" in bad.error.message


@pytest.mark.parametrize("method", ["ecdsa-sha256", "ecdsa-sha384", "ecdsa-sha512", "rsa-sha512"])
def test_rsa_and_ecdsa_methods_verify(
    xmlsec: ModuleType, pki: PKI, trust: TrustStore, method: str
) -> None:
    ec_key = method.startswith("ecdsa")
    signer = pki.ec if ec_key else pki.rsa
    key = signer._key  # type: ignore[attr-defined]
    uri = f"http://www.w3.org/2001/04/xmldsig-more#{method}"
    signed = _xmlsec_sign_vector(
        xmlsec, _vector("enveloped-id", "exc", method=uri), key, pki.pem(signer.certificate)
    )
    (result,) = verify_signatures(signed, trust=trust).signatures
    assert result.valid, result.error


def test_bare_key_value_needs_a_pinned_key(xmlsec: ModuleType, pki: PKI, tmp_path: Path) -> None:
    signed = _xmlsec_sign_vector(
        xmlsec, _vector("enveloping", "exc", key_value=True), pki.rsa_key, None
    )
    numbers = pki.rsa_key.public_key().public_numbers()  # KeyInfo is not signed: fill it in

    def b64(n: int) -> str:
        return base64.b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode()

    signed = signed.replace(
        b"<KeyValue/>",
        f"<KeyValue><RSAKeyValue><Modulus>{b64(numbers.n)}</Modulus><Exponent>{b64(numbers.e)}"
        "</Exponent></RSAKeyValue></KeyValue>".encode(),
    )
    (refused,) = verify_signatures(signed, trust=TrustStore([pki.root])).signatures
    assert refused.error is not None and refused.error.code == "certificate_untrusted"
    key_file = tmp_path / "signer.pub.der"
    key_file.write_bytes(
        pki.rsa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    pinned = TrustStore.from_paths(keys=[key_file])
    (result,) = verify_signatures(signed, trust=pinned).signatures
    assert result.valid and result.certificate is None and "pinned rsa key" in str(result.signer)
    from qnegov.cli import main

    doc = tmp_path / "keyvalue.xml"
    doc.write_bytes(signed)
    pem = tmp_path / "signer.pub.pem"
    pem.write_bytes(
        pki.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert main(["verify", str(doc), "--policy", "interop", "--key", str(pem)]) == 0
    other = tmp_path / "other.pem"
    other.write_bytes(pki.pem(pki.other.certificate))  # a certificate file pins its key
    assert main(["verify", str(doc), "--policy", "interop", "--key", str(other)]) == 1


def test_pinned_certificate_needs_no_chain(einvoice: bytes, pki: PKI, tmp_path: Path) -> None:
    cert = tmp_path / "seller.pem"
    cert.write_bytes(pki.pem(pki.rsa.certificate))
    found = verify_signatures(
        einvoice, trust=TrustStore.from_paths(certificates=[cert]), policy=SHA1_OK
    )
    seller, cqt = found.signatures
    assert seller.valid and seller.chain == (pki.rsa.certificate,)
    assert cqt.error is not None and cqt.error.code == "certificate_untrusted"


# --- refusals, each named ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "uri", "name"),
    [
        ("method", "http://www.w3.org/2000/09/xmldsig#dsa-sha1", "DSA-SHA1"),
        ("method", "http://www.w3.org/2000/09/xmldsig#hmac-sha1", "HMAC-SHA1"),
        ("method", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5", "RSA-MD5"),
        ("digest", "http://www.w3.org/2001/04/xmldsig-more#md5", "MD5"),
        ("digest", "http://www.w3.org/2001/04/xmlenc#ripemd160", "RIPEMD160"),
        ("transform", "http://www.w3.org/TR/1999/REC-xpath-19991116", "XPath"),
        ("transform", "http://www.w3.org/2002/06/xmldsig-filter2", "XPath-Filter2"),
        ("transform", "http://www.w3.org/TR/1999/REC-xslt-19991116", "XSLT"),
        ("transform", "http://www.w3.org/2000/09/xmldsig#base64", "base64"),
        ("uri", "http://example.org/invoice.xml", "non-same-document"),
        ("uri", "#xpointer(id('doc'))", "XPointer"),
    ],
)
def test_refused_algorithms_and_shapes_name_themselves(
    trust: TrustStore, where: str, uri: str, name: str
) -> None:
    data = _vector("enveloped-id", "c14n")
    if where == "method":
        data = data.replace(E.RSA_SHA256.encode(), uri.encode())
    elif where == "digest":
        data = data.replace(E.SHA256.encode(), uri.encode())
    elif where == "transform":
        data = data.replace(
            f'<Transform Algorithm="{E.ENVELOPED}"/>'.encode(),
            f'<Transform Algorithm="{uri}"/>'.encode(),
        )
    else:
        data = data.replace(b'URI="#doc"', f'URI="{uri}"'.encode())
    (result,) = verify_signatures(data, trust=trust).signatures
    assert result.error is not None and name in result.error.message


def test_enveloped_object_quirk_refused_unless_allowed(
    xmlsec: ModuleType, pki: PKI, trust: TrustStore
) -> None:
    tree = E.invoice_tree()
    sig = E.seller_sign(xmlsec, tree, pki.rsa_key, pki.rsa)
    # the provider's tool: declares the enveloped transform on the Object reference
    ref = sig.find(f"{DS}SignedInfo/{DS}Reference[@URI='#SigningTime-seller']")
    assert ref is not None
    transforms = etree.Element(DS + "Transforms")
    etree.SubElement(transforms, DS + "Transform", Algorithm=E.ENVELOPED)
    ref.insert(0, transforms)
    E.resign_signed_info(sig, pki.rsa_key)
    data = E.serialize(tree)
    (refused,) = verify_signatures(data, trust=trust, policy=SHA1_OK).signatures
    assert refused.error is not None and "enveloped-object" in refused.error.message
    quirky = interop_policy(allow_sha1=True, allow_quirks=["enveloped-object"])
    (accepted,) = verify_signatures(data, trust=trust, policy=quirky).signatures
    assert accepted.valid, accepted.error
    assert "signature_quirk" in [w.code for w in accepted.warnings]


# --- wrapping, multi-reference -------------------------------------------------------------


def _tree(data: bytes) -> etree._ElementTree:
    return _xml.parse(data)


def test_forged_dlhdon_beside_the_signed_one(einvoice: bytes, trust: TrustStore) -> None:
    tree = _tree(einvoice)
    root = tree.getroot()
    forged = etree.fromstring(b"<DLHDon><TTChung><SHDon>999</SHDon></TTChung></DLHDon>")
    root.insert(0, forged)  # the app's find("DLHDon") now reads the forgery
    found = verify_signatures(E.serialize(tree), trust=trust, policy=SHA1_OK)
    assert found.all_valid
    assert {c.signed_tree.getroot().findtext("TTChung/SHDon") for c in found.signed("DLHDon")} == {
        "123"
    }
    forged.set("Id", "data")  # same Id: refused outright
    found = verify_signatures(E.serialize(tree), trust=trust, policy=SHA1_OK)
    assert all(
        s.error is not None and "occurs 2 times" in s.error.message for s in found.signatures
    )


def test_duplicate_id_in_another_namespace_is_refused(einvoice: bytes, trust: TrustStore) -> None:
    tree = _tree(einvoice)
    forged = etree.SubElement(tree.getroot(), "DLHDon", {"{urn:evil}Id": "data"})
    forged.text = "forged"
    found = verify_signatures(E.serialize(tree), trust=trust, policy=SHA1_OK)
    assert all(
        s.error is not None and s.error.code == "signature_ambiguous" for s in found.signatures
    )


def test_signed_dlhdon_moved_into_object_returns_only_signed_content(
    einvoice: bytes, trust: TrustStore
) -> None:
    tree = _tree(einvoice)
    root = tree.getroot()
    signed = root.find("DLHDon")
    assert signed is not None
    sig = root.find(f"DSCKS/NBan/{DS}Signature")
    assert sig is not None
    obj = etree.SubElement(sig, DS + "Object")
    index = root.index(signed)
    obj.append(signed)
    root.insert(index, etree.fromstring(b"<DLHDon><TTChung><SHDon>999</SHDon></TTChung></DLHDon>"))
    found = verify_signatures(E.serialize(tree), trust=trust, policy=SHA1_OK)
    for content in found.signed("DLHDon"):
        assert content.signed_tree.getroot().findtext("TTChung/SHDon") == "123"


def test_reference_to_an_element_the_app_does_not_read(
    xmlsec: ModuleType, pki: PKI, trust: TrustStore
) -> None:
    tree = E.invoice_tree()
    sig = E.template(
        "x",
        [("#Id-MCCQT", False)],
        method=E.RSA_SHA256,
        digest=E.SHA256,
        when="2024-01-01T00:00:00",
    )
    E.hdon(tree).find("DSCKS/NBan").append(sig)  # type: ignore[union-attr]
    E.xmlsec_sign(xmlsec, tree, sig, pki.rsa_key, pki.rsa)
    found = verify_signatures(E.serialize(tree), trust=trust)
    assert found.all_valid
    assert found.signed("DLHDon") == []  # the invoice data is not signed: nothing to read


# --- edge defects on every policy --------------------------------------------------------------


def test_signature_as_document_element_is_a_typed_error(pki: PKI, trust: TrustStore) -> None:
    signed = sign(b"<a><b>x</b></a>", pki.rsa)
    sig = _tree(signed).getroot().find(DS + "Signature")
    assert sig is not None
    alone = etree.tostring(sig)
    with pytest.raises(PolicyViolation, match="document element"):
        verify(alone, trust=trust)
    (result,) = verify_signatures(alone, trust=trust).signatures
    assert isinstance(result.error, SignatureError)


def test_comments_inside_base64_values_are_read_across(pki: PKI, trust: TrustStore) -> None:
    signed = sign(b"<a><b>x</b></a>", pki.rsa)
    tree = _tree(signed)
    for tag in ("DigestValue", "SignatureValue", "X509Certificate"):
        el = next(tree.getroot().iter(DS + tag))
        text = el.text or ""
        el.text = text[:10]
        comment = etree.Comment("split")
        comment.tail = text[10:]
        el.insert(0, comment)
    data = E.serialize(tree)
    assert verify(data, trust=trust).certificate == pki.rsa.certificate
    (result,) = verify_signatures(data, trust=trust).signatures
    assert result.valid, result.error
    verify(data, trust=trust, policy=SignaturePolicy(name="x", require_whole_document=False))


def test_id_path_honours_at_and_clock_skew(pki: PKI, trust: TrustStore) -> None:
    """A ``#id`` signature by a now-expired signer verifies at a time inside its validity, and
    up to the clock skew after it (signxml used to check at now)."""
    import signxml

    doc = _xml.parse(b'<a><b Id="m">x</b></a>')
    signed = signxml.XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        doc.getroot(),
        key=pki.expired._key,  # type: ignore[attr-defined]
        cert=[pki.expired.certificate],
        reference_uri="#m",
    )
    data = etree.tostring(signed)
    policy = SignaturePolicy(name="by-id", require_whole_document=False)
    end = pki.expired.certificate.not_valid_after_utc
    with pytest.raises(SignatureError, match="valid from"):
        verify(data, trust=trust, policy=policy)
    verify(data, trust=trust, policy=policy, at=end - timedelta(days=1))
    verify(data, trust=trust, policy=policy, at=end + timedelta(minutes=4))
    with pytest.raises(SignatureError):
        verify(data, trust=trust, policy=policy, at=end + timedelta(minutes=6))


def test_interop_policy_is_not_taken_by_the_single_signature_verify(
    einvoice: bytes, trust: TrustStore
) -> None:
    with pytest.raises(TypeError, match="verify_signatures"):
        verify(einvoice, trust=trust, policy=INTEROP)


# --- CLI --------------------------------------------------------------------------------------


def test_cli_signs_the_einvoice_shape_and_lists_every_signature(
    pki: PKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qnegov.cli import main

    invoice = tmp_path / "inv.xml"
    invoice.write_bytes(E.serialize(E.invoice_tree()))
    key, cert = pki.folder / "signer.key", pki.folder / "signer.pem"
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    base = ["--key", str(key), "--cert", str(cert), "--policy", "interop"]
    assert (
        main(
            [
                "sign",
                str(invoice),
                *base,
                "--under",
                "DSCKS/NBan",
                "--reference",
                "data",
                "--signing-time",
                "2024-05-01T08:00:00",
                "--signature-id",
                "seller",
                "-o",
                str(one),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sign",
                str(one),
                *base,
                "--under",
                "DSCKS/CQT",
                "--reference",
                "data",
                "--reference",
                "Id-MCCQT",
                "--signing-time",
                "now",
                "-o",
                str(two),
            ]
        )
        == 0
    )
    capsys.readouterr()
    root = str(pki.folder / "root.pem")
    assert (
        main(["verify", str(two), "--policy", "interop", "--trust", root, "--format", "json"]) == 0
    )
    lines = [ln for ln in capsys.readouterr().out.splitlines() if '"code": "signature_valid"' in ln]
    assert len(lines) == 2 and "DSCKS/NBan" in lines[0] and "DSCKS/CQT" in lines[1]
    three = tmp_path / "three.xml"  # the command: --under etc. imply --policy interop
    assert (
        main(
            [
                "sign",
                str(one),
                "--key",
                str(key),
                "--cert",
                str(cert),
                "--under",
                "DSCKS/NMua",
                "-o",
                str(three),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sign",
                str(one),
                "--key",
                str(key),
                "--cert",
                str(cert),
                "--policy",
                "strict",
                "--under",
                "DSCKS/NMua",
                "-o",
                str(three),
            ]
        )
        == 3
    )
    capsys.readouterr()
    two.write_bytes(two.read_bytes().replace(b'Id-MCCQT">00', b'Id-MCCQT">FF'))
    assert main(["verify", str(two), "--policy", "interop", "--cert", str(cert)]) == 1
    out = capsys.readouterr().out
    assert "signature_valid" in out and "signature_invalid" in out
    assert main(["verify", str(two), "--policy", "strict", "--trust", root, "--allow-sha1"]) != 0
    assert main(["verify", str(two)]) != 0  # nothing to trust


@pytest.mark.parametrize(
    ("attribute", "extra"),
    [
        ("Id", ()),
        ("ID", ()),
        ("id", ()),
        ("{http://www.w3.org/XML/1998/namespace}id", ()),
        (
            "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}"
            "Id",
            (),
        ),
        ("MaSo", ("MaSo",)),
        ("{urn:vn:hoso}Ma", ("{urn:vn:hoso}Ma",)),
    ],
)
def test_id_attributes_recognised_and_caller_named(
    pki: PKI, trust: TrustStore, attribute: str, extra: tuple[str, ...]
) -> None:
    root = etree.Element("HoSo", nsmap={"v": "urn:vn:hoso"})
    item = etree.SubElement(root, "Muc", {attribute: "m1"})
    item.text = "Giấy khai sinh"
    policy = interop_policy(id_attributes=extra)
    signed = sign(etree.tostring(root), pki.rsa, policy=policy, references=["m1"])
    (result,) = verify_signatures(signed, trust=trust, policy=policy).signatures
    assert result.valid, result.error
    assert result.covered[0].signed_tree.getroot().text == "Giấy khai sinh"
    if extra:  # not an Id unless the caller names it
        (unnamed,) = verify_signatures(signed, trust=trust).signatures
        assert unnamed.error is not None and "no element has the Id" in unnamed.error.message


def test_bad_id_attribute_name_is_refused() -> None:
    with pytest.raises(ValueError, match="attribute name"):
        interop_policy(id_attributes=["not a name"])
    with pytest.raises(ValueError, match="quirk"):
        interop_policy(allow_quirks=["everything"])


def test_many_references_to_a_large_element_hit_the_budget(
    pki: PKI, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qnegov.signing import _interop

    big = b"<HoSo><Muc Id='m'>" + b"<x>Quang Nam</x>" * 2000 + b"</Muc></HoSo>"
    signed = sign(big, pki.rsa, policy=INTEROP, references=["m"] * 8)
    assert verify_signatures(signed, trust=trust).all_valid

    class Small(_interop._Budget):
        def __init__(self) -> None:
            super().__init__(canonical_bytes=4 * 32_000)

    monkeypatch.setattr(_interop, "_Budget", Small)
    (result,) = verify_signatures(signed, trust=trust).signatures
    assert result.error is not None and "denial of service" in result.error.message


# --- property: qnegov's subtree C14N agrees with libxmlsec1 on every method ----------------------

_NAMESPACES = [None, "urn:vn:a", "urn:vn:b"]


@st.composite
def _documents(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """Small trees with default and prefixed namespaces, xml:lang, and Ids on some elements."""
    root_ns = draw(st.sampled_from(_NAMESPACES))
    nsmap: dict[str | None, str] = {"p": "urn:vn:p"}
    if root_ns:
        nsmap[None] = root_ns
    root = etree.Element(f"{{{root_ns}}}R" if root_ns else "R", nsmap=nsmap)
    if draw(st.booleans()):
        root.set("{http://www.w3.org/XML/1998/namespace}lang", "vi")
    ids: list[str] = []
    parents = [root]
    for n in range(draw(st.integers(1, 8))):
        parent = draw(st.sampled_from(parents))
        ns = draw(st.sampled_from([*_NAMESPACES, "urn:vn:p"]))
        child = etree.SubElement(parent, f"{{{ns}}}E{n}" if ns else f"E{n}")
        if draw(st.booleans()):
            child.set("Id", f"i{n}")
            ids.append(f"i{n}")
        if draw(st.booleans()):
            child.set("{urn:vn:p}a", "Quảng Nam")
        child.text = draw(st.sampled_from(["", "x", " Hội An ", "a&b<c"]))
        parents.append(child)
    if not ids:
        root.set("Id", "i-root")
        ids.append("i-root")
    return etree.tostring(root, encoding="UTF-8"), ids


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_documents(), method=st.sampled_from(sorted(_C14N)), data=st.data())
def test_qnegov_signed_subtrees_verify_with_python_xmlsec(
    xmlsec: ModuleType, pki: PKI, doc: tuple[bytes, list[str]], method: str, data: st.DataObject
) -> None:
    from dataclasses import replace

    from qnegov.signing import C14NMethod

    body, ids = doc
    refs = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    policy = replace(INTEROP, sign_c14n=C14NMethod(_C14N[method]))
    signed = sign(body, pki.rsa, policy=policy, references=refs)
    (ours,) = verify_signatures(signed, trust=TrustStore([pki.root]), policy=policy).signatures
    assert ours.valid, ours.error
    tree = _xml.parse(signed)
    ctx = xmlsec.SignatureContext()
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and el.get("Id") is not None:
            ctx.register_id(el, "Id")
    ctx.key = xmlsec.Key.from_memory(
        pki.pem(pki.rsa.certificate), xmlsec.constants.KeyDataFormatCertPem
    )
    ctx.verify(next(tree.getroot().iter(DS + "Signature")))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_documents(), method=st.sampled_from(sorted(_C14N)), data=st.data())
def test_python_xmlsec_signed_subtrees_verify_with_qnegov(
    xmlsec: ModuleType, pki: PKI, doc: tuple[bytes, list[str]], method: str, data: st.DataObject
) -> None:
    body, ids = doc
    refs = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    uri = _C14N[method]
    references = "".join(
        f'<Reference URI="#{i}"><Transforms><Transform Algorithm="{E.ENVELOPED}"/>'
        f'<Transform Algorithm="{uri}"/></Transforms><DigestMethod Algorithm="{E.SHA256}"/>'
        "<DigestValue/></Reference>"
        for i in refs
    )
    template = _xml.parse(
        f'<Signature xmlns="{DSIG_NS}"><SignedInfo><CanonicalizationMethod Algorithm="{uri}"/>'
        f'<SignatureMethod Algorithm="{E.RSA_SHA256}"/>{references}</SignedInfo>'
        "<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>".encode()
    ).getroot()
    tree = _xml.parse(body)
    tree.getroot().append(template)
    signed = _xmlsec_sign_vector(
        xmlsec, etree.tostring(tree), pki.rsa_key, pki.pem(pki.rsa.certificate)
    )
    (ours,) = verify_signatures(signed, trust=TrustStore([pki.root])).signatures
    assert ours.valid, ours.error
    assert len(ours.covered) == len(refs)


def test_explain_and_status_report_a_root_signature_without_raising(pki: PKI) -> None:
    from qnegov.signing import explain, signature_status

    signed = sign(b"<a><b>x</b></a>", pki.rsa)
    sig = _tree(signed).getroot().find(DS + "Signature")
    assert sig is not None
    alone = etree.tostring(sig)
    found = explain(alone)
    assert any("document element" in p for p in found.problems) and not found.intact
    assert [i.code for i in signature_status(_xml.parse(alone))] == ["signature_broken"]
