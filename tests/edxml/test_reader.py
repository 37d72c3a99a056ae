"""The reader: known variants accepted and reported, deviations located, strict refusal."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from qnegov.edxml import NS, Envelope, StatusCode, StatusPacket, build, read
from qnegov.edxml._tree import XMLDSIG_NS
from qnegov.errors import NonConformingPacket, PacketError, UnsafeXMLError

HEADER = """
        <edXML:From><edXML:OrganId>000.00.00.H47</edXML:OrganId></edXML:From>
        <edXML:To><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:To>
        <edXML:Code><edXML:CodeNumber>12</edXML:CodeNumber>
          <edXML:CodeNotation>UBND-VP</edXML:CodeNotation></edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:PromulgationDate>{date}</edXML:PromulgationDate></edXML:PromulgationInfo>
        <edXML:DocumentType><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
        <edXML:Subject>Về việc thử</edXML:Subject>
        <edXML:SignerInfo><edXML:FullName>Nguyễn Văn A</edXML:FullName></edXML:SignerInfo>
        <edXML:OtherInfo><edXML:Priority>1</edXML:Priority></edXML:OtherInfo>
        <edXML:SteeringType>1</edXML:SteeringType>
        <edXML:DocumentId>000.00.00.H47,2025/07/01,12/UBND-VP</edXML:DocumentId>"""


def packet(
    header: str = HEADER,
    extra_header: str = "",
    attachments: str = "",
    manifest: str = "",
    date_text: str = "2025/07/01",
) -> bytes:
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}">
  <edXML:edXMLEnvelope xmlns:edXML="{NS}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>{header.format(date=date_text)}
      </edXML:MessageHeader>{extra_header}
    </edXML:edXMLHeader>
    <edXML:edXMLBody><edXML:edXMLManifest version="1.0">{manifest}</edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>{attachments}
</edXML>
"""
    return text.encode()


def codes(p: object) -> list[str]:
    return sorted(i.code for i in p.issues)  # type: ignore[attr-defined]


def test_a_clean_packet_has_no_issues() -> None:
    env = read(packet())
    assert isinstance(env, Envelope)
    assert env.issues == ()
    assert env.header.promulgation_info.promulgation_date == date(2025, 7, 1)
    assert env.header.other_info.priority == 1


def test_element_order_is_free() -> None:
    lines = HEADER.strip().splitlines()
    reordered = "\n".join(reversed(lines[:2])) + "\n" + "\n".join(lines[2:])
    shuffled = HEADER.replace(lines[0], "").replace(lines[-1], "") + lines[-1] + lines[0]
    assert read(packet(shuffled)) == read(packet()) == read(packet(reordered))


@pytest.mark.parametrize(
    ("text", "form"), [("2025/07/01 00:00:00", "yyyy/MM/dd HH:mm:ss"), ("01/07/2025", "dd/MM/yyyy")]
)
def test_tolerated_date_forms_are_read_and_reported(text: str, form: str) -> None:
    env = read(packet(date_text=text))
    assert env.header.promulgation_info.promulgation_date == date(2025, 7, 1)  # type: ignore[union-attr]
    (issue,) = env.issues
    assert issue.code == "edxml_date_form" and form in issue.message
    assert issue.line == 11 and issue.path is not None and issue.path.endswith("PromulgationDate")


def test_an_impossible_date_is_an_error_with_its_line() -> None:
    env = read(packet(date_text="2014/02/30"))
    assert codes(env) == ["edxml_bad_date"]
    assert env.issues[0].line == 11


def test_strict_mode_raises_with_every_issue() -> None:
    with pytest.raises(NonConformingPacket) as caught:
        read(packet(date_text="01/07/2025"), strict=True)
    assert [i.code for i in caught.value.issues] == ["edxml_date_form"]
    assert caught.value.issues[0].severity.value == "error"


def test_status_element_shape_and_message_header_shape_read_alike() -> None:
    inner = """
        <edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From>
        <edXML:ResponseFor><edXML:DocumentId>9fbfbad2-f1f8-4256-a2eb-50fb1061cddb</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:StatusCode>03</edXML:StatusCode>
        <edXML:Timestamp>2025/07/01 08:30:00</edXML:Timestamp>"""
    as_header = read(packet(header=inner))
    wrapped = packet(header="", extra_header=f"<edXML:Status>{inner}</edXML:Status>")
    as_status = read(wrapped.replace(b"<edXML:MessageHeader>\n      </edXML:MessageHeader>", b""))
    assert isinstance(as_header, StatusPacket) and isinstance(as_status, StatusPacket)
    assert as_header == as_status
    assert as_header.status_code is StatusCode.ACCEPTED
    assert as_header.timestamp == datetime(2025, 7, 1, 8, 30)
    assert codes(as_header) == ["edxml_status_in_message_header"]
    assert codes(as_status) == []


def test_unknown_status_code_is_kept_and_reported() -> None:
    inner = """<edXML:From><edXML:OrganId>H41</edXML:OrganId></edXML:From>
        <edXML:ResponseFor><edXML:OrganId>H47</edXML:OrganId></edXML:ResponseFor>
        <edXML:StatusCode>09</edXML:StatusCode>
        <edXML:Timestamp>2025/07/01 08:30:00</edXML:Timestamp>"""
    status = read(packet(header=inner))
    assert isinstance(status, StatusPacket) and status.status_code == "09"
    assert "edxml_unknown_value" in codes(status)


@pytest.mark.parametrize(
    ("ns", "issues"), [(f' xmlns="{XMLDSIG_NS}"', []), ("", ["edxml_signature_namespace"])]
)
def test_signature_with_or_without_the_xmldsig_namespace(ns: str, issues: list[str]) -> None:
    sig = f"""
      <Signature{ns}><SignedInfo><SignatureMethod Algorithm="urn:rsa-sha1"/></SignedInfo>
        <KeyInfo><X509Data><X509Certificate>MIIB</X509Certificate></X509Data></KeyInfo>
      </Signature>"""
    env = read(packet(extra_header=sig))
    assert codes(env) == issues
    assert env.signature is not None  # type: ignore[union-attr]
    assert env.signature.namespaced is (ns != "")  # type: ignore[union-attr]
    assert env.signature.signature_method == "urn:rsa-sha1"  # type: ignore[union-attr]
    assert env.signature.has_certificate  # type: ignore[union-attr]


def test_no_signature_means_none() -> None:
    assert read(packet()).signature is None  # type: ignore[union-attr]


def test_bare_and_cid_content_ids_match(tmp_path: object) -> None:
    from qnegov.edxml import Attachment, Payload, new_document

    base = read(packet())
    assert isinstance(base, Envelope)
    env = new_document(
        base.header,
        [Attachment(content_id="x1", name="a.txt", payload=Payload.from_bytes(b"hello"))],
    )
    data = build(env).replace(b"<ContentId>cid:x1</ContentId>", b"<ContentId>x1</ContentId>")
    back = read(data)
    assert back == env
    assert codes(back) == ["edxml_bare_content_id"]


def test_unknown_and_unnamespaced_elements_are_reported_and_ignored() -> None:
    extra = '<edXML:Mystery>1</edXML:Mystery><Content xmlns="">x</Content>'
    env = read(packet(header=HEADER + extra))
    assert codes(env) == ["edxml_namespace", "edxml_unknown_element"]
    assert env.header.content == "x"  # type: ignore[union-attr]


def test_a_missing_required_element_is_an_error() -> None:
    env = read(packet(header=HEADER.replace("<edXML:Subject>Về việc thử</edXML:Subject>", "")))
    assert codes(env) == ["edxml_missing_element"]
    assert env.issues[0].severity.value == "error"


def test_duplicate_single_elements_are_reported() -> None:
    env = read(packet(header=HEADER + "<edXML:Subject>Again</edXML:Subject>"))
    assert codes(env) == ["edxml_duplicate_element"]
    assert env.header.subject == "Về việc thử"  # type: ignore[union-attr]


def test_a_file_that_is_not_edxml_is_refused() -> None:
    with pytest.raises(PacketError, match="not an edXML packet"):
        read(b"<edXML><x/></edXML>")


def test_reads_from_a_stream_and_a_path(tmp_path: object) -> None:
    from pathlib import Path

    data = packet()
    file = Path(str(tmp_path)) / "p.edxml"
    file.write_bytes(data)
    assert read(io.BytesIO(data)) == read(file) == read(data)


def test_a_malformed_stream_is_repaired_after_rewinding() -> None:
    broken = packet().replace(b"</edXML:From>", b"", 1)
    env = read(io.BytesIO(broken))
    assert "edxml_malformed" in codes(env)
    assert str(env.header.to[0].organ_id) == "000.00.00.G22"  # type: ignore[union-attr]


def test_deep_nesting_is_refused_even_in_target_mode() -> None:
    deep = b"<edXML xmlns='" + NS.encode() + b"'>" + b"<a>" * 300 + b"</a>" * 300 + b"</edXML>"
    with pytest.raises(UnsafeXMLError):
        read(deep)


def test_overlong_text_in_the_envelope_is_refused() -> None:
    big = packet(header=HEADER.replace("Về việc thử", "x" * (2 << 20)))
    with pytest.raises(PacketError, match="more than"):
        read(big)


def test_fields_of_the_other_packet_kind_are_reported_not_dropped_silently() -> None:
    env = read(packet(header=HEADER + "<edXML:StatusCode>01</edXML:StatusCode>"))
    assert isinstance(env, Envelope)
    (issue,) = env.issues
    assert issue.code == "edxml_unknown_element" and "StatusCode" in issue.message
