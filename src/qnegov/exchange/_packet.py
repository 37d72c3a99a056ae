"""Routing facts of a packet: who sent it, who receives it, which document a status answers.

The exchange only needs a handful of header fields to route a packet; it takes them from the
lenient :func:`qnegov.edxml.read`, which understands both status shapes (fields directly in
``MessageHeader`` or inside a ``Status`` element), both prefix styles and any element order.
"""

from __future__ import annotations

from dataclasses import dataclass

from qnegov._i18n import tr
from qnegov._xml import Source
from qnegov.edxml import Envelope, StatusCode, read
from qnegov.errors import PacketError

__all__ = ["RoutingInfo", "routing_info"]


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
    """A document's ``Subject``, or a status packet's ``Description``."""
    code: str
    """``CodeNumber/CodeNotation`` of a document, or ``ResponseFor/Code`` of a status."""
    status_code: str


def routing_info(source: Source, *, name: str | None = None) -> RoutingInfo:
    """Read the routing facts of ``source``; a packet without them is a :class:`PacketError`."""
    packet = read(source, name=name)
    if isinstance(packet, Envelope):
        header = packet.header
        recipients = tuple(dict.fromkeys(str(o.organ_id) for o in header.to if o.organ_id))
        if header.from_ is None or not header.from_.organ_id:
            raise PacketError(tr("packet has no From/OrganId"))
        if not recipients:
            raise PacketError(tr("packet has no To/OrganId"))
        return RoutingInfo(
            is_status=False,
            sender=str(header.from_.organ_id),
            recipients=recipients,
            document_id=str(header.document_id or ""),
            subject=header.subject or "",
            code=str(header.code) if header.code is not None else "",
            status_code="",
        )
    answered = packet.response_for
    if not packet.from_.organ_id:
        raise PacketError(tr("packet has no From/OrganId"))
    if not answered.organ_id:
        raise PacketError(tr("status packet has no ResponseFor/OrganId"))
    code = packet.status_code
    return RoutingInfo(
        is_status=True,
        sender=str(packet.from_.organ_id),
        recipients=(str(answered.organ_id),),
        document_id=str(answered.document_id or ""),
        subject=packet.description or "",
        code=str(answered.code or ""),
        status_code=code.value if isinstance(code, StatusCode) else str(code),
    )
