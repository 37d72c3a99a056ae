"""The record schema: which element is a record, and an XSD that validates records in batches.

Validating each record subtree with its own ``XMLSchema.validate`` call costs more than the
validation itself. Instead the validator parses a batch of records wrapped in one synthetic
element and validates that once. This module derives the schema for that wrapper: a copy of
the user's XSD with one extra global element, ``QnegovBulkBatch``, whose content is any number
of record elements — by reference when the record is declared globally, or as a copy of the
local declaration when it is not. Nothing else in the schema changes, so a record is judged
exactly as whole-document validation would judge it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.bulk._fast import Acceptor, Unsupported, compile_acceptor
from qnegov.errors import SchemaError

__all__ = ["BATCH_ELEMENT", "COPY_SUFFIX", "RecordSchema", "RootConstraint", "split_clark"]

XS: Final = "http://www.w3.org/2001/XMLSchema"
_XS: Final = "{" + XS + "}"
BATCH_ELEMENT: Final = "QnegovBulkBatch"
_REF_PREFIX: Final = "qnegovrec"
COPY_SUFFIX: Final = "QnegovBatchCopy"
"""Appended to the names of identity constraints in the batch schema's copy of a local record
declaration (two constraints may not share a name); messages drop it again."""
_CONSTRAINTS: Final = (_XS + "key", _XS + "unique", _XS + "keyref")
_ID_TYPES: Final = frozenset({"ID", "IDREF", "IDREFS"})


def split_clark(name: str) -> tuple[str | None, str]:
    """``{ns}local`` → (ns, local); ``local`` → (None, local)."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return None, name


def _max_occurs_many(decl: etree._Element) -> bool:
    value = decl.get("maxOccurs", "1")
    return value == "unbounded" or (value.isdigit() and int(value) > 1)


@dataclass(frozen=True, slots=True)
class RecordSchema:
    """A user XSD plus its record element, with the derived batch schema as bytes.

    ``batch_xsd`` is what workers compile (bytes pickle cheaply; compiled schemas do not).
    """

    path: str
    record_ns: str | None
    record_local: str
    batch_ns: str | None
    batch_xsd: bytes
    skeleton_xsd: bytes | None = None
    """The user's schema without the root's identity constraints (the engine checks those
    across the whole file itself); None when nothing was removed."""
    root_constraints: tuple[RootConstraint, ...] = ()
    unchecked: tuple[str, ...] = ()
    """Schema features the engine cannot check, one warning each."""

    @property
    def record_tag(self) -> str:
        """The record element in Clark notation."""
        return f"{{{self.record_ns}}}{self.record_local}" if self.record_ns else self.record_local

    def compile_full(self) -> etree.XMLSchema:
        """The user's schema (validates the header and trailer), without the root-level
        identity constraints that the engine checks across the file."""
        if self.skeleton_xsd is not None:
            return _xml.load_xsd(self.skeleton_xsd, base_url=self.path)
        return _xml.load_xsd(self.path)

    def acceptor(
        self,
        root_nsmap: dict[str | None, str],
        record_prefix: str | None,
        fields: tuple[str, ...] = (),
    ) -> tuple[Acceptor | None, str | None]:
        """The fast-path acceptor of the record for a file binding ``root_nsmap`` on its root,
        or (None, the reason it cannot be compiled)."""
        main = _xml.parse(self.path)
        docs = _schema_documents(main, Path(self.path))
        decl, is_global, owner = _find_decl(docs, self.record_ns, self.record_local)
        if decl is None or owner is None:
            decl, is_global, owner = _find_decl(docs, None, self.record_local)
        if decl is None or owner is None:
            return None, "record declaration not found"
        try:
            return (
                compile_acceptor(
                    docs,
                    decl,
                    is_global,
                    owner,
                    self.record_ns,
                    root_nsmap,
                    record_prefix,
                    fields,
                ),
                None,
            )
        except Unsupported as exc:
            return None, str(exc)

    def compile_batch(self) -> etree.XMLSchema:
        """The derived schema whose global ``QnegovBulkBatch`` holds records."""
        return _xml.load_xsd(self.batch_xsd, base_url=self.path)

    @classmethod
    def load(
        cls,
        xsd: str | PathLike[str],
        record: str | None = None,
        *,
        root: str | None = None,
    ) -> RecordSchema:
        """Read ``xsd`` and find the record element: ``record`` if given, else the repeated
        child of ``root``'s declaration. Raises :class:`SchemaError` when neither works."""
        path = str(Path(xsd).resolve())
        main = _xml.parse(path)
        docs = _schema_documents(main, Path(path))
        tns = main.getroot().get("targetNamespace")
        if record is None:
            if root is None:
                raise SchemaError(
                    tr("no record element given and no root to guess it from"), file=path
                )
            record = _guess_record(docs, root)
        ns, local = split_clark(record)
        decl, global_decl, owner = _find_decl(docs, ns, local)
        if decl is None or owner is None:
            raise SchemaError(
                tr("the schema declares no element named {name}", name=record), file=path
            )
        if ns is None:
            ns = _effective_ns(decl, global_decl, owner)
        batch = _batch_schema(main, decl, global_decl, owner, ns, local)
        unchecked: list[str] = []
        constraints: tuple[RootConstraint, ...] = ()
        skeleton: bytes | None = None
        if root is not None:
            constraints, skeleton = _root_constraints(main, docs, root, ns, local, unchecked)
        if _uses_id_types(docs):
            unchecked.append(
                tr(
                    "xs:ID/xs:IDREF: uniqueness and references are checked within a batch of "
                    "records only, not across the file"
                )
            )
        return cls(path, ns, local, tns, batch, skeleton, constraints, tuple(unchecked))


def _schema_documents(main: etree._ElementTree, path: Path) -> list[etree._Element]:
    """The main schema document and every document it includes or imports (by location)."""
    seen = {path}
    docs = [main.getroot()]
    todo = [(main.getroot(), path)]
    while todo:
        doc, where = todo.pop()
        for ref in doc.iterchildren(_XS + "include", _XS + "import", _XS + "redefine"):
            location = ref.get("schemaLocation")
            if not location or "://" in location:
                continue
            target = (where.parent / location).resolve()
            if target in seen or not target.is_file():
                continue
            seen.add(target)
            root = _xml.parse(target).getroot()
            docs.append(root)
            todo.append((root, target))
    return docs


def _find_decl(
    docs: list[etree._Element], ns: str | None, local: str
) -> tuple[etree._Element | None, bool, etree._Element | None]:
    """(declaration, is it global, schema document holding it); globals win over locals."""
    for want_global in (True, False):
        for doc in docs:
            for decl in doc.iter(_XS + "element"):
                if decl.get("name") != local:
                    continue
                is_global = decl.getparent() is doc
                if is_global != want_global:
                    continue
                if ns is not None and _effective_ns(decl, is_global, doc) != ns:
                    continue
                return decl, is_global, doc
    return None, False, None


def _effective_ns(decl: etree._Element, is_global: bool, doc: etree._Element) -> str | None:
    tns = doc.get("targetNamespace")
    if is_global:
        return tns
    form = decl.get("form") or doc.get("elementFormDefault", "unqualified")
    return tns if form == "qualified" else None


def _guess_record(docs: list[etree._Element], root: str) -> str:
    """The child of ``root``'s declaration that may repeat (the record element)."""
    ns, local = split_clark(root)
    decl, _is_global, doc = _find_decl(docs, ns, local)
    if decl is None or doc is None:
        raise SchemaError(tr("the schema declares no root element {name}", name=root))
    candidates: list[str] = []
    for child in _content_elements(docs, decl):
        if not _max_occurs_many(child):
            continue
        if child.get("ref"):
            ref_ns, ref_local = _resolve_qname(child, child.get("ref", ""))
            candidates.append(f"{{{ref_ns}}}{ref_local}" if ref_ns else ref_local)
        elif child.get("name"):
            child_doc = child.getroottree().getroot()
            child_ns = _effective_ns(child, False, child_doc)
            name = child.get("name", "")
            candidates.append(f"{{{child_ns}}}{name}" if child_ns else name)
    if len(candidates) != 1:
        raise SchemaError(
            tr(
                "cannot tell the record element of {root}: {count} repeatable children; "
                "name it with --record",
                root=root,
                count=len(candidates),
            )
        )
    return candidates[0]


def _resolve_qname(context: etree._Element, qname: str) -> tuple[str | None, str]:
    prefix, _, local = qname.rpartition(":")
    return context.nsmap.get(prefix or None), local


def _content_elements(docs: list[etree._Element], decl: etree._Element) -> list[etree._Element]:
    """Element particles directly in ``decl``'s content model (through named complex types)."""
    body: etree._Element | None = decl.find(_XS + "complexType")
    type_name = decl.get("type")
    if body is None and type_name:
        _type_ns, local = _resolve_qname(decl, type_name)
        for doc in docs:
            for named in doc.iterchildren(_XS + "complexType"):
                if named.get("name") == local:
                    body = named
    if body is None:
        return []
    found: list[etree._Element] = []
    groups = (_XS + "sequence", _XS + "choice", _XS + "all")
    todo = [g for g in body if g.tag in groups]
    while todo:
        group = todo.pop(0)
        for particle in group:
            if particle.tag == _XS + "element":
                found.append(particle)
            elif particle.tag in groups:
                todo.append(particle)
    return found


def _batch_schema(
    main: etree._ElementTree,
    decl: etree._Element,
    is_global: bool,
    owner: etree._Element,
    ns: str | None,
    local: str,
) -> bytes:
    """The user's main schema plus the global ``QnegovBulkBatch`` element of records."""
    tree = copy.deepcopy(main)
    root = tree.getroot()
    wrapper = etree.SubElement(root, _XS + "element", name=BATCH_ELEMENT)
    sequence = etree.SubElement(etree.SubElement(wrapper, _XS + "complexType"), _XS + "sequence")
    if is_global:
        nsmap = {_REF_PREFIX: ns} if ns else {}
        particle = etree.SubElement(sequence, _XS + "element", nsmap=nsmap)
        particle.set("ref", f"{_REF_PREFIX}:{local}" if ns else local)
    else:
        particle = etree.SubElement(sequence, _XS + "element", nsmap=decl.nsmap)  # type: ignore[arg-type]
        for key, value in decl.attrib.items():
            particle.set(key, value)
        particle.set("form", "qualified" if ns else "unqualified")
        for child in decl:
            particle.append(copy.deepcopy(child))
        _rename_constraints(particle)
        if owner.get("targetNamespace") != root.get("targetNamespace"):
            raise SchemaError(
                tr(
                    "the record element {name} is declared locally in another namespace's "
                    "schema document; declare it globally",
                    name=local,
                )
            )
    particle.set("minOccurs", "0")
    particle.set("maxOccurs", "unbounded")
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _rename_constraints(copied: etree._Element) -> None:
    """Give the identity constraints of a copied declaration names of their own, keeping the
    keyrefs between them pointing at each other."""
    renamed: set[str] = set()
    for constraint in copied.iter(*_CONSTRAINTS):
        name = constraint.get("name")
        if name:
            constraint.set("name", name + COPY_SUFFIX)
            renamed.add(name)
    for keyref in copied.iter(_XS + "keyref"):
        refer = keyref.get("refer", "")
        prefix, _, local = refer.rpartition(":")
        if local in renamed:
            keyref.set("refer", (prefix + ":" if prefix else "") + local + COPY_SUFFIX)


def _uses_id_types(docs: list[etree._Element]) -> bool:
    """Whether any declaration is typed xs:ID, xs:IDREF or xs:IDREFS (or restricts one)."""
    for doc in docs:
        for node in doc.iter(_XS + "element", _XS + "attribute", _XS + "restriction", _XS + "list"):
            for attr in ("type", "base", "itemType"):
                value = node.get(attr)
                if value is None:
                    continue
                ns, local = _resolve_qname(node, value)
                if ns == XS and local in _ID_TYPES:
                    return True
    return False


@dataclass(frozen=True, slots=True)
class RootConstraint:
    """An ``xs:key``/``xs:unique``/``xs:keyref`` of the root element over the records, as XPath
    expressions the workers evaluate per record: ``selector`` from the record element to the
    selected nodes, ``fields`` from a selected node to each field."""

    kind: str
    name: str
    """Clark notation, as libxml2 names it in messages."""
    refer: str | None
    selector: tuple[str, ...]
    fields: tuple[str, ...]
    namespaces: tuple[tuple[str, str], ...]
    field_texts: tuple[str, ...] = ()
    """The fields' XPath as the schema writes them, for messages."""


_STEP: Final = re.compile(
    r"^(?:child::)?(?:(@)|attribute::)?(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)$"
)


def _root_constraints(
    main: etree._ElementTree,
    docs: list[etree._Element],
    root: str,
    record_ns: str | None,
    record_local: str,
    unchecked: list[str],
) -> tuple[tuple[RootConstraint, ...], bytes | None]:
    """The root declaration's identity constraints the engine checks across the file, and the
    user schema without them (for the header/trailer check); the others go to ``unchecked``."""
    ns, local = split_clark(root)
    decl, _is_global, doc = _find_decl(docs, ns, local)
    if decl is None or doc is None:
        return (), None
    found = [c for c in decl if c.tag in _CONSTRAINTS]
    if not found:
        return (), None
    in_main = doc is main.getroot()
    checked: list[RootConstraint] = []
    for constraint in found:
        compiled = _compile_constraint(constraint, doc, record_ns, record_local)
        name = constraint.get("name", "?")
        if compiled is None or not in_main:
            unchecked.append(
                tr(
                    "identity constraint {name} of the root element (xs:{kind}): its selector "
                    "or fields are outside what the bulk engine evaluates across records",
                    name=name,
                    kind=etree.QName(constraint).localname,
                )
            )
            continue
        checked.append(compiled)
    names = {c.name for c in checked}
    for c in list(checked):
        if c.refer is not None and c.refer not in names:
            checked.remove(c)
            unchecked.append(
                tr(
                    "keyref {name} refers to {refer}, which is not a root-level key of the records",
                    name=split_clark(c.name)[1],
                    refer=c.refer,
                )
            )
    if not in_main:
        return (), None
    tree = copy.deepcopy(main)
    holder = _same_node(tree.getroot(), decl)
    keep = {split_clark(c.name)[1] for c in checked}
    for constraint in list(holder):
        if constraint.tag in _CONSTRAINTS and constraint.get("name") in keep:
            holder.remove(constraint)
    return tuple(checked), etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _compile_constraint(
    constraint: etree._Element,
    doc: etree._Element,
    record_ns: str | None,
    record_local: str,
) -> RootConstraint | None:
    """XPath over one record for each selector branch and field; None if not expressible."""
    selector = constraint.find(_XS + "selector")
    fields = constraint.findall(_XS + "field")
    if selector is None or not fields:
        return None
    namespaces: dict[str, str] = {}

    def step(text: str, *, allow_attr: bool) -> str | None:
        match = _STEP.match(text.strip())
        if match is None:
            return None
        is_attr, prefix, local = match.groups()
        if is_attr and not allow_attr:
            return None
        if prefix:
            uri = constraint.nsmap.get(prefix)
            if uri is None:
                return None
            alias = namespaces.setdefault(uri, f"n{len(namespaces)}")
            name = f"{alias}:{local}"
        else:
            name = local
        return ("@" if is_attr else "") + name

    def is_record(text: str) -> bool:
        match = _STEP.match(text.strip())
        if match is None or match.group(1):
            return False
        prefix, local = match.group(2), match.group(3)
        uri = constraint.nsmap.get(prefix) if prefix else None
        return local == record_local and uri == record_ns

    branches: list[str] = []
    for branch in selector.get("xpath", "").split("|"):
        steps = [s for s in branch.strip().split("/")]
        if steps and steps[0].strip() == ".":
            steps = steps[1:]
        if not steps or any(not s.strip() for s in steps) or not is_record(steps[0]):
            return None
        rest = [step(s, allow_attr=False) for s in steps[1:]]
        if any(r is None for r in rest):
            return None
        branches.append("/".join(r for r in rest if r) if rest else ".")
    compiled_fields: list[str] = []
    for field_el in fields:
        text = field_el.get("xpath", "").strip()
        if text == ".":
            compiled_fields.append(".")
            continue
        steps = text.split("/")
        if steps and steps[0].strip() == ".":
            steps = steps[1:]
        if not steps:
            return None
        parts = [step(s, allow_attr=n == len(steps) - 1) for n, s in enumerate(steps)]
        if any(p is None for p in parts):
            return None
        compiled_fields.append("/".join(p for p in parts if p))
    kind = etree.QName(constraint).localname
    tns = doc.get("targetNamespace")
    name = constraint.get("name", "")
    clark = f"{{{tns}}}{name}" if tns else name
    refer = None
    if kind == "keyref":
        ref_ns, ref_local = _resolve_qname(constraint, constraint.get("refer", ""))
        refer = f"{{{ref_ns}}}{ref_local}" if ref_ns else ref_local
    return RootConstraint(
        kind,
        clark,
        refer,
        tuple(branches),
        tuple(compiled_fields),
        tuple((alias, uri) for uri, alias in namespaces.items()),
        tuple(f.get("xpath", "") for f in fields),
    )


def _same_node(copied_root: etree._Element, original: etree._Element) -> etree._Element:
    """The node of a deep copy at the position ``original`` holds in its own tree."""
    trail: list[int] = []
    node = original
    parent = node.getparent()
    while parent is not None:
        trail.append(parent.index(node))
        node, parent = parent, parent.getparent()
    target = copied_root
    for index in reversed(trail):
        target = target[index]
    return target
