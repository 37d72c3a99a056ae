"""A light element tree of the envelope, collected from lxml parser-target events.

The envelope is small and is kept as :class:`Node` objects with their line numbers; the base64
text of each attachment is never kept: it flows straight into a decoder and a temporary file.
Misplaced elements (a ``From`` left open, an ``AttachmentEncoded`` inside the envelope) are moved
to the nearest ancestor that can hold them, and every such repair is remembered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from qnegov._i18n import tr
from qnegov._location import qualified, step
from qnegov.edxml._attachments import Base64Decoder
from qnegov.errors import PacketError

__all__ = ["CONTAINERS", "NS", "XMLDSIG_NS", "Collector", "Node", "Repair"]

NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XMLDSIG_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
_MAX_TEXT: Final = 1 << 20

_ORG: Final = frozenset(
    {
        "OrganId",
        "OrganizationInCharge",
        "OrganName",
        "OrganAdd",
        "Email",
        "Telephone",
        "Fax",
        "Website",
    }
)
_STAFF: Final = frozenset({"Department", "DepartmentId", "Staff", "StaffId", "Email", "Mobile"})
_RESPONSE: Final = frozenset({"OrganId", "Code", "PromulgationDate", "DocumentId"})

CONTAINERS: Final[dict[str, frozenset[str]]] = {
    "edXML": frozenset({"edXMLEnvelope", "AttachmentEncoded"}),
    "edXMLEnvelope": frozenset({"edXMLHeader", "edXMLBody"}),
    "edXMLHeader": frozenset(
        {"MessageHeader", "TraceHeaderList", "Signature", "Status", "DigitalSignature"}
    ),
    "MessageHeader": frozenset(
        {
            "From",
            "To",
            "Code",
            "PromulgationInfo",
            "DocumentType",
            "Subject",
            "Content",
            "SignerInfo",
            "DueDate",
            "ToPlaces",
            "OtherInfo",
            "ResponseFor",
            "SteeringType",
            "DocumentId",
            "StatusCode",
            "Description",
            "Timestamp",
            "StaffInfo",
            "ApplicationType",
            "ResponseForTask",
        }
    ),
    "Status": frozenset(
        {"ResponseFor", "From", "StatusCode", "Description", "Timestamp", "StaffInfo"}
    ),
    "From": _ORG,
    "To": _ORG,
    "Code": frozenset({"CodeNumber", "CodeNotation"}),
    "PromulgationInfo": frozenset({"Place", "PromulgationDate"}),
    "DocumentType": frozenset({"Type", "TypeDetail", "TypeName"}),
    "SignerInfo": frozenset({"Competence", "Position", "FullName"}),
    "ToPlaces": frozenset({"Place"}),
    "OtherInfo": frozenset(
        {
            "Priority",
            "SphereOfPromulgation",
            "TyperNotation",
            "PromulgationAmount",
            "PageAmount",
            "Direction",
            "Appendixes",
            "ReplyFors",
            "ReferenceCodes",
        }
    ),
    "Appendixes": frozenset({"Appendix"}),
    "ResponseForTask": frozenset({"TaskCode"}),
    "ResponseFor": _RESPONSE,
    "TraceHeaderList": frozenset({"TraceHeader", "Bussiness", "Paper"}),
    "TraceHeader": frozenset({"OrganId", "Timestamp"}),
    "Bussiness": frozenset(
        {
            "BussinessDocType",
            "BussinessDocReason",
            "BussinessDocumentInfo",
            "DocumentId",
            "StaffInfo",
            "Paper",
            "ReplacementInfoList",
        }
    ),
    "BussinessDocumentInfo": frozenset({"DocumentInfo", "DocumentReceiver", "ReceiverList"}),
    "ReceiverList": frozenset({"Receiver"}),
    "Receiver": frozenset({"OrganId", "ReceiverType"}),
    "ReplacementInfoList": frozenset({"ReplacementInfo"}),
    "ReplacementInfo": frozenset({"DocumentId", "OrganIdList"}),
    "OrganIdList": frozenset({"OrganId"}),
    "StaffInfo": _STAFF,
    "edXMLBody": frozenset({"edXMLManifest"}),
    "edXMLManifest": frozenset({"Reference"}),
    "Reference": frozenset({"ContentId", "ContentType", "Description", "AttachmentName"}),
    "AttachmentEncoded": frozenset({"Attachment"}),
    "Attachment": frozenset(
        {"ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded"}
    ),
}
"""Which children each edXML container may hold; the repair logic and the reader share it."""


@dataclass(eq=False, slots=True)
class Node:
    """One element: local name, namespace, attributes, line, children, text."""

    name: str
    ns: str | None
    attrib: dict[str, str]
    line: int
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    size: int = 0
    decoder: Base64Decoder | None = None
    result: object | None = None
    nsmap: dict[str | None, str] = field(default_factory=dict)
    """Namespace declarations made on this element (prefix -> URI), to write it back alike."""
    prefix: str | None = None
    """The prefix the start tag was written with (None: none, a default or no namespace)."""
    nth: int = field(default=1, repr=False)
    """Position among the siblings of the same namespace and name (1-based), set when they
    are indexed."""
    _index: dict[str, list[Node]] | None = field(default=None, repr=False)
    _expanded: dict[tuple[str | None, str], list[Node]] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)

    @property
    def text(self) -> str:
        """The element's own text, stripped."""
        return "".join(self.parts).strip()

    def _by_name(self) -> dict[str, list[Node]]:
        """Children grouped by name, built once (a packet with 40,000 siblings must not cost
        40,000 scans of them); rebuilt if children were added since."""
        index = self._index
        if index is None or self._indexed != len(self.children):
            index = {}
            expanded: dict[tuple[str | None, str], list[Node]] = {}
            for child in self.children:
                index.setdefault(child.name, []).append(child)
                same = expanded.setdefault((child.ns, child.name), [])
                same.append(child)
                child.nth = len(same)
            self._index, self._indexed = index, len(self.children)
            self._expanded = expanded
        return index

    def child(self, ns: str | None, name: str, nth: int = 1) -> Node | None:
        """The ``nth`` child with this namespace and name (1-based), or None."""
        self._by_name()
        same = self._expanded.get((ns, name), ())
        return same[nth - 1] if 0 < nth <= len(same) else None

    def find(self, name: str) -> list[Node]:
        """Children called ``name`` (any namespace)."""
        return list(self._by_name().get(name, ()))

    def walk(self) -> Iterator[Node]:
        """This node and every descendant, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def path(self) -> str:
        """The location in the style of :mod:`qnegov._location`: names as written, ``[n]``
        where siblings share the namespace and name."""
        steps: list[str] = []
        node: Node | None = self
        while node is not None:
            name = qualified(node.prefix, node.name)
            parent = node.parent
            if parent is not None:
                parent._by_name()
                same = len(parent._expanded.get((node.ns, node.name), ()))
                name = step(name, node.nth, same > 1)
            steps.append(name)
            node = parent
        return "/" + "/".join(reversed(steps))


@dataclass(frozen=True, slots=True)
class Repair:
    """A structural repair the collector made: ``node`` was moved out of ``container``."""

    node: Node
    container: Node


@functools.lru_cache(maxsize=512)
def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


class Collector:
    """lxml parser target building :class:`Node` s; attachment text goes to a decoder."""

    def __init__(self, on_attachment: Callable[[Node], None]) -> None:
        self.line = 1
        self.prefix: str | None = None
        """The prefix of the start tag being read, as the feeder saw it ("": none written;
        None: not known, so it is inferred from the declarations in force)."""
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.repairs: list[Repair] = []
        self._on_attachment = on_attachment

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str, str] | None = None) -> None:
        ns, local = _split(tag)
        # with entity substitution off, libxml2 hands targets "&" in attributes as "&#38;"
        values = {k: v.replace("&#38;", "&") for k, v in attrib.items()}
        node = Node(local, ns, values, self.line)
        if nsmap:
            node.nsmap = {(p or None): u for p, u in nsmap.items()}
        written = self.prefix
        if not self.stack:
            if self.root is None:
                self.root = node
            node.prefix = written or (None if written == "" else _inferred_prefix(node))
            self.stack.append(node)
            return
        parent = self._container_for(node)
        node.parent = parent
        node.prefix = written or (None if written == "" else _inferred_prefix(node))
        parent.children.append(node)
        self.stack.append(node)
        if local == "ContentTransferEncoded" and parent.name == "Attachment":
            node.decoder = Base64Decoder()

    def _container_for(self, node: Node) -> Node:
        """The open element that may hold ``node``: the innermost, or an ancestor that fits."""
        local = node.name
        top = self.stack[-1]
        allowed = CONTAINERS.get(top.name)
        if allowed is None or local in allowed or top.ns not in (NS, None):
            return top
        if any(open_.name == "Signature" for open_ in self.stack):
            return top
        for depth in range(len(self.stack) - 2, -1, -1):
            candidate = self.stack[depth]
            if local in CONTAINERS.get(candidate.name, ()):
                moved_out_of = self.stack[depth + 1]
                del self.stack[depth + 1 :]
                if (
                    moved_out_of.name == local
                    and not moved_out_of.children
                    and not moved_out_of.text
                ):
                    candidate.children.remove(moved_out_of)  # an empty wrapper of itself
                    candidate._index = None
                self.repairs.append(Repair(node, moved_out_of))
                return candidate
        return top

    def end(self, tag: str) -> None:
        ns, local = _split(tag)
        for depth in range(len(self.stack) - 1, -1, -1):
            node = self.stack[depth]
            if node.name == local and node.ns == ns:
                del self.stack[depth:]
                if node.decoder is not None:
                    self._on_attachment(node)
                return
        # closed already by a repair: nothing to do

    def data(self, text: str) -> None:
        if not self.stack:
            return
        node = self.stack[-1]
        if node.decoder is not None:
            node.decoder.feed(text)
            return
        node.size += len(text)
        if node.size > _MAX_TEXT:
            raise PacketError(
                tr(
                    "element {name} holds more than {limit} characters of text",
                    name=node.name,
                    limit=_MAX_TEXT,
                ),
                line=node.line,
            )
        node.parts.append(text)

    def close(self) -> Node | None:
        return self.root


def _inferred_prefix(node: Node) -> str | None:
    """A prefix for ``node`` when the start tag's was not seen: none for the default
    namespace, else the first prefix bound to its namespace."""
    if node.ns is None:
        return None
    scope = in_scope(node)
    if scope.get(None) == node.ns:
        return None
    bound = sorted(p for p, uri in scope.items() if p and uri == node.ns)
    return bound[0] if bound else None


def in_scope(node: Node) -> dict[str | None, str]:
    """The namespace declarations in force at ``node`` (its own included)."""
    chain: list[Node] = []
    step: Node | None = node
    while step is not None:
        chain.append(step)
        step = step.parent
    scope: dict[str | None, str] = {}
    for ancestor in reversed(chain):
        scope.update(ancestor.nsmap)
    return scope


def serialise(node: Node) -> str:
    """``node`` and everything below it as XML text that means the same wherever it is put
    into a packet the builder writes (whose default namespace is the edXML one).

    Prefixes are the ones the peer declared (``edXML`` preferred for the edXML namespace);
    the text of a leaf is kept exactly, whitespace included.
    """
    out: list[str] = []
    _serialise(node, in_scope(node.parent) if node.parent else {}, {None: NS}, out)
    return "".join(out)


def _prefix_for(ns: str, source: dict[str | None, str], attribute: bool) -> str | None:
    named = sorted(p for p, uri in source.items() if uri == ns and p)
    if "edXML" in named:
        return "edXML"
    if named:
        return named[0]
    if not attribute and source.get(None) == ns:
        return None
    return "ns0" if attribute or ns != NS else None


def _serialise(
    node: Node,
    source: dict[str | None, str],
    written: dict[str | None, str],
    out: list[str],
) -> None:
    source = {**source, **node.nsmap}
    scope = dict(written)
    declare: dict[str | None, str] = {}

    def bind(prefix: str | None, ns: str) -> None:
        if scope.get(prefix) != ns:
            scope[prefix] = declare[prefix] = ns

    if node.ns is None:
        tag = node.name
        if scope.get(None):
            scope[None] = declare[None] = ""
    else:
        prefix = _prefix_for(node.ns, source, attribute=False)
        bind(prefix, node.ns)
        tag = f"{prefix}:{node.name}" if prefix else node.name
    attrs: list[str] = []
    for key, value in node.attrib.items():
        ans, local = _split(key)
        if ans is None:
            attrs.append(f'{local}="{_attr(value)}"')
            continue
        aprefix = _prefix_for(ans, source, attribute=True) or "ns0"
        bind(aprefix, ans)
        attrs.append(f'{aprefix}:{local}="{_attr(value)}"')
    decls = [
        (f'xmlns:{p}="{_attr(u)}"' if p else f'xmlns="{_attr(u)}"') for p, u in declare.items()
    ]
    out.append("<" + " ".join([tag, *decls, *attrs]))
    text = "".join(node.parts)
    if node.children and not text.strip():
        text = ""
    if not node.children and not text:
        out.append("/>")
        return
    out.append(">" + _text(text))
    for child in node.children:
        _serialise(child, source, scope, out)
    out.append(f"</{tag}>")


def _text(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
