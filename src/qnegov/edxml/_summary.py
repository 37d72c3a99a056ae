"""The summary of a packet behind ``qnegov inspect``, for applications that show packets too."""

from __future__ import annotations

from datetime import date
from typing import Any

from qnegov.edxml._models import Packet, StatusPacket

__all__ = ["packet_summary"]


def packet_summary(packet: Packet) -> dict[str, Any]:
    """Who sent what to whom, when, its business, attachments, signature and issues.

    JSON-ready data: what ``qnegov inspect`` shows (and prints with ``--format json``).
    """
    data: dict[str, Any] = {
        "kind": packet.kind,
        "signature": None
        if packet.signature is None
        else {
            "namespaced": packet.signature.namespaced,
            "method": packet.signature.signature_method,
            "subject": packet.signature.x509_subject,
        },
        "issues": [i.to_dict() for i in packet.issues],
    }
    if isinstance(packet, StatusPacket):
        data.update(
            {
                "from": str(packet.from_.organ_id),
                "from_name": packet.from_.organ_name,
                "status": str(packet.status_code),
                "description": packet.description,
                "timestamp": packet.timestamp.isoformat(sep=" "),
                "about": _text(packet.response_for.document_id),
            }
        )
        return data
    header = packet.header
    data.update(
        {
            "from": str(header.from_.organ_id),
            "from_name": header.from_.organ_name,
            "to": [str(t.organ_id) for t in header.to],
            "code": str(header.code),
            "document_id": str(header.document_id),
            "subject": header.subject,
            "promulgation_date": _iso(header.promulgation_info.promulgation_date),
            "due_date": _iso(header.due_date),
            "business": None
            if packet.business is None
            else {
                "type": int(packet.business.doc_type),
                "name": packet.business.doc_type.name.lower(),
                "document_id": _text(packet.business.document_id),
            },
            "attachments": [
                {
                    "content_id": a.content_id,
                    "name": a.name,
                    "size": a.payload.size,
                    "zipped": a.zipped,
                    "content_type": a.content_type,
                }
                for a in packet.attachments
            ],
        }
    )
    return data


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
