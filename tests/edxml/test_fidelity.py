"""Nothing a peer sends is lost: every field the reference library writes is read and written
back, and elements qnegov does not model are kept verbatim, in place, and relayed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from qnegov.edxml import Envelope, StatusPacket, build, read, validate
from qnegov.errors import NonConformingPacket
from qnegov.report import Severity
from qnegov.testing.edxml import packets_with_unknown_elements

CORPORA = Path(__file__).resolve().parent.parent / "corpus"
PACKETS = sorted(
    p
    for folder in ("qcvn102", "edxml")
    for p in (CORPORA / folder).glob("*.edxml")
    if p.name != "attachment-zip-bomb.edxml"  # refused outright: nothing to relay
)
UNKNOWN = "edxml_unknown_element"


@pytest.mark.parametrize("path", PACKETS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_read_build_read_is_read_for_every_corpus_packet(path: Path) -> None:
    first = read(path)
    again = read(build(first))
    assert again == first
    assert build(again) == build(first)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(packets_with_unknown_elements())
def test_unknown_elements_are_kept_and_written_back(data: bytes) -> None:
    first = read(data)
    unknown = [i for i in first.issues if i.code == UNKNOWN]
    assert unknown and all(i.severity is Severity.INFO for i in unknown)
    assert len(first.extras) == len(unknown)
    again = read(build(first))
    assert again == first
    assert validate(data).valid  # lenient: relayed, noted
    with pytest.raises(NonConformingPacket):
        read(data, strict=True)  # strict: still refused


def _vnpt_packet() -> bytes:
    """The clean corpus packet with every field the VNPT EdXML102 library adds."""
    data = (CORPORA / "edxml" / "clean.edxml").read_bytes()
    data = data.replace(
        b"<edXML:Priority>0</edXML:Priority>",
        b"<edXML:Priority>0</edXML:Priority>\n<edXML:ReplyFors>000.00.00.H47,2025/06/30,15/UBND-VP;"
        b"000.00.00.H47,2025/07/01,16/UBND-VP</edXML:ReplyFors>"
        b"<edXML:ReferenceCodes>REF-01</edXML:ReferenceCodes>",
    )
    data = data.replace(
        b"</edXML:SteeringType>",
        b"</edXML:SteeringType>\n<edXML:ApplicationType>2</edXML:ApplicationType>"
        b"<edXML:ResponseForTask><edXML:TaskCode>NV-1</edXML:TaskCode>"
        b"<edXML:TaskCode>NV-2</edXML:TaskCode></edXML:ResponseForTask>",
    )
    data = data.replace(
        b"<edXML:TraceHeaderList>",
        b'<edXML:TraceHeaderList id="trace-1" version="1.0"><edXML:Paper>1</edXML:Paper>',
    )
    data = data.replace(
        b"<edXML:Paper>0</edXML:Paper>",
        b"<edXML:Paper>0</edXML:Paper><edXML:StaffInfo><edXML:Mobile>0905000000</edXML:Mobile>"
        b"<edXML:Department>V\xc4\x83n ph\xc3\xb2ng</edXML:Department>"
        b"<edXML:DepartmentId>VP</edXML:DepartmentId><edXML:Staff>A</edXML:Staff>"
        b"<edXML:StaffId>7</edXML:StaffId><edXML:Email>a@example.vn</edXML:Email>"
        b"</edXML:StaffInfo>",
    )
    return data


def test_the_reference_library_fields_are_read_and_written_back() -> None:
    data = _vnpt_packet()
    assert data.count(b"ReplyFors") == 2 and data.count(b"DepartmentId") == 2
    assert data.count(b"TaskCode") == 4 and data.count(b"trace-1") == 1
    packet = read(data)
    assert isinstance(packet, Envelope) and packet.business is not None
    assert not packet.issues and not packet.extras
    header = packet.header
    assert header.application_type == 2
    assert header.response_for_task == ("NV-1", "NV-2")
    assert header.other_info.reference_codes == "REF-01"
    assert header.other_info.reply_for_ids == (
        "000.00.00.H47,2025/06/30,15/UBND-VP",
        "000.00.00.H47,2025/07/01,16/UBND-VP",
    )
    assert (packet.trace_id, packet.trace_version, packet.trace_paper) == ("trace-1", "1.0", 1)
    assert packet.business.staff_info[0].department_id == "VP"
    out = build(packet)
    assert read(out) == packet
    assert b'<edXML:TraceHeaderList id="trace-1" version="1.0">' in out
    assert validate(data, strict=True).valid
    assert validate(out, strict=True).valid


def test_staff_info_is_written_in_the_reference_order() -> None:
    out = build(read(_vnpt_packet())).decode()
    staff = out[out.index("<edXML:StaffInfo>") : out.index("</edXML:StaffInfo>")]
    names = ["Department", "DepartmentId", "Staff", "StaffId", "Email", "Mobile"]
    assert all(f"<edXML:{n}>" in staff for n in names)
    assert names == sorted(names, key=lambda n: staff.index(f"<edXML:{n}>"))


def test_an_unknown_element_is_relayed_in_place() -> None:
    packet = read(CORPORA / "edxml" / "unknown-element.edxml")
    (extra,) = packet.extras
    assert extra.parent == "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader"
    assert extra.after == "Subject"
    assert extra.name == "edXML:ReplyFors"
    out = build(packet).decode()
    assert (
        out.index("<edXML:Subject>")
        < out.index("<edXML:ReplyFors")
        < out.index("<edXML:SignerInfo>")
    )
    (issue,) = packet.issues
    assert issue.severity is Severity.INFO and issue.line == 29


def test_a_foreign_element_with_children_survives_verbatim() -> None:
    data = (
        (CORPORA / "edxml" / "clean.edxml")
        .read_bytes()
        .replace(
            b"</edXML:Subject>",
            b'</edXML:Subject><ext:Routing xmlns:ext="urn:example:x" ext:hop="2">'
            b"<ext:Via>H48</ext:Via> <ext:Note>a &amp; b</ext:Note></ext:Routing>",
        )
    )
    packet = read(data)
    (extra,) = packet.extras
    assert extra.xml == (
        '<ext:Routing xmlns:ext="urn:example:x" ext:hop="2">'
        "<ext:Via>H48</ext:Via><ext:Note>a &amp; b</ext:Note></ext:Routing>"
    )
    assert [i.code for i in packet.issues] == [UNKNOWN]  # not also "outside the namespace"
    assert read(build(packet)) == packet


def test_status_packets_keep_unknown_elements_too() -> None:
    data = (CORPORA / "qcvn102" / "status_finish_06.edxml").read_bytes()
    data = data.replace(b"</edXML:StatusCode>", b"</edXML:StatusCode><edXML:Xnote>n</edXML:Xnote>")
    packet = read(data)
    assert isinstance(packet, StatusPacket) and len(packet.extras) == 1
    assert read(build(packet)) == packet


def test_a_revocation_without_document_id_is_a_warning_unless_strict() -> None:
    path = CORPORA / "qcvn102" / "edoc_revocation.edxml"
    lenient = validate(path)
    (finding,) = [i for i in lenient.issues if i.code == "edxml_business_reference"]
    assert finding.severity is Severity.WARNING and lenient.valid
    strict = validate(path, strict=True)
    assert any(
        i.code == "edxml_business_reference" and i.severity is Severity.ERROR for i in strict.issues
    )


def test_an_unbound_prefix_is_reported_by_name() -> None:
    data = (CORPORA / "edxml" / "clean.edxml").read_bytes()
    data = data.replace(b"<edXML:Reference>", b'<edXML:Reference xlink:href="cid:1">', 1)
    data = data.replace(b"<edXML:Subject>", b"<xlink:Extra>1</xlink:Extra><edXML:Subject>", 1)
    packet = read(data)
    unbound = [i for i in packet.issues if i.code == "edxml_unbound_prefix"]
    assert len(unbound) == 2
    assert all("unbound prefix 'xlink'" in i.message for i in unbound)
    assert all(i.line is not None for i in unbound)
    assert not any("(none)" in i.message for i in packet.issues)


def test_an_undeclared_edxml_prefix_outside_the_envelope_is_named() -> None:
    data = (CORPORA / "edxml" / "clean.edxml").read_bytes()
    start = data.index(b"<AttachmentEncoded>")
    tail = data[start:].replace(b' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b"")
    packet = read(data[:start] + tail)
    assert isinstance(packet, Envelope) and packet.attachments  # still read by local name
    messages = [i.message for i in packet.issues if i.code == "edxml_unbound_prefix"]
    assert messages and all("unbound prefix 'edXML'" in m for m in messages)


def test_a_day_first_promulgation_date_keeps_the_date_and_is_reported() -> None:
    packet = read(CORPORA / "edxml" / "date-dd-mm-yyyy.edxml")
    assert isinstance(packet, Envelope)
    when = packet.header.promulgation_info.promulgation_date
    data = (CORPORA / "edxml" / "date-dd-mm-yyyy.edxml").read_text("utf-8")
    written = data.split("<edXML:PromulgationDate>")[1].split("<")[0]
    day, month, year = (int(x) for x in written.split("/"))
    assert when == date(year, month, day)
    (issue,) = packet.issues
    assert issue.code == "edxml_date_form" and "dd/MM/yyyy" in issue.message
    again = read(build(packet))
    assert isinstance(again, Envelope)
    assert again.header.promulgation_info.promulgation_date == when  # written yyyy/MM/dd
    assert not again.issues
