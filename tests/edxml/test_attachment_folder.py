"""The exact names and files ``AttachmentFolder`` makes, pinned one rule at a time.

The hostile-name tests (``test_attachment_names.py``) prove nothing escapes the folder; these pin
the details a regression could change without escaping: which part of a name is its extension,
the collision suffix, the fallbacks, file modes, files that appear after the folder was opened,
and the clean-up of files whose attachment turned out unreadable (found by mutation testing,
docs/mutation.md).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from qnegov.edxml import Attachment, Payload, _attachments, build, new_document, read
from qnegov.edxml._attachments import AttachmentFolder, member_name_for, safe_file_name
from qnegov.errors import AttachmentError

from ._packets import HEADER


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a:b|c.pdf", "a_b_c.pdf"),  # each unsafe character becomes one underscore
        ("con.tar.gz", "_con.tar.gz"),  # the device name is what precedes the FIRST dot
        ("..", "attachment"),  # the default fallback
    ],
)
def test_exact_clean_names(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_the_extension_is_what_follows_the_last_dot_when_a_long_name_is_cut() -> None:
    name = safe_file_name("a.b" + "x" * 300 + ".pdf")
    assert name == "a.b" + "x" * 248 + ".pdf"


@pytest.mark.parametrize(("length", "kept"), [(15, True), (16, True), (17, False)])
def test_an_extension_of_up_to_16_characters_survives_cutting(length: int, kept: bool) -> None:
    extension = "e" * length
    name = safe_file_name("x" * 300 + "." + extension)
    assert len(name.encode()) == 255
    assert name.endswith("." + extension) is kept
    if not kept:
        assert name == "x" * 255


def test_a_cut_stem_loses_trailing_dots_and_keeps_its_own_letters() -> None:
    # the cut falls just after "..": the stem must not end in a dot before the extension
    assert safe_file_name("a" * 250 + ".." + "b" * 50 + ".pdf") == "a" * 250 + ".pdf"
    assert safe_file_name("X" * 300 + ".pdf") == "X" * 251 + ".pdf"


def test_member_names_fall_back_to_attachment() -> None:
    assert member_name_for("", "") == "attachment"
    assert member_name_for("q1", "QD 12.pdf") == "q1.pdf"


def test_a_folder_that_is_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"x")
    with pytest.raises(AttachmentError) as caught:
        AttachmentFolder(target)
    assert caught.value.message == f"{target} exists and is not a folder"
    assert caught.value.file == str(target)


def test_collision_suffixes_go_before_the_last_extension(tmp_path: Path) -> None:
    folder = AttachmentFolder(tmp_path)
    names = [folder.claim(n).name for n in ("a.tar.gz", "A.TAR.GZ", "README", "readme", "..")]
    assert names == ["a.tar.gz", "A.TAR-2.GZ", "README", "readme-2", "attachment"]


def test_files_are_created_empty_with_mode_0644(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = AttachmentFolder(tmp_path).claim("a.pdf")
    finally:
        os.umask(old)
    assert path.read_bytes() == b""
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_file_or_symlink_appearing_after_the_folder_was_opened_is_not_overwritten(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    folder = AttachmentFolder(out)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep")
    (out / "a.pdf").symlink_to(outside)
    (out / "b.pdf").write_bytes(b"keep too")
    assert folder.claim("a.pdf").name == "a-2.pdf"
    assert folder.claim("b.pdf").name == "b-2.pdf"
    assert outside.read_bytes() == b"keep"
    assert (out / "b.pdf").read_bytes() == b"keep too"


def test_a_folder_that_vanished_is_a_typed_error_naming_the_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = AttachmentFolder(out)
    shutil.rmtree(out)
    with pytest.raises(AttachmentError) as caught:
        folder.claim("a.pdf")
    path = out / "a.pdf"
    assert caught.value.message == f"cannot create {path}: No such file or directory"
    assert caught.value.file == str(path)


def test_the_number_of_files_of_one_name_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_attachments, "_MAX_CLAIMS", 3)
    folder = AttachmentFolder(tmp_path)
    assert [folder.claim("a.pdf").name for _ in range(3)] == ["a.pdf", "a-2.pdf", "a-3.pdf"]
    with pytest.raises(AttachmentError) as caught:
        folder.claim("a.pdf")
    assert caught.value.message == "too many attachments named 'a.pdf'"


def test_release_removes_only_files_the_folder_created_and_frees_their_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "old.pdf").write_bytes(b"old")
    folder = AttachmentFolder(tmp_path)
    first = folder.claim("a.pdf")
    second = folder.claim("b.pdf")
    folder.release(first)
    assert not first.exists() and second.exists()
    assert folder.claim("a.pdf") == first  # the name is free again
    folder.release(tmp_path / "old.pdf")  # not ours: left alone
    assert (tmp_path / "old.pdf").read_bytes() == b"old"
    second.unlink()
    folder.release(second)  # already gone: no error
    folder.release_all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]


def _packet(attachments: list[tuple[str | None, str | None]]) -> bytes:
    """One attachment per (name, content id); None drops that element from the attachment."""
    env = new_document(
        HEADER,
        [
            Attachment(content_id=f"c{i}", name=f"f{i}.pdf", payload=Payload.from_bytes(b"x"))
            for i in range(len(attachments))
        ],
    )
    data = build(env).decode()
    for i, (name, cid) in enumerate(attachments):
        for tag, old, new in (
            ("AttachmentName", f"f{i}.pdf", name),
            ("ContentId", f"cid:c{i}", cid),
        ):
            plain = f"<{tag}>{old}</{tag}>"  # the attachment's own element, not the manifest's
            data = data.replace(plain, "" if new is None else f"<{tag}>{new}</{tag}>")
    return data.encode()


def test_read_names_files_after_the_content_id_then_by_position(tmp_path: Path) -> None:
    read(
        _packet([(None, "cid:q1"), (None, None), ("", ""), (None, "CID:x")]),
        attachment_dir=tmp_path,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "CID_x",  # only the lower-case scheme is a prefix to drop
        "attachment-2",
        "attachment-3",
        "q1",
    ]


def test_read_removes_the_file_of_a_damaged_attachment(tmp_path: Path) -> None:
    data = _packet([("a.pdf", "cid:a")]).decode()
    data = re.sub(
        r"(<edXML:ContentTransferEncoded[^>]*>)[^<]*",
        lambda m: m.group(1) + base64.b64encode(b"PK\x03\x04" + b"\0" * 40).decode(),
        data,
    )
    env = read(data.encode(), attachment_dir=tmp_path)
    assert [i.code for i in env.issues] == ["edxml_attachment_damaged"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("raw", ["..", "../x", "a/b", "/etc/passwd"])
def test_claim_refuses_an_unsafe_name_even_if_the_sanitiser_let_it_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    """The folder's own last check, behind the sanitiser: a name that would leave the folder or
    is a path step is refused by name, and nothing is created."""
    monkeypatch.setattr(_attachments, "safe_file_name", lambda name, fallback: name)
    folder = AttachmentFolder(tmp_path / "out")
    with pytest.raises(AttachmentError) as caught:
        folder.claim(raw)
    assert str(caught.value) == f"unsafe attachment name {raw!r}"
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "x").exists()
