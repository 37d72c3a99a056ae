"""Write the edXML deviation corpus: one small packet per way a peer can be wrong.

Each file is a clean packet built by qnegov with one edit; ``expected.json`` maps the file to
the issue codes ``qnegov.edxml.validate`` must report (lenient mode). Run this script to
regenerate after changing the builder; the files are committed so that other tools can use them.

    python tests/corpus/edxml/make_corpus.py
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

from qnegov.codes import DocumentCode
from qnegov.edxml import (
    Attachment,
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
)

HERE = Path(__file__).resolve().parent
HEADER = MessageHeader(
    from_=Organization(organ_id="000.00.00.H47", organ_name="UBND tỉnh Quảng Nam"),
    to=(Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ"),),
    code=DocumentCode.parse("12/UBND-VP"),
    promulgation_info=PromulgationInfo(place="Tam Kỳ", promulgation_date=date(2025, 6, 30)),
    document_type=DocumentType(type=1, type_detail=0, type_name="Công văn"),
    subject="V/v thử nghiệm liên thông",
    signer_info=SignerInfo(competence="TL. CHỦ TỊCH", full_name="Nguyễn Văn A"),
    other_info=OtherInfo(priority=0),
    steering_type=1,
)
FILE = Attachment(content_id="1", name="cv.pdf", payload=Payload.from_bytes(b"%PDF-1.4 cv"))
CLEAN = build(new_document(HEADER, [FILE]))
ENCODED_START = (
    b'<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
)


def _edit(old: bytes, new: bytes, data: bytes = CLEAN) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _transfer(encoded: bytes) -> bytes:
    start = CLEAN.index(ENCODED_START) + len(ENCODED_START)
    end = CLEAN.index(b"</edXML:ContentTransferEncoded>")
    return CLEAN[:start] + encoded + CLEAN[end:]


def _bomb() -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("cv.pdf", b"\0" * (16 << 20))
    return base64.b64encode(sink.getvalue())


def _status(inner: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">\n'
        b'  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">\n'
        b"    <edXML:edXMLHeader>\n" + inner + b"\n    </edXML:edXMLHeader>\n"
        b"  </edXML:edXMLEnvelope>\n</edXML>\n"
    )


STATUS_FIELDS = (
    b"<edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:From>\n"
    b"<edXML:ResponseFor><edXML:DocumentId>000.00.00.H47,2025/06/30,12/UBND-VP"
    b"</edXML:DocumentId></edXML:ResponseFor>\n"
    b"<edXML:StatusCode>{code}</edXML:StatusCode>\n"
    b"<edXML:Timestamp>2025/07/01 08:00:00</edXML:Timestamp>"
)

CASES: dict[str, tuple[bytes, list[str]]] = {
    "clean.edxml": (CLEAN, []),
    "bare-content-id.edxml": (
        _edit(b"<ContentId>cid:1</ContentId>", b"<ContentId>1</ContentId>"),
        ["edxml_bare_content_id"],
    ),
    "date-dd-mm-yyyy.edxml": (
        _edit(b">2025/06/30</edXML:PromulgationDate>", b">30/06/2025</edXML:PromulgationDate>"),
        ["edxml_date_form"],
    ),
    "date-impossible.edxml": (
        _edit(b">2025/06/30</edXML:PromulgationDate>", b">2025/02/30</edXML:PromulgationDate>"),
        ["edxml_bad_date"],
    ),
    "signature-unnamespaced.edxml": (
        _edit(
            b"</edXML:TraceHeaderList>",
            b"</edXML:TraceHeaderList>\n<Signature><SignedInfo/></Signature>",
        ),
        ["edxml_signature_namespace"],
    ),
    "digital-signature-placeholder.edxml": (
        _edit(b"</edXML:TraceHeaderList>", b"</edXML:TraceHeaderList>\n<edXML:DigitalSignature/>"),
        ["edxml_signature_placeholder"],
    ),
    "attachment-not-zipped.edxml": (
        _transfer(base64.b64encode(b"%PDF-1.4 cv")),  # still declared application/zip
        ["edxml_attachment_not_zipped", "edxml_content_type", "edxml_content_type"],
    ),
    "attachment-not-base64.edxml": (
        _transfer(b"${__StringFromFile(test.txt,,,)}"),
        ["edxml_attachment_encoding"],
    ),
    "attachment-zip-bomb.edxml": (_transfer(_bomb()), ["edxml_zip_bomb"]),
    "manifest-without-reference.edxml": (
        _edit(
            b"""        <edXML:Reference>
          <edXML:ContentId>cid:1</edXML:ContentId>
          <edXML:ContentType>application/zip</edXML:ContentType>
          <edXML:AttachmentName>cv.pdf</edXML:AttachmentName>
        </edXML:Reference>
""",
            b"",
        ),
        ["edxml_manifest_mismatch"],
    ),
    "subject-twice.edxml": (
        _edit(b"</edXML:Subject>", b"</edXML:Subject>\n<edXML:Subject>Again</edXML:Subject>"),
        ["edxml_duplicate_element"],
    ),
    "to-missing.edxml": (
        _edit(
            """        <edXML:To>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName>
        </edXML:To>
""".encode(),
            b"",
        ),
        ["edxml_missing_element"],
    ),
    "unknown-element.edxml": (
        _edit(b"</edXML:Subject>", b"</edXML:Subject>\n<edXML:ReplyFors>1</edXML:ReplyFors>"),
        ["edxml_unknown_element"],
    ),
    "element-outside-namespace.edxml": (
        _edit(b"<edXML:Subject>", b'<Subject xmlns="">').replace(
            b"</edXML:Subject>", b"</Subject>"
        ),
        ["edxml_namespace"],
    ),
    "from-left-open.edxml": (
        _edit(b"<edXML:From>", b"<edXML:From>\n<edXML:From>").replace(
            b"</edXML:From>", b"</edXML:From>", 1
        ),
        [
            "edxml_malformed",
            "edxml_misplaced_element",
            "edxml_misplaced_element",
            "edxml_misplaced_element",
            "edxml_misplaced_element",
        ],
    ),
    "priority-out-of-range.edxml": (
        _edit(b"<edXML:Priority>0</edXML:Priority>", b"<edXML:Priority>9</edXML:Priority>"),
        ["edxml_unknown_value"],
    ),
    "document-id-mismatch.edxml": (
        _edit(b">000.00.00.H47,2025/06/30,12/UBND-VP<", b">000.00.00.H47,2025/06/29,12/UBND-VP<"),
        ["edxml_document_id_mismatch"],
    ),
    "revoke-without-document-id.edxml": (
        _edit(
            b"<edXML:DocumentId>000.00.00.H47,2025/01/02,01/UBND-VP</edXML:DocumentId>\n",
            b"",
            build(revoke_document(HEADER, "000.00.00.H47,2025/01/02,01/UBND-VP", [FILE])),
        ),
        ["edxml_business_reference"],
    ),
    "trace-goes-back.edxml": (
        build(
            new_document(
                HEADER,
                [FILE],
                traces=[
                    TraceHeader(organ_id="000.00.00.H47", timestamp=datetime(2025, 7, 1, 9)),
                    TraceHeader(organ_id="000.00.00.G22", timestamp=datetime(2025, 7, 1, 8)),
                ],
            )
        ),
        ["edxml_trace_order"],
    ),
    "attachments-inside-envelope.edxml": (
        CLEAN.replace(b"  </edXML:edXMLEnvelope>\n", b"").replace(
            b"</edXML>", b"  </edXML:edXMLEnvelope>\n</edXML>"
        ),
        ["edxml_misplaced_element"],
    ),
    "status-in-message-header.edxml": (
        _status(
            b"<edXML:MessageHeader>"
            + STATUS_FIELDS.replace(b"{code}", b"03")
            + b"</edXML:MessageHeader>"
        ),
        ["edxml_status_in_message_header"],
    ),
    "status-element.edxml": (
        _status(b"<edXML:Status>" + STATUS_FIELDS.replace(b"{code}", b"03") + b"</edXML:Status>"),
        [],
    ),
    "status-code-unknown.edxml": (
        _status(b"<edXML:Status>" + STATUS_FIELDS.replace(b"{code}", b"09") + b"</edXML:Status>"),
        ["edxml_unknown_value"],
    ),
}


def main() -> None:
    expected = {}
    for name, (data, codes) in CASES.items():
        (HERE / name).write_bytes(data)
        expected[name] = sorted(codes)
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} packets to {HERE}")


if __name__ == "__main__":
    main()
