"""Hypothesis strategies for signing tests: documents worth signing, packets included.

``xml_documents()`` draws any small namespaced document with Vietnamese-capable text and
attributes; ``signable_packets()`` draws minimal edXML packets (header, manifest, one attachment
of random bytes) in the peer shape. Both return UTF-8 bytes, built with lxml (never parsed from
generated text), so every draw is well-formed.
"""

from __future__ import annotations

import base64
from typing import Final

from hypothesis import strategies as st
from lxml import etree

__all__ = ["signable_packets", "xml_documents", "xml_text"]

_EDXML: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
_E: Final = f"{{{_EDXML}}}"


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


@st.composite
def signable_packets(draw: st.DrawFn) -> bytes:
    """Minimal edXML packets in the peer shape (default namespace root, ``edXML:`` inside)."""
    root = etree.Element(_E + "edXML", nsmap={None: _EDXML})  # type: ignore[dict-item]
    envelope = etree.SubElement(root, _E + "edXMLEnvelope", nsmap={"edXML": _EDXML})
    header = etree.SubElement(envelope, _E + "edXMLHeader")
    message = etree.SubElement(header, _E + "MessageHeader")
    sender = etree.SubElement(message, _E + "From")
    etree.SubElement(sender, _E + "OrganId").text = draw(
        st.from_regex(r"\A\d{3}\.\d{2}\.\d{2}\.[GHK]\d{2}\Z")
    )
    etree.SubElement(sender, _E + "OrganName").text = draw(xml_text())
    etree.SubElement(message, _E + "Subject").text = draw(xml_text(80))
    etree.SubElement(message, _E + "DocumentId").text = draw(st.uuids()).hex
    etree.SubElement(etree.SubElement(header, _E + "TraceHeaderList"), _E + "TraceHeader")
    body = etree.SubElement(envelope, _E + "edXMLBody")
    manifest = etree.SubElement(body, _E + "edXMLManifest", version="1.0")
    reference = etree.SubElement(manifest, _E + "Reference")
    etree.SubElement(reference, _E + "ContentId").text = "cid:1"
    attachments = etree.SubElement(root, _E + "AttachmentEncoded")
    attachment = etree.SubElement(attachments, _E + "Attachment")
    etree.SubElement(attachment, _E + "ContentId").text = "1"
    etree.SubElement(attachment, _E + "ContentTransferEncoded").text = base64.b64encode(
        draw(st.binary(min_size=1, max_size=2048))
    ).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
