"""The safe parser refuses every hostile file with a typed error naming file, line, construct."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qnegov import _xml
from qnegov.cli import main
from qnegov.errors import UnsafeXMLError, XMLError, XMLSyntaxError

HOSTILE = Path(__file__).parent / "corpus" / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_corpus  # noqa: E402

# file -> (error class, words the message must contain, line it must name or None)
REFUSED: dict[str, tuple[type[XMLError], str, int | None]] = {
    "xxe_local_file.xml": (UnsafeXMLError, "external entity 'xxe'", 2),
    "external_dtd.xml": (UnsafeXMLError, "external DTD 'http://attacker.invalid/edxml.dtd'", 2),
    "parameter_entity_url.xml": (UnsafeXMLError, "parameter entity '%remote'", 3),
    "billion_laughs.xml": (UnsafeXMLError, "entity 'lol'", 3),
    "truncated.xml": (XMLSyntaxError, "Premature end of data", 5),
    "empty.xml": (XMLSyntaxError, "empty", 1),
    "not_xml.png": (XMLSyntaxError, "Start tag expected", 1),
    "encoding_lie_declares_utf8.xml": (XMLSyntaxError, "declared encoding", 2),
    "encoding_lie_declares_latin1.xml": (XMLSyntaxError, "says ISO-8859-1 but the content is", 2),
    "encoding_lie_declares_utf16.xml": (XMLSyntaxError, "says UTF-16 but the bytes are not", 1),
    "encoding_utf7.xml": (XMLSyntaxError, "unsupported encoding 'UTF-7'", 1),
    "encoding_ebcdic.xml": (XMLSyntaxError, "EBCDIC-encoded XML is not supported", 1),
}
LARGE_REFUSED: dict[str, tuple[type[XMLError], str, int | None]] = {
    "quadratic_blowup.xml": (UnsafeXMLError, "entity 'a'", 2),
    "deep_nesting.xml": (UnsafeXMLError, "nesting deeper than 256", 1),
    "huge_text_node.xml": (UnsafeXMLError, "size limit exceeded", 1),
    "long_prolog.xml": (UnsafeXMLError, "no root element within the first", None),
}
READABLE = ["utf16_bom.xml", "utf16le_no_bom.xml", "utf16be_no_bom_no_declaration.xml"]


@pytest.fixture(scope="module")
def large_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-large")
    for name, data in make_corpus.large().items():
        (folder / name).write_bytes(data)
    return folder


def test_committed_corpus_is_what_the_script_writes() -> None:
    for name, data in make_corpus.SMALL.items():
        assert (HOSTILE / name).read_bytes() == data, name


def _assert_refused(path: Path, expected: tuple[type[XMLError], str, int | None]) -> None:
    cls, words, line = expected
    for how in ("tree", "iterparse"):
        started = time.perf_counter()
        with pytest.raises(cls) as caught:
            if how == "tree":
                _xml.parse(path)
            else:
                for _ in _xml.iterparse(path):
                    pass
        # a guard against hangs, not the one-second figure (that is benchmarks/hostile_corpus.py)
        assert time.perf_counter() - started < 10
        error = caught.value
        assert type(error) is cls, how
        assert words in error.message, (how, error.message)
        assert error.file == str(path)
        assert error.line == line, (how, error.line)
        assert str(path) in str(error)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_small_hostile_file_is_refused(name: str) -> None:
    _assert_refused(HOSTILE / name, REFUSED[name])


@pytest.mark.parametrize("name", sorted(LARGE_REFUSED))
def test_large_hostile_file_is_refused(name: str, large_dir: Path) -> None:
    _assert_refused(large_dir / name, LARGE_REFUSED[name])


@pytest.mark.parametrize("name", READABLE)
def test_utf16_files_are_read(name: str) -> None:
    tree = _xml.parse(HOSTILE / name)
    assert tree.getroot().text == "Ủy ban nhân dân tỉnh Quảng Nam"
    texts = [el.text for _, el in _xml.iterparse(HOSTILE / name)]
    assert texts == ["Ủy ban nhân dân tỉnh Quảng Nam"]


def test_unsafe_error_names_the_construct() -> None:
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse(HOSTILE / "xxe_local_file.xml")
    assert caught.value.construct == "external entity 'xxe' -> 'file:///etc/passwd'"
    assert caught.value.code == "unsafe_xml"
    assert isinstance(caught.value, ValueError)


def test_bytes_streams_and_gzip_are_sources(tmp_path: Path) -> None:
    import gzip

    data = b"<r><a>1</a><a>2</a></r>"
    assert _xml.parse(data).getroot().tag == "r"
    assert _xml.parse(io.BytesIO(data)).getroot().tag == "r"
    packed = tmp_path / "r.xml.gz"
    packed.write_bytes(gzip.compress(data))
    assert [e.text for _, e in _xml.iterparse(packed, tag="a")] == ["1", "2"]
    with pytest.raises(UnsafeXMLError):
        _xml.parse(gzip.compress((HOSTILE / "xxe_local_file.xml").read_bytes()))


def test_doctype_inside_a_comment_does_not_hide_the_real_one() -> None:
    data = b"<!-- <!DOCTYPE fake> -->\n<!DOCTYPE r [<!ENTITY e 'x'>]>\n<r>&e;</r>"
    with pytest.raises(UnsafeXMLError) as caught:
        _xml.parse(data)
    assert caught.value.line == 2


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    from qnegov.errors import InputError

    with pytest.raises(InputError) as caught:
        _xml.parse(tmp_path / "nope.xml")
    assert isinstance(caught.value, OSError)
    assert "nope.xml" in str(caught.value)


def test_parser_target_form_streams_big_text_in_pieces() -> None:
    class Sizer:
        def __init__(self) -> None:
            self.size = 0
            self.pieces = 0

        def start(self, tag: str, attrib: dict[str, str]) -> None:
            pass

        def end(self, tag: str) -> None:
            pass

        def data(self, text: str) -> None:
            self.size += len(text)
            self.pieces += 1

        def close(self) -> int:
            return self.size

    target = Sizer()
    total = _xml.parse_with_target(b"<a>" + b"x" * 12_000_000 + b"</a>", target)
    assert total == 12_000_000
    assert target.pieces > 1
    with pytest.raises(UnsafeXMLError):
        _xml.parse_with_target((HOSTILE / "billion_laughs.xml").read_bytes(), Sizer())


def test_cli_refuses_every_hostile_file_with_exit_3(
    large_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [HOSTILE / n for n in sorted(REFUSED)] + [large_dir / n for n in sorted(LARGE_REFUSED)]
    for path in files:
        assert main(["validate", str(path)]) == 3, path
        out = capsys.readouterr().out
        assert f"{path}" in out and "fatal" in out, out
    assert main(["validate", *(str(HOSTILE / n) for n in READABLE)]) == 0


def test_cli_process_never_shows_a_traceback() -> None:
    files = [str(HOSTILE / n) for n in sorted(REFUSED)]
    done = subprocess.run(
        [sys.executable, "-m", "qnegov", "validate", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3
    assert "Traceback" not in done.stdout + done.stderr
    for name in files:
        assert name in done.stdout


def test_pipes_are_sources() -> None:
    import os

    read_end, write_end = os.pipe()
    os.write(write_end, b"<r><a>pipe</a></r>")
    os.close(write_end)
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        assert [e.text for _, e in _xml.iterparse(pipe, tag="a")] == ["pipe"]


def test_the_parser_itself_is_a_second_wall(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the prolog scan ever bypassed, libxml2's configuration still refuses DTDs."""
    monkeypatch.setattr(_xml, "_scan_prolog", lambda head, label, limits: _xml._Prolog(None))
    data = (HOSTILE / "xxe_local_file.xml").read_bytes()
    with pytest.raises(UnsafeXMLError):
        _xml.parse(data)
    with pytest.raises(UnsafeXMLError):
        for _ in _xml.iterparse(data):
            pass
