"""Reading edXML packets the way peers really write them, and saying how they deviate.

The packet is streamed through :func:`qnegov._xml.parse_with_target` into a light node tree
(attachment text goes straight to temporary files), then interpreted order-insensitively and
namespace-aware into models. Every deviation becomes an :class:`~qnegov.report.Issue` with line
and path; strict mode turns deviations into errors and refuses the packet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, TypeVar

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.codes import AgencyCode, DocumentId
from qnegov.codes import DocumentCode as CodesDocumentCode
from qnegov.codes._base import CodeType
from qnegov.edxml import _issues as codes
from qnegov.edxml._attachments import (
    DEFAULT_ATTACHMENT_LIMITS,
    AttachmentFolder,
    AttachmentLimits,
    Unpacked,
    unpack,
)
from qnegov.edxml._dates import DateForm, parse_date, parse_timestamp
from qnegov.edxml._models import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    Envelope,
    ExtraElement,
    ManifestReference,
    MessageHeader,
    Organization,
    OtherInfo,
    Packet,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignatureInfo,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHeader,
)
from qnegov.edxml._payload import Payload
from qnegov.edxml._tree import CONTAINERS, NS, XMLDSIG_NS, Collector, Node, serialise
from qnegov.errors import (
    AttachmentError,
    InvalidCode,
    NonConformingPacket,
    PacketError,
    XMLSyntaxError,
    ZipBombError,
)
from qnegov.report import DEFAULT_MAX_ISSUES_PER_CODE, Issue, Severity, cap_issues

__all__ = ["read", "read_packet"]

_T = TypeVar("_T")
_C = TypeVar("_C", bound=CodeType)


def read(
    source: _xml.Source,
    *,
    strict: bool = False,
    name: str | None = None,
    attachment_dir: str | Path | None = None,
    limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
    max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE,
) -> Packet:
    """Read a document or status packet; deviations are in the returned model's ``issues``
    (at most ``max_issues_per_code`` of one code, then an ``issues_capped`` summary).

    ``strict`` turns deviations into errors and raises :class:`NonConformingPacket` if any is
    found. Attachments larger than ``limits.memory_bytes`` are decoded to files: in
    ``attachment_dir`` when given, else to temporary files owned by their payloads. A zip bomb
    raises :class:`~qnegov.errors.ZipBombError`; a file that is no edXML packet raises
    :class:`~qnegov.errors.PacketError`.
    """
    packet, _root, issues = read_packet(
        source,
        strict=strict,
        name=name,
        attachment_dir=attachment_dir,
        limits=limits,
        max_issues_per_code=max_issues_per_code,
    )
    if strict:
        blocking = [i for i in issues if i.severity.blocks]
        if blocking:
            first = blocking[0]
            raise NonConformingPacket(
                tr(
                    "packet does not conform ({count} errors); first: {message}",
                    count=len(blocking),
                    message=first.message,
                ),
                issues=issues,
                file=first.file,
                line=first.line,
            )
    return packet


def read_packet(
    source: _xml.Source,
    *,
    strict: bool,
    name: str | None = None,
    attachment_dir: str | Path | None = None,
    limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
    max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE,
) -> tuple[Packet, Node, tuple[Issue, ...]]:
    """Read without raising for deviations: (packet with issues, node tree, issues)."""
    label = _xml.source_name(source, name)
    folder = None if attachment_dir is None else AttachmentFolder(attachment_dir)
    reading = _Reading(label, strict, folder, limits)
    root = reading.collect(source, name)
    packet = reading.interpret(root)
    issues = tuple(cap_issues(reading.issues, max_issues_per_code))
    return packet.model_copy(update={"issues": issues}), root, issues


@dataclass
class _Reading:
    label: str
    strict: bool
    folder: AttachmentFolder | None
    limits: AttachmentLimits
    issues: list[Issue] = field(default_factory=list)
    _attachments: int = 0
    _unbound: list[_xml.UnboundPrefix] = field(default_factory=list)
    _kept: list[Node] = field(default_factory=list)

    # -- collecting -------------------------------------------------------------------------

    def collect(self, source: _xml.Source, name: str | None) -> Node:
        start = _position(source)
        collector = Collector(self._decode)
        try:
            _xml.parse_with_target(
                source, collector, name=name, track_lines=True, unbound=self._unbound
            )
        except XMLSyntaxError as exc:
            if self.strict or start is None:
                raise
            _rewind(source, start)
            if self.folder is not None:
                self.folder.release_all()
            self._attachments = 0
            self.issues.clear()
            self._unbound.clear()
            self._recovered(exc.line or 0, exc.column or 0, exc.message)
            collector = Collector(self._decode)
            try:
                _xml.parse_with_target(
                    source,
                    collector,
                    name=name,
                    track_lines=True,
                    recover=True,
                    unbound=self._unbound,
                )
            except XMLSyntaxError:
                raise exc from None  # beyond repair: the strict pass said what is wrong
            found = collector.root
            if found is None or found.name != "edXML" or found.ns != NS:
                raise  # repairing is for edXML packets only: report what is wrong with the file
        root = collector.root
        if root is None or root.name != "edXML" or root.ns != NS:
            what = (
                "nothing"
                if root is None
                else (f"{{{root.ns}}}{root.name}" if root.ns else root.name)
            )
            raise PacketError(
                tr(
                    "not an edXML packet: the root element is {root}, expected edXML in {ns}",
                    root=what,
                    ns=NS,
                ),
                file=self.label,
                line=None if root is None else root.line,
            )
        for repair in collector.repairs:
            self.add(
                codes.MISPLACED,
                repair.node,
                tr(
                    "{name} (line {line}) cannot sit inside {container} (line {cline}); "
                    "read as if {container} were closed before it",
                    name=repair.node.name,
                    line=repair.node.line,
                    container=repair.container.name,
                    cline=repair.container.line,
                ),
            )
        return root

    def _recovered(self, line: int, column: int, message: str) -> None:
        self.issues.append(
            Issue(
                code=codes.MALFORMED,
                severity=Severity.ERROR,
                message=tr(
                    "not well-formed XML, repaired to read the packet: {detail}", detail=message
                ),
                file=self.label,
                line=line,
                column=column,
            )
        )

    def _decode(self, node: Node) -> None:
        """End of a ``ContentTransferEncoded``: finish decoding and unzip, bounded."""
        decoder = node.decoder
        assert decoder is not None
        raw = decoder.finish()
        if raw is None:
            self.add(codes.ATTACHMENT_ENCODING, node, tr("attachment content is not valid base64"))
            return
        destination = self._destination(node)
        with raw:
            try:
                result = unpack(
                    raw,
                    head=decoder.head,
                    size=decoder.size,
                    destination=destination,
                    limits=self.limits,
                )
            except ZipBombError as exc:
                self._release(destination)
                exc.file, exc.line = self.label, node.line
                raise
            except AttachmentError as exc:
                self._release(destination)
                self.add(codes.ATTACHMENT_DAMAGED, node, exc.message)
                return
        if destination is not None and result.payload.path != destination:
            result = replace(result, payload=Payload.from_file(result.payload.save(destination)))
        node.result = result

    def _destination(self, node: Node) -> Path | None:
        """A new file in the attachment folder, named after the attachment (never escaping it)."""
        if self.folder is None:
            return None
        self._attachments += 1
        parent = node.parent
        assert parent is not None
        named = parent.find("AttachmentName")
        cid = parent.find("ContentId")
        fallback = cid[0].text.removeprefix("cid:") if cid else ""
        return self.folder.claim(
            named[0].text if named else "", fallback or f"attachment-{self._attachments}"
        )

    def _release(self, destination: Path | None) -> None:
        if self.folder is not None and destination is not None:
            self.folder.release(destination)

    # -- issues -----------------------------------------------------------------------------

    def add(self, code: str, node: Node, message: str, severity: Severity | None = None) -> None:
        base = severity or codes.BASE_SEVERITY[code]
        self.issues.append(
            Issue(
                code=code,
                severity=codes.escalate(base, self.strict),
                message=message,
                file=self.label,
                line=node.line,
                path=node.path,
            )
        )

    # -- generic element access -------------------------------------------------------------

    def one(self, parent: Node, name: str, required: Severity | None = None) -> Node | None:
        found = parent.find(name)
        for extra in found[1:]:
            self.add(
                codes.DUPLICATE,
                extra,
                tr(
                    "{name} occurs again (first at line {line}); this one is ignored",
                    name=name,
                    line=found[0].line,
                ),
            )
        if not found:
            if required is not None:
                self.add(
                    codes.MISSING,
                    parent,
                    tr("{parent} lacks {name}", parent=parent.name, name=name),
                    required,
                )
            return None
        node = found[0]
        if not node.children and not node.text and node.decoder is None and not node.attrib:
            if required is not None:
                self.add(codes.MISSING, node, tr("{name} is empty", name=name), required)
            elif not _is_empty_container(name):
                self.add(codes.EMPTY, node, tr("{name} is present but empty", name=name))
            return None
        if node.children and all(_blank(c) for c in node.children):
            if required is not None:
                self.add(codes.MISSING, node, tr("{name} is empty", name=name), required)
            else:
                self.add(
                    codes.EMPTY,
                    node,
                    tr("{name} is present but all its elements are empty", name=name),
                )
            return None
        return node

    def text(self, parent: Node, name: str, required: Severity | None = None) -> str | None:
        node = self.one(parent, name, required)
        return None if node is None else node.text

    def integer(self, parent: Node, name: str, required: Severity | None = None) -> int | None:
        node = self.one(parent, name, required)
        if node is None:
            return None
        try:
            return int(node.text)
        except ValueError:
            self.add(
                codes.BAD_NUMBER,
                node,
                tr("{name} should be a whole number, not {value!r}", name=name, value=node.text),
            )
            return None

    def boolean(self, parent: Node, name: str) -> bool | None:
        node = self.one(parent, name)
        if node is None:
            return None
        value = node.text.lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        self.add(
            codes.BAD_NUMBER,
            node,
            tr("{name} should be true or false, not {value!r}", name=name, value=node.text),
        )
        return None

    def date(self, parent: Node, name: str, required: Severity | None = None) -> date | None:
        node = self.one(parent, name, required)
        if node is None:
            return None
        found = parse_date(node.text)
        if found is None:
            self.add(
                codes.BAD_DATE,
                node,
                tr(
                    "{name} {value!r} is no date in yyyy/MM/dd (or a tolerated form)",
                    name=name,
                    value=node.text,
                ),
            )
            return None
        if found[1] is not DateForm.DATE:
            self.add(
                codes.DATE_FORM,
                node,
                tr(
                    "{name} is written {form}; the standard form is yyyy/MM/dd",
                    name=name,
                    form=found[1].value,
                ),
            )
        return found[0]

    def timestamp(
        self, parent: Node, name: str, required: Severity | None = None
    ) -> datetime | None:
        node = self.one(parent, name, required)
        if node is None:
            return None
        found = parse_timestamp(node.text)
        if found is None:
            self.add(
                codes.BAD_DATE,
                node,
                tr(
                    "{name} {value!r} is no timestamp in yyyy/MM/dd HH:mm:ss (or a tolerated form)",
                    name=name,
                    value=node.text,
                ),
            )
            return None
        if found[1] is not DateForm.DATETIME:
            self.add(
                codes.DATE_FORM,
                node,
                tr(
                    "{name} is written {form}; the standard form is yyyy/MM/dd HH:mm:ss",
                    name=name,
                    form=found[1].value,
                ),
            )
        return found[0]

    def many(
        self, parent: Node | None, name: str, make: Callable[[Node], _T | None]
    ) -> tuple[_T, ...]:
        if parent is None:
            return ()
        made = []
        for node in parent.find(name):
            if not node.children and not node.text:
                self.add(codes.EMPTY, node, tr("{name} is present but empty", name=name))
                continue
            if node.children and all(_blank(c) for c in node.children):
                self.add(
                    codes.EMPTY,
                    node,
                    tr("{name} is present but all its elements are empty", name=name),
                )
                continue
            value = make(node)
            if value is not None:
                made.append(value)
        return tuple(made)

    # -- identifiers ------------------------------------------------------------------------

    def coded(self, node: Node, kind: type[_C]) -> _C | None:
        """``node``'s text as a :mod:`qnegov.codes` value, or None to keep the text as written.

        The codes module's findings are reported at the element; a value it had to repair
        (case, padding...) is not used, so that a peer's identifiers are never rewritten.
        """
        text = node.text
        try:
            value, found = kind.parse_lenient(text)
        except InvalidCode as exc:
            self.issues.append(
                Issue(
                    code=exc.reason,
                    severity=codes.escalate(Severity.WARNING, self.strict),
                    message=exc.message,
                    file=self.label,
                    line=node.line,
                    path=node.path,
                    rule=exc.reason,
                )
            )
            return None
        for finding in found:
            self.issues.append(
                replace(
                    finding,
                    severity=codes.escalate(finding.severity, self.strict),
                    file=self.label,
                    line=node.line,
                    path=node.path,
                )
            )
        return value if str(value) == text else None

    def _organ(self, node: Node) -> AgencyCode | str:
        return self.coded(node, AgencyCode) or node.text

    def agency(
        self, parent: Node, name: str, required: Severity | None = Severity.ERROR
    ) -> AgencyCode | str | None:
        node = self.one(parent, name, required)
        if node is None:
            return None
        return self.coded(node, AgencyCode) or node.text

    def document_id(
        self, parent: Node, name: str, required: Severity | None = None
    ) -> DocumentId | str | None:
        node = self.one(parent, name, required)
        if node is None:
            return None
        return self.coded(node, DocumentId) or node.text

    # -- shape checks -----------------------------------------------------------------------

    def check_shape(self, root: Node) -> None:
        """Report unbound prefixes, elements outside the namespace and unknown elements; keep
        the unknown ones (and everything below them) to be written back."""
        unbound = self._unbound_nodes(root)
        for node in root.walk():
            if (
                node.name in ("Signature",)
                and node.parent is not None
                and node.parent.name == "edXMLHeader"
            ):
                continue
            if _inside_signature(node) or _inside(node, self._kept):
                continue
            if node.ns != NS and node not in unbound:
                self.add(
                    codes.NAMESPACE,
                    node,
                    tr(
                        "{name} is in namespace {ns}, not the edXML namespace",
                        name=node.name,
                        ns=node.ns or "(none)",
                    ),
                )
            allowed = CONTAINERS.get(node.name)
            if allowed is None:
                continue
            for child in node.children:
                if child.name not in allowed:
                    self.keep(
                        child,
                        tr(
                            "{name} is not known inside {parent}; kept as written",
                            name=child.name,
                            parent=node.name,
                        ),
                    )

    def keep(self, node: Node, message: str) -> None:
        """An element the model has no field for: reported, and kept verbatim for the builder."""
        if node in self._kept:
            return
        self._kept.append(node)
        severity = Severity.ERROR if self.strict else Severity.INFO
        self.add(codes.UNKNOWN, node, message, severity)

    def _unbound_nodes(self, root: Node) -> set[Node]:
        """Report each prefix used without declaration at its element; the elements so named
        (read by their local name) are returned, so they are not also said to lack a namespace."""
        named: set[Node] = set()
        nodes = list(root.walk())
        for found in self._unbound:
            candidates = [n for n in nodes if n.name == found.element and n.line <= found.line]
            if found.attribute is None:
                candidates = [n for n in candidates if n.ns is None] or candidates
            node = max(candidates, key=lambda n: n.line, default=root)
            if found.attribute is None:
                named.add(node)
            what = (
                found.element if found.attribute is None else f"{found.element}/@{found.attribute}"
            )
            self.issues.append(
                Issue(
                    code=codes.UNBOUND_PREFIX,
                    severity=codes.escalate(codes.BASE_SEVERITY[codes.UNBOUND_PREFIX], self.strict),
                    message=tr(
                        "unbound prefix {prefix!r}: {what} uses it with no namespace "
                        "declaration in force; read by its local name",
                        prefix=found.prefix,
                        what=what,
                    ),
                    file=self.label,
                    line=found.line,
                    column=found.column,
                    path=node.path,
                )
            )
        return named

    def extras(self) -> tuple[ExtraElement, ...]:
        """The kept elements, each with the place the builder writes it back to."""
        kept = set(self._kept)
        made = []
        for node in self._kept:
            parent = node.parent
            assert parent is not None
            after = None
            for sibling in parent.children[: parent.children.index(node)]:
                if _written(sibling, kept):
                    after = _step(sibling, kept)
            made.append(ExtraElement(parent=_place(parent, kept), after=after, xml=serialise(node)))
        return tuple(made)

    # -- interpretation ---------------------------------------------------------------------

    def interpret(self, root: Node) -> Packet:
        self.check_shape(root)
        envelope = self.one(root, "edXMLEnvelope", Severity.ERROR)
        if envelope is None:
            raise PacketError(
                tr("the packet has no edXMLEnvelope"), file=self.label, line=root.line
            )
        header = self.one(envelope, "edXMLHeader", Severity.ERROR)
        if header is None:
            raise PacketError(
                tr("the packet has no edXMLHeader"), file=self.label, line=envelope.line
            )
        signature = self.signature(header)
        traces_node = self.one(header, "TraceHeaderList")
        traces = self.many(traces_node, "TraceHeader", self.trace)
        status = self.one(header, "Status")
        message = self.one(header, "MessageHeader", None if status is not None else Severity.ERROR)
        if status is not None:
            if message is not None:
                self._ignored(message, kind="status")
            return self.status(status, traces, signature).model_copy(
                update=self.trace_list(traces_node)
            )
        if message is None:
            raise PacketError(
                tr("the packet has neither MessageHeader nor Status"),
                file=self.label,
                line=header.line,
            )
        if message.find("StatusCode") and not message.find("Code"):
            self.add(
                codes.STATUS_SHAPE,
                message,
                tr(
                    "status fields sit directly in MessageHeader (VPCP reference shape), "
                    "not in a Status element"
                ),
            )
            self._ignored(message, kind="status")
            return self.status(message, traces, signature).model_copy(
                update=self.trace_list(traces_node)
            )
        self._ignored(message, kind="document")
        business_node = None if traces_node is None else self.one(traces_node, "Bussiness")
        bodies = envelope.find("edXMLBody")
        manifests = bodies[0].find("edXMLManifest") if bodies else []
        manifest_node = manifests[0] if manifests else None
        encoded = self.one(root, "AttachmentEncoded")
        return Envelope(
            header=self.message_header(message),
            traces=traces,
            business=None if business_node is None else self.business(business_node),
            manifest=self.many(manifest_node, "Reference", self.reference),
            attachments=self.many(encoded, "Attachment", self.attachment),
            signature=signature,
        ).model_copy(update=self.trace_list(traces_node))

    def trace_list(self, node: Node | None) -> dict[str, object]:
        """``TraceHeaderList``'s own facts (``@id``, ``@version``, ``Paper``) and the kept
        elements (computed last: every other reading step may have kept some)."""
        facts: dict[str, object] = {}
        if node is not None:
            facts = {
                "trace_id": node.attrib.get("id"),
                "trace_version": node.attrib.get("version"),
                "trace_paper": self.integer(node, "Paper"),
            }
        return {**facts, "extras": self.extras()}

    def _ignored(self, message: Node, kind: str) -> None:
        """Report MessageHeader children that belong to the other kind of packet."""
        wanted = _STATUS_FIELDS if kind == "status" else _DOCUMENT_FIELDS
        for child in message.children:
            if child.name in CONTAINERS["MessageHeader"] and child.name not in wanted:
                self.keep(
                    child,
                    tr(
                        "{name} does not belong in a {kind} packet's MessageHeader; "
                        "kept as written",
                        name=child.name,
                        kind=kind,
                    ),
                )

    def signature(self, header: Node) -> SignatureInfo | None:
        placeholder = header.find("DigitalSignature")
        if placeholder:
            self.add(
                codes.SIGNATURE_PLACEHOLDER,
                placeholder[0],
                tr("DigitalSignature is a placeholder, not an XML-DSig signature"),
            )
        found = header.find("Signature")
        if not found:
            return None
        node = found[0]
        namespaced = node.ns == XMLDSIG_NS
        if not namespaced:
            self.add(
                codes.SIGNATURE_NS,
                node,
                tr(
                    "Signature is in namespace {ns}, not XML-DSig ({dsig})",
                    ns=node.ns or "(none)",
                    dsig=XMLDSIG_NS,
                ),
            )
        algorithms: dict[str, str] = {}
        subject = None
        certificate = False
        for sub in node.walk():
            if (
                sub.name in ("SignatureMethod", "CanonicalizationMethod")
                and sub.name not in algorithms
            ):
                algorithms[sub.name] = sub.attrib.get("Algorithm", "")
            elif sub.name == "X509SubjectName" and sub.text:
                subject = sub.text
            elif sub.name == "X509Certificate" and sub.text:
                certificate = True
        return SignatureInfo(
            namespaced=namespaced,
            signature_method=algorithms.get("SignatureMethod") or None,
            canonicalization_method=algorithms.get("CanonicalizationMethod") or None,
            x509_subject=subject,
            has_certificate=certificate,
        )

    def organization(self, node: Node) -> Organization:
        return Organization(
            organ_id=self.agency(node, "OrganId") or "",
            organization_in_charge=self.text(node, "OrganizationInCharge"),
            organ_name=self.text(node, "OrganName"),
            organ_add=self.text(node, "OrganAdd"),
            email=self.text(node, "Email"),
            telephone=self.text(node, "Telephone"),
            fax=self.text(node, "Fax"),
            website=self.text(node, "Website"),
        )

    def message_header(self, node: Node) -> MessageHeader:
        err, warn = Severity.ERROR, Severity.WARNING
        frm = self.one(node, "From", err)
        to = self.many(node, "To", self.organization)
        if not node.find("To"):
            self.add(codes.MISSING, node, tr("{parent} lacks {name}", parent=node.name, name="To"))
        code_node = self.one(node, "Code", err)
        code: CodesDocumentCode | Code = Code(number="", notation="")
        if code_node is not None:
            number = self.text(code_node, "CodeNumber", err) or ""
            notation = self.text(code_node, "CodeNotation", err) or ""
            code = Code(number=number, notation=notation)
            if number and notation:
                code_node.parts = [str(code)]  # the text the codes module reads and reports on
                code = self.coded(code_node, CodesDocumentCode) or code
        info = self.one(node, "PromulgationInfo", err)
        dtype = self.one(node, "DocumentType", warn)
        signer = self.one(node, "SignerInfo", warn)
        other = self.one(node, "OtherInfo", warn)
        places = self.one(node, "ToPlaces")
        steering = self.integer(node, "SteeringType", warn)
        if steering is not None and not 0 <= steering <= 3:
            self.add(
                codes.UNKNOWN_VALUE,
                node.find("SteeringType")[0],
                tr("SteeringType {value} is outside the known values 0-3", value=steering),
            )
        return MessageHeader(
            from_=Organization(organ_id="") if frm is None else self.organization(frm),
            to=to,
            code=code,
            promulgation_info=PromulgationInfo()
            if info is None
            else PromulgationInfo(
                place=self.text(info, "Place"),
                promulgation_date=self.date(info, "PromulgationDate", err),
            ),
            document_type=DocumentType()
            if dtype is None
            else DocumentType(
                type=self.integer(dtype, "Type"),
                type_detail=self.integer(dtype, "TypeDetail"),
                type_name=self.text(dtype, "TypeName"),
            ),
            subject=self.text(node, "Subject", err) or "",
            content=self.text(node, "Content"),
            signer_info=SignerInfo()
            if signer is None
            else SignerInfo(
                competence=self.text(signer, "Competence"),
                position=self.text(signer, "Position"),
                full_name=self.text(signer, "FullName"),
            ),
            due_date=self.date(node, "DueDate"),
            to_places=self.many(places, "Place", lambda n: n.text),
            other_info=OtherInfo() if other is None else self.other_info(other),
            response_for=self.many(node, "ResponseFor", self.response_for),
            steering_type=steering,
            document_id=self.document_id(node, "DocumentId", err) or "",
            application_type=self.integer(node, "ApplicationType"),
            response_for_task=self.many(
                self.one(node, "ResponseForTask"), "TaskCode", lambda n: n.text
            ),
        )

    def other_info(self, node: Node) -> OtherInfo:
        priority = self.integer(node, "Priority")
        if priority is not None and not 0 <= priority <= 4:
            self.add(
                codes.UNKNOWN_VALUE,
                node.find("Priority")[0],
                tr("Priority {value} is outside the known values 0-4", value=priority),
            )
        appendixes = self.one(node, "Appendixes")
        return OtherInfo(
            priority=priority,
            sphere_of_promulgation=self.text(node, "SphereOfPromulgation"),
            typer_notation=self.text(node, "TyperNotation"),
            promulgation_amount=self.integer(node, "PromulgationAmount"),
            page_amount=self.integer(node, "PageAmount"),
            direction=self.boolean(node, "Direction"),
            appendixes=self.many(appendixes, "Appendix", lambda n: n.text),
            reply_fors=self.text(node, "ReplyFors"),
            reference_codes=self.text(node, "ReferenceCodes"),
        )

    def response_for(self, node: Node) -> ResponseFor:
        return ResponseFor(
            organ_id=self.agency(node, "OrganId", None),
            code=self.text(node, "Code"),
            promulgation_date=self.date(node, "PromulgationDate"),
            document_id=self.document_id(node, "DocumentId"),
        )

    def staff(self, node: Node) -> StaffInfo:
        return StaffInfo(
            department=self.text(node, "Department"),
            staff=self.text(node, "Staff"),
            mobile=self.text(node, "Mobile"),
            email=self.text(node, "Email"),
            staff_id=self.text(node, "StaffId"),
            department_id=self.text(node, "DepartmentId"),
        )

    def trace(self, node: Node) -> TraceHeader | None:
        organ = self.agency(node, "OrganId")
        when = self.timestamp(node, "Timestamp", Severity.ERROR)
        if organ is None or when is None:
            return None
        return TraceHeader(organ_id=organ, timestamp=when)

    def business(self, node: Node) -> Business | None:
        kind = self.integer(node, "BussinessDocType", Severity.ERROR)
        if kind is None:
            return None
        if kind not in set(BusinessDocType):
            self.add(
                codes.UNKNOWN_VALUE,
                node.find("BussinessDocType")[0],
                tr(
                    "BussinessDocType {value} is outside the known values 0-3; "
                    "the business block is ignored",
                    value=kind,
                ),
                Severity.ERROR,
            )
            return None
        info = self.one(node, "BussinessDocumentInfo")
        replacements = self.one(node, "ReplacementInfoList")
        return Business(
            doc_type=BusinessDocType(kind),
            document_id=self.document_id(node, "DocumentId"),
            reason=self.text(node, "BussinessDocReason"),
            paper=self.integer(node, "Paper"),
            staff_info=self.many(node, "StaffInfo", self.staff),
            document_info=None if info is None else self.document_info(info),
            replacements=self.many(replacements, "ReplacementInfo", self.replacement),
        )

    def document_info(self, node: Node) -> BusinessDocumentInfo:
        receivers = self.one(node, "ReceiverList")
        return BusinessDocumentInfo(
            document_info=self.text(node, "DocumentInfo"),
            document_receiver=self.text(node, "DocumentReceiver"),
            receivers=self.many(receivers, "Receiver", self.receiver),
        )

    def receiver(self, node: Node) -> Receiver | None:
        organ = self.agency(node, "OrganId")
        kind = self.integer(node, "ReceiverType", Severity.ERROR)
        if organ is None or kind is None:
            return None
        if kind not in (0, 1):
            self.add(
                codes.UNKNOWN_VALUE,
                node.find("ReceiverType")[0],
                tr("ReceiverType {value} is outside the known values 0-1", value=kind),
            )
        return Receiver(organ_id=organ, receiver_type=kind)

    def replacement(self, node: Node) -> ReplacementInfo | None:
        doc = self.document_id(node, "DocumentId", Severity.ERROR)
        organs = self.one(node, "OrganIdList")
        ids: tuple[AgencyCode | str, ...] = self.many(organs, "OrganId", self._organ)
        return None if doc is None else ReplacementInfo(document_id=doc, organ_ids=ids)

    def content_id(self, parent: Node) -> str | None:
        node = self.one(parent, "ContentId", Severity.ERROR)
        if node is None:
            return None
        value = node.text
        if value.lower().startswith("cid:"):
            return value[4:]
        self.add(codes.BARE_CID, node, tr("ContentId {value!r} has no cid: prefix", value=value))
        return value

    def reference(self, node: Node) -> ManifestReference | None:
        cid = self.content_id(node)
        if cid is None:
            return None
        return ManifestReference(
            content_id=cid,
            content_type=self.text(node, "ContentType"),
            description=self.text(node, "Description"),
            attachment_name=self.text(node, "AttachmentName"),
        )

    def attachment(self, node: Node) -> Attachment | None:
        cid = self.content_id(node)
        encoded = self.one(node, "ContentTransferEncoded", Severity.ERROR)
        file_name = self.text(node, "AttachmentName", Severity.ERROR)
        content_type = self.text(node, "ContentType")
        result = None if encoded is None else encoded.result
        if cid is None:
            return None
        if not isinstance(result, Unpacked):
            result = Unpacked(Payload.from_bytes(b""), zipped=False, member_name=None)
        else:
            self.attachment_notes(node, result)
        return Attachment(
            content_id=cid,
            name=file_name or cid,
            payload=result.payload,
            content_type=content_type,
            description=self.text(node, "Description"),
            zipped=result.zipped,
            member_name=result.member_name,
        )

    def attachment_notes(self, node: Node, result: Unpacked) -> None:
        if not result.zipped:
            self.add(
                codes.ATTACHMENT_NOT_ZIPPED,
                node,
                tr("attachment is not zipped (peers zip each file before base64)"),
            )
        if result.extra_members:
            self.add(
                codes.ATTACHMENT_MEMBERS,
                node,
                tr(
                    "attachment zip holds {count} files; only the first is read",
                    count=1 + len(result.extra_members),
                ),
            )
        if result.payload.size == 0:
            self.add(codes.ATTACHMENT_EMPTY, node, tr("attachment decodes to an empty file"))

    def status(
        self, node: Node, traces: tuple[TraceHeader, ...], signature: SignatureInfo | None
    ) -> StatusPacket:
        err = Severity.ERROR
        frm = self.one(node, "From", err)
        response = self.one(node, "ResponseFor", err)
        code_node = self.one(node, "StatusCode", err)
        code: StatusCode | str = ""
        if code_node is not None:
            try:
                code = StatusCode(code_node.text)
            except ValueError:
                code = code_node.text
                self.add(
                    codes.UNKNOWN_VALUE,
                    code_node,
                    tr(
                        "StatusCode {value!r} is not a known status (01-06, 13, 15, 16)", value=code
                    ),
                )
        when = self.timestamp(node, "Timestamp", err)
        return StatusPacket(
            from_=Organization(organ_id="") if frm is None else self.organization(frm),
            response_for=ResponseFor() if response is None else self.response_for(response),
            status_code=code,
            description=self.text(node, "Description"),
            timestamp=when or datetime(1970, 1, 1),
            staff_info=self.many(node, "StaffInfo", self.staff),
            traces=traces,
            signature=signature,
        )


_STATUS_FIELDS = CONTAINERS["Status"]
_DOCUMENT_FIELDS = (
    CONTAINERS["MessageHeader"] - {"StatusCode", "Description", "Timestamp"} - {"StaffInfo"}
)


def _blank(node: Node) -> bool:
    return not node.text and all(_blank(c) for c in node.children)


_WRITTEN_AS: dict[str, str] = {"Status": "MessageHeader"}
"""Containers the builder writes under another name (a status is always written the VPCP way)."""
_NOT_WRITTEN: frozenset[str] = frozenset({"Signature", "DigitalSignature"})


def _written(node: Node, kept: set[Node]) -> bool:
    """Whether the builder writes ``node`` back (so a kept sibling can be placed after it)."""
    parent = node.parent
    return (
        parent is not None
        and node not in kept
        and node.name in CONTAINERS.get(parent.name, ())
        and node.name not in _NOT_WRITTEN
        and not _blank(node)
    )


def _step(node: Node, kept: set[Node]) -> str:
    """``Name`` or ``Name[n]``: the n-th written sibling of that name."""
    name = _WRITTEN_AS.get(node.name, node.name)
    if node.parent is None:
        return name
    same = [c for c in node.parent.children if c.name == node.name and _written(c, kept)]
    n = same.index(node) + 1 if node in same else len(same) + 1
    return name if n == 1 else f"{name}[{n}]"


def _place(node: Node, kept: set[Node]) -> str:
    """The path of a container in the form :class:`ExtraElement` uses."""
    steps: list[str] = []
    step: Node | None = node
    while step is not None:
        steps.append(_step(step, kept))
        step = step.parent
    return "/" + "/".join(reversed(steps))


def _inside(node: Node, kept: list[Node]) -> bool:
    """Whether ``node`` is a kept element or lies below one."""
    step: Node | None = node
    while step is not None:
        if step in kept:
            return True
        step = step.parent
    return False


def _is_empty_container(name: str) -> bool:
    """Lists that peers write empty when there is nothing to list: not worth a warning."""
    return name in ("ToPlaces", "Appendixes")


def _inside_signature(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if (
            parent.name == "Signature"
            and parent.parent is not None
            and parent.parent.name == "edXMLHeader"
        ):
            return True
        parent = parent.parent
    return False


def _position(source: _xml.Source) -> int | None:
    """Where a re-read must start from, or None when the source cannot be read twice."""
    if isinstance(source, bytes | str) or hasattr(source, "__fspath__"):
        return 0
    seekable = getattr(source, "seekable", None)
    return int(source.tell()) if seekable is not None and seekable() else None


def _rewind(source: _xml.Source, start: int) -> None:
    if isinstance(source, bytes | str) or hasattr(source, "__fspath__"):
        return
    stream: IO[bytes] = source
    stream.seek(start)
