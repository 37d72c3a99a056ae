"""Where an issue is: the one location-path style every report producer uses.

A path starts at the document element and names each element as the document writes it
(``edXML:To``, or ``To`` in a default namespace or none), with a 1-based ``[n]`` only where
same-named siblings exist; an attribute is a last ``/@name`` step. No ``*`` wildcards and no
made-up root, so the path reads like the file and can be pasted into an XPath tool together with
the document's prefixes. lxml elements are handled here; the edXML reader's node tree and the
bulk validator's record paths build theirs with :func:`step`.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

__all__ = ["attribute_path", "element_path", "element_steps", "qualified", "step"]

_XML_NS: Final = "http://www.w3.org/XML/1998/namespace"


def qualified(prefix: str | None, local: str) -> str:
    """``prefix:local``, or ``local`` when the name has no prefix."""
    return f"{prefix}:{local}" if prefix else local


def step(name: str, nth: int, repeated: bool) -> str:
    """One path step: ``name``, with ``[nth]`` when siblings share the name."""
    return f"{name}[{nth}]" if repeated else name


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def _element_step(element: etree._Element) -> str:
    tag = element.tag
    assert isinstance(tag, str)
    name = qualified(element.prefix, _local(tag))
    if element.getparent() is None:
        return name
    before = sum(1 for _ in element.itersiblings(tag, preceding=True))
    repeated = before > 0 or next(element.itersiblings(tag), None) is not None
    return step(name, before + 1, repeated)


def element_steps(element: etree._Element, below: etree._Element | None = None) -> list[str]:
    """The steps from the document element (or from the child of ``below`` on the way) down
    to ``element``, as the document writes them."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None and node is not below:
        steps.append(_element_step(node))
        node = node.getparent()
    steps.reverse()
    return steps


def element_path(element: etree._Element) -> str:
    """The absolute path of an lxml element (``/SOAP-ENV:Envelope/.../edXML:To[2]``)."""
    return "/" + "/".join(element_steps(element))


def attribute_path(element: etree._Element, name: str) -> str:
    """The path of attribute ``name`` (Clark notation for a namespaced one) of ``element``.

    lxml does not keep an attribute's prefix; the prefix in force for its namespace is used
    (the first in alphabetical order if the document binds several to it).
    """
    local = _local(name)
    if name[:1] == "{":
        uri = name[1:].partition("}")[0]
        bound = sorted(p for p, u in element.nsmap.items() if u == uri and p)
        prefix = "xml" if uri == _XML_NS else (bound[0] if bound else None)
        local = qualified(prefix, local)
    return f"{element_path(element)}/@{local}"
