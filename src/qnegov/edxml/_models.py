"""The edXML packet as typed, immutable models (field names in Python, element names in docs).

Every element of the QCVN 102:2016 packet that peers are known to send has a home here; the
reader fills these models leniently and records deviations separately, the builder writes them
back in the peer-compatible shape. Element names are given in each docstring.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qnegov.codes import AgencyCode, DocumentId, Priority
from qnegov.codes import DocumentCode as CodesDocumentCode
from qnegov.edxml._attachments import member_name_for
from qnegov.edxml._dates import format_date
from qnegov.edxml._payload import Payload
from qnegov.report import Issue

__all__ = [
    "Attachment",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "Code",
    "DocumentCode",
    "DocumentType",
    "Envelope",
    "ExtraElement",
    "ManifestReference",
    "MessageHeader",
    "OrganId",
    "Organization",
    "OtherInfo",
    "Packet",
    "PromulgationInfo",
    "Receiver",
    "ReplacementInfo",
    "ResponseFor",
    "SignatureInfo",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPacket",
    "SteeringType",
    "TraceHeader",
    "make_document_id",
]


_PREFER_CODE = Field(union_mode="left_to_right")
OrganId = Annotated[AgencyCode | str, _PREFER_CODE]
"""An agency code; text the codes module cannot read strictly is kept as the peer wrote it."""
DocId = Annotated[DocumentId | str, _PREFER_CODE]
"""A DocumentId (comma form or UUID); odd peer text is kept as written."""
PriorityValue = Annotated[Priority | int, _PREFER_CODE]
"""``OtherInfo/Priority``: the codes enum, or an unknown number kept as sent."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class BusinessDocType(enum.IntEnum):
    """``BussinessDocType``: what the packet does to a document."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class StatusCode(enum.StrEnum):
    """``StatusCode`` of a status packet (two digits; 07-12 and 14 are not known to exist)."""

    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNING = "04"
    PROCESSING = "05"
    FINISHED = "06"
    REVOCATION_REQUESTED = "13"
    CHANGE_ACCEPTED = "15"
    CHANGE_REFUSED = "16"


class SteeringType(enum.IntEnum):
    """``SteeringType``: 0 is what some peers send; 1-3 as the VNPT library annotates them."""

    UNSPECIFIED = 0
    NOT_DIRECTIVE = 1
    DIRECTIVE = 2
    DIRECTIVE_REPORT = 3


class Organization(_Model):
    """``From`` / ``To``: an agency with its identifier and contacts."""

    organ_id: OrganId
    organization_in_charge: str | None = None
    organ_name: str | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


class Code(_Model):
    """``Code`` as a peer wrote it (``CodeNumber``, ``CodeNotation``), when it is no valid
    :class:`qnegov.codes.DocumentCode` (``74fass22``); valid codes use that type instead."""

    number: str
    notation: str

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}"

    @property
    def code_number(self) -> str:
        """``CodeNumber`` as written."""
        return self.number

    @property
    def code_notation(self) -> str:
        """``CodeNotation`` as written."""
        return self.notation


DocumentCode = CodesDocumentCode
"""The number/notation type of :mod:`qnegov.codes` (``12/UBND-VP``), re-exported here."""
CodeValue = Annotated[CodesDocumentCode | Code, _PREFER_CODE]


class PromulgationInfo(_Model):
    """``PromulgationInfo``: where (``Place``) and when (``PromulgationDate``) it was issued."""

    place: str | None = None
    promulgation_date: date | None = None


class DocumentType(_Model):
    """``DocumentType``: numeric type and detail (peer-specific tables) and the type's name."""

    type: int | None = None
    type_detail: int | None = None
    type_name: str | None = None


class SignerInfo(_Model):
    """``SignerInfo``: authority prefix (``Competence``), ``Position`` and ``FullName``."""

    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


class OtherInfo(_Model):
    """``OtherInfo``: priority, circulation, drafter, copies, pages, direction, appendixes."""

    priority: PriorityValue | None = None
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()
    reply_fors: str | None = None
    """``ReplyFors``: the documents this one replies to, as a text list of document ids
    (``agency,yyyy/MM/dd,number/notation``); kept exactly as the peer wrote it."""
    reference_codes: str | None = None
    """``ReferenceCodes``: reference codes (VNPT and Bkav libraries), kept as text."""

    @property
    def reply_for_ids(self) -> tuple[str, ...]:
        """``ReplyFors`` split into document ids (at ``;``, ``|`` or line breaks)."""
        if not self.reply_fors:
            return ()
        return tuple(p.strip() for p in re.split(r"[;|\n]", self.reply_fors) if p.strip())


class ResponseFor(_Model):
    """``ResponseFor``: the document this one answers (or a status packet is about)."""

    organ_id: OrganId | None = None
    code: str | None = None
    promulgation_date: date | None = None
    document_id: DocId | None = None


class StaffInfo(_Model):
    """``StaffInfo``: the clerk who handled the packet."""

    department: str | None = None
    staff: str | None = None
    mobile: str | None = None
    email: str | None = None
    staff_id: str | None = None
    """``StaffId``: known from the VNPT library, not seen in samples."""
    department_id: str | None = None
    """``DepartmentId``: the department's code, as the VNPT library writes it."""


class Receiver(_Model):
    """``ReceiverList/Receiver``: a recipient removed (``ReceiverType`` 0) or added (1)."""

    organ_id: OrganId
    receiver_type: int


class BusinessDocumentInfo(_Model):
    """``BussinessDocumentInfo``: what an update changes (document info, receivers)."""

    document_info: str | None = None
    document_receiver: str | None = None
    receivers: tuple[Receiver, ...] = ()


class ReplacementInfo(_Model):
    """``ReplacementInfoList/ReplacementInfo``: a replaced document and who held it."""

    document_id: DocId
    organ_ids: tuple[OrganId, ...] = ()


class Business(_Model):
    """``Bussiness`` (sic): the business operation of a document packet."""

    doc_type: BusinessDocType = BusinessDocType.NEW
    document_id: DocId | None = None
    reason: str | None = None
    paper: int | None = None
    staff_info: tuple[StaffInfo, ...] = ()
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()


class TraceHeader(_Model):
    """``TraceHeader``: one hop (agency, local timestamp)."""

    organ_id: OrganId
    timestamp: datetime


class ManifestReference(_Model):
    """``edXMLManifest/Reference``: the manifest's entry for one attachment."""

    content_id: str
    content_type: str | None = None
    description: str | None = None
    attachment_name: str | None = None


class Attachment(_Model):
    """``AttachmentEncoded/Attachment``: one file. ``payload`` is the file itself (unzipped).

    ``zipped`` says whether the packet carries it zipped (the peer convention) and
    ``member_name`` names the zip entry (``<content id>.<extension>`` when not given).
    """

    content_id: str
    name: str
    payload: Payload
    content_type: str | None = "application/zip"
    description: str | None = None
    zipped: bool = True
    member_name: str | None = None

    @model_validator(mode="after")
    def _default_member_name(self) -> Attachment:
        if self.zipped and self.member_name is None:
            object.__setattr__(self, "member_name", member_name_for(self.content_id, self.name))
        return self


class SignatureInfo(_Model):
    """What the reader saw of a ``Signature`` in ``edXMLHeader``; it is not verified here."""

    namespaced: bool
    signature_method: str | None = None
    canonicalization_method: str | None = None
    x509_subject: str | None = None
    has_certificate: bool = False


def make_document_id(organ_id: AgencyCode | str, when: date, code: object) -> DocumentId | str:
    """The comma form ``<OrganId>,<yyyy/MM/dd>,<number>/<notation>`` peers generate.

    A :class:`~qnegov.codes.DocumentId` when the parts are valid codes, else the text.
    """
    if isinstance(organ_id, AgencyCode) and isinstance(code, CodesDocumentCode):
        return DocumentId.of(organ_id, when, code)
    return f"{organ_id},{format_date(when)},{code}"


class MessageHeader(_Model):
    """``MessageHeader`` of a document packet. ``document_id`` defaults to the comma form."""

    from_: Organization
    to: tuple[Organization, ...] = ()
    code: CodeValue
    promulgation_info: PromulgationInfo = PromulgationInfo()
    document_type: DocumentType = DocumentType()
    subject: str = ""
    content: str | None = None
    signer_info: SignerInfo = SignerInfo()
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: Annotated[SteeringType | int, _PREFER_CODE] | None = None
    document_id: DocId = ""
    application_type: int | None = None
    """``ApplicationType``: which application produced the packet (VNPT library, integer)."""
    response_for_task: tuple[str, ...] = ()
    """``ResponseForTask/TaskCode``: the tasks this document answers."""

    @field_validator("code", mode="after")
    @classmethod
    def _typed_code(cls, code: CodesDocumentCode | Code) -> CodesDocumentCode | Code:
        """A raw ``Code`` that is a valid document code becomes one (as the reader does)."""
        if isinstance(code, Code):
            try:
                parsed = CodesDocumentCode.parse(str(code))
            except ValueError:
                return code
            if str(parsed) == str(code):
                return parsed
        return code

    @model_validator(mode="before")
    @classmethod
    def _default_document_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("document_id"):
            frm, code, info = data.get("from_"), data.get("code"), data.get("promulgation_info")
            try:
                if isinstance(frm, dict):
                    frm = Organization(**frm)
                if isinstance(code, dict):
                    code = Code(**code)
                elif isinstance(code, str):
                    code = CodesDocumentCode.parse(code)
                if isinstance(info, dict):
                    info = PromulgationInfo(**info)
            except (ValueError, TypeError):  # the field validation says what is wrong, where
                return data
            if (
                isinstance(frm, Organization)
                and isinstance(code, CodesDocumentCode | Code)
                and isinstance(info, PromulgationInfo)
                and info.promulgation_date is not None
            ):
                data = {
                    **data,
                    "document_id": make_document_id(frm.organ_id, info.promulgation_date, code),
                }
        return data


class ExtraElement(_Model):
    """An element qnegov does not model, kept verbatim so that relaying a packet loses nothing.

    ``parent`` is the path of the container it sat in (``/edXML/edXMLEnvelope/...``, ``[n]``
    for the n-th of repeated siblings, n > 1), ``after`` the known sibling it followed (None:
    first in the container), ``xml`` the element itself as serialised XML, namespace
    declarations included, so that :func:`~qnegov.edxml.build` writes it back where it was.
    """

    parent: str
    after: str | None = None
    xml: str

    @property
    def name(self) -> str:
        """The element's tag as written (``edXML:Foo``)."""
        return self.xml[1:].split(None, 1)[0].split(">", 1)[0].split("/", 1)[0]


class _Root(_Model):
    issues: tuple[Issue, ...] = Field(default=(), exclude=True, repr=False)
    """What the reader found deviating (empty for built packets); not part of equality."""

    def __eq__(self, other: object) -> bool:
        """Same content. ``issues`` and ``signature`` are what a reading observed, not content:
        a signature covers the bytes it was made over, so :func:`~qnegov.edxml.build` never
        writes one back (sign the built bytes with :mod:`qnegov.signing`, or relay the
        original bytes to keep the peer's signature)."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Root)
        names = [n for n in type(self).model_fields if n not in ("issues", "signature")]
        return all(getattr(self, n) == getattr(other, n) for n in names)

    __hash__ = None  # type: ignore[assignment]


class Envelope(_Root):
    """A document packet: header, trace, business operation, manifest and attachments."""

    kind: Literal["document"] = "document"
    header: MessageHeader
    traces: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    manifest: tuple[ManifestReference, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    signature: SignatureInfo | None = None
    trace_id: str | None = None
    """``TraceHeaderList/@id`` (written by the .NET SDK)."""
    trace_version: str | None = None
    """``TraceHeaderList/@version``."""
    trace_paper: int | None = None
    """``TraceHeaderList/Paper`` (the VNPT library's place for it; ``Bussiness/Paper`` too)."""
    extras: tuple[ExtraElement, ...] = ()
    """Elements qnegov does not model, kept verbatim and written back by the builder."""


class StatusPacket(_Root):
    """A status packet: an agency tells the sender what became of a document."""

    kind: Literal["status"] = "status"
    from_: Organization
    response_for: ResponseFor
    status_code: StatusCode | str
    description: str | None = None
    timestamp: datetime
    staff_info: tuple[StaffInfo, ...] = ()
    traces: tuple[TraceHeader, ...] = ()
    signature: SignatureInfo | None = None
    trace_id: str | None = None
    """``TraceHeaderList/@id``."""
    trace_version: str | None = None
    """``TraceHeaderList/@version``."""
    trace_paper: int | None = None
    """``TraceHeaderList/Paper``."""
    extras: tuple[ExtraElement, ...] = ()
    """Elements qnegov does not model, kept verbatim and written back by the builder."""


Packet = Envelope | StatusPacket
"""Anything :func:`qnegov.edxml.read` returns."""
