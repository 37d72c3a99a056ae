"""Hypothesis strategies for signing tests: any XML document worth signing.

``xml_documents()`` draws small namespaced documents with Vietnamese-capable text, attributes and
whitespace tails, as UTF-8 bytes built with lxml (never parsed from generated text), so every
draw is well-formed. For edXML packets use :func:`qnegov.testing.packets` with
:func:`qnegov.edxml.build`.
"""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st
from lxml import etree

__all__ = ["xml_documents", "xml_text"]


def xml_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text XML 1.0 can carry (no control characters, surrogates or U+FFFE/U+FFFF)."""
    return st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
        )
        | st.sampled_from("ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ \n\t"),
        max_size=max_size,
    )


_NAMES: Final = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,8}\Z")


@st.composite
def _element(draw: st.DrawFn, depth: int) -> etree._Element:
    el = etree.Element("{urn:qnegov:test}" + draw(_NAMES))
    for name in draw(st.lists(_NAMES, max_size=3, unique=True)):
        el.set(name, draw(xml_text(20)))
    el.text = draw(xml_text())
    if depth > 0:
        for child in draw(st.lists(_element(depth - 1), max_size=3)):
            child.tail = draw(st.sampled_from(["", "\n", "\n  "]))
            el.append(child)
    return el


def xml_documents(max_depth: int = 3) -> st.SearchStrategy[bytes]:
    """Small namespaced documents, serialised as UTF-8 with an XML declaration."""
    return _element(max_depth).map(
        lambda root: etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    )
