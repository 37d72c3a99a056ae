"""Validation of a packet: reader deviations, the shipped XSD, and rules the XSD cannot say.

One pass reads the packet (streaming attachments), the small envelope tree is rebuilt as an
lxml tree (attachment text left out; it was checked while decoding) and checked against the
compiled XSD of the packet's kind and level, then cross-field rules run on the model.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import cache
from typing import Any, Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov._resources import schema_path
from qnegov.edxml import _issues as codes
from qnegov.edxml._attachments import DEFAULT_ATTACHMENT_LIMITS, AttachmentLimits
from qnegov.edxml._models import Attachment, BusinessDocType, Envelope, Packet
from qnegov.edxml._reader import read_packet
from qnegov.edxml._shapes import CommaId, split_document_id
from qnegov.edxml._tree import NS, Node
from qnegov.errors import PacketError, QnegovError, ZipBombError
from qnegov.report import (
    DEFAULT_MAX_ISSUES_PER_CODE,
    Issue,
    Report,
    Severity,
    cap_issues,
    issue_from_error,
)

__all__ = ["check_rules", "schema_for", "validate"]

_MIME: Final = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
_CLARK: Final = re.compile(r"\{" + re.escape(NS) + r"\}")


@cache
def schema_for(kind: str, level: str) -> etree.XMLSchema:
    """The compiled XSD for a packet kind (``document``/``status``) and level, compiled once."""
    return _xml.load_xsd(schema_path(f"edxml/qcvn102-2016/{level}/{kind}.xsd"))


def validate(
    source: _xml.Source,
    *,
    strict: bool = False,
    name: str | None = None,
    limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
    max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE,
) -> Report:
    """Everything wrong with a packet, as one :class:`Report` (never raises for bad input).

    At most ``max_issues_per_code`` issues of one code are listed, then one ``issues_capped``
    summary counts the rest (``None``: list them all)."""
    label = _xml.source_name(source, name)
    report = Report(files=[label])
    try:
        packet, root, issues = read_packet(
            source, strict=strict, name=name, limits=limits, max_issues_per_code=None
        )
    except ZipBombError as exc:
        report.add(
            Issue(
                code=codes.ZIP_BOMB,
                severity=Severity.ERROR,
                message=exc.message,
                file=exc.file or label,
                line=exc.line,
            )
        )
        return report.finish()
    except PacketError as exc:
        report.add(issue_from_error(exc, file=label))
        return report.finish()
    except QnegovError as exc:
        report.add(issue_from_error(exc, file=label))
        return report.finish()
    found = list(issues)
    seen_lines = {i.line for i in issues}
    kind = "document" if isinstance(packet, Envelope) else "status"
    for issue in _schema_issues(root, kind, "strict" if strict else "compat", label):
        if issue.line not in seen_lines:
            found.append(issue)
    found.extend(check_rules(packet, label, strict, root))
    report.extend(cap_issues(found, max_issues_per_code))
    return report.finish()


def _schema_issues(root: Node, kind: str, level: str, label: str) -> list[Issue]:
    schema = schema_for(kind, level)
    prefixes: dict[str, str] = {}
    tree = _to_lxml(root, prefixes)
    if schema.validate(tree):
        return []
    uris = {prefix: ns for ns, prefix in prefixes.items()}
    found = []
    errors: Any = schema.error_log  # lxml-stubs lack the iteration the runtime has
    for error in errors:
        message = _CLARK.sub("edXML:", str(error.message))
        found.append(
            Issue(
                code=codes.SCHEMA,
                severity=Severity.ERROR,
                message=tr("schema ({level}): {detail}", level=level, detail=message),
                file=label,
                line=error.line or None,
                path=_node_path(root, error.path, uris),
                rule=f"qcvn102-2016/{level}/{kind}.xsd",
            )
        )
    return found


_STEP: Final = re.compile(r"(?:([^:\[/]+):)?([^:\[/]+)(?:\[(\d+)\])?")


def _node_path(root: Node, xpath: str | None, uris: dict[str, str]) -> str | None:
    """The reader's path of the node libxml2 names by ``xpath`` in the rewritten tree (every
    element prefixed there, so each step is ``prefix:name[n]`` and maps back exactly)."""
    if not xpath:
        return None
    node: Node | None = None
    for text in xpath.strip("/").split("/"):
        matched = _STEP.fullmatch(text)
        if matched is None:
            break
        prefix, local, nth = matched.groups()
        ns = uris.get(prefix) if prefix else None
        if node is None:
            if (root.ns, root.name) != (ns, local):
                return root.path
            node = root
            continue
        found = node.child(ns, local, int(nth or 1))
        if found is None:
            break
        node = found
    return (node or root).path


def _to_lxml(root: Node, prefixes: dict[str, str] | None = None) -> etree._Element:
    """The envelope as an lxml tree, line numbers kept, attachment text left out.

    The tree is written out as XML and parsed back: lxml sets attributes one by one with a
    scan of those already set (quadratic: 40,000 attributes took 15 s), libxml2's parser
    does not. Each start tag is written on its line of the original (newlines pad the space
    between elements), so the schema's errors carry the packet's own line numbers, past
    65,535 too (``sourceline`` cannot be set that high).
    """
    prefixes = {} if prefixes is None else prefixes
    prefixes[_XML_NS] = "xml"
    for node in root.walk():
        for ns in (node.ns, *(k[1:].partition("}")[0] for k in node.attrib if k[:1] == "{")):
            if ns and ns not in prefixes:
                prefixes[ns] = f"ns{len(prefixes) - 1}"
    declared = "".join(
        f' xmlns:{prefix}="{ns.translate(_ATTR_ESCAPES)}"'
        for ns, prefix in prefixes.items()
        if ns != _XML_NS
    )
    out: list[str] = []
    _write(root, out, prefixes, [1], declared)
    return _xml.parse_bytes("".join(out).encode("utf-8"), name="<envelope>")


_TEXT_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES: Final = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)
_XML_NS: Final = "http://www.w3.org/XML/1998/namespace"


def _write(
    node: Node, out: list[str], prefixes: dict[str, str], line: list[int], declared: str = ""
) -> None:
    """``node`` as XML, its start tag on ``node.line`` (``line`` is where the writing is);
    every namespace was given a prefix on the root (``declared``)."""
    tag = f"{prefixes[node.ns]}:{node.name}" if node.ns else node.name
    if node.line > line[0]:
        out.append("\n" * (node.line - line[0]))
        line[0] = node.line
    out.append(f"<{tag}{declared}")
    for key, value in node.attrib.items():
        name = key
        if key[:1] == "{":
            ns, _, local = key[1:].partition("}")
            name = f"{prefixes[ns]}:{local}"
        out.append(f' {name}="{value.translate(_ATTR_ESCAPES)}"')
    out.append(">")
    if node.decoder is None and not node.children:
        text = "".join(node.parts)
        line[0] += text.count("\n")
        out.append(text.translate(_TEXT_ESCAPES))
    for child in node.children:
        _write(child, out, prefixes, line)
    out.append(f"</{tag}>")


def check_rules(
    packet: Packet, label: str | None = None, strict: bool = False, root: Node | None = None
) -> list[Issue]:
    """The rules an XSD cannot express (manifest vs attachments, DocumentId, business, trace).

    With the reader's node tree (``root``) each issue is located at the element it is about.
    """
    found: list[Issue] = []

    def add(code: str, message: str, *where: str, nth: int = 0, cid: str | None = None) -> None:
        node = _locate(root, where, nth, cid) if root is not None and where else None
        found.append(
            Issue(
                code=code,
                severity=codes.escalate(codes.BASE_SEVERITY[code], strict),
                message=message,
                file=label,
                rule=code,
                line=None if node is None else node.line,
                path=None if node is None else node.path,
            )
        )

    traces = packet.traces
    for n, (before, after) in enumerate(itertools.pairwise(traces)):
        if after.timestamp < before.timestamp:
            add(
                codes.TRACE_ORDER,
                tr(
                    "trace at {organ} ({when}) is earlier than the hop before",
                    organ=after.organ_id,
                    when=after.timestamp,
                ),
                "TraceHeaderList",
                "TraceHeader",
                nth=n + 1,
            )
    if not isinstance(packet, Envelope):
        return found
    _manifest_rules(packet, add)
    header = packet.header
    parts = split_document_id(str(header.document_id)) if header.document_id else None
    if isinstance(parts, CommaId):
        expected = {
            "From/OrganId": (parts.organ_id, str(header.from_.organ_id)),
            "PromulgationDate": (parts.when, header.promulgation_info.promulgation_date),
            "Code": (parts.code, str(header.code)),
        }
        for what, (got, want) in expected.items():
            if want and got != want:
                add(
                    codes.DOCUMENT_ID_MISMATCH,
                    tr(
                        "DocumentId {value!r} says {got} where {what} is {want}",
                        value=str(header.document_id),
                        got=got,
                        what=what,
                        want=want,
                    ),
                    "MessageHeader",
                    "DocumentId",
                )
    business = packet.business
    if business is not None and business.doc_type is not BusinessDocType.NEW:
        named = business.document_id or (
            business.doc_type is BusinessDocType.REPLACE and business.replacements
        )
        if not named:
            add(
                codes.BUSINESS_REFERENCE,
                tr(
                    "BussinessDocType {kind} ({name}) does not name the DocumentId it acts on",
                    kind=int(business.doc_type),
                    name=business.doc_type.name.lower(),
                ),
                "TraceHeaderList",
                "Bussiness",
            )
    return found


def _locate(root: Node, names: tuple[str, ...], nth: int, cid: str | None) -> Node | None:
    """The ``nth`` element whose name and ancestors' names end with ``names``, or the one whose
    ``ContentId`` is ``cid``."""
    matches = []
    for node in root.walk():
        chain: list[str] = []
        step: Node | None = node
        while step is not None and len(chain) < len(names):
            chain.append(step.name)
            step = step.parent
        if tuple(reversed(chain)) == names:
            matches.append(node)
    if cid is not None:
        for node in matches:
            ids = [c.text.removeprefix("cid:") for c in node.find("ContentId")]
            if cid in ids:
                return node
        return None
    return matches[nth] if nth < len(matches) else None


def _manifest_rules(packet: Envelope, add: Callable[..., None]) -> None:
    refs = [r.content_id for r in packet.manifest]
    atts = [a.content_id for a in packet.attachments]
    for cid in sorted({c for c in refs if refs.count(c) > 1}):
        add(
            codes.MANIFEST,
            tr("manifest lists content id {cid} more than once", cid=cid),
            "edXMLManifest",
            "Reference",
        )
    for cid in sorted(set(refs) - set(atts)):
        add(
            codes.MANIFEST,
            tr("manifest lists {cid} but no attachment carries it", cid=cid),
            "edXMLManifest",
            "Reference",
        )
    for cid in sorted(set(atts) - set(refs)):
        add(
            codes.MANIFEST,
            tr("attachment {cid} is missing from the manifest", cid=cid),
            "AttachmentEncoded",
            "Attachment",
        )
    by_id = {r.content_id: r for r in packet.manifest}
    for att in packet.attachments:
        ref = by_id.get(att.content_id)
        places = [(att.content_type, ("AttachmentEncoded", "Attachment"))]
        if ref is not None:
            places.append((ref.content_type, ("edXMLManifest", "Reference")))
        for ctype, where in places:
            message = _content_type_problem(att, ctype)
            if message is not None:
                add(codes.CONTENT_TYPE, message, *where, cid=att.content_id)
        if ref is not None and ref.attachment_name and ref.attachment_name != att.name:
            add(
                codes.MANIFEST,
                tr(
                    "manifest names {cid} {ref!r} but the attachment is {name!r}",
                    cid=att.content_id,
                    ref=ref.attachment_name,
                    name=att.name,
                ),
                "edXMLManifest",
                "Reference",
                cid=att.content_id,
            )


def _content_type_problem(att: Attachment, ctype: str | None) -> str | None:
    """Why a declared ContentType does not fit the attachment, or None when it does."""
    if not ctype:
        return None
    if not _MIME.match(ctype):
        return tr("ContentType {ctype!r} of {name} is no MIME type", ctype=ctype, name=att.name)
    if att.zipped and ctype != "application/zip":
        return tr("{name} travels zipped but is declared {ctype}", name=att.name, ctype=ctype)
    if not att.zipped and ctype == "application/zip" and att.payload.size:
        return tr("{name} is declared application/zip but is not a zip archive", name=att.name)
    return None
