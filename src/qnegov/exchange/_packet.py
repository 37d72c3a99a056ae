"""Routing facts of a packet: who sent it, who receives it, which document a status answers.

The exchange only needs a handful of header fields to route a packet; it reads them with the safe
parser and namespace-aware, order-insensitive XPath, so both status shapes (fields directly in
``MessageHeader`` or inside a ``Status`` element) and both prefix styles are understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from qnegov._i18n import tr
from qnegov._xml import Source, parse
from qnegov.errors import PacketError

__all__ = ["EDXML_NS", "RoutingInfo", "routing_info"]

EDXML_NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
_NS: Final = {"e": EDXML_NS}
_HEADER: Final = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader"
_MESSAGE_HEADER: Final = _HEADER + "/e:MessageHeader"


@dataclass(frozen=True, slots=True)
class RoutingInfo:
    """What an exchange needs to deliver a packet."""

    is_status: bool
    sender: str
    """``From/OrganId``: the agency that sent this packet."""
    recipients: tuple[str, ...]
    """``To/OrganId`` of a document; for a status packet, ``ResponseFor/OrganId``."""
    document_id: str
    """The edXML ``DocumentId`` (a document's own, or the one a status answers)."""
    subject: str
    code: str
    """``CodeNumber/CodeNotation`` of a document, or ``ResponseFor/Code`` of a status."""
    status_code: str


def _text(node: etree._Element, path: str) -> str:
    found = node.xpath(path, namespaces=_NS)
    if isinstance(found, list) and found:
        first = found[0]
        value = first.text if isinstance(first, etree._Element) else str(first)
        return (value or "").strip()
    return ""


def _texts(node: etree._Element, path: str) -> tuple[str, ...]:
    found = node.xpath(path, namespaces=_NS)
    out: list[str] = []
    if isinstance(found, list):
        for item in found:
            if isinstance(item, etree._Element) and item.text and item.text.strip():
                out.append(item.text.strip())
    return tuple(dict.fromkeys(out))


def routing_info(source: Source, *, name: str | None = None) -> RoutingInfo:
    """Read the routing facts of ``source``; a packet without them is a :class:`PacketError`."""
    root = parse(source, name=name).getroot()
    header_nodes = root.xpath(_MESSAGE_HEADER, namespaces=_NS)
    if not isinstance(header_nodes, list) or not header_nodes:
        raise PacketError(tr("not an edXML packet: no edXMLEnvelope/edXMLHeader/MessageHeader"))
    header = header_nodes[0]
    assert isinstance(header, etree._Element)
    status_nodes = root.xpath(_HEADER + "/e:Status", namespaces=_NS)
    status = status_nodes[0] if isinstance(status_nodes, list) and status_nodes else None
    holder = status if isinstance(status, etree._Element) else header
    status_code = _text(holder, "e:StatusCode")
    is_status = bool(status_code) or (
        bool(holder.xpath("e:ResponseFor", namespaces=_NS))
        and not (header.xpath("e:To", namespaces=_NS))
    )
    sender = _text(holder, "e:From/e:OrganId") or _text(header, "e:From/e:OrganId")
    if not sender:
        raise PacketError(tr("packet has no From/OrganId"))
    if is_status:
        recipients = _texts(holder, "e:ResponseFor/e:OrganId")
        document_id = _text(holder, "e:ResponseFor/e:DocumentId")
        code = _text(holder, "e:ResponseFor/e:Code")
        subject = _text(holder, "e:Description")
        if not recipients:
            raise PacketError(tr("status packet has no ResponseFor/OrganId"))
    else:
        recipients = _texts(header, "e:To/e:OrganId")
        document_id = _text(header, "e:DocumentId")
        number = _text(header, "e:Code/e:CodeNumber")
        notation = _text(header, "e:Code/e:CodeNotation")
        code = f"{number}/{notation}" if number or notation else ""
        subject = _text(header, "e:Subject")
        if not recipients:
            raise PacketError(tr("packet has no To/OrganId"))
    return RoutingInfo(
        is_status=is_status,
        sender=sender,
        recipients=recipients,
        document_id=document_id,
        subject=subject,
        code=code,
        status_code=status_code,
    )
