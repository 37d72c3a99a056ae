"""Peer-chosen attachment names never write outside the folder the user named.

The contract, through both public ways of writing attachments (``attachments extract`` and
``edxml.read(..., attachment_dir=...)``): every file lands directly in the named folder, and no
output name carries a separator (``/`` or ``\\``), is ``.`` or ``..`` or starts with ``..``.
A regression in the sanitiser (backslashes kept, a leading ``..`` kept) fails these tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qnegov.cli import main
from qnegov.edxml import (
    Attachment,
    AttachmentLimits,
    DocumentCode,
    DocumentType,
    Envelope,
    MessageHeader,
    Organization,
    OtherInfo,
    Payload,
    PromulgationInfo,
    SignerInfo,
    new_document,
    read,
    write,
)
from qnegov.errors import QnegovError

HEADER = MessageHeader(
    from_=Organization(organ_id="000.00.00.H47"),
    to=(Organization(organ_id="000.00.00.G22"),),
    code=DocumentCode.parse("07/UBND-VP"),
    promulgation_info=PromulgationInfo(promulgation_date=date(2025, 7, 1)),
    subject="Thử",
    document_type=DocumentType(type_name="Công văn"),
    signer_info=SignerInfo(full_name="A"),
    other_info=OtherInfo(priority=0),
    steering_type=1,
)

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
