"""One location style: validate, verify and --explain name a signature by the same path."""

from __future__ import annotations

from pathlib import Path

import qnegov
from qnegov.signing import INTEROP, explain, sign, verify_signatures

from .conftest import PKI

DATA = Path(__file__).parent / "data"
HEADER = "/edXML/edXML:edXMLEnvelope/edXML:edXMLHeader"


def test_an_edxml_signature_has_one_path_in_every_report() -> None:
    # the reference packet's Signature sits in the edXML default namespace, without prefix
    source = DATA / "vnpt_dummy_signature.edxml"
    report = qnegov.validate([source])
    paths = {i.path for i in report.issues if "signature" in i.code}
    assert paths == {f"{HEADER}/Signature"}
    assert {i.code for i in report.issues} >= {"edxml_signature_namespace", "signature_sha1"}
    assert explain(source).path == f"{HEADER}/Signature"


def test_validate_and_verify_agree_on_a_real_signature(
    tmp_path: Path, pki: PKI, packet: bytes
) -> None:
    signed = tmp_path / "signed.edxml"
    signed.write_bytes(sign(packet, pki.rsa))
    verified = verify_signatures(signed, trust=pki.trust, policy=INTEROP)
    [result] = verified.signatures
    report = qnegov.validate([signed])
    [status] = [i for i in report.issues if i.code.startswith("signature")]
    assert result.path == status.path == explain(signed).path
    assert "*" not in result.path and result.path.startswith("/edXML/")
