"""qnegov sign/verify against python-xmlsec (libxmlsec1, C) and signxml, in the same run.

Packets of about 5 KB and 1 MB (the 1 MB one carries a random attachment) are generated here,
never committed. Every engine does the same job, from bytes to bytes: parse (through qnegov's
safe parser, so all start from the same tree cost), enveloped RSA-2048 SHA-256 signature with
exclusive C14N in ``edXMLHeader``, serialise; verification parses and checks the signature
against the certificate, and both qnegov and xmlsec validate the chain to the test root.
Engines are interleaved round by round; medians of N rounds (``QNEGOV_BENCH_RUNS``, 40).

    python benchmarks/signing.py          # needs the bench extra: pip install -e ".[bench]"
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree

from qnegov import _xml
from qnegov.signing import DSIG_NS, KeySigner, TrustStore, make_test_pki, sign_packet
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


def main() -> None:
    runs = int(os.environ.get("QNEGOV_BENCH_RUNS", "40"))
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
