"""Property tests: what the builder writes, the reader reads back unchanged and strict-valid."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnegov.edxml import BusinessDocType, Envelope, StatusCode, build, new_document, read, validate
from qnegov.report import Severity
from qnegov.testing.edxml import attachments, document_packets, message_headers, packets

_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(packets())
def test_read_of_build_is_the_packet(packet: object) -> None:
    data = build(packet)  # type: ignore[arg-type]
    assert read(data) == packet
    assert build(read(data)) == data


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(packets())
def test_generated_packets_are_valid_in_strict_mode(packet: object) -> None:
    report = validate(build(packet), strict=True)  # type: ignore[arg-type]
    assert report.valid, [i for i in report.issues if i.severity.blocks]
    assert all(i.severity is Severity.INFO for i in report.issues)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    message_headers(),
    st.lists(attachments(zipped=False), min_size=1, max_size=2, unique_by=lambda a: a.content_id),
)
def test_unzipped_attachments_round_trip_and_are_reported(header: object, files: list) -> None:
    packet = new_document(header, files)  # type: ignore[arg-type]
    back = read(build(packet))
    assert back == packet
    assert {i.code for i in back.issues if i.severity is not Severity.INFO} == {
        "edxml_attachment_not_zipped"
    }


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_business_operation_and_status_code_is_generated(data: st.DataObject) -> None:
    for kind in BusinessDocType:
        envelope = data.draw(document_packets(kind))
        assert isinstance(envelope, Envelope) and envelope.business is not None
        assert envelope.business.doc_type is kind
        assert read(build(envelope)) == envelope
    for code in StatusCode:
        from qnegov.testing.edxml import status_packets

        status = data.draw(status_packets(code))
        assert read(build(status)).status_code is code  # type: ignore[union-attr]


def test_build_is_deterministic_byte_for_byte() -> None:
    from datetime import date

    from qnegov.edxml import (
        Attachment,
        DocumentCode,
        MessageHeader,
        Organization,
        Payload,
        PromulgationInfo,
    )

    header = MessageHeader(
        from_=Organization(organ_id="000.00.00.H47"),
        to=(Organization(organ_id="H48"),),
        code=DocumentCode.parse("12/UBND-VP"),
        promulgation_info=PromulgationInfo(promulgation_date=date(2025, 7, 1)),
        subject="S",
    )
    files = [Attachment(content_id="1", name="a.pdf", payload=Payload.from_bytes(b"%PDF-1.7"))]
    first = build(new_document(header, files))
    assert first == build(new_document(header, files))
    assert b"<edXML:DocumentId>000.00.00.H47,2025/07/01,12/UBND-VP</edXML:DocumentId>" in first
