"""Peer-chosen attachment names never write outside the folder the user named.

The contract, through both public ways of writing attachments (``attachments extract`` and
``edxml.read(..., attachment_dir=...)``): every file lands directly in the named folder, and no
output name carries a separator (``/`` or ``\\``), is ``.`` or ``..`` or starts with ``..``.
A regression in the sanitiser (backslashes kept, a leading ``..`` kept) fails these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qnegov.cli import main
from qnegov.edxml import (
    Attachment,
    AttachmentLimits,
    Envelope,
    Payload,
    new_document,
    read,
    write,
)
from qnegov.errors import QnegovError

from ._packets import HEADER

HOSTILE = [
    "..",
    ".",
    "..\\..\\backslash-escape.pdf",
    "..\\",
    "sub\\dir\\inner.pdf",
    "C:\\Windows\\win.ini",
    "../../slash-escape.pdf",
    "a/../../mixed.pdf",
    "..hidden.pdf",
    "...",
    "x\ty.pdf",
    "",
]


def _packet(tmp_path: Path, names: list[str]) -> Path:
    # an absolute name that would land inside tmp_path, so the scan below sees an escape
    names = [*names, str(tmp_path / "absolute-escape.pdf")]
    atts = [
        Attachment(content_id=f"c{i}", name=n, payload=Payload.from_bytes(b"content %d" % i))
        for i, n in enumerate(names)
    ]
    packet = tmp_path / "in" / "p.edxml"
    packet.parent.mkdir()
    write(new_document(HEADER, atts), packet)
    return packet


def _assert_contained(tmp_path: Path, out: Path, packet: Path) -> list[Path]:
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p != packet)
    for path in written:
        assert path.parent == out, f"{path} written outside {out}"
        name = path.name
        assert "\\" not in name and "/" not in name, name
        assert name not in (".", "..") and not name.startswith(".."), name
    return written


@pytest.mark.parametrize("name", HOSTILE)
def test_extract_keeps_each_hostile_name_inside_the_folder(tmp_path: Path, name: str) -> None:
    packet = _packet(tmp_path, [name])
    out = tmp_path / "deep" / "er" / "out"
    code = main(["attachments", "extract", str(packet), "-o", str(out)])
    assert code in (0, 1, 3)  # extracted with safe names, or refused: never escaped
    written = _assert_contained(tmp_path, out, packet)
    if code == 0:
        assert len(written) == 2  # each attachment is one file: none overwrote another


def test_extract_all_hostile_names_in_one_packet(tmp_path: Path) -> None:
    packet = _packet(tmp_path, HOSTILE)
    out = tmp_path / "deep" / "er" / "out"
    code = main(["attachments", "extract", str(packet), "-o", str(out)])
    assert code in (0, 1, 3)
    written = _assert_contained(tmp_path, out, packet)
    if code == 0:
        assert len(written) == len(HOSTILE) + 1
        assert sorted(p.read_bytes() for p in written) == sorted(
            b"content %d" % i for i in range(len(HOSTILE) + 1)
        )


def test_read_with_attachment_dir_keeps_hostile_names_inside(tmp_path: Path) -> None:
    """``memory_bytes=0`` sends every attachment to the folder, the path large files take."""
    packet = _packet(tmp_path, HOSTILE)
    out = tmp_path / "deep" / "er" / "out"
    try:
        back = read(packet, attachment_dir=out, limits=AttachmentLimits(memory_bytes=0))
    except QnegovError:
        back = None  # refusing the packet is within the contract; escaping is not
    written = _assert_contained(tmp_path, out, packet)
    if back is not None:
        assert isinstance(back, Envelope)
        paths = [a.payload.path for a in back.attachments]
        assert all(p is not None and p.parent == out for p in paths)
        assert len(set(paths)) == len(written) == len(HOSTILE) + 1


WINDOWS_UNSAFE = set(':*?"<>|') | {chr(c) for c in range(32)}


@pytest.mark.parametrize(
    "name",
    [
        "a:b*c?d.pdf",
        '"quoted" <angle> |pipe|.pdf',
        "tab\there.pdf",
        "new\nline.pdf",
        "Tờ trình " + "dài " * 120 + ".pdf",  # far over 255 bytes in UTF-8
        "x" * 400,
    ],
)
def test_output_names_are_portable_and_within_the_file_system_limit(
    tmp_path: Path, name: str
) -> None:
    packet = _packet(tmp_path, [name])
    out = tmp_path / "out"
    code = main(["attachments", "extract", str(packet), "-o", str(out)])
    assert code in (0, 1, 3)
    for path in _assert_contained(tmp_path, out, packet):
        assert len(path.name.encode("utf-8")) <= 255, path.name
        assert not WINDOWS_UNSAFE & set(path.name), path.name
        assert path.name.strip() == path.name and path.name


def test_a_plain_name_is_kept_as_it_is(tmp_path: Path) -> None:
    packet = _packet(tmp_path, ["XML Công văn 12-UBND.pdf"])
    out = tmp_path / "out"
    assert main(["attachments", "extract", str(packet), "-o", str(out)]) == 0
    assert "XML Công văn 12-UBND.pdf" in {p.name for p in out.iterdir()}


def test_two_attachments_with_one_name_are_two_files(tmp_path: Path) -> None:
    packet = _packet(tmp_path, ["same.pdf", "same.pdf", "sub/same.pdf"])
    out = tmp_path / "out"
    assert main(["attachments", "extract", str(packet), "-o", str(out)]) == 0
    written = _assert_contained(tmp_path, out, packet)
    assert sorted(p.read_bytes() for p in written) == [b"content %d" % i for i in range(4)]
    back = read(packet, attachment_dir=tmp_path / "out2", limits=AttachmentLimits(memory_bytes=0))
    assert isinstance(back, Envelope)
    paths = [a.payload.path for a in back.attachments]
    assert len(set(paths)) == 4
    assert sorted(p.read_bytes() for p in paths if p is not None) == sorted(
        b"content %d" % i for i in range(4)
    )


def test_duplicate_names_keep_their_extension_and_stem(tmp_path: Path) -> None:
    packet = _packet(tmp_path, ["same.pdf", "same.pdf", "README", "README"])
    out = tmp_path / "out"
    back = read(packet, attachment_dir=out, limits=AttachmentLimits(memory_bytes=0))
    assert isinstance(back, Envelope)
    names = [a.payload.path.name for a in back.attachments if a.payload.path is not None]
    assert len(set(names)) == len(names) == 5
    assert names[0] == "same.pdf" and names[1] != "same.pdf"
    assert names[1].startswith("same") and names[1].endswith(".pdf")
    assert names[2] == "README" and names[3] != "README" and names[3].startswith("README")


def test_without_an_attachment_name_the_content_id_names_the_file(tmp_path: Path) -> None:
    data = _packet(tmp_path, ["gone.pdf"]).read_bytes()
    # drop the AttachmentName of the encoded attachment (the manifest keeps its own)
    start = data.index(b"<AttachmentName>", data.index(b"<AttachmentEncoded"))
    end = data.index(b"</AttachmentName>", start) + len(b"</AttachmentName>")
    packet = tmp_path / "in" / "nameless.edxml"
    packet.write_bytes(data[:start] + data[end:])
    out = tmp_path / "out"
    read(packet, attachment_dir=out, limits=AttachmentLimits(memory_bytes=0))
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and not any(n.startswith("attachment") for n in names), names
    assert any("c0" in n for n in names), names
