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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from qnegov._i18n import tr
from qnegov.edxml._attachments import encode_attachment, member_name_for
from qnegov.edxml._dates import format_date, format_timestamp
from qnegov.edxml._models import (
    Attachment,
    Business,
    Envelope,
    ExtraElement,
    ManifestReference,
    MessageHeader,
    Organization,
    Packet,
    ResponseFor,
    StaffInfo,
    StatusPacket,
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
    out = _Out(sink, packet.extras)
    root, envelope = "/edXML", "/edXML/edXMLEnvelope"
    out.raw('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.raw(f'<edXML xmlns="{NS}">\n')
    out.extras(root, None, 1)
    out.step(root, "edXMLEnvelope")
    out.raw(f'  <{_P}edXMLEnvelope xmlns:edXML="{NS}">\n')
    out.extras(envelope, None, 2)
    header = out.step(envelope, "edXMLHeader")
    out.open("edXMLHeader", 2)
    out.extras(header, None, 3)
    if isinstance(packet, Envelope):
        out.fields([("MessageHeader", _message_header(packet.header))], 3, path=header)
        _traces(out, packet, packet.business, header)
        out.rest(header, 3)
        out.close("edXMLHeader", 2)
        out.extras(envelope, "edXMLHeader", 2)
        body = out.step(envelope, "edXMLBody")
        out.open("edXMLBody", 2)
        out.extras(body, None, 3)
        manifest = out.step(body, "edXMLManifest")
        out.raw(f'      <{_P}edXMLManifest version="1.0">\n')
        out.extras(manifest, None, 4)
        for ref in packet.manifest:
            out.fields([("Reference", _reference(ref))], 4, path=manifest)
        out.rest(manifest, 4)
        out.close("edXMLManifest", 3)
        out.extras(body, "edXMLManifest", 3)
        out.rest(body, 3)
        out.close("edXMLBody", 2)
        out.extras(envelope, "edXMLBody", 2)
        out.rest(envelope, 2)
        out.raw(f"  </{_P}edXMLEnvelope>\n")
        out.extras(root, "edXMLEnvelope", 1)
        if packet.attachments:
            _attachments(out, packet.attachments, root)
            out.extras(root, "AttachmentEncoded", 1)
    else:
        out.fields([("MessageHeader", _status(packet))], 3, path=header)
        _traces(out, packet, None, header)
        out.rest(header, 3)
        out.close("edXMLHeader", 2)
        out.extras(envelope, "edXMLHeader", 2)
        out.rest(envelope, 2)
        out.raw(f"  </{_P}edXMLEnvelope>\n")
        out.extras(root, "edXMLEnvelope", 1)
    out.rest_everywhere(1)
    out.raw("</edXML>\n")


@dataclass(frozen=True)
class _Attributes:
    """A container value with attributes on its start tag (``TraceHeaderList/@id``)."""

    attributes: tuple[tuple[str, str], ...]
    items: list[Field]


class _Out:
    """Indented, escaped output with the ``edXML:`` prefix; kept elements go back in place.

    Each container written has a path (``/edXML/.../To[2]``, as the reader names it); an
    :class:`ExtraElement` is written after the sibling it followed, or first, or (when that
    sibling is not written) last in its container, or at the very end: never dropped.
    """

    def __init__(self, sink: IO[bytes], extras: Iterable[ExtraElement] = ()) -> None:
        self.sink = sink
        self.pending: dict[str, list[ExtraElement]] = {}
        for extra in extras:
            self.pending.setdefault(extra.parent, []).append(extra)
        self.counts: dict[str, dict[str, int]] = {}

    def raw(self, text: str) -> None:
        self.sink.write(text.encode("utf-8"))

    def open(self, name: str, depth: int, prefix: str = _P) -> None:
        self.raw(f"{'  ' * depth}<{prefix}{name}>\n")

    def close(self, name: str, depth: int, prefix: str = _P) -> None:
        self.raw(f"{'  ' * depth}</{prefix}{name}>\n")

    def step(self, path: str, name: str, peek: bool = False) -> str:
        """The path of the next ``name`` written inside ``path`` (counted unless peeking)."""
        seen = self.counts.setdefault(path, {})
        n = seen.get(name, 0) + 1
        if not peek:
            seen[name] = n
        return f"{path}/{name}" if n == 1 else f"{path}/{name}[{n}]"

    def extras(self, path: str, after: str | None, depth: int) -> None:
        """Write the kept elements of ``path`` that followed ``after`` (None: came first)."""
        waiting = self.pending.get(path)
        if not waiting:
            return
        if after is not None:
            after = after.rsplit("/", 1)[-1]
        for extra in [e for e in waiting if e.after == after]:
            waiting.remove(extra)
            self.raw(f"{'  ' * depth}{extra.xml}\n")

    def rest(self, path: str, depth: int) -> None:
        """Write what is still waiting for ``path`` (its sibling was not written)."""
        for extra in self.pending.pop(path, []):
            self.raw(f"{'  ' * depth}{extra.xml}\n")

    def rest_everywhere(self, depth: int) -> None:
        """Kept elements whose container was not written at all: at the end, not lost."""
        for path in list(self.pending):
            self.rest(path, depth)

    def waiting(self, path: str) -> bool:
        return bool(self.pending.get(path))

    def fields(self, items: Iterable[Field], depth: int, prefix: str = _P, path: str = "") -> None:
        pad = "  " * depth
        for name, value in items:
            if value is None:
                continue
            attributes = ""
            if isinstance(value, _Attributes):
                attributes = "".join(f' {k}="{_escape_attribute(v)}"' for k, v in value.attributes)
                value = value.items
            if isinstance(value, list):
                child = self.step(path, name, peek=True)
                if not attributes and not _has_content(value) and not self.waiting(child):
                    continue
                self.step(path, name)
                self.raw(f"{pad}<{prefix}{name}{attributes}>\n")
                self.extras(child, None, depth + 1)
                self.fields(value, depth + 1, prefix, child)
                self.rest(child, depth + 1)
                self.raw(f"{pad}</{prefix}{name}>\n")
                self.extras(path, child, depth)
                continue
            child = self.step(path, name)
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            self.raw(f"{pad}<{prefix}{name}>{_escape(text, name)}</{prefix}{name}>\n")
            self.extras(path, child, depth)


def _has_content(items: list[Field]) -> bool:
    """Whether any value below would be written (empty containers are left out)."""
    return any(
        _has_content(value) if isinstance(value, list) else value is not None for _, value in items
    )


def _escape_attribute(text: str) -> str:
    return _escape(text, "attribute").replace('"', "&quot;").replace("\n", "&#10;")


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
    """In the VNPT library's order: Department, DepartmentId, Staff, StaffId, Email, Mobile."""
    return [
        ("Department", staff.department),
        ("DepartmentId", staff.department_id),
        ("Staff", staff.staff),
        ("StaffId", staff.staff_id),
        ("Email", staff.email),
        ("Mobile", staff.mobile),
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
                ("ReplyFors", other.reply_fors),
                ("ReferenceCodes", other.reference_codes),
            ],
        ),
    ]
    fields += [("ResponseFor", _response_for(r)) for r in h.response_for]
    fields += [
        ("ResponseForTask", [("TaskCode", t) for t in h.response_for_task]),
        ("SteeringType", h.steering_type),
        ("ToPlaces", [("Place", p) for p in h.to_places]),
        ("ApplicationType", h.application_type),
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


def _traces(out: _Out, packet: Packet, business: Business | None, path: str) -> None:
    items: list[Field] = [
        ("TraceHeader", [("OrganId", t.organ_id), ("Timestamp", format_timestamp(t.timestamp))])
        for t in packet.traces
    ]
    if business is not None:
        items.append(("Bussiness", _business(business)))
    items.append(("Paper", packet.trace_paper))
    attributes = tuple(
        (name, value)
        for name, value in (("id", packet.trace_id), ("version", packet.trace_version))
        if value is not None
    )
    out.fields([("TraceHeaderList", _Attributes(attributes, items))], 3, path=path)


def _reference(ref: ManifestReference) -> list[Field]:
    return [
        ("ContentId", f"cid:{ref.content_id}"),
        ("ContentType", ref.content_type),
        ("Description", ref.description),
        ("AttachmentName", ref.attachment_name),
    ]


def _attachments(out: _Out, attachments: tuple[Attachment, ...], root: str) -> None:
    encoded = out.step(root, "AttachmentEncoded")
    out.raw("  <AttachmentEncoded>\n")
    out.extras(encoded, None, 2)
    for att in attachments:
        one = out.step(encoded, "Attachment")
        out.raw("    <Attachment>\n")
        out.extras(one, None, 3)
        out.fields(
            [
                ("ContentId", f"cid:{att.content_id}"),
                ("AttachmentName", att.name),
                ("Description", att.description),
                ("ContentType", att.content_type),
            ],
            3,
            prefix="",
            path=one,
        )
        out.step(one, "ContentTransferEncoded")
        out.raw(f'      <{_P}ContentTransferEncoded xmlns:edXML="{NS}">')
        member = att.member_name or member_name_for(att.content_id, att.name)
        encode_attachment(att.payload, att.zipped, member, out.sink)
        out.raw(f"</{_P}ContentTransferEncoded>\n")
        out.extras(one, "ContentTransferEncoded", 3)
        out.rest(one, 3)
        out.raw("    </Attachment>\n")
        out.extras(encoded, one, 2)
    out.rest(encoded, 2)
    out.raw("  </AttachmentEncoded>\n")
