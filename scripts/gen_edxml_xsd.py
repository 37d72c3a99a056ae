"""Generate the edXML XSDs (strict and compat, document and status) from one table.

Run ``python scripts/gen_edxml_xsd.py`` after changing the table; a test checks that the committed
files under ``schemas/edxml/qcvn102-2016/`` equal this script's output, so the two levels and
the two packet kinds can never drift apart. The facts behind each constraint are in
``docs/edxml-schemas.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ROOT = Path(__file__).resolve().parent.parent / "schemas" / "edxml" / "qcvn102-2016"

# simple types: name -> (strict facets, compat facets, English doc, Vietnamese doc)
SIMPLE: dict[str, tuple[list[str], list[str], str, str]] = {
    "Text": ([], [], "Free text.", "Văn bản tự do."),
    "NonEmptyText": (
        ['<xs:minLength value="1"/>', r'<xs:pattern value=".*\S.*"/>'],
        [],
        "Text that must not be empty.",
        "Văn bản không được để trống.",
    ),
    "Date": (
        [r'<xs:pattern value="\d{4}/\d{2}/\d{2}"/>'],
        [
            r'<xs:pattern value="\s*(\d{4}/\d{2}/\d{2}( \d{2}:\d{2}:\d{2})?|\d{2}/\d{2}/\d{4}( \d{2}:\d{2}:\d{2})?)?\s*"/>'
        ],
        "A date, yyyy/MM/dd (compat also: yyyy/MM/dd HH:mm:ss, dd/MM/yyyy).",
        "Ngày, dạng yyyy/MM/dd (mức compat chấp nhận thêm yyyy/MM/dd HH:mm:ss, dd/MM/yyyy).",
    ),
    "Timestamp": (
        [r'<xs:pattern value="\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"/>'],
        [r'<xs:pattern value="\s*(\d{4}/\d{2}/\d{2}|\d{2}/\d{2}/\d{4})( \d{2}:\d{2}:\d{2})?\s*"/>'],
        "Local time (Asia/Ho_Chi_Minh, no zone), yyyy/MM/dd HH:mm:ss.",
        "Thời điểm theo giờ Việt Nam (không ghi múi giờ), dạng yyyy/MM/dd HH:mm:ss.",
    ),
    "AgencyCode": (
        [
            r'<xs:pattern value="\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z0-9]+(\.[A-Z0-9]+)*"/>',
            '<xs:maxLength value="35"/>',
        ],
        [],
        "Agency identifier: QCVN 102:2016 form 000.00.00.G22 or QD 20/2020 form (H47.01, "
        "or an organisation's own identifier such as a 10-digit tax code).",
        "Mã định danh cơ quan: dạng QCVN 102:2016 (000.00.00.G22) hoặc QĐ 20/2020 (H47.01, "
        "hoặc mã của tổ chức như mã số thuế 10 chữ số).",
    ),
    "CodeNumber": (
        [r'<xs:pattern value="\d+(/\d{4})?"/>'],
        [],
        "The document number (so): digits, with the year for normative documents (20/2020).",
        "Số của văn bản: chữ số, kèm năm với văn bản quy phạm pháp luật (20/2020).",
    ),
    "DocumentId": (
        [
            r'<xs:pattern value="[^,]+,\d{4}/\d{2}/\d{2},[^,]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"/>'
        ],
        [],
        "Document identifier: OrganId,yyyy/MM/dd,number/notation, or a UUID.",
        "Mã văn bản: OrganId,yyyy/MM/dd,số/ký hiệu, hoặc một UUID.",
    ),
    "ContentId": (
        [r'<xs:pattern value="cid:\S+"/>'],
        [],
        "Content id of an attachment, cid:<id>.",
        "Mã nội dung của tệp đính kèm, dạng cid:<id>.",
    ),
    "Int": (
        ['<xs:pattern value="[0-9]+"/>'],
        [r'<xs:pattern value="\s*[0-9]*\s*"/>'],
        "A non-negative whole number.",
        "Số nguyên không âm.",
    ),
    "Boolean": (
        ['<xs:pattern value="true|false|0|1"/>'],
        [],
        "true or false.",
        "Đúng (true) hoặc sai (false).",
    ),
    "StatusCode": (
        [
            "".join(
                f'<xs:enumeration value="{c}"/>'
                for c in ("01", "02", "03", "04", "05", "06", "13", "15", "16")
            )
        ],
        [r'<xs:pattern value="\s*\d{2}\s*"/>'],
        "Status: 01 arrived, 02 rejected, 03 accepted, 04 assigning, 05 processing, 06 finished, 13 revocation requested, 15 change accepted, 16 change refused.",
        "Trạng thái: 01 đã đến, 02 từ chối, 03 tiếp nhận, 04 phân công, 05 đang xử lý, 06 hoàn thành, 13 đề nghị lấy lại, 15 đồng ý cập nhật/lấy lại, 16 từ chối cập nhật/lấy lại.",
    ),
    "BusinessDocType": (
        ['<xs:pattern value="[0-3]"/>'],
        [r'<xs:pattern value="\s*[0-3]\s*"/>'],
        "0 new, 1 revoke, 2 update, 3 replace.",
        "0 văn bản mới, 1 thu hồi, 2 cập nhật, 3 thay thế.",
    ),
    "Priority": (
        ['<xs:pattern value="[0-4]"/>'],
        [r'<xs:pattern value="\s*[0-9]*\s*"/>'],
        "0 normal, 1 urgent, 2 very urgent, 3 flash, 4 flash timed.",
        "0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.",
    ),
    "SteeringType": (
        ['<xs:pattern value="[0-3]"/>'],
        [r'<xs:pattern value="\s*[0-9]*\s*"/>'],
        "0 unspecified (some peers), 1 not a directive, 2 directive, 3 report on a directive.",
        "0 không xác định, 1 không phải chỉ đạo, 2 văn bản chỉ đạo, 3 báo cáo thực hiện chỉ đạo.",
    ),
    "ReceiverType": (
        ['<xs:pattern value="[01]"/>'],
        [],
        "0 removed from the recipients, 1 added.",
        "0 bỏ khỏi danh sách nhận, 1 thêm vào.",
    ),
    "Base64": (
        [r'<xs:pattern value="[A-Za-z0-9+/=\s]*"/>'],
        [],
        "Base64 of the zipped file.",
        "Tệp đã nén zip rồi mã hóa base64.",
    ),
}

# complex types: name -> (kind, [(element, type, min, max)], English doc, Vietnamese doc)
# kind "all": unordered, each child at most once; "choice": unordered and repeatable
# (XSD 1.0 cannot say "unordered with cardinalities"; the reader checks those).
ORG = [
    ("OrganId", "AgencyCode", 1, 1),
    ("OrganizationInCharge", "Text", 0, 1),
    ("OrganName", "Text", 0, 1),
    ("OrganAdd", "Text", 0, 1),
    ("Email", "Text", 0, 1),
    ("Telephone", "Text", 0, 1),
    ("Fax", "Text", 0, 1),
    ("Website", "Text", 0, 1),
]
RESPONSE = [
    ("OrganId", "AgencyCode", 0, 1),
    ("Code", "Text", 0, 1),
    ("PromulgationDate", "Date", 0, 1),
    ("DocumentId", "DocumentId", 0, 1),
]
STAFF = [  # the VNPT library's order; "all" leaves peers free in any case
    ("Department", "Text", 0, 1),
    ("DepartmentId", "Text", 0, 1),
    ("Staff", "Text", 0, 1),
    ("StaffId", "Text", 0, 1),
    ("Email", "Text", 0, 1),
    ("Mobile", "Text", 0, 1),
]
COMPLEX: dict[str, tuple[str, list[tuple[str, str, int, int]], str, str]] = {
    "Organization": ("all", ORG, "An agency (From, To).", "Cơ quan, tổ chức (nơi gửi, nơi nhận)."),
    "Code": (
        "all",
        [("CodeNumber", "CodeNumber", 1, 1), ("CodeNotation", "NonEmptyText", 1, 1)],
        "Number and notation of the document.",
        "Số và ký hiệu văn bản.",
    ),
    "PromulgationInfo": (
        "all",
        [("Place", "Text", 0, 1), ("PromulgationDate", "Date", 1, 1)],
        "Place and date of issue.",
        "Địa danh và ngày ban hành.",
    ),
    "DocumentType": (
        "all",
        [("Type", "Int", 0, 1), ("TypeDetail", "Int", 0, 1), ("TypeName", "Text", 0, 1)],
        "Type of document (code tables are peer-specific).",
        "Loại văn bản (bảng mã tùy hệ thống).",
    ),
    "SignerInfo": (
        "all",
        [("Competence", "Text", 0, 1), ("Position", "Text", 0, 1), ("FullName", "Text", 0, 1)],
        "Who signed: authority prefix, position, name.",
        "Người ký: thẩm quyền ký, chức vụ, họ tên.",
    ),
    "ToPlaces": (
        "choice",
        [("Place", "Text", 0, -1)],
        "Recipients for the record (Nơi nhận).",
        "Nơi nhận để lưu.",
    ),
    "Appendixes": ("choice", [("Appendix", "Text", 0, -1)], "Appendixes.", "Phụ lục."),
    "OtherInfo": (
        "all",
        [
            ("Priority", "Priority", 0, 1),
            ("SphereOfPromulgation", "Text", 0, 1),
            ("TyperNotation", "Text", 0, 1),
            ("PromulgationAmount", "Int", 0, 1),
            ("PageAmount", "Int", 0, 1),
            ("Direction", "Boolean", 0, 1),
            ("Appendixes", "Appendixes", 0, 1),
            ("ReplyFors", "Text", 0, 1),
            ("ReferenceCodes", "Text", 0, 1),
        ],
        "Priority, circulation, drafter, copies, pages, appendixes, replied documents "
        "(ReplyFors: a text list of document ids), reference codes.",
        "Độ khẩn, phạm vi ban hành, người đánh máy, số bản, số trang, phụ lục, văn bản được "
        "trả lời (ReplyFors: danh sách mã văn bản), mã tham chiếu.",
    ),
    "ResponseForTask": (
        "choice",
        [("TaskCode", "Text", 0, -1)],
        "Codes of the tasks this document answers (VNPT library).",
        "Mã các nhiệm vụ mà văn bản này trả lời.",
    ),
    "ResponseFor": ("all", RESPONSE, "The document answered.", "Văn bản được phúc đáp."),
    "StaffInfo": ("all", STAFF, "The clerk handling the packet.", "Cán bộ xử lý."),
    "TraceHeader": (
        "all",
        [("OrganId", "AgencyCode", 1, 1), ("Timestamp", "Timestamp", 1, 1)],
        "One hop of the packet.",
        "Một chặng chuyển gói tin.",
    ),
    "Receiver": (
        "all",
        [("OrganId", "AgencyCode", 1, 1), ("ReceiverType", "ReceiverType", 1, 1)],
        "A recipient added or removed by an update.",
        "Đơn vị nhận được thêm hoặc bỏ.",
    ),
    "ReceiverList": ("choice", [("Receiver", "Receiver", 0, -1)], "Receivers.", "Danh sách nhận."),
    "BussinessDocumentInfo": (
        "all",
        [
            ("DocumentInfo", "Text", 0, 1),
            ("DocumentReceiver", "Text", 0, 1),
            ("ReceiverList", "ReceiverList", 0, 1),
        ],
        "What an update changes.",
        "Nội dung được cập nhật.",
    ),
    "OrganIdList": (
        "choice",
        [("OrganId", "AgencyCode", 0, -1)],
        "Agencies.",
        "Danh sách cơ quan.",
    ),
    "ReplacementInfo": (
        "all",
        [("DocumentId", "DocumentId", 1, 1), ("OrganIdList", "OrganIdList", 0, 1)],
        "A replaced document and its holders.",
        "Văn bản bị thay thế và nơi nhận.",
    ),
    "ReplacementInfoList": (
        "choice",
        [("ReplacementInfo", "ReplacementInfo", 0, -1)],
        "Replaced documents.",
        "Danh sách văn bản bị thay thế.",
    ),
    "Bussiness": (
        "choice",
        [
            ("BussinessDocType", "BusinessDocType", 0, -1),
            ("BussinessDocReason", "Text", 0, -1),
            ("BussinessDocumentInfo", "BussinessDocumentInfo", 0, -1),
            ("DocumentId", "DocumentId", 0, -1),
            ("StaffInfo", "StaffInfo", 0, -1),
            ("Paper", "Int", 0, -1),
            ("ReplacementInfoList", "ReplacementInfoList", 0, -1),
        ],
        "Business operation (spelt Bussiness by the standard's peers).",
        "Nghiệp vụ xử lý văn bản (viết Bussiness như các hệ thống đang dùng).",
    ),
    "TraceHeaderList": (
        "choice",
        [
            ("TraceHeader", "TraceHeader", 0, -1),
            ("Bussiness", "Bussiness", 0, -1),
            ("Paper", "Int", 0, -1),
        ],
        "Hops, business operation and Paper; attributes id and version (.NET SDK).",
        "Vết chuyển, nghiệp vụ và Paper; thuộc tính id và version (bộ SDK .NET).",
    ),
    "Reference": (
        "all",
        [
            ("ContentId", "ContentId", 1, 1),
            ("ContentType", "Text", 0, 1),
            ("Description", "Text", 0, 1),
            ("AttachmentName", "Text", 0, 1),
        ],
        "Manifest entry of one attachment.",
        "Mục kê khai của một tệp đính kèm.",
    ),
    "edXMLManifest": (
        "choice",
        [("Reference", "Reference", 0, -1)],
        "The manifest.",
        "Bản kê khai.",
    ),
    "edXMLBody": (
        "all",
        [("edXMLManifest", "edXMLManifest", 1, 1)],
        "Packet body.",
        "Thân gói tin.",
    ),
    "Attachment": (
        "all",
        [
            ("ContentId", "ContentId", 1, 1),
            ("AttachmentName", "NonEmptyText", 1, 1),
            ("Description", "Text", 0, 1),
            ("ContentType", "Text", 0, 1),
            ("ContentTransferEncoded", "Base64", 1, 1),
        ],
        "One attached file, zipped then base64-encoded.",
        "Một tệp đính kèm, nén zip rồi mã hóa base64.",
    ),
    "AttachmentEncoded": (
        "choice",
        [("Attachment", "Attachment", 0, -1)],
        "Attachments, beside the envelope.",
        "Các tệp đính kèm, nằm ngoài phong bì.",
    ),
}
DOC_HEADER = [
    ("From", "Organization", 0, -1),
    ("To", "Organization", 0, -1),
    ("Code", "Code", 0, -1),
    ("PromulgationInfo", "PromulgationInfo", 0, -1),
    ("DocumentType", "DocumentType", 0, -1),
    ("Subject", "NonEmptyText", 0, -1),
    ("Content", "Text", 0, -1),
    ("SignerInfo", "SignerInfo", 0, -1),
    ("DueDate", "Date", 0, -1),
    ("ToPlaces", "ToPlaces", 0, -1),
    ("OtherInfo", "OtherInfo", 0, -1),
    ("ResponseFor", "ResponseFor", 0, -1),
    ("SteeringType", "SteeringType", 0, -1),
    ("DocumentId", "DocumentId", 0, -1),
    ("ApplicationType", "Int", 0, -1),
    ("ResponseForTask", "ResponseForTask", 0, -1),
]
STATUS_HEADER = [
    ("From", "Organization", 0, -1),
    ("ResponseFor", "ResponseFor", 0, -1),
    ("StatusCode", "StatusCode", 0, -1),
    ("Description", "Text", 0, -1),
    ("Timestamp", "Timestamp", 0, -1),
    ("StaffInfo", "StaffInfo", 0, -1),
]


def _doc(en: str, vi: str, pad: str) -> str:
    return (
        f"{pad}<xs:annotation>\n"
        f'{pad}  <xs:documentation xml:lang="en">{escape(en)}</xs:documentation>\n'
        f'{pad}  <xs:documentation xml:lang="vi">{escape(vi)}</xs:documentation>\n'
        f"{pad}</xs:annotation>\n"
    )


def _occurs(lo: int, hi: int) -> str:
    out = "" if lo == 1 else f' minOccurs="{lo}"'
    if hi != 1:
        out += ' maxOccurs="unbounded"' if hi < 0 else f' maxOccurs="{hi}"'
    return out


def _complex(
    name: str,
    kind: str,
    kids: list[tuple[str, str, int, int]],
    en: str,
    vi: str,
    level: str,
    extra: str = "",
) -> str:
    if kind == "all" and level == "compat":
        kind = "choice"  # compat accepts repeats too: the reader reports them
    lines = [f'  <xs:complexType name="{name}">\n', _doc(en, vi, "    ")]
    if kind == "all":
        lines.append("    <xs:all>\n")
        for el, typ, lo, hi in kids:
            lines.append(f'      <xs:element name="{el}" type="edXML:{typ}"{_occurs(lo, hi)}/>\n')
        lines.append("    </xs:all>\n")
    else:
        lines.append('    <xs:choice minOccurs="0" maxOccurs="unbounded">\n')
        for el, typ, _lo, _hi in kids:
            lines.append(f'      <xs:element name="{el}" type="edXML:{typ}"/>\n')
        lines.append(extra)
        lines.append("    </xs:choice>\n")
    if level == "compat":
        lines.append('    <xs:anyAttribute processContents="skip"/>\n')
    elif name in ("Reference",):
        lines.append('    <xs:anyAttribute namespace="##other" processContents="skip"/>\n')
    elif name == "edXMLManifest":
        lines.append('    <xs:attribute name="version" type="xs:string"/>\n')
    elif name == "TraceHeaderList":
        lines.append('    <xs:attribute name="id" type="xs:string"/>\n')
        lines.append('    <xs:attribute name="version" type="xs:string"/>\n')
    lines.append("  </xs:complexType>\n")
    return "".join(lines)


def generate(level: str, packet: str) -> str:
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<!-- Generated by scripts/gen_edxml_xsd.py ({level}, {packet} packet); do not edit. -->\n",
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:edXML="{NS}"\n',
        f'           targetNamespace="{NS}" elementFormDefault="qualified">\n',
        _doc(
            f"edXML {packet} packet, QCVN 102:2016/BTTTT, level {level}; written by qnegov "
            "(no official XSD exists).",
            f"Gói tin edXML ({'văn bản' if packet == 'document' else 'trạng thái'}), "
            f"QCVN 102:2016/BTTTT, mức {level}; do qnegov soạn (chưa có XSD chính thức).",
            "  ",
        ),
    ]
    if level == "strict":
        head.append(f'  <xs:import namespace="{DSIG}"/>\n')
    body = []
    for name, (strict, compat, en, vi) in SIMPLE.items():
        facets = strict if level == "strict" else compat
        body.append(
            f'  <xs:simpleType name="{name}">\n{_doc(en, vi, "    ")}'
            '    <xs:restriction base="xs:string">\n'
        )
        body.extend(f"      {f}\n" for f in facets)
        body.append("    </xs:restriction>\n  </xs:simpleType>\n")
    for name, (kind, kids, en, vi) in COMPLEX.items():
        body.append(_complex(name, kind, kids, en, vi, level))
    header_kids = DOC_HEADER if packet == "document" else STATUS_HEADER
    body.append(
        _complex(
            "MessageHeader",
            "choice",
            header_kids,
            "Message header (order free: peers differ).",
            "Phần đầu thông điệp (thứ tự tự do: các hệ thống khác nhau).",
            level,
        )
    )
    if packet == "status":
        body.append(
            _complex(
                "Status",
                "choice",
                STATUS_HEADER,
                "Status element (Bkav shape).",
                "Phần tử Status (dạng của Bkav).",
                level,
            )
        )
    sig = f'      <xs:any namespace="{DSIG}" processContents="skip"/>\n'
    if level == "compat":
        body.append(
            '  <xs:complexType name="AnyContent" mixed="true">\n'
            '    <xs:sequence>\n      <xs:any minOccurs="0" maxOccurs="unbounded" '
            'processContents="skip"/>\n    </xs:sequence>\n'
            '    <xs:anyAttribute processContents="skip"/>\n  </xs:complexType>\n'
        )
        sig += (
            '      <xs:element name="Signature" type="edXML:AnyContent"/>\n'
            '      <xs:element name="DigitalSignature" type="edXML:AnyContent"/>\n'
        )
    header_children = [
        ("MessageHeader", "MessageHeader", 0, -1),
        ("TraceHeaderList", "TraceHeaderList", 0, -1),
    ]
    if packet == "status":
        header_children.append(("Status", "Status", 0, -1))
    body.append(
        _complex(
            "edXMLHeader",
            "choice",
            header_children,
            "Envelope header.",
            "Phần đầu phong bì.",
            level,
            extra=sig,
        )
    )
    envelope_kids = [("edXMLHeader", "edXMLHeader", 1, 1)]
    if packet == "document":
        envelope_kids.append(("edXMLBody", "edXMLBody", 1, 1))
    else:
        envelope_kids.append(("edXMLBody", "edXMLBody", 0, 1))
    body.append(
        _complex("edXMLEnvelope", "all", envelope_kids, "The envelope.", "Phong bì.", "strict")
    )
    body.append(
        '  <xs:element name="edXML">\n'
        + _doc("Root of an edXML packet.", "Phần tử gốc của gói tin edXML.", "    ")
        + "    <xs:complexType>\n      <xs:sequence>\n"
        '        <xs:element name="edXMLEnvelope" type="edXML:edXMLEnvelope"/>\n'
        '        <xs:element name="AttachmentEncoded" type="edXML:AttachmentEncoded" '
        'minOccurs="0"/>\n      </xs:sequence>\n'
        + ('      <xs:anyAttribute processContents="skip"/>\n' if level == "compat" else "")
        + "    </xs:complexType>\n  </xs:element>\n"
    )
    return "".join(head + body) + "</xs:schema>\n"


def outputs() -> dict[Path, str]:
    """Every schema file and its content."""
    return {
        ROOT / level / f"{packet}.xsd": generate(level, packet)
        for level in ("strict", "compat")
        for packet in ("document", "status")
    }


def main() -> int:
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
