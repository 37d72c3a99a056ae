"""One function per business operation and per status code, so callers never set codes by hand.

Document packets: :func:`new_document`, :func:`revoke_document`, :func:`update_document`,
:func:`replace_document` (``BussinessDocType`` 0-3). Status packets: :func:`status_packet` and
one helper per known code (01-06, 13, 15, 16), each answering a received :class:`Envelope`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from qnegov.codes import DocumentId
from qnegov.edxml._models import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Envelope,
    ManifestReference,
    MessageHeader,
    Organization,
    ReplacementInfo,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHeader,
)

__all__ = [
    "StatusHelper",
    "accepted",
    "arrived",
    "assigning",
    "change_accepted",
    "change_refused",
    "finished",
    "manifest_for",
    "new_document",
    "processing",
    "rejected",
    "replace_document",
    "response_for",
    "revocation_requested",
    "revoke_document",
    "status_packet",
    "update_document",
]

_REASONS = {
    BusinessDocType.NEW: "Văn bản điện tử mới",
    BusinessDocType.REVOKE: "Thu hồi văn bản điện tử",
    BusinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BusinessDocType.REPLACE: "Văn bản thay thế",
}


def manifest_for(attachments: Iterable[Attachment]) -> tuple[ManifestReference, ...]:
    """The manifest entries that match ``attachments`` one to one."""
    return tuple(
        ManifestReference(
            content_id=a.content_id,
            content_type=a.content_type,
            description=a.description,
            attachment_name=a.name,
        )
        for a in attachments
    )


def _document(
    header: MessageHeader,
    attachments: Iterable[Attachment],
    business: Business,
    traces: Iterable[TraceHeader],
) -> Envelope:
    files = tuple(attachments)
    return Envelope(
        header=header,
        traces=tuple(traces),
        business=business,
        manifest=manifest_for(files),
        attachments=files,
    )


def new_document(
    header: MessageHeader,
    attachments: Iterable[Attachment] = (),
    *,
    staff: Iterable[StaffInfo] = (),
    traces: Iterable[TraceHeader] = (),
    reason: str | None = None,
) -> Envelope:
    """A new document (``BussinessDocType`` 0)."""
    business = Business(
        doc_type=BusinessDocType.NEW,
        reason=reason or _REASONS[BusinessDocType.NEW],
        paper=0,
        staff_info=tuple(staff),
    )
    return _document(header, attachments, business, traces)


def revoke_document(
    header: MessageHeader,
    revoked_document_id: DocumentId | str,
    attachments: Iterable[Attachment] = (),
    *,
    staff: Iterable[StaffInfo] = (),
    traces: Iterable[TraceHeader] = (),
    reason: str | None = None,
) -> Envelope:
    """Revoke a document sent earlier (``BussinessDocType`` 1)."""
    business = Business(
        doc_type=BusinessDocType.REVOKE,
        document_id=revoked_document_id,
        reason=reason or _REASONS[BusinessDocType.REVOKE],
        paper=0,
        staff_info=tuple(staff),
    )
    return _document(header, attachments, business, traces)


def update_document(
    header: MessageHeader,
    updated_document_id: DocumentId | str,
    attachments: Iterable[Attachment] = (),
    *,
    changes: BusinessDocumentInfo | None = None,
    staff: Iterable[StaffInfo] = (),
    traces: Iterable[TraceHeader] = (),
    reason: str | None = None,
) -> Envelope:
    """Update a document sent earlier (``BussinessDocType`` 2), optionally its receivers."""
    business = Business(
        doc_type=BusinessDocType.UPDATE,
        document_id=updated_document_id,
        reason=reason or _REASONS[BusinessDocType.UPDATE],
        paper=0,
        staff_info=tuple(staff),
        document_info=changes,
    )
    return _document(header, attachments, business, traces)


def replace_document(
    header: MessageHeader,
    replaced: Iterable[ReplacementInfo],
    attachments: Iterable[Attachment] = (),
    *,
    staff: Iterable[StaffInfo] = (),
    traces: Iterable[TraceHeader] = (),
    reason: str | None = None,
) -> Envelope:
    """Replace earlier documents (``BussinessDocType`` 3); ``replaced`` names them."""
    business = Business(
        doc_type=BusinessDocType.REPLACE,
        reason=reason or _REASONS[BusinessDocType.REPLACE],
        paper=0,
        staff_info=tuple(staff),
        replacements=tuple(replaced),
    )
    return _document(header, attachments, business, traces)


def response_for(document: Envelope) -> ResponseFor:
    """The ``ResponseFor`` block that points at a received document."""
    header = document.header
    return ResponseFor(
        organ_id=header.from_.organ_id,
        code=str(header.code),
        promulgation_date=header.promulgation_info.promulgation_date,
        document_id=header.document_id or None,
    )


def status_packet(
    code: StatusCode,
    sender: Organization,
    about: Envelope | ResponseFor,
    *,
    description: str | None = None,
    timestamp: datetime,
    staff: Iterable[StaffInfo] = (),
) -> StatusPacket:
    """A status packet from ``sender`` about a received document (or its ``ResponseFor``)."""
    ref = response_for(about) if isinstance(about, Envelope) else about
    return StatusPacket(
        from_=sender,
        response_for=ref,
        status_code=code,
        description=description,
        timestamp=timestamp,
        staff_info=tuple(staff),
    )


class StatusHelper(Protocol):
    """The shape of the per-status builders below (one per status code of the standard)."""

    def __call__(
        self,
        sender: Organization,
        about: Envelope | ResponseFor,
        *,
        description: str | None = ...,
        timestamp: datetime,
        staff: Iterable[StaffInfo] = ...,
    ) -> StatusPacket: ...


def _status_helper(code: StatusCode, name: str, doc: str) -> StatusHelper:
    """A :func:`status_packet` with its status code fixed, named and documented for ``help()``."""

    def helper(
        sender: Organization,
        about: Envelope | ResponseFor,
        *,
        description: str | None = None,
        timestamp: datetime,
        staff: Iterable[StaffInfo] = (),
    ) -> StatusPacket:
        return status_packet(
            code, sender, about, description=description, timestamp=timestamp, staff=staff
        )

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = doc
    return helper


arrived = _status_helper(
    StatusCode.ARRIVED,
    "arrived",
    "Status 01: arrived, received by the software, not yet handled by the clerk.",
)
rejected = _status_helper(StatusCode.REJECTED, "rejected", "Status 02: refused and returned.")
accepted = _status_helper(StatusCode.ACCEPTED, "accepted", "Status 03: accepted and registered.")
assigning = _status_helper(
    StatusCode.ASSIGNING, "assigning", "Status 04: waiting for or being assigned."
)
processing = _status_helper(
    StatusCode.PROCESSING, "processing", "Status 05: assigned, being processed."
)
finished = _status_helper(StatusCode.FINISHED, "finished", "Status 06: processing finished.")
revocation_requested = _status_helper(
    StatusCode.REVOCATION_REQUESTED,
    "revocation_requested",
    "Status 13: the sender asks for the document back (revocation).",
)
change_accepted = _status_helper(
    StatusCode.CHANGE_ACCEPTED,
    "change_accepted",
    "Status 15: the receiver agrees to a revocation or update.",
)
change_refused = _status_helper(
    StatusCode.CHANGE_REFUSED,
    "change_refused",
    "Status 16: the receiver refuses a revocation or update.",
)
