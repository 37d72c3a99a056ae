"""Issue locations in edXML packets: names as the packet writes them, [n] for repeats."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from qnegov._location import attribute_path, element_path
from qnegov.edxml import validate

SAMPLE = Path(__file__).parents[1] / "signing" / "data" / "vnpt_dummy_signature.edxml"
NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _second_to_broken(text: str) -> str:
    """The sample with the OrganId of its second To made invalid."""
    return text.replace("000.00.00.H14</edXML:OrganId>", "000.00.00.Z</edXML:OrganId>", 1)


def _paths(tmp_path: Path, text: str, code_part: str, strict: bool = False) -> list[str | None]:
    doc = tmp_path / "p.edxml"
    doc.write_text(text, encoding="utf-8")
    return [i.path for i in validate(doc, strict=strict).issues if code_part in i.code]


def test_repeated_siblings_are_indexed_and_prefixes_kept(tmp_path: Path) -> None:
    text = _second_to_broken(SAMPLE.read_text(encoding="utf-8"))
    assert _paths(tmp_path, text, "code_syntax") == [
        "/edXML/edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:MessageHeader/edXML:To[2]/edXML:OrganId"
    ]


def test_a_default_namespace_packet_has_unprefixed_steps(tmp_path: Path) -> None:
    text = _second_to_broken(SAMPLE.read_text(encoding="utf-8"))
    plain = re.sub(r"<(/?)edXML:", r"<\1", text).replace(f' xmlns:edXML="{NS}"', "")
    assert _paths(tmp_path, plain, "code_syntax") == [
        "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId"
    ]


def test_a_prefix_on_every_element_is_kept_on_the_root_too(tmp_path: Path) -> None:
    text = _second_to_broken(SAMPLE.read_text(encoding="utf-8"))
    prefixed = text.replace(f'<edXML xmlns="{NS}">', f'<q:edXML xmlns:q="{NS}">').replace(
        "</edXML>", "</q:edXML>"
    )
    assert _paths(tmp_path, prefixed, "code_syntax") == [
        "/q:edXML/edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:MessageHeader/edXML:To[2]"
        "/edXML:OrganId"
    ]


def test_schema_errors_are_located_in_the_same_style(tmp_path: Path) -> None:
    # an attribute the XSD does not allow, on the second To: only the schema sees it
    text = SAMPLE.read_text(encoding="utf-8")
    second = text.index("<edXML:To>", text.index("<edXML:To>") + 1)
    text = text[:second] + text[second:].replace(
        "<edXML:To>", "<edXML:To xmlns:a='urn:a' a:b='1'>", 1
    )
    assert _paths(tmp_path, text, "schema", strict=True) == [
        "/edXML/edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:MessageHeader/edXML:To[2]"
    ]


def test_lxml_paths_follow_the_same_rule() -> None:
    soap = etree.fromstring(
        b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
        b'<SOAP-ENV:Header><edXML:MessageHeader xmlns:edXML="' + NS.encode() + b'">'
        b"<edXML:To><edXML:OrganId/></edXML:To>"
        b'<edXML:To edXML:kind="x"><edXML:OrganId/></edXML:To>'
        b"<Other/></edXML:MessageHeader></SOAP-ENV:Header></SOAP-ENV:Envelope>"
    )
    second = soap[0][0][1]
    assert element_path(second[0]) == (
        "/SOAP-ENV:Envelope/SOAP-ENV:Header/edXML:MessageHeader/edXML:To[2]/edXML:OrganId"
    )
    assert element_path(soap[0][0][2]).endswith("/edXML:MessageHeader/Other")
    assert attribute_path(second, f"{{{NS}}}kind").endswith("/edXML:To[2]/@edXML:kind")
