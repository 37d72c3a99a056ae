"""Realistic Vietnamese e-invoice fixtures (Decree 123/2020, Decision 1450/QĐ-TCT shapes).

Signatures are made by python-xmlsec (libxmlsec1) from hand-written templates, the way the
providers' tools lay them out: the seller's RSA-SHA1 / C14N 1.0 signature in ``DSCKS/NBan``
covering ``DLHDon`` by Id and its signing time in ``ds:Object``; the tax authority's RSA-SHA256
one in ``DSCKS/CQT`` with three references (``DLHDon``, ``MCCQT``, its signing time). Keys are
the session's throwaway test PKI.
"""

from __future__ import annotations

import base64
from types import ModuleType

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from qnegov import _xml
from qnegov.signing import DSIG_NS, C14NMethod, KeySigner
from qnegov.signing._c14n import canonicalize

C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
DS = f"{{{DSIG_NS}}}"

INVOICE = """<HDon><DLHDon Id="data"><TTChung><PBan>2.0.0</PBan>\
<THDon>Hóa đơn giá trị gia tăng</THDon><KHMSHDon>1</KHMSHDon><KHHDon>C23TAA</KHHDon>\
<SHDon>123</SHDon><NLap>2023-05-10</NLap><DVTTe>VND</DVTTe><TGia>1</TGia>\
<HTTToan>TM/CK</HTTToan><MSTTCGP>0101234567</MSTTCGP></TTChung><NDHDon><NBan>\
<Ten>Công ty TNHH Thương mại Quảng Nam</Ten><MST>4000123456</MST>\
<DChi>12 Hùng Vương, Tam Kỳ, Quảng Nam</DChi></NBan><NMua><Ten>Công ty CP Hội An</Ten>\
<MST>4000654321</MST><DChi>5 Trần Phú, Hội An</DChi></NMua><DSHHDVu><HHDVu><TChat>1</TChat>\
<STT>1</STT><THHDVu>Bàn làm việc</THHDVu><DVTinh>Cái</DVTinh><SLuong>2</SLuong>\
<DGia>500000</DGia><ThTien>1000000</ThTien><TSuat>10%</TSuat></HHDVu></DSHHDVu><TToan>\
<TgTCThue>1000000</TgTCThue><TgTThue>100000</TgTThue><TgTTTBSo>1100000</TgTTTBSo>\
<TgTTTBChu>Một triệu một trăm nghìn đồng</TgTTTBChu></TToan></NDHDon></DLHDon>\
<MCCQT Id="Id-MCCQT">00A1B2C3D4E5F60718293A4B5C6D7E8F90</MCCQT>\
<DSCKS><NBan/><NMua/><CQT/><CCKSKhac/></DSCKS></HDon>"""

TDIEP = """<TDiep><TTChung><PBan>2.0.0</PBan><MNGui>TCT</MNGui><MNNhan>K0101234567</MNNhan>\
<MLTDiep>202</MLTDiep><MTDiep>TCT0A1B2C3D4E5F6</MTDiep><MTDTChieu/><MST>4000123456</MST>\
<SLuong>1</SLuong></TTChung><DLieu>{invoice}</DLieu></TDiep>"""


def _object(obj_id: str, target: str, when: str, *, no_ns_properties: bool) -> str:
    if no_ns_properties:  # seen in the wild: SignatureProperties outside the XML-DSig namespace
        return (
            f'<Object Id="{obj_id}"><SignatureProperties xmlns="" Id="{obj_id}-props">'
            f'<SignatureProperty Target="#{target}"><SigningTime>{when}</SigningTime>'
            "</SignatureProperty></SignatureProperties></Object>"
        )
    return (
        f'<Object Id="{obj_id}"><SignatureProperties><SignatureProperty Target="#{target}">'
        f"<SigningTime>{when}</SigningTime></SignatureProperty></SignatureProperties></Object>"
    )


def _reference(uri: str, digest: str, *, enveloped: bool) -> str:
    transforms = (
        f'<Transforms><Transform Algorithm="{ENVELOPED}"/></Transforms>' if enveloped else ""
    )
    return (
        f'<Reference URI="{uri}">{transforms}<DigestMethod Algorithm="{digest}"/>'
        "<DigestValue/></Reference>"
    )


def template(
    sig_id: str,
    refs: list[tuple[str, bool]],
    *,
    method: str,
    digest: str,
    when: str,
    time_ref: str | None = None,
    no_ns_properties: bool = False,
    time_enveloped: bool = False,
) -> etree._Element:
    """A Signature template in the default XML-DSig namespace (no prefix), as providers write."""
    time_id = f"SigningTime-{sig_id}"
    uri = time_ref or f"#{time_id}"
    body = "".join(_reference(u, digest, enveloped=e) for u, e in refs)
    body += _reference(uri, digest, enveloped=time_enveloped)
    xml = (
        f'<Signature xmlns="{DSIG_NS}" Id="{sig_id}"><SignedInfo>'
        f'<CanonicalizationMethod Algorithm="{C14N_10}"/><SignatureMethod Algorithm="{method}"/>'
        f"{body}</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data>"
        f"</KeyInfo>{_object(time_id, sig_id, when, no_ns_properties=no_ns_properties)}"
        "</Signature>"
    )
    return _xml.parse(xml.encode()).getroot()


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def xmlsec_sign(
    xmlsec: ModuleType,
    tree: etree._ElementTree,
    sig: etree._Element,
    key: rsa.RSAPrivateKey,
    signer: KeySigner,
) -> None:
    """Fill in ``sig`` (already placed in ``tree``) with libxmlsec1, Ids registered."""
    ctx = xmlsec.SignatureContext()
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and el.get("Id") is not None:
            ctx.register_id(el, "Id")
    k = xmlsec.Key.from_memory(key_pem(key), xmlsec.constants.KeyDataFormatPem)
    k.load_cert_from_memory(
        signer.certificate.public_bytes(serialization.Encoding.PEM),
        xmlsec.constants.KeyDataFormatPem,
    )
    ctx.key = k
    ctx.sign(sig)


def invoice_tree(*, wrapped: bool = False) -> etree._ElementTree:
    text = TDIEP.format(invoice=INVOICE) if wrapped else INVOICE
    return _xml.parse(text.encode())


def hdon(tree: etree._ElementTree) -> etree._Element:
    root = tree.getroot()
    return root if root.tag == "HDon" else root.find("DLieu/HDon")  # type: ignore[return-value]


def seller_sign(
    xmlsec: ModuleType,
    tree: etree._ElementTree,
    key: rsa.RSAPrivateKey,
    signer: KeySigner,
    *,
    no_ns_properties: bool = False,
) -> etree._Element:
    sig = template(
        "seller",
        [("#data", True)],
        method=RSA_SHA1,
        digest=SHA1,
        when="2023-05-10T10:20:30",
        time_ref="#SigningTime-seller-props" if no_ns_properties else None,
        no_ns_properties=no_ns_properties,
    )
    hdon(tree).find("DSCKS/NBan").append(sig)  # type: ignore[union-attr]
    xmlsec_sign(xmlsec, tree, sig, key, signer)
    return sig


def cqt_sign(
    xmlsec: ModuleType, tree: etree._ElementTree, key: rsa.RSAPrivateKey, signer: KeySigner
) -> etree._Element:
    sig = template(
        "CQT",
        [("#data", True), ("#Id-MCCQT", False)],
        method=RSA_SHA256,
        digest=SHA256,
        when="2023-05-10T10:25:00",
    )
    hdon(tree).find("DSCKS/CQT").append(sig)  # type: ignore[union-attr]
    xmlsec_sign(xmlsec, tree, sig, key, signer)
    return sig


def resign_signed_info(sig: etree._Element, key: rsa.RSAPrivateKey, sha1: bool = True) -> None:
    """Recompute SignatureValue over the (edited) SignedInfo: C14N 1.0, RSA PKCS#1 v1.5."""
    signed_info = sig.find(DS + "SignedInfo")
    assert signed_info is not None
    data = canonicalize(signed_info, C14NMethod.C14N_10)
    algorithm = hashes.SHA1() if sha1 else hashes.SHA256()  # noqa: S303 - the shape under test
    value = key.sign(data, padding.PKCS1v15(), algorithm)
    sig.find(DS + "SignatureValue").text = base64.b64encode(value).decode()  # type: ignore[union-attr]


def serialize(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
