"""Attachment names and content ids are untrusted: nothing is ever written outside the folder.

Each hostile name is put into a real packet (both in the manifest and beside the envelope) and the
packet is extracted through the CLI and through ``edxml.read(attachment_dir=...)``. The folder the
user named is the only place a file may appear, and no file already there is replaced.
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from qnegov.cli import main
from qnegov.edxml import (
    Attachment,
    Payload,
    build,
    new_document,
    read,
)
from qnegov.edxml._attachments import AttachmentFolder, safe_file_name
from qnegov.errors import AttachmentError

from ._packets import HEADER

HOSTILE = [
    ".",
    "..",
    "/",
    "//",
    "/etc/passwd",
    "/tmp/qnegov-escape.txt",
    "../escape.txt",
    "../../escape.txt",
    "a/../../escape.txt",
    "..\\..\\escape.txt",
    "C:\\Windows\\escape.txt",
    "\\\\server\\share\\escape.txt",
    "sub/dir/file.pdf",
    " .. ",
    "...",
    ".hidden",
    "CON",
    "con.txt",
    "NUL.pdf",
    "COM1",
    "LPT9.doc",
    "name. ",
    "x" * 300 + ".pdf",
    "ệ" * 200 + ".pdf",  # 600 bytes of UTF-8 in 200 characters
    "tab\there.pdf",
    "bidi\u202efdp.exe",
    "zero\u200bwidth.pdf",
    'a:b*c?"<>|.pdf',
]


def _packet(names: list[tuple[str, str]], payloads: list[bytes] | None = None) -> bytes:
    """A packet with one attachment per (name, content id), the hostile text set verbatim."""
    safe = [(f"file{i}.pdf", f"c{i}") for i in range(len(names))]
    contents = payloads or [f"content {i}".encode() for i in range(len(names))]
    env = new_document(
        HEADER,
        [
            Attachment(content_id=cid, name=name, payload=Payload.from_bytes(body))
            for (name, cid), body in zip(safe, contents, strict=True)
        ],
    )
    data = build(env).decode()
    for (name, cid), (hostile_name, hostile_cid) in zip(safe, names, strict=True):
        data = data.replace(f">{name}<", f">{escape(hostile_name)}<")
        data = data.replace(f">cid:{cid}<", f">cid:{escape(hostile_cid)}<")
    return data.encode()


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def _assert_only_inside(before: set[Path], after: set[Path], folder: Path) -> None:
    for path in after - before:
        created_folder = path == folder or path in folder.parents
        assert created_folder or path.parent == folder, f"{path} was written outside {folder}"


@pytest.mark.parametrize("name", HOSTILE)
def test_the_cli_writes_every_hostile_name_as_one_plain_file_inside_the_folder(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    packet = tmp_path / "in" / "p.edxml"
    packet.parent.mkdir()
    packet.write_bytes(_packet([(name, name)]))
    folder = tmp_path / "in" / "out"
    before = _files(tmp_path)
    code = main(["attachments", "extract", str(packet), "-o", str(folder)])
    capsys.readouterr()
    assert code in (0, 1)
    _assert_only_inside(before, _files(tmp_path), folder)
    (written,) = folder.iterdir()
    assert written.read_bytes() == b"content 0"
    assert written.is_file() and not written.is_symlink()
    assert len(written.name.encode()) <= 255
    assert "/" not in written.name and "\\" not in written.name
    assert not written.name.startswith(".")
    assert written.name.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9"}
    assert not Path("/tmp/qnegov-escape.txt").exists()


@pytest.mark.parametrize("name", ["..", "/", ".", "/etc/passwd", "../x"])
def test_read_with_an_attachment_dir_keeps_every_file_inside_it(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "deep" / "folder"
    before = _files(tmp_path)
    packet = read(_packet([(name, name), (name, "..")]), attachment_dir=folder)
    _assert_only_inside(before, _files(tmp_path), folder)
    paths = [att.payload.path for att in packet.attachments]
    assert all(p is not None and p.parent == folder for p in paths)
    assert len(set(paths)) == 2  # the second never overwrites the first
    assert sorted(p.read_bytes() for p in paths if p) == [b"content 0", b"content 1"]


def test_names_that_collide_get_a_suffix_instead_of_overwriting(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"already here")
    names = [("a.pdf", "1"), ("A.PDF", "2"), ("a.pdf", "3"), ("../a.pdf", "4")]
    packet = read(_packet(names), attachment_dir=folder)
    assert (folder / "a.pdf").read_bytes() == b"already here"
    written = sorted(p.name for p in folder.iterdir())
    assert written == ["A-3.PDF", "a-2.pdf", "a-4.pdf", "a-5.pdf", "a.pdf"]
    contents = {att.payload.path.name: att.payload.read_bytes() for att in packet.attachments}
    assert sorted(contents.values()) == [b"content 0", b"content 1", b"content 2", b"content 3"]


def test_a_symlink_in_the_folder_is_never_followed(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"precious")
    (folder / "a.pdf").symlink_to(outside)
    (folder / "b.pdf").symlink_to(tmp_path)
    read(_packet([("a.pdf", "1"), ("b.pdf", "2")]), attachment_dir=folder)
    assert outside.read_bytes() == b"precious"
    assert {p.name for p in tmp_path.iterdir()} == {"out", "outside.pdf"}
    assert {p.name for p in folder.iterdir()} == {"a.pdf", "b.pdf", "a-2.pdf", "b-2.pdf"}


def test_a_large_attachment_streamed_to_disk_lands_inside_the_folder_too(tmp_path: Path) -> None:
    big = os.urandom(3 << 20)  # above the 1 MB in-memory bound: spilled, then moved
    folder = tmp_path / "out"
    before = _files(tmp_path)
    packet = read(_packet([("../../big.bin", "..")], [big]), attachment_dir=folder)
    _assert_only_inside(before, _files(tmp_path), folder)
    (att,) = packet.attachments
    assert att.payload.path is not None and att.payload.path.parent == folder
    assert att.payload.read_bytes() == big


def test_an_output_that_is_a_file_is_refused_with_a_typed_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"x")
    with pytest.raises(AttachmentError, match="not a folder"):
        read(_packet([("a.pdf", "a")]), attachment_dir=target)
    assert target.read_bytes() == b"x"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("..", "fallback"),
        ("/", "fallback"),
        ("a/b/c.pdf", "c.pdf"),
        ("a\\b\\c.pdf", "c.pdf"),
        ("CON.txt", "_CON.txt"),
        ("com1", "_com1"),
        ("nul .txt", "_nul.txt"),
        ("report.pdf. . ", "report.pdf"),
        ("\x00\x01x.pdf", "__x.pdf"),
        ("a\ud800b.pdf", "a_b.pdf"),  # a lone surrogate cannot be encoded for the file system
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name, "fallback") == expected


def test_the_fallback_is_cleaned_as_well_and_never_empty() -> None:
    assert safe_file_name("..", "../../etc/passwd") == "passwd"
    assert safe_file_name("..", "..") == "attachment"
    assert safe_file_name("", "") == "attachment"


def test_a_long_name_is_cut_to_255_bytes_at_a_character_boundary_keeping_its_extension() -> None:
    name = safe_file_name("ệ" * 200 + ".docx", "x")
    assert len(name.encode()) <= 255 and name.endswith(".docx")
    name.encode().decode()  # still valid UTF-8
    folder_names = {safe_file_name("a" * 300, "x")}
    assert all(len(n.encode()) == 255 for n in folder_names)


def test_suffixes_for_collisions_keep_long_names_within_the_limit(tmp_path: Path) -> None:
    folder = AttachmentFolder(tmp_path)
    paths = [folder.claim("x" * 300 + ".pdf") for _ in range(12)]
    assert len({p.name for p in paths}) == 12
    assert all(len(p.name.encode()) <= 255 and p.name.endswith(".pdf") for p in paths)
