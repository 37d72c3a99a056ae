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
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.errors import SchemaError

__all__ = ["BATCH_ELEMENT", "RecordSchema", "split_clark"]

XS: Final = "http://www.w3.org/2001/XMLSchema"
_XS: Final = "{" + XS + "}"
BATCH_ELEMENT: Final = "QnegovBulkBatch"
_REF_PREFIX: Final = "qnegovrec"


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

    @property
    def record_tag(self) -> str:
        """The record element in Clark notation."""
        return f"{{{self.record_ns}}}{self.record_local}" if self.record_ns else self.record_local

    def compile_full(self) -> etree.XMLSchema:
        """The user's schema as it is (validates the header and trailer)."""
        return _xml.load_xsd(self.path)

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
        return cls(path, ns, local, tns, batch)


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
