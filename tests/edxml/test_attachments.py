"""Attachments: zip then base64, streamed both ways, bounded against zip bombs."""

from __future__ import annotations

import base64
import io
import random
import zipfile
from pathlib import Path

import pytest

from qnegov import _xml
from qnegov.edxml import (
    Attachment,
    AttachmentLimits,
    Envelope,
    Payload,
    build,
    new_document,
    read,
    validate,
    write,
)
from qnegov.errors import ZipBombError

from ._packets import HEADER


def _with_transfer(encoded: bytes) -> bytes:
    """A packet whose one attachment carries ``encoded`` as its base64 text."""
    env = new_document(
        HEADER, [Attachment(content_id="a", name="f.pdf", payload=Payload.from_bytes(b"x"))]
    )
    data = build(env)
    start = data.index(b'QCVN_102_2016">', data.index(b"<edXML:ContentTransferEncoded")) + 15
    end = data.index(b"</edXML:ContentTransferEncoded>")
    return data[:start] + encoded + data[end:]


def _zip(members: dict[str, bytes], level: int = 9) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return sink.getvalue()


def test_each_file_is_zipped_then_base64_encoded_with_a_cid() -> None:
    data = build(
        new_document(
            HEADER,
            [
                Attachment(
                    content_id="q1", name="QD 12.pdf", payload=Payload.from_bytes(b"%PDF-1.7 x")
                )
            ],
        )
    )
    assert b"<ContentId>cid:q1</ContentId>" in data
    assert b"<edXML:ContentId>cid:q1</edXML:ContentId>" in data  # the manifest
    start = data.index(b'QCVN_102_2016">', data.index(b"<edXML:ContentTransferEncoded")) + 15
    raw = base64.b64decode(data[start : data.index(b"</edXML:ContentTransferEncoded>")])
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.namelist() == ["q1.pdf"]
        assert archive.read("q1.pdf") == b"%PDF-1.7 x"


def test_a_zip_bomb_by_ratio_is_refused_with_a_clear_error() -> None:
    bomb = _zip({"bomb.txt": b"\0" * (20 << 20)})
    with pytest.raises(ZipBombError, match="ratio"):
        read(_with_transfer(base64.b64encode(bomb)))
    report = validate(_with_transfer(base64.b64encode(bomb)))
    assert [i.code for i in report.issues] == ["edxml_zip_bomb"]
    assert not report.valid


def test_a_zip_bomb_by_size_is_refused() -> None:
    bomb = _zip({"big.bin": bytes(range(256)) * 8192})  # 2 MB, compresses a little
    limits = AttachmentLimits(max_unzipped_bytes=1 << 20)
    with pytest.raises(ZipBombError, match="bound"):
        read(_with_transfer(base64.b64encode(bomb)), limits=limits)


def test_a_zip_header_that_understates_the_size_is_damaged_not_inflated() -> None:
    honest = _zip({"f.txt": b"A" * (3 << 20)})
    limits = AttachmentLimits(max_unzipped_bytes=2 << 20, max_ratio=10_000)
    # rewrite the declared sizes (local header and central directory) to a small number
    lying = bytearray(honest)
    for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = lying.index(header)
        lying[at + offset : at + offset + 4] = (1000).to_bytes(4, "little")
    env = read(_with_transfer(base64.b64encode(bytes(lying))), limits=limits)
    assert [i.code for i in env.issues] == ["edxml_attachment_damaged"]  # CRC mismatch


def test_bad_base64_is_an_issue_not_a_crash() -> None:
    env = read(_with_transfer(b"not base64 at all!"))
    assert [i.code for i in env.issues] == ["edxml_attachment_encoding"]


def test_a_damaged_zip_is_an_issue() -> None:
    env = read(_with_transfer(base64.b64encode(b"PK\x03\x04" + b"\0" * 40)))
    assert [i.code for i in env.issues] == ["edxml_attachment_damaged"]


def test_extra_zip_members_are_reported() -> None:
    env = read(_with_transfer(base64.b64encode(_zip({"a.pdf": b"1", "b.pdf": b"2"}))))
    assert [i.code for i in env.issues] == ["edxml_attachment_members"]
    assert isinstance(env, Envelope) and env.attachments[0].payload.read_bytes() == b"1"


def test_base64_split_anywhere_with_line_breaks_decodes() -> None:
    content = bytes(range(256)) * 50
    encoded = base64.encodebytes(_zip({"x.bin": content}))  # 76-column lines
    env = read(_with_transfer(encoded))
    assert isinstance(env, Envelope)
    assert env.attachments[0].payload.read_bytes() == content


def test_large_attachments_decode_to_files_in_the_given_folder(tmp_path: Path) -> None:
    content = random.Random(4).randbytes(3 << 20)  # 3 MB that does not compress
    env = new_document(
        HEADER,
        [Attachment(content_id="b", name="../../evil.bin", payload=Payload.from_bytes(content))],
    )
    packet = tmp_path / "p.edxml"
    write(env, packet)
    out = tmp_path / "out"
    back = read(packet, attachment_dir=out)
    assert isinstance(back, Envelope)
    path = back.attachments[0].payload.path
    assert path == out / "evil.bin"  # the peer-chosen name cannot leave the folder
    assert path.read_bytes() == content
    assert back == env


def test_large_attachments_without_a_folder_go_to_owned_temporary_files() -> None:
    content = b"z" * (2 << 20)
    env = read(
        build(
            new_document(
                HEADER,
                [Attachment(content_id="c", name="c.txt", payload=Payload.from_bytes(content))],
            )
        ),
        limits=AttachmentLimits(max_ratio=10_000),
    )
    assert isinstance(env, Envelope)
    path = env.attachments[0].payload.path
    assert path is not None and path.read_bytes() == content
    del env
    import gc

    gc.collect()
    assert not path.exists()


def test_parse_with_target_streams_a_text_node_far_above_the_tree_bound() -> None:
    class Counter:
        line = 0
        size = 0

        def start(self, tag: str, attrib: object) -> None:
            pass

        def end(self, tag: str) -> None:
            pass

        def data(self, text: str) -> None:
            self.size += len(text)

        def close(self) -> int:
            return self.size

    text = b"QUFB" * (4 << 20)  # 16 MB in one text node (the tree form refuses > 10 MB)
    assert _xml.parse_with_target(b"<a>" + text + b"</a>", Counter()) == len(text)
    assert _xml.parse_with_target(b"<a>" + text + b"</a>", Counter(), track_lines=True) == len(text)
