"""The parser-target form of qnegov._xml, as the edXML reader relies on it."""

from __future__ import annotations

import pytest

from qnegov import _xml
from qnegov.errors import UnsafeXMLError, XMLSyntaxError


class Recorder:
    """A target that notes each start tag with the line the feeder says it is on."""

    def __init__(self) -> None:
        self.line = 0
        self.starts: list[tuple[str, int]] = []

    def start(self, tag: str, attrib: object) -> None:
        self.starts.append((tag, self.line))

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> list[tuple[str, int]]:
        return self.starts


def test_track_lines_gives_each_start_tag_its_own_line() -> None:
    doc = b'<?xml version="1.0"?>\n<a>\n  <b>x</b><c/>\n\n  <d\n   k="v"/>\n</a>\n'
    got = _xml.parse_with_target(doc, Recorder(), track_lines=True, chunk_size=7)
    assert got == [("a", 2), ("b", 3), ("c", 3), ("d", 5)]


def test_depth_is_bounded_for_targets_too() -> None:
    deep = b"<a>" * (_xml.MAX_DEPTH + 1) + b"</a>" * (_xml.MAX_DEPTH + 1)
    with pytest.raises(UnsafeXMLError, match="nesting"):
        _xml.parse_with_target(deep, Recorder())
    ok = b"<a>" * _xml.MAX_DEPTH + b"</a>" * _xml.MAX_DEPTH
    assert len(_xml.parse_with_target(ok, Recorder())) == _xml.MAX_DEPTH


def test_recover_reads_past_a_mismatched_tag_but_not_past_a_doctype() -> None:
    broken = b"<a><b><c/></a>"
    with pytest.raises(XMLSyntaxError):
        _xml.parse_with_target(broken, Recorder())
    assert [t for t, _ in _xml.parse_with_target(broken, Recorder(), recover=True)] == [
        "a",
        "b",
        "c",
    ]
    hostile = b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(UnsafeXMLError):
        _xml.parse_with_target(hostile, Recorder(), recover=True)
