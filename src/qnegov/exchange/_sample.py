"""Small, well-formed edXML packets for the demo, the load benchmark and tests of the exchange.

They carry the VNPT reference shape (default namespace on the root, ``edXML:`` prefixes inside
the envelope) with the fields routing needs; ``padding`` adds an inline attachment so a packet can
be made as large as a load test wants. Real documents are built with :mod:`qnegov.edxml`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Final
from xml.sax.saxutils import escape

from qnegov.exchange._signing import VIETNAM

__all__ = ["sample_document", "sample_status"]

_NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _organ(tag: str, code: str) -> str:
    return (
        f"<edXML:{tag}><edXML:OrganId>{escape(code)}</edXML:OrganId>"
        f"<edXML:OrganName>{escape('Cơ quan ' + code)}</edXML:OrganName></edXML:{tag}>"
    )


def sample_document(
    sender: str,
    recipients: list[str],
    *,
    number: str = "1",
    notation: str = "UBND-VP",
    subject: str = "V/v thử nghiệm liên thông văn bản",
    padding: int = 0,
    date: str = "2026/11/27",
) -> bytes:
    """A document packet from ``sender`` to ``recipients``, about ``padding`` bytes larger."""
    document_id = f"{sender},{date},{number}/{notation}"
    attachment = ""
    manifest = '<edXML:edXMLManifest version="1.0"/>'
    if padding > 0:
        manifest = (
            '<edXML:edXMLManifest version="1.0"><edXML:Reference>'
            "<edXML:ContentId>cid:att1</edXML:ContentId>"
            "<edXML:ContentType>application/octet-stream</edXML:ContentType>"
            "<edXML:AttachmentName>phu-luc.bin</edXML:AttachmentName>"
            "</edXML:Reference></edXML:edXMLManifest>"
        )
        payload = base64.b64encode(b"\0" * (padding * 3 // 4)).decode("ascii")
        attachment = (
            "<AttachmentEncoded><Attachment><ContentId>cid:att1</ContentId>"
            "<AttachmentName>phu-luc.bin</AttachmentName>"
            "<ContentType>application/octet-stream</ContentType>"
            f'<edXML:ContentTransferEncoded xmlns:edXML="{_NS}">{payload}'
            "</edXML:ContentTransferEncoded>"
            "</Attachment></AttachmentEncoded>"
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<edXML xmlns="{_NS}"><edXML:edXMLEnvelope xmlns:edXML="{_NS}">'
        "<edXML:edXMLHeader><edXML:MessageHeader>"
        + _organ("From", sender)
        + "".join(_organ("To", r) for r in recipients)
        + f"<edXML:DocumentId>{escape(document_id)}</edXML:DocumentId>"
        f"<edXML:Code><edXML:CodeNumber>{escape(number)}</edXML:CodeNumber>"
        f"<edXML:CodeNotation>{escape(notation)}</edXML:CodeNotation></edXML:Code>"
        f"<edXML:PromulgationInfo><edXML:Place>Tam Kỳ</edXML:Place>"
        f"<edXML:PromulgationDate>{date}</edXML:PromulgationDate></edXML:PromulgationInfo>"
        "<edXML:DocumentType><edXML:Type>1</edXML:Type><edXML:TypeDetail>0</edXML:TypeDetail>"
        "<edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>"
        f"<edXML:Subject>{escape(subject)}</edXML:Subject>"
        "<edXML:SteeringType>1</edXML:SteeringType>"
        "</edXML:MessageHeader><edXML:TraceHeaderList/></edXML:edXMLHeader>"
        f"<edXML:edXMLBody>{manifest}</edXML:edXMLBody>"
        "</edXML:edXMLEnvelope>" + attachment + "</edXML>\n"
    )
    return text.encode("utf-8")


def sample_status(
    responder: str,
    original_sender: str,
    document_id: str,
    *,
    code: str = "1/UBND-VP",
    status_code: str = "01",
    description: str = "Đã đến",
    timestamp: datetime | None = None,
) -> bytes:
    """A status packet from ``responder`` answering ``document_id`` of ``original_sender``."""
    moment = (timestamp or datetime.now(VIETNAM)).astimezone(VIETNAM)
    promulgation = document_id.split(",")[1] if document_id.count(",") >= 2 else "2026/11/27"
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<edXML xmlns="{_NS}"><edXML:edXMLEnvelope xmlns:edXML="{_NS}">'
        "<edXML:edXMLHeader><edXML:MessageHeader>"
        + _organ("From", responder)
        + "<edXML:ResponseFor>"
        f"<edXML:OrganId>{escape(original_sender)}</edXML:OrganId>"
        f"<edXML:Code>{escape(code)}</edXML:Code>"
        f"<edXML:PromulgationDate>{escape(promulgation)}</edXML:PromulgationDate>"
        f"<edXML:DocumentId>{escape(document_id)}</edXML:DocumentId></edXML:ResponseFor>"
        f"<edXML:StatusCode>{escape(status_code)}</edXML:StatusCode>"
        f"<edXML:Description>{escape(description)}</edXML:Description>"
        f"<edXML:Timestamp>{moment:%Y/%m/%d %H:%M:%S}</edXML:Timestamp>"
        "</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>\n"
    )
    return text.encode("utf-8")
