"""The safe parser's refusals, exactly: which encoding each head is read in, the full message,
construct and line of every refusal of the prolog scan, and the target wrapper's checks.

An integrator sees these messages when a peer's file is refused, so their wording and the line
they name are part of the contract; the mutation run (docs/mutation.md, group ``xml``) showed
which details no other test pinned.
"""

from __future__ import annotations

import codecs
import io
from typing import Any

import pytest

from qnegov import _xml
from qnegov.errors import UnsafeXMLError, XMLSyntaxError

DECL = '<?xml version="1.0" encoding="UTF-16"?>'
ENTITY_DOC = DECL + '<!DOCTYPE r [<!ENTITY e "x">]><r/>'
SMALL = _xml.XMLLimits(prolog_bytes=64)


def refusal(head: bytes, limits: _xml.XMLLimits = _xml.DEFAULT_LIMITS) -> Any:
    with pytest.raises((UnsafeXMLError, XMLSyntaxError)) as caught:
        _xml.check_prolog(head, name="f.xml", limits=limits)
    return caught.value


# -- which encoding the head is read in ---------------------------------------------------
@pytest.mark.parametrize(
    ("head", "forced"),
    [
        ("<?xml version='1.0'?><r/>".encode("utf-16-le"), "UTF-16LE"),
        ("<?xml version='1.0'?><r/>".encode("utf-16-be"), "UTF-16BE"),
        ("<a".encode("utf-16-le"), "UTF-16LE"),  # four bytes are enough to tell
        ("<a".encode("utf-16-be"), "UTF-16BE"),
        ("<r/>".encode("utf-16-le") + b"x", "UTF-16LE"),  # cut inside a character
        ("<r/>".encode("utf-16-be") + b"x", "UTF-16BE"),
        (codecs.BOM_UTF16_LE + "<r/>".encode("utf-16-le") + b"x", None),  # the BOM tells libxml2
        (codecs.BOM_UTF16_BE + "<r/>".encode("utf-16-be"), None),
        (codecs.BOM_UTF8 + b"<?xml version='1.0'?><r/>", None),
        (b"<r>\x00", None),  # a zero byte that is not every other byte: not UTF-16
        (b"\x00\x00a\x00", None),
        (b"\x00\x00\x00a", None),
        (b'<?xml version="1.0" encoding="windows-1258"?><r>plain ASCII</r>', None),
    ],
)
def test_the_head_is_read_in_the_encoding_its_bytes_show(head: bytes, forced: str | None) -> None:
    assert _xml.check_prolog(head, name="f.xml") == forced


@pytest.mark.parametrize(
    "head",
    [
        codecs.BOM_UTF16_LE + ENTITY_DOC.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + ENTITY_DOC.encode("utf-16-be"),
        ENTITY_DOC.encode("utf-16-le"),
        ENTITY_DOC.encode("utf-16-be"),
        codecs.BOM_UTF8 + b'<!DOCTYPE r [<!ENTITY e "x">]><r/>',
    ],
    ids=["bom-le", "bom-be", "le", "be", "utf8-bom"],
)
def test_a_dtd_is_found_whatever_the_encoding(head: bytes) -> None:
    error = refusal(head)
    assert isinstance(error, UnsafeXMLError) and error.construct == "entity 'e'"


# -- encoding refusals ----------------------------------------------------------------------
def test_ebcdic_is_refused_by_name() -> None:
    error = refusal("<?xml version='1.0'?><r/>".encode("cp500"))
    assert isinstance(error, XMLSyntaxError) and error.line == 1
    assert error.message == "EBCDIC-encoded XML is not supported; expected UTF-8 or UTF-16"


def test_an_unsupported_declared_encoding_is_named() -> None:
    error = refusal(b'<?xml version="1.0" encoding="Big5"?><r/>')
    assert error.message == (
        "unsupported encoding 'Big5' in the XML declaration; "
        "expected UTF-8, UTF-16 or a single-byte Latin/Windows encoding"
    )
    assert str(error).startswith("f.xml:1: ")


def test_utf16_declared_over_single_bytes_is_refused() -> None:
    error = refusal(b'<?xml version="1.0" encoding="UTF-16"?><r/>')
    assert error.message == (
        "the XML declaration says UTF-16 but the bytes are not UTF-16 "
        "(no byte-order mark, no zero bytes)"
    )


def test_a_single_byte_declaration_over_utf8_names_the_line_of_the_first_non_ascii_byte() -> None:
    head = (
        '<?xml version="1.0" encoding="windows-1258"?>\n<r>\n<a>ascii</a>\n<b>Việt</b>\n'
        "<c>x</c>\n<d>y</d>\n</r>\n"
    ).encode()
    error = refusal(head)
    assert error.line == 4
    assert error.message == (
        "the XML declaration says windows-1258 but the content is UTF-8 "
        "(first non-ASCII byte here); fix the declaration"
    )


def test_a_head_cut_inside_a_utf8_character_still_counts_as_utf8() -> None:
    head = '<?xml version="1.0" encoding="windows-1258"?><r>Việt Nam ệ'.encode()[:-2]
    assert refusal(head).line == 1


@pytest.mark.parametrize(
    "tail", [b"\xff", b"Vi\xeat</r>", b"\xe9t\xe9"], ids=["last-byte", "middle", "near-end"]
)
def test_real_single_byte_text_is_left_to_its_declaration(tail: bytes) -> None:
    head = '<?xml version="1.0" encoding="windows-1258"?><r>Việt'.encode() + tail
    assert _xml.check_prolog(head, name="f.xml") is None


# -- DTD refusals: construct, reason and line -------------------------------------------------
@pytest.mark.parametrize(
    ("doctype", "construct", "why"),
    [
        (
            '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://x/p.dtd"> %p;]>',
            "parameter entity '%p' -> 'http://x/p.dtd'",
            "parameter entity (can fetch external definitions)",
        ),
        (
            "<!DOCTYPE r [<!ENTITY % p \"<!ENTITY q 'v'>\"> %p;]>",
            "parameter entity '%p'",
            "parameter entity (can fetch external definitions)",
        ),
        (
            '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
            "external entity 'e' -> 'file:///etc/passwd'",
            "external entity (XXE: can read local files or URLs)",
        ),
        (
            '<!DOCTYPE r SYSTEM "http://x/r.dtd">',
            "external DTD 'http://x/r.dtd'",
            "external DTD (can fetch definitions over the network)",
        ),
        (
            '<!DOCTYPE r [<!ENTITY e "x">]>',
            "entity 'e'",
            "entity declaration (entity expansion: billion laughs, quadratic blow-up)",
        ),
        ("<!DOCTYPE r>", "DOCTYPE", "document type declaration"),
        ("<!doctype r>", "DOCTYPE", "document type declaration"),
    ],
)
def test_each_dtd_construct_is_refused_by_name(doctype: str, construct: str, why: str) -> None:
    # markup right before and after the DOCTYPE too: no scan may jump over it
    text = f'<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n<?pi y?><!--d-->{doctype}<?p?><!--z-->'
    error = refusal(text.encode() + b"<r/>")
    assert isinstance(error, UnsafeXMLError)
    assert error.construct == construct
    assert error.message == f"refused {why}: {construct}; DTDs and entities are not allowed"
    assert error.line == 4


def test_the_line_named_is_the_construct_s_own() -> None:
    head = b'\n<!DOCTYPE r [\n\n<!ENTITY e "x">]><r/>'
    assert refusal(head).line == 4
    assert refusal(b"\n\n<!DOCTYPE r><r/>").line == 3


# -- the prolog scan's bounds -----------------------------------------------------------------
@pytest.mark.parametrize(
    "head",
    [
        b"<!-- c -->" + b" " * 80,  # no markup after the comment
        b"<?xml version='1.0'?>" + b" " * 42 + b"<",  # a lone "<" as the 64th byte
        b"<?a?><?b?>" + b" " * 80,
    ],
)
def test_an_overlong_prolog_without_a_root_is_refused(head: bytes) -> None:
    error = refusal(head, SMALL)
    assert isinstance(error, UnsafeXMLError) and error.construct == "prolog size"
    assert error.message == (
        "no root element within the first 64 bytes (an overlong prolog is refused)"
    )


@pytest.mark.parametrize(
    "head",
    [
        b"<?xml version='1.0'?>" + b" " * 41 + b"<r",  # the root's "<r" ends the 64 bytes
        b"<!-- a --><!-- b --><?p?><?q?>" + b" " * 20 + b"<r/>",
    ],
)
def test_a_root_starting_inside_the_bound_passes(head: bytes) -> None:
    assert _xml.check_prolog(head, name="f.xml", limits=SMALL) is None


def test_a_short_cut_prolog_is_left_to_libxml2_with_its_encoding() -> None:
    assert _xml.check_prolog("<?xml version".encode("utf-16-le"), name="f.xml") == "UTF-16LE"


def test_an_empty_file_is_refused_plainly() -> None:
    error = refusal(b" \n ")
    assert isinstance(error, XMLSyntaxError) and error.line == 1
    assert error.message == "the file is empty or holds no XML"


# -- the size cap on streams ------------------------------------------------------------------
class _Recorder(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def test_a_capped_stream_never_asks_for_more_than_one_byte_past_its_limit() -> None:
    source = _Recorder(b"x" * 100)
    capped = _xml._Capped(source, 10, "f.xml")
    assert capped.read(0) == b""
    with pytest.raises(UnsafeXMLError):
        capped.read()
    assert source.asked == [0, 11]


# -- the target wrapper ------------------------------------------------------------------------
class _Target:
    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        self.seen.append((tag, dict(attrib), dict(nsmap or {})))

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> list[tuple[Any, ...]]:
        return self.seen


class _TwoArgTarget(_Target):
    def start(self, tag: str, attrib: Any) -> None:  # type: ignore[override]
        self.seen.append((tag, dict(attrib)))


def test_the_target_gets_tag_attributes_and_namespaces_as_parsed() -> None:
    doc = b'<p:r xmlns:p="urn:x" a="1"><p:c b="2"/></p:r>'
    seen = _xml.parse_with_target(doc, _Target(), name="f.xml")
    assert seen == [
        ("{urn:x}r", {"a": "1"}, {"p": "urn:x"}),
        ("{urn:x}c", {"b": "2"}, {}),
    ]
    two = _xml.parse_with_target(doc, _TwoArgTarget(), name="f.xml")
    assert two == [("{urn:x}r", {"a": "1"}), ("{urn:x}c", {"b": "2"})]


@pytest.mark.parametrize(
    ("doc", "name"),
    [
        (b"<r><a:b:c/></r>", "a:b:c"),  # a new element name without attributes
        (b'<r><s x="1"/><s y:z:w="1"/></r>', "y:z:w"),  # a new attribute on a known element
    ],
)
def test_every_new_name_is_checked_even_when_libxml2_repairs(doc: bytes, name: str) -> None:
    with pytest.raises(XMLSyntaxError) as caught:
        _xml.parse_with_target(doc, _Target(), name="f.xml", recover=True)
    assert name in caught.value.message


def test_the_depth_bound_holds_for_a_target_without_a_line() -> None:
    depth = _xml.MAX_DEPTH + 1
    doc = b"<a>" * depth + b"</a>" * depth
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse_with_target(doc, _TwoArgTarget(), name="f.xml")
    assert caught.value.message == f"nesting deeper than {_xml.MAX_DEPTH} elements is refused"
    assert caught.value.construct == "nesting depth"
