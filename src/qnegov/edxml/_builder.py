"""Writing packets in the shape the reference peers send and accept, byte for byte stable.

Shape (spec §1.2.1): default namespace on ``edXML``, ``edXML:`` prefixes inside the envelope
(the VPCP side reportedly rejects unprefixed envelope children), ``AttachmentEncoded`` beside
the envelope without prefix, every attachment zipped then base64-encoded, ``cid:`` content ids,
elements in the VNPT reference order. The text is written by hand rather than serialised from a
tree so that the bytes are fully under our control (signatures and golden files depend on it)
and attachments can be streamed straight from their files into the output.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Final

from qnegov._i18n import tr
from qnegov.edxml._attachments import encode_attachment, member_name_for
from qnegov.edxml._dates import format_date, format_timestamp
from qnegov.edxml._models import (
    Attachment,
    Business,
    Envelope,
    ManifestReference,
    MessageHeader,
    Organization,
    Packet,
    ResponseFor,
    StaffInfo,
    StatusPacket,
    TraceHeader,
    make_document_id,
)
from qnegov.edxml._tree import NS
from qnegov.errors import PacketError

__all__ = ["build", "write"]

_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_P: Final = "edXML:"

Field = tuple[str, object]
"""An element name and its value: text-like, a list of child fields, or None (left out)."""


def build(packet: Packet) -> bytes:
    """The packet as bytes (use :func:`write` for packets with large attachments)."""
    sink = io.BytesIO()
    write(packet, sink)
    return sink.getvalue()


def write(packet: Packet, destination: str | Path | IO[bytes]) -> None:
    """Stream the packet to a file path or binary stream; attachments never sit in memory."""
    if isinstance(destination, str | Path):
        with Path(destination).open("wb") as sink:
            _write(packet, sink)
    else:
        _write(packet, destination)


def _write(packet: Packet, sink: IO[bytes]) -> None:
    out = _Out(sink)
    out.raw('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.raw(f'<edXML xmlns="{NS}">\n')
    out.raw(f'  <{_P}edXMLEnvelope xmlns:edXML="{NS}">\n')
    out.open("edXMLHeader", 2)
    if isinstance(packet, Envelope):
        out.fields([("MessageHeader", _message_header(packet.header))], 3)
        _traces(out, packet.traces, packet.business)
        out.close("edXMLHeader", 2)
        out.open("edXMLBody", 2)
        out.raw(f'      <{_P}edXMLManifest version="1.0">\n')
        for ref in packet.manifest:
            out.fields([("Reference", _reference(ref))], 4)
        out.close("edXMLManifest", 3)
        out.close("edXMLBody", 2)
        out.raw(f"  </{_P}edXMLEnvelope>\n")
        if packet.attachments:
            _attachments(out, packet.attachments)
    else:
        out.fields([("MessageHeader", _status(packet))], 3)
        _traces(out, packet.traces, None)
        out.close("edXMLHeader", 2)
        out.raw(f"  </{_P}edXMLEnvelope>\n")
    out.raw("</edXML>\n")


class _Out:
    """Indented, escaped output with the ``edXML:`` prefix."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink

    def raw(self, text: str) -> None:
        self.sink.write(text.encode("utf-8"))

    def open(self, name: str, depth: int, prefix: str = _P) -> None:
        self.raw(f"{'  ' * depth}<{prefix}{name}>\n")

    def close(self, name: str, depth: int, prefix: str = _P) -> None:
        self.raw(f"{'  ' * depth}</{prefix}{name}>\n")

    def fields(self, items: Iterable[Field], depth: int, prefix: str = _P) -> None:
        pad = "  " * depth
        for name, value in items:
            if value is None:
                continue
            if isinstance(value, list):
                if not _has_content(value):
                    continue
                self.raw(f"{pad}<{prefix}{name}>\n")
                self.fields(value, depth + 1, prefix)
                self.raw(f"{pad}</{prefix}{name}>\n")
                continue
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            self.raw(f"{pad}<{prefix}{name}>{_escape(text, name)}</{prefix}{name}>\n")


def _has_content(items: list[Field]) -> bool:
    """Whether any value below would be written (empty containers are left out)."""
    return any(
        _has_content(value) if isinstance(value, list) else value is not None for _, value in items
    )


def _escape(text: str, name: str) -> str:
    if _INVALID.search(text):
        raise PacketError(tr("{name} holds a character XML 1.0 cannot carry", name=name))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _org(org: Organization) -> list[Field]:
    return [
        ("OrganId", org.organ_id),
        ("OrganizationInCharge", org.organization_in_charge),
        ("OrganName", org.organ_name),
        ("OrganAdd", org.organ_add),
        ("Email", org.email),
        ("Telephone", org.telephone),
        ("Fax", org.fax),
        ("Website", org.website),
    ]


def _response_for(ref: ResponseFor) -> list[Field]:
    return [
        ("OrganId", ref.organ_id),
        ("Code", ref.code),
        ("PromulgationDate", _date(ref.promulgation_date)),
        ("DocumentId", ref.document_id),
    ]


def _staff(staff: StaffInfo) -> list[Field]:
    return [
        ("Department", staff.department),
        ("Staff", staff.staff),
        ("Email", staff.email),
        ("Mobile", staff.mobile),
        ("StaffId", staff.staff_id),
    ]


def _date(value: object) -> str | None:
    from datetime import date

    return format_date(value) if isinstance(value, date) else None


def _message_header(h: MessageHeader) -> list[Field]:
    info, dtype, signer, other = h.promulgation_info, h.document_type, h.signer_info, h.other_info
    document_id = h.document_id or (
        make_document_id(h.from_.organ_id, info.promulgation_date, h.code)
        if info.promulgation_date
        else None
    )
    fields: list[Field] = [("From", _org(h.from_))]
    fields += [("To", _org(to)) for to in h.to]
    fields += [
        ("DocumentId", document_id),
        ("Code", [("CodeNumber", h.code.code_number), ("CodeNotation", h.code.code_notation)]),
        (
            "PromulgationInfo",
            [("Place", info.place), ("PromulgationDate", _date(info.promulgation_date))],
        ),
        (
            "DocumentType",
            [
                ("Type", dtype.type),
                ("TypeDetail", dtype.type_detail),
                ("TypeName", dtype.type_name),
            ],
        ),
        ("Subject", h.subject),
        ("Content", h.content),
        (
            "SignerInfo",
            [
                ("Competence", signer.competence),
                ("Position", signer.position),
                ("FullName", signer.full_name),
            ],
        ),
        ("DueDate", _date(h.due_date)),
        (
            "OtherInfo",
            [
                ("Priority", other.priority),
                ("SphereOfPromulgation", other.sphere_of_promulgation),
                ("TyperNotation", other.typer_notation),
                ("PromulgationAmount", other.promulgation_amount),
                ("PageAmount", other.page_amount),
                ("Direction", other.direction),
                ("Appendixes", [("Appendix", a) for a in other.appendixes]),
            ],
        ),
    ]
    fields += [("ResponseFor", _response_for(r)) for r in h.response_for]
    fields += [
        ("SteeringType", h.steering_type),
        ("ToPlaces", [("Place", p) for p in h.to_places]),
    ]
    return fields


def _status(s: StatusPacket) -> list[Field]:
    fields: list[Field] = [("From", _org(s.from_)), ("ResponseFor", _response_for(s.response_for))]
    fields += [("StaffInfo", _staff(st)) for st in s.staff_info]
    fields += [
        ("StatusCode", str(s.status_code)),
        ("Description", s.description),
        ("Timestamp", format_timestamp(s.timestamp)),
    ]
    return fields


def _business(b: Business) -> list[Field]:
    fields: list[Field] = [
        ("DocumentId", b.document_id),
        ("BussinessDocType", int(b.doc_type)),
        ("BussinessDocReason", b.reason),
        ("Paper", b.paper),
    ]
    if b.document_info is not None:
        info = b.document_info
        fields.append(
            (
                "BussinessDocumentInfo",
                [
                    ("DocumentInfo", info.document_info),
                    ("DocumentReceiver", info.document_receiver),
                    (
                        "ReceiverList",
                        [
                            (
                                "Receiver",
                                [("OrganId", r.organ_id), ("ReceiverType", r.receiver_type)],
                            )
                            for r in info.receivers
                        ],
                    ),
                ],
            )
        )
    fields.append(
        (
            "ReplacementInfoList",
            [
                (
                    "ReplacementInfo",
                    [
                        ("DocumentId", r.document_id),
                        ("OrganIdList", [("OrganId", o) for o in r.organ_ids]),
                    ],
                )
                for r in b.replacements
            ],
        )
    )
    fields += [("StaffInfo", _staff(st)) for st in b.staff_info]
    return fields


def _traces(out: _Out, traces: tuple[TraceHeader, ...], business: Business | None) -> None:
    items: list[Field] = [
        ("TraceHeader", [("OrganId", t.organ_id), ("Timestamp", format_timestamp(t.timestamp))])
        for t in traces
    ]
    if business is not None:
        items.append(("Bussiness", _business(business)))
    out.fields([("TraceHeaderList", items)], 3)


def _reference(ref: ManifestReference) -> list[Field]:
    return [
        ("ContentId", f"cid:{ref.content_id}"),
        ("ContentType", ref.content_type),
        ("Description", ref.description),
        ("AttachmentName", ref.attachment_name),
    ]


def _attachments(out: _Out, attachments: tuple[Attachment, ...]) -> None:
    out.raw("  <AttachmentEncoded>\n")
    for att in attachments:
        out.raw("    <Attachment>\n")
        out.fields(
            [
                ("ContentId", f"cid:{att.content_id}"),
                ("AttachmentName", att.name),
                ("Description", att.description),
                ("ContentType", att.content_type),
            ],
            3,
            prefix="",
        )
        out.raw(f'      <{_P}ContentTransferEncoded xmlns:edXML="{NS}">')
        member = att.member_name or member_name_for(att.content_id, att.name)
        encode_attachment(att.payload, att.zipped, member, out.sink)
        out.raw(f"</{_P}ContentTransferEncoded>\n")
        out.raw("    </Attachment>\n")
    out.raw("  </AttachmentEncoded>\n")
