"""Issue codes of the edXML area, registered once, with the severity each starts at.

Deviations start as warnings and become errors in strict mode; known variants that the standard
leaves open are ``info`` in both modes; what breaks the packet's meaning is an error always.
"""

from __future__ import annotations

from typing import Final

from qnegov.report import Severity, issue_code

__all__ = ["BASE_SEVERITY", "escalate"]

_AREA: Final = "edxml"

MALFORMED = issue_code(
    "edxml_malformed",
    "The packet is not well-formed XML; the markup was repaired to read it.",
    area=_AREA,
)
MISPLACED = issue_code(
    "edxml_misplaced_element",
    "An element sits where it does not belong; read where it fits.",
    area=_AREA,
)
UNKNOWN = issue_code(
    "edxml_unknown_element",
    "An element qnegov does not model in this place; it is kept verbatim and written back.",
    area=_AREA,
)
MISSING = issue_code("edxml_missing_element", "A required element is absent or empty.", area=_AREA)
DUPLICATE = issue_code(
    "edxml_duplicate_element",
    "An element that may occur once occurs again; the first is used.",
    area=_AREA,
)
EMPTY = issue_code("edxml_empty_element", "An optional element is present but empty.", area=_AREA)
NAMESPACE = issue_code("edxml_namespace", "An element is outside the edXML namespace.", area=_AREA)
UNBOUND_PREFIX = issue_code(
    "edxml_unbound_prefix",
    "A namespace prefix is used with no declaration in force; the name is read without it.",
    area=_AREA,
)
BAD_DATE = issue_code(
    "edxml_bad_date", "A date or timestamp cannot be read in any known form.", area=_AREA
)
DATE_FORM = issue_code(
    "edxml_date_form",
    "A date is written in a tolerated form other than the standard one.",
    area=_AREA,
)
BAD_NUMBER = issue_code(
    "edxml_bad_number", "A number or boolean field holds something else.", area=_AREA
)
UNKNOWN_VALUE = issue_code(
    "edxml_unknown_value",
    "A value outside the known code list (status, business type...).",
    area=_AREA,
)
STATUS_SHAPE = issue_code(
    "edxml_status_in_message_header",
    "Status fields sit in MessageHeader (the VPCP reference shape) rather than in Status.",
    area=_AREA,
)
BARE_CID = issue_code(
    "edxml_bare_content_id", "A ContentId is written without the cid: prefix.", area=_AREA
)
SIGNATURE_NS = issue_code(
    "edxml_signature_namespace",
    "The Signature is not in the XML-DSig namespace, so standard verifiers cannot check it.",
    area=_AREA,
)
SIGNATURE_PLACEHOLDER = issue_code(
    "edxml_signature_placeholder",
    "An empty DigitalSignature placeholder stands for a signature.",
    area=_AREA,
)
ATTACHMENT_ENCODING = issue_code(
    "edxml_attachment_encoding", "An attachment's content is not valid base64.", area=_AREA
)
ATTACHMENT_NOT_ZIPPED = issue_code(
    "edxml_attachment_not_zipped",
    "An attachment is not zipped, unlike the peer convention.",
    area=_AREA,
)
ATTACHMENT_DAMAGED = issue_code(
    "edxml_attachment_damaged", "An attachment's zip archive cannot be unpacked.", area=_AREA
)
ATTACHMENT_MEMBERS = issue_code(
    "edxml_attachment_members",
    "An attachment's zip holds more than one file; the first is used.",
    area=_AREA,
)
ATTACHMENT_EMPTY = issue_code(
    "edxml_attachment_empty", "An attachment decodes to an empty file.", area=_AREA
)
ZIP_BOMB = issue_code(
    "edxml_zip_bomb",
    "An attachment unzips beyond the size or ratio bound and was refused.",
    area=_AREA,
)
MANIFEST = issue_code(
    "edxml_manifest_mismatch",
    "Manifest references and attachments do not match one to one.",
    area=_AREA,
)
CONTENT_TYPE = issue_code(
    "edxml_content_type",
    "A declared ContentType does not fit the attachment's content.",
    area=_AREA,
)
DOCUMENT_ID_MISMATCH = issue_code(
    "edxml_document_id_mismatch",
    "The comma-form DocumentId disagrees with From, PromulgationDate or Code.",
    area=_AREA,
)
BUSINESS_REFERENCE = issue_code(
    "edxml_business_reference",
    "A revoke/update/replace packet does not name the document it acts on.",
    area=_AREA,
)
TRACE_ORDER = issue_code("edxml_trace_order", "Trace timestamps go back in time.", area=_AREA)
SCHEMA = issue_code("edxml_schema", "The packet breaks the shipped XSD.", area=_AREA)

BASE_SEVERITY: Final[dict[str, Severity]] = {
    MALFORMED: Severity.ERROR,
    MISPLACED: Severity.ERROR,
    UNKNOWN: Severity.INFO,  # kept and relayed; strict mode still refuses it (see the reader)
    MISSING: Severity.ERROR,
    DUPLICATE: Severity.ERROR,
    EMPTY: Severity.WARNING,
    NAMESPACE: Severity.WARNING,
    UNBOUND_PREFIX: Severity.WARNING,
    BAD_DATE: Severity.ERROR,
    DATE_FORM: Severity.WARNING,
    BAD_NUMBER: Severity.ERROR,
    UNKNOWN_VALUE: Severity.WARNING,
    STATUS_SHAPE: Severity.INFO,
    BARE_CID: Severity.INFO,
    SIGNATURE_NS: Severity.WARNING,
    SIGNATURE_PLACEHOLDER: Severity.INFO,
    ATTACHMENT_ENCODING: Severity.ERROR,
    ATTACHMENT_NOT_ZIPPED: Severity.WARNING,
    ATTACHMENT_DAMAGED: Severity.ERROR,
    ATTACHMENT_MEMBERS: Severity.WARNING,
    ATTACHMENT_EMPTY: Severity.WARNING,
    ZIP_BOMB: Severity.ERROR,
    MANIFEST: Severity.ERROR,
    CONTENT_TYPE: Severity.WARNING,
    DOCUMENT_ID_MISMATCH: Severity.WARNING,
    BUSINESS_REFERENCE: Severity.WARNING,  # the reference library's revocations lack it
    TRACE_ORDER: Severity.WARNING,
    SCHEMA: Severity.ERROR,
}


def escalate(severity: Severity, strict: bool) -> Severity:
    """Strict mode turns deviations (warnings) into errors; notes stay notes."""
    return Severity.ERROR if strict and severity is Severity.WARNING else severity
