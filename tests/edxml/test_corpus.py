"""Every reference packet from peers: exactly which issues it yields, lenient and strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnegov.codes import AgencyCode
from qnegov.edxml import Code, Envelope, StatusCode, StatusPacket, build, read, validate
from qnegov.errors import NonConformingPacket, XMLSyntaxError

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "qcvn102"

W, E, INFO = "warning", "error", "info"
SIG = "edxml_signature_namespace"
BAD_DATE = "code_invalid_date"
MISMATCH = "edxml_document_id_mismatch"

# (code, severity, line) found by read() in lenient mode, then the extra ones validate() adds
READ: dict[str, list[tuple[str, str, int]]] = {
    "dc0bdef0-c7a3-4aaf-b717-777303442973.edxml": [(BAD_DATE, W, 87), (SIG, W, 103)],
    "edoc.edxml": [
        ("code_agency_structure", W, 77),  # TraceHeader OrganId 01.02.G22
        ("code_syntax", W, 27),  # Code 3232sss/PRO-TEST-CASE1
        ("code_test_value", W, 9),  # From 777.77.04.D77
        ("code_test_value", W, 19),  # To 777.77.03.D77
        ("edxml_attachment_encoding", E, 131),  # a JMeter placeholder instead of base64
        ("edxml_empty_element", W, 60),  # ResponseFor with empty children
        ("edxml_malformed", E, 74),  # From never closed
        ("edxml_misplaced_element", E, 8),  # From nested inside From
        ("edxml_misplaced_element", E, 75),
        ("edxml_misplaced_element", E, 115),
        ("edxml_misplaced_element", E, 126),
        ("edxml_unbound_prefix", W, 117),  # Reference xlink:href with no xmlns:xlink
    ],
    "edoc_new.edxml": [
        (BAD_DATE, W, 72),  # Bussiness DocumentId names 2014/02/30
        ("code_syntax", W, 28),  # Code 74fass22/VPCP-TTĐT
        ("code_test_value", W, 7),  # From 000.00.00.A80
        ("code_test_value", W, 18),  # To 28.22.H17
        (SIG, W, 84),
    ],
    "edoc_replacement.edxml": [(SIG, W, 118)],
    "edoc_revocation.edxml": [(SIG, W, 108)],
    "edoc_update.edxml": [(BAD_DATE, W, 91), (SIG, W, 117)],
}
RULES: dict[str, list[tuple[str, str, int]]] = {
    "dc0bdef0-c7a3-4aaf-b717-777303442973.edxml": [(MISMATCH, W, 46)],
    "edoc_new.edxml": [(MISMATCH, W, 27)] * 3,  # From, date and Code all disagree
    "edoc_replacement.edxml": [(MISMATCH, W, 46)],
    "edoc_revocation.edxml": [("edxml_business_reference", W, 96), (MISMATCH, W, 46)],
    "edoc_update.edxml": [(MISMATCH, W, 46)],
}
# what only the strict XSD says, on lines no reader issue already covers
STRICT_SCHEMA: dict[str, list[tuple[str, str, int]]] = {
    "edoc_new.edxml": [("edxml_schema", E, 29)],  # CodeNumber 74fass22 is not \\d+
}
STATUS = {
    "status.edxml": StatusCode.ARRIVED,
    "status_inbox_01.edxml": StatusCode.ARRIVED,
    "status_rejection_02.edxml": StatusCode.REJECTED,
    "status_acceptance_03.edxml": StatusCode.ACCEPTED,
    "status_assignment_04.edxml": StatusCode.ASSIGNING,
    "status_processing_05.edxml": StatusCode.PROCESSING,
    "status_finish_06.edxml": StatusCode.FINISHED,
    "status_cancellation_13.edxml": StatusCode.REVOCATION_REQUESTED,
    "status_change-acceptance_15.edxml": StatusCode.CHANGE_ACCEPTED,
    "status_change-rejection_16.edxml": StatusCode.CHANGE_REFUSED,
}
for _name in STATUS:
    READ[_name] = [("edxml_status_in_message_header", INFO, 5)]


def _found(issues: object) -> list[tuple[str, str, int | None]]:
    return sorted((i.code, i.severity.value, i.line) for i in issues)  # type: ignore[attr-defined]


def _strict(expected: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    return sorted((c, E if s == W else s, line) for c, s, line in expected)


def test_the_corpus_holds_the_sixteen_reference_packets() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.edxml")) == sorted(READ)
    assert len(READ) == 16


@pytest.mark.parametrize("name", sorted(READ))
def test_lenient_read_reports_exactly_these_issues(name: str) -> None:
    packet = read(CORPUS / name)
    assert _found(packet.issues) == sorted(READ[name])


@pytest.mark.parametrize("name", sorted(READ))
def test_lenient_validate_adds_exactly_the_rule_issues(name: str) -> None:
    report = validate(CORPUS / name)
    assert _found(report.issues) == sorted(READ[name] + RULES.get(name, []))


@pytest.mark.parametrize("name", sorted(n for n in READ if n != "edoc.edxml"))
def test_strict_mode_turns_every_deviation_into_an_error(name: str) -> None:
    expected = _strict(READ[name])
    if any(s == E for _, s, _ in expected):
        with pytest.raises(NonConformingPacket) as caught:
            read(CORPUS / name, strict=True)
        assert _found(caught.value.issues) == expected
    else:
        assert _found(read(CORPUS / name, strict=True).issues) == expected
    assert _found(validate(CORPUS / name, strict=True).issues) == _strict(
        READ[name] + RULES.get(name, []) + STRICT_SCHEMA.get(name, [])
    )


def test_strict_mode_refuses_the_malformed_packet_at_the_unclosed_from() -> None:
    with pytest.raises(XMLSyntaxError) as caught:
        read(CORPUS / "edoc.edxml", strict=True)
    assert caught.value.line == 74
    assert "From line 7" in caught.value.message
    report = validate(CORPUS / "edoc.edxml", strict=True)
    assert [(i.code, i.severity.value, i.line) for i in report.issues] == [
        ("xml_syntax", "fatal", 74)
    ]
    assert report.exit_code == 3


@pytest.mark.parametrize("name", sorted(STATUS))
def test_status_packets_read_their_code_and_answered_document(name: str) -> None:
    packet = read(CORPUS / name)
    assert isinstance(packet, StatusPacket)
    assert packet.status_code is STATUS[name]
    assert str(packet.response_for.document_id) == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert str(packet.from_.organ_id) in ("000.00.00.H41", "000.00.00.G22")
    assert packet.timestamp.year in (2015, 2018)


def test_the_repaired_packet_reads_its_inner_from_and_its_test_codes() -> None:
    packet = read(CORPUS / "edoc.edxml")
    assert isinstance(packet, Envelope)
    assert str(packet.header.from_.organ_id) == "777.77.04.D77"
    assert str(packet.header.to[0].organ_id) == "777.77.03.D77"
    assert str(packet.header.document_id) == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert packet.header.response_for == ()
    assert packet.signature is not None and packet.signature.namespaced
    assert packet.signature.signature_method == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    assert [r.content_id for r in packet.manifest] == ["36b8a92e-f054-11e7-842b-005056b672fc"]


def test_the_three_recipient_packet_unzips_its_attachment() -> None:
    packet = read(CORPUS / "dc0bdef0-c7a3-4aaf-b717-777303442973.edxml")
    assert isinstance(packet, Envelope)
    assert [str(t.organ_id) for t in packet.header.to] == [
        "000.00.00.H41",
        "000.00.00.H14",
        "000.00.00.G17",
    ]
    (attachment,) = packet.attachments
    assert attachment.zipped
    assert attachment.member_name == "7a71a0ee-2f35-400d-aca9-811d478eb158.edxml"
    assert attachment.payload.read_bytes().startswith(b"<?xml")
    assert packet.signature is not None and not packet.signature.namespaced
    assert packet.signature.x509_subject == "CN=user05"


def test_odd_peer_codes_are_read_as_written() -> None:
    packet = read(CORPUS / "edoc_new.edxml")
    assert isinstance(packet, Envelope)
    assert str(packet.header.to[0].organ_id) == "28.22.H17"
    assert isinstance(packet.header.code, Code) and packet.header.code.number == "74fass22"
    assert isinstance(packet.header.from_.organ_id, AgencyCode)  # a test code, still readable


@pytest.mark.parametrize("name", sorted(READ))
def test_build_of_read_is_stable(name: str) -> None:
    once = build(read(CORPUS / name))
    again = build(read(once))
    assert once == again
    assert read(once) == read(again)
