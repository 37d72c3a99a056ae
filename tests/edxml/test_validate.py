"""validate(): XSD plus the rules an XSD cannot say, each located at its element."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from qnegov._resources import schema_path
from qnegov.edxml import (
    Attachment,
    BusinessDocType,
    DocumentCode,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    Payload,
    PromulgationInfo,
    SignerInfo,
    TraceHeader,
    build,
    new_document,
    revoke_document,
    validate,
)
from qnegov.edxml._validate import schema_for

ROOT = Path(__file__).resolve().parent.parent.parent

HEADER = MessageHeader(
    from_=Organization(organ_id="000.00.00.H47"),
    to=(Organization(organ_id="000.00.00.G22"),),
    code=DocumentCode.parse("07/UBND-VP"),
    promulgation_info=PromulgationInfo(promulgation_date=date(2025, 7, 1)),
    subject="Thử",
    document_type=DocumentType(type_name="Công văn"),
    signer_info=SignerInfo(full_name="A"),
    other_info=OtherInfo(priority=0),
    steering_type=1,
)
FILE = Attachment(content_id="a1", name="a.pdf", payload=Payload.from_bytes(b"%PDF"))


def _codes(data: bytes, strict: bool = False) -> list[tuple[str, int | None]]:
    return sorted((i.code, i.line) for i in validate(data, strict=strict).issues)


def test_a_built_packet_is_valid_in_both_modes() -> None:
    data = build(new_document(HEADER, [FILE]))
    assert _codes(data) == [] and _codes(data, strict=True) == []


def test_manifest_and_attachments_must_match_one_to_one() -> None:
    env = new_document(HEADER, [FILE])
    orphan = env.model_copy(update={"manifest": ()})
    issues = validate(build(orphan)).issues
    assert [(i.code, i.line) for i in issues] == [("edxml_manifest_mismatch", 46)]
    assert "missing from the manifest" in issues[0].message
    ghost = env.model_copy(update={"attachments": ()})
    assert [i.code for i in validate(build(ghost)).issues] == ["edxml_manifest_mismatch"]


def test_declared_content_type_must_fit_the_content() -> None:
    wrong = FILE.model_copy(update={"content_type": "application/pdf"})
    env = new_document(HEADER, [wrong])
    assert [i.code for i in validate(build(env)).issues] == ["edxml_content_type"] * 2


def test_document_id_must_agree_with_from_date_and_code() -> None:
    other = HEADER.model_copy(update={"document_id": "000.00.00.H48,2025/07/02,08/UBND-VP"})
    issues = validate(build(new_document(other))).issues
    assert [(i.code, i.line) for i in issues] == [("edxml_document_id_mismatch", 12)] * 3


def test_revoke_without_the_revoked_document_id_is_an_error() -> None:
    env = revoke_document(HEADER, "x")
    assert env.business is not None
    broken = env.model_copy(
        update={"business": env.business.model_copy(update={"document_id": None})}
    )
    issues = validate(build(broken)).issues
    assert [i.code for i in issues] == ["edxml_business_reference"]
    assert broken.business is not None and broken.business.doc_type is BusinessDocType.REVOKE


def test_trace_timestamps_must_not_go_back() -> None:
    traces = [
        TraceHeader(organ_id="H47", timestamp=datetime(2025, 7, 2)),
        TraceHeader(organ_id="G22", timestamp=datetime(2025, 7, 1)),
    ]
    data = build(new_document(HEADER, traces=traces))
    assert [i.code for i in validate(data).issues] == ["edxml_trace_order"]


def test_the_strict_schema_catches_what_the_reader_does_not() -> None:
    data = build(new_document(HEADER)).replace(b"<edXML:From>", b'<edXML:From audit="1">')
    assert validate(data).issues == []  # compat: peers add attributes
    (issue,) = validate(data, strict=True).issues
    assert (issue.code, issue.line) == ("edxml_schema", 6)
    assert "audit" in issue.message and issue.rule == "qcvn102-2016/strict/document.xsd"


def test_schema_errors_carry_line_and_schema_name() -> None:
    data = build(new_document(HEADER)).replace(
        b"<edXML:SteeringType>1</edXML:SteeringType>",
        b"<edXML:SteeringType>1</edXML:SteeringType>\n<edXML:Content>a</edXML:Content>"
        b"<edXML:Content>b</edXML:Content>",
    )
    report = validate(data, strict=True)
    assert ("edxml_duplicate_element", 31) in [(i.code, i.line) for i in report.issues]


@pytest.mark.parametrize("level", ["strict", "compat"])
@pytest.mark.parametrize("kind", ["document", "status"])
def test_every_shipped_schema_compiles(level: str, kind: str) -> None:
    assert schema_path(f"edxml/qcvn102-2016/{level}/{kind}.xsd").is_file()
    assert schema_for(kind, level) is schema_for(kind, level)  # compiled once


def test_committed_schemas_equal_the_generator_output() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_edxml_xsd
    finally:
        sys.path.pop(0)
    for path, text in gen_edxml_xsd.outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"regenerate {path}"


def test_xmllint_agrees_with_the_strict_schema(tmp_path: Path) -> None:
    packet = tmp_path / "p.edxml"
    packet.write_bytes(build(new_document(HEADER, [FILE])))
    xsd = schema_path("edxml/qcvn102-2016/strict/document.xsd")
    done = subprocess.run(
        ["xmllint", "--noout", "--schema", str(xsd), str(packet)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
