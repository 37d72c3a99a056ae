"""Diagnostics (``explain``) and the signature line of validation (``signature_status``)."""

from __future__ import annotations

import copy
import hashlib

from lxml import etree

from qnegov import _xml
from qnegov.report import Severity
from qnegov.signing import explain, sign_packet, signature_status

from .conftest import DATA, PKI


def test_explain_shows_the_canonical_bytes_and_digests(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    found = explain(signed)
    assert found.intact and found.signature_value_ok
    ref = found.references[0]
    assert ref.matches and ref.declared_digest == ref.computed_digest
    canonical = etree.tostring(_xml.parse(packet), method="c14n", exclusive=True)
    assert ref.canonical_length == len(canonical)
    assert ref.canonical_head == canonical[: len(ref.canonical_head.encode())].decode()
    assert found.signed_info_canonical is not None
    assert (
        found.signed_info_sha256 == hashlib.sha256(found.signed_info_canonical.encode()).hexdigest()
    )
    assert found.certificates and "UBND tinh Quang Nam" in found.certificates[0]


def test_explain_names_the_mismatch_in_a_tampered_packet(pki: PKI, packet: bytes) -> None:
    signed = sign_packet(packet, pki.rsa)
    found = explain(signed.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1))
    assert not found.intact
    assert not found.references[0].matches
    assert found.signature_value_ok  # SignedInfo itself is untouched
    assert any("digest" in p for p in found.problems)


def test_explain_reads_the_vnpt_legacy_sample(pki: PKI) -> None:
    found = explain(DATA / "edoc_new_dummy_signature.edxml")
    assert found.namespace == "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    assert found.signature_method == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    ref = found.references[0]
    assert ref.c14n == "http://www.w3.org/TR/xml-exc-c14n#"
    assert ref.declared_digest == "FwgIqsSYJshUS2+wlOM61L+q7Aw="  # the dummy in the sample
    assert not ref.matches
    assert found.signature_value_ok is None  # its certificate is truncated
    # inclusive C14N of the namespace-less SignedInfo: both in-scope declarations, no xmlns=""
    assert found.signed_info_canonical is not None
    assert found.signed_info_canonical.startswith(
        '<SignedInfo xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" '
        'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
    )
    assert 'xmlns=""' not in found.signed_info_canonical


def test_explain_without_a_signature() -> None:
    found = explain(DATA / "status_unsigned.edxml")
    assert not found.found and found.refusal == "signature_missing"


def test_status_of_unsigned_signed_tampered_and_legacy(pki: PKI, packet: bytes) -> None:
    [absent] = signature_status(_xml.parse(DATA / "status_unsigned.edxml"), file="s")
    assert (absent.code, absent.severity) == ("signature_absent", Severity.INFO)

    signed = sign_packet(packet, pki.rsa)
    [intact] = signature_status(_xml.parse(signed), file="p")
    assert (intact.code, intact.severity, intact.file) == ("signature_intact", Severity.INFO, "p")
    assert intact.line is not None and intact.path is not None

    tampered = signed.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1)
    codes = {(i.code, i.severity) for i in signature_status(_xml.parse(tampered))}
    assert codes == {("signature_broken", Severity.ERROR)}

    legacy = signature_status(
        _xml.parse(DATA / "vnpt_dummy_signature.edxml"), broken=Severity.WARNING
    )
    assert {i.code for i in legacy} == {
        "signature_legacy_namespace",
        "signature_legacy_c14n_uri",
        "signature_sha1",
        "signature_broken",
    }
    assert all(i.severity is Severity.WARNING for i in legacy)


def test_status_leaves_the_tree_alone(pki: PKI, packet: bytes) -> None:
    tree = _xml.parse(sign_packet(packet, pki.rsa))
    before = etree.tostring(tree)
    signature_status(tree)
    assert etree.tostring(tree) == before


def test_two_signatures_are_broken_not_absent(pki: PKI, packet: bytes) -> None:
    tree = _xml.parse(sign_packet(packet, pki.rsa))
    root = tree.getroot()
    root.append(copy.deepcopy(root.xpath("//*[local-name()='Signature']")[0]))
    [issue] = signature_status(tree)
    assert issue.code == "signature_broken"
