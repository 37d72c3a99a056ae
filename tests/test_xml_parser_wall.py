"""The safe parser's second wall and bounds, tested on their own.

The prolog scan refuses every DTD before libxml2 sees it, so the parser's own settings (no
entity substitution, no DTD loading, no network, no huge trees) are never exercised by a
hostile document that goes through the front door. Mutation testing showed that weakening them
went unnoticed; these tests hand DTD-bearing documents straight to the configured parser.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from qnegov import _xml
from qnegov.errors import UnsafeXMLError


def _text(root: etree._Element) -> str:
    return "".join(root.itertext())


def test_the_parser_does_not_substitute_internal_entities() -> None:
    doc = b'<!DOCTYPE a [<!ENTITY e "boom">]><a>x&e;y</a>'
    root = etree.fromstring(doc, _xml._new_parser(None))
    assert "boom" not in _text(root)


def test_the_parser_does_not_read_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="ascii")
    doc = f'<!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>'.encode()
    root = etree.fromstring(doc, _xml._new_parser(None))
    assert "TOP-SECRET" not in _text(root)
    assert b"TOP-SECRET" not in etree.tostring(root)


def test_the_parser_does_not_load_an_external_dtd(tmp_path: Path) -> None:
    dtd = tmp_path / "a.dtd"
    dtd.write_text('<!ENTITY e "FROM-DTD"><!ATTLIST a k CDATA "DEFAULTED">', encoding="ascii")
    doc = f'<!DOCTYPE a SYSTEM "{dtd.as_uri()}"><a>&e;</a>'.encode()
    parser = _xml._new_parser(None, recover=True)
    root = etree.fromstring(doc, parser)
    assert "FROM-DTD" not in _text(root)
    assert root.get("k") is None  # attribute defaults from a DTD are not applied


def test_the_default_parser_keeps_comments_pis_and_blank_text() -> None:
    doc = b"<a>\n  <!--c--><?pi x?><b/>\n</a>"
    root = etree.fromstring(doc, _xml._new_parser(None))
    assert [type(n).__name__ for n in root] == ["_Comment", "_ProcessingInstruction", "_Element"]
    assert root.text == "\n  "
    lean = etree.fromstring(doc, _xml._new_parser(None, lean=True))
    assert [n.tag for n in lean] == ["b"] and lean.text is None


def test_the_default_parser_refuses_a_text_node_above_libxml2s_bound() -> None:
    doc = b"<a>" + b"x" * 10_000_001 + b"</a>"
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(doc, _xml._new_parser(None))
    assert len(_text(etree.fromstring(doc, _xml._new_parser(None, huge=True)))) == 10_000_001


class _Target:
    def __init__(self) -> None:
        self.line = 0

    def start(self, tag: str, attrib: object) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def test_the_depth_bound_names_the_construct_file_and_line() -> None:
    deep = b"<a>\n" * (_xml.MAX_DEPTH + 1) + b"</a>" * (_xml.MAX_DEPTH + 1)
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse_with_target(deep, _Target(), name="deep.xml", track_lines=True)
    err = caught.value
    assert err.construct == "nesting depth"
    assert err.file == "deep.xml" and err.line == _xml.MAX_DEPTH + 1
    assert f"nesting deeper than {_xml.MAX_DEPTH} elements is refused" in str(err)


# -- the whole-document bound of parse(..., large_text=True) -----------------------------------


def _sized(size: int) -> bytes:
    """A well-formed document of exactly ``size`` bytes."""
    head, tail = b"<a>", b"</a>"
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("wrap", [bytes, io.BytesIO])
def test_a_large_text_document_of_exactly_the_bound_is_read(wrap: type) -> None:
    limits = _xml.XMLLimits(large_document_bytes=200_000)
    tree = _xml.parse(wrap(_sized(200_000)), large_text=True, limits=limits)
    assert len(tree.getroot().text or "") == 200_000 - 7


@pytest.mark.parametrize("wrap", [bytes, io.BytesIO])
def test_one_byte_over_the_bound_is_refused_naming_the_bound(wrap: type) -> None:
    limits = _xml.XMLLimits(large_document_bytes=200_000)
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse(wrap(_sized(200_001)), large_text=True, limits=limits, name="big.xml")
    assert caught.value.message == "size limit exceeded: document larger than 200000 bytes"
    assert caught.value.construct == "size limit"
    assert caught.value.file == "big.xml"


def test_the_capped_stream_counts_every_read() -> None:
    # io.BufferedReader reads through readinto; a direct read() without a size reads up to the
    # bound plus one byte, enough to tell "at the bound" from "over it"
    capped = _xml._Capped(io.BytesIO(b"0123456789"), 10, "f")
    assert capped.read() == b"0123456789"
    assert capped.read(4) == b""
    over = _xml._Capped(io.BytesIO(b"0123456789"), 9, "f")
    with pytest.raises(UnsafeXMLError):
        over.read()
    parts = _xml._Capped(io.BytesIO(b"0123456789"), 6, "f")
    buffer = bytearray(4)
    assert parts.readinto(buffer) == 4 and bytes(buffer) == b"0123"
    assert parts.readinto(bytearray(2)) == 2  # 6 bytes delivered: at the bound
    with pytest.raises(UnsafeXMLError):
        parts.readinto(bytearray(1))
    tail = _xml._Capped(io.BytesIO(b"ab"), 6, "f")
    buffer = bytearray(b"....")
    assert tail.readinto(buffer) == 2 and bytes(buffer) == b"ab.."  # only what was read
