"""qnegov sign/verify against python-xmlsec (libxmlsec1, C) and signxml, in the same run.

Packets of about 5 KB and 1 MB (the 1 MB one carries a random attachment) are generated here,
never committed. Every engine does the same job, from bytes to bytes: parse (through qnegov's
safe parser, so all start from the same tree cost), enveloped RSA-2048 SHA-256 signature with
exclusive C14N in ``edXMLHeader``, serialise; verification parses and checks the signature
against the certificate, and both qnegov and xmlsec validate the chain to the test root.
Engines are interleaved round by round; medians of N rounds (``QNEGOV_BENCH_RUNS``, 40).

The interop section (issue 12) verifies, under ``--policy interop``, a two-signature e-invoice
(seller in ``DSCKS/NBan``, tax authority in ``DSCKS/CQT``, signing times in ``ds:Object``) and a
1 MB document signed by libxmlsec1 with three references by Id (C14N 1.0, the e-invoice
canonicalisation); python-xmlsec verifies every signature of the same bytes, Ids registered
and chain checked against the test root. Target: qnegov within 1.1x of python-xmlsec.

    python benchmarks/signing.py          # needs the bench extra: pip install -e ".[bench]"
    QNEGOV_BENCH_SECTIONS=interop python benchmarks/signing.py   # only the interop rows
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree

from qnegov import _xml
from qnegov.signing import (
    DSIG_NS,
    INTEROP,
    KeySigner,
    TrustStore,
    make_test_pki,
    sign,
    sign_packet,
    verify_signatures,
)
from qnegov.signing import verify_packet as qnegov_verify

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
E = f"{{{EDXML}}}"
NS = {"e": EDXML, "ds": DSIG_NS}


def make_packet(attachment_bytes: int, subject_repeat: int = 1, places: int = 0) -> bytes:
    """A packet with an attachment of ``attachment_bytes`` random bytes and ``places`` extra
    ``ToPlaces/Place`` elements (element-heavy documents stress C14N differently)."""
    root = etree.Element(E + "edXML", nsmap={None: EDXML})
    envelope = etree.SubElement(root, E + "edXMLEnvelope", nsmap={"edXML": EDXML})
    header = etree.SubElement(envelope, E + "edXMLHeader")
    message = etree.SubElement(header, E + "MessageHeader")
    for tag, text in [("OrganId", "000.00.00.H47"), ("OrganName", "UBND tỉnh Quảng Nam")] * 4:
        etree.SubElement(message, E + tag).text = text
    etree.SubElement(message, E + "Subject").text = "Về việc triển khai văn bản điện tử. " * (
        subject_repeat
    )
    to_places = etree.SubElement(message, E + "ToPlaces")
    for n in range(places):
        place = etree.SubElement(to_places, E + "Place", index=str(n))
        place.text = f"Phòng Văn thư số {n}, Sở Nội vụ tỉnh Quảng Nam"
        place.tail = "\n"
    etree.SubElement(etree.SubElement(header, E + "TraceHeaderList"), E + "TraceHeader")
    manifest = etree.SubElement(etree.SubElement(envelope, E + "edXMLBody"), E + "edXMLManifest")
    etree.SubElement(etree.SubElement(manifest, E + "Reference"), E + "ContentId").text = "cid:1"
    attachment = etree.SubElement(etree.SubElement(root, E + "AttachmentEncoded"), E + "Attachment")
    etree.SubElement(attachment, E + "ContentTransferEncoded").text = base64.encodebytes(
        os.urandom(attachment_bytes)
    ).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def median_ms(engines: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median milliseconds per engine, the engines interleaved round by round.

    The machine is shared: interleaving spreads any load burst over every engine alike
    instead of penalising whichever happened to run during it.
    """
    times: dict[str, list[float]] = {name: [] for name in engines}
    for fn in engines.values():
        fn()  # warm-up
    for n in range(runs):
        order = list(engines.items())
        if n % 2:
            order.reverse()
        for name, fn in order:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


class XmlsecEngine:
    """python-xmlsec doing the same job (template in edXMLHeader, enveloped, exc-c14n)."""

    def __init__(self, key_pem: bytes, cert_pem: bytes, root_pem: bytes) -> None:
        import xmlsec

        self.x = xmlsec
        self.key = xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem)
        self.key.load_cert_from_memory(cert_pem, xmlsec.constants.KeyDataFormatPem)
        self.manager = xmlsec.KeysManager()
        self.manager.load_cert_from_memory(
            root_pem, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted
        )
        self.cert_pem = cert_pem

    def sign(self, packet: bytes) -> bytes:
        x = self.x
        tree = _xml.parse(packet)
        header = tree.getroot().find("e:edXMLEnvelope/e:edXMLHeader", NS)
        template = x.template.create(header, x.Transform.EXCL_C14N, x.Transform.RSA_SHA256)
        header.append(template)
        ref = x.template.add_reference(template, x.Transform.SHA256, uri="")
        x.template.add_transform(ref, x.Transform.ENVELOPED)
        x.template.add_transform(ref, x.Transform.EXCL_C14N)
        x.template.add_x509_data(x.template.ensure_key_info(template))
        ctx = x.SignatureContext()
        ctx.key = self.key
        ctx.sign(template)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def verify(self, signed: bytes) -> None:
        ctx = self.x.SignatureContext(self.manager)
        root = _xml.parse(signed).getroot()
        ctx.verify(root.find("e:edXMLEnvelope/e:edXMLHeader/ds:Signature", NS))

    def sign_template(self, document: bytes) -> bytes:
        """Fill in the one Signature template of ``document`` (Ids registered)."""
        tree = _xml.parse(document)
        ctx = self.x.SignatureContext()
        for el in tree.getroot().xpath("//*[@Id]"):
            ctx.register_id(el, "Id")
        ctx.key = self.key
        ctx.sign(tree.getroot().find("ds:Signature", NS))
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def verify_all(self, signed: bytes) -> None:
        """Every signature of the document, Ids registered, chain checked to the root."""
        root = _xml.parse(signed).getroot()
        holders = root.xpath("//*[@Id]")
        for sig in root.iter(f"{{{DSIG_NS}}}Signature"):
            ctx = self.x.SignatureContext(self.manager)
            for el in holders:
                ctx.register_id(el, "Id")
            ctx.verify(sig)


class SignxmlEngine:
    """signxml's own signer and verifier (its Python-level C14N and digest plumbing)."""

    def __init__(self, key: Any, cert_pem: bytes) -> None:
        from signxml import XMLSigner, XMLVerifier, methods

        self.signer = XMLSigner(
            method=methods.enveloped,
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
        )
        self.verifier = XMLVerifier()
        self.key = key
        self.cert = cert_pem.decode()

    def sign(self, packet: bytes) -> bytes:
        root = _xml.parse(packet).getroot()
        signed = self.signer.sign(root, key=self.key, cert=[self.cert])
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    def verify(self, signed: bytes) -> None:
        self.verifier.verify(_xml.parse(signed).getroot(), x509_cert=self.cert)


_INVOICE = """<HDon><DLHDon Id="data"><TTChung><PBan>2.0.0</PBan><KHHDon>C23TAA</KHHDon>\
<SHDon>123</SHDon><NLap>2023-05-10</NLap></TTChung><NDHDon><NBan><Ten>Công ty TNHH Quảng Nam\
</Ten><MST>4000123456</MST></NBan><DSHHDVu>{items}</DSHHDVu><TToan><TgTTTBSo>1100000</TgTTTBSo>\
</TToan></NDHDon></DLHDon><MCCQT Id="Id-MCCQT">00A1B2C3D4E5F60718293A4B5C6D7E8F90</MCCQT>\
<DSCKS><NBan/><NMua/><CQT/></DSCKS></HDon>"""
_ITEM = (
    "<HHDVu><STT>{n}</STT><THHDVu>Bàn làm việc gỗ sồi {n}</THHDVu><DVTinh>Cái</DVTinh>"
    "<SLuong>2</SLuong><DGia>500000</DGia><ThTien>1000000</ThTien></HHDVu>"
)


def make_einvoice(signer: KeySigner, items: int = 20) -> bytes:
    """The two-signature e-invoice, both signatures by qnegov (the issue-12 shape)."""
    invoice = _INVOICE.format(items="".join(_ITEM.format(n=n) for n in range(items)))
    first = sign(
        invoice.encode(),
        signer,
        policy=INTEROP,
        under="DSCKS/NBan",
        references=["data"],
        signing_time=datetime(2024, 3, 1, 9, 0),
        signature_id="seller",
    )
    return sign(
        first,
        signer,
        policy=INTEROP,
        under="DSCKS/CQT",
        references=["data", "Id-MCCQT"],
        signing_time=datetime(2024, 3, 1, 9, 5),
        signature_id="CQT",
    )


def make_three_references(xmlsec_engine: XmlsecEngine, target_bytes: int = 1_000_000) -> bytes:
    """About ``target_bytes`` of element-heavy XML, signed by libxmlsec1 with three references
    by Id, C14N 1.0 and RSA-SHA256, the signature beside the signed parts."""
    per_item = len(_ITEM.format(n=10_000).encode())
    big = "".join(_ITEM.format(n=n) for n in range(target_bytes // per_item))
    c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    refs = "".join(
        f'<Reference URI="#{i}"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        "<DigestValue/></Reference>"
        for i in ("a", "b", "c")
    )
    doc = (
        f'<HoSo><PhanA Id="a">{big}</PhanA><PhanB Id="b">{_ITEM.format(n=1)}</PhanB>'
        f'<PhanC Id="c">{_ITEM.format(n=2)}</PhanC><Signature xmlns="{DSIG_NS}"><SignedInfo>'
        f'<CanonicalizationMethod Algorithm="{c14n}"/><SignatureMethod '
        'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f"{refs}</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data>"
        "</KeyInfo></Signature></HoSo>"
    )
    return xmlsec_engine.sign_template(doc.encode())


def interop_rows(
    runs: int, signer: KeySigner, trust: TrustStore, xmlsec_engine: XmlsecEngine | None
) -> None:
    print(f"interop policy, verify every signature; median of {runs} runs, milliseconds")
    print(f"{'document':22} {'bytes':>9} {'sigs':>4} {'qnegov':>9} {'xmlsec':>9} {'ratio':>6}")
    docs = {"e-invoice, 2 sigs": make_einvoice(signer)}
    if xmlsec_engine is not None:
        docs["1 MB, 3 refs (C14N 1.0)"] = make_three_references(xmlsec_engine)
    for label, data in docs.items():
        found = verify_signatures(data, trust=trust)
        assert found.all_valid, [str(s.error) for s in found.signatures]
        engines: dict[str, Callable[[], Any]] = {
            "qnegov": lambda d=data: verify_signatures(d, trust=trust),
        }
        if xmlsec_engine is not None:
            xmlsec_engine.verify_all(data)
            engines["xmlsec"] = lambda d=data: xmlsec_engine.verify_all(d)
        ms = median_ms(engines, runs)
        base = ms.get("xmlsec")
        ratio = f"{ms['qnegov'] / base:.2f}" if base else "-"
        print(
            f"{label:22} {len(data):>9} {len(found.signatures):>4} {ms['qnegov']:>9.2f} "
            f"{base if base is not None else float('nan'):>9.2f} {ratio:>6}"
        )


def main() -> None:
    runs = int(os.environ.get("QNEGOV_BENCH_RUNS", "40"))
    sections = os.environ.get("QNEGOV_BENCH_SECTIONS", "edxml,interop").split(",")
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_test_pki(Path(tmp))
        signer = KeySigner.from_pem(pki.signer_key, pki.signer_cert)
        trust = TrustStore.from_paths(pki.ca_cert)
        key_pem = pki.signer_key.read_bytes()
        cert_pem = pki.signer_cert.read_bytes()
        root_pem = pki.ca_cert.read_bytes()
    private = serialization.load_pem_private_key(key_pem, None)
    try:
        xmlsec_engine: XmlsecEngine | None = XmlsecEngine(key_pem, cert_pem, root_pem)
    except ImportError:
        xmlsec_engine = None
        print("python-xmlsec is not installed (pip install -e '.[bench]'): baseline missing")
    signxml_engine = SignxmlEngine(private, cert_pem)
    if "interop" in sections:
        interop_rows(runs, signer, trust, xmlsec_engine)
    if "edxml" not in sections:
        return
    packets = {
        "5 KB": make_packet(2_600),
        "1 MB att": make_packet(760_000),
        "1 MB elts": make_packet(1_000, places=9_800),
    }
    print(f"RSA-2048, enveloped, exclusive C14N, SHA-256; median of {runs} runs, milliseconds")
    print("'1 MB att' is one large attachment; '1 MB elts' has 9,800 small elements")
    print(
        f"{'packet':10} {'bytes':>9} {'op':7} {'qnegov':>9} {'xmlsec':>9} {'signxml':>9} "
        f"{'qnegov/xmlsec':>14} {'signxml/xmlsec':>15}"
    )
    for label, packet in packets.items():
        ours_signed = sign_packet(packet, signer)
        qnegov_verify(ours_signed, trust=trust)
        jobs: dict[str, dict[str, Callable[[], Any]]] = {
            "sign": {
                "qnegov": lambda p=packet: sign_packet(p, signer),
                "signxml": lambda p=packet: signxml_engine.sign(p),
            },
            "verify": {
                "qnegov": lambda s=ours_signed: qnegov_verify(s, trust=trust),
                "qnegov+tree": lambda s=ours_signed: qnegov_verify(s, trust=trust).signed_tree,
                "signxml": lambda s=ours_signed: signxml_engine.verify(s),
            },
        }
        if xmlsec_engine is not None:
            theirs = xmlsec_engine.sign(packet)
            xmlsec_engine.verify(ours_signed)  # they check each other's signatures too
            qnegov_verify(theirs, trust=trust)
            jobs["sign"]["xmlsec"] = lambda p=packet: xmlsec_engine.sign(p)
            jobs["verify"]["xmlsec"] = lambda s=ours_signed: xmlsec_engine.verify(s)
        for op, engines in jobs.items():
            ms = median_ms(engines, runs)
            base = ms.get("xmlsec")
            ratio = f"{ms['qnegov'] / base:.2f}" if base else "-"
            ratio_sx = f"{ms['signxml'] / base:.2f}" if base else "-"
            with_tree = ms.get("qnegov+tree")
            tree_note = f"   (qnegov incl. signed_tree parse: {with_tree:.2f})" if with_tree else ""
            print(
                f"{label:10} {len(packet):>9} {op:7} {ms['qnegov']:>9.2f} "
                f"{base if base is not None else float('nan'):>9.2f} {ms['signxml']:>9.2f} "
                f"{ratio:>14} {ratio_sx:>15}{tree_note}"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
