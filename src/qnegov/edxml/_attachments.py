"""Attachment transfer encoding: zip then base64 out, base64 then unzip in, in bounded memory.

Peers zip every file into a single-entry archive and base64 the archive into the packet's XML.
A packet may carry hundreds of megabytes that way, so both directions stream in chunks through
temporary files, and unzipping is bounded (size and ratio) because a packet comes from outside.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Final

from qnegov._i18n import tr
from qnegov.edxml._payload import Payload
from qnegov.errors import AttachmentError, ZipBombError

__all__ = [
    "DEFAULT_ATTACHMENT_LIMITS",
    "AttachmentFolder",
    "AttachmentLimits",
    "Base64Decoder",
    "Unpacked",
    "encode_attachment",
    "unpack",
]

_CHUNK: Final = 1 << 16
_ZIP_MAGIC: Final = b"PK\x03\x04"
_SPACE: Final = b" \t\r\n"
_ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
_SPOOL: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    """Bounds on what a packet's attachment may decode to (zip bombs are refused)."""

    max_unzipped_bytes: int = 2 << 30
    """Largest single unzipped file."""
    max_ratio: float = 100.0
    """Largest unzipped/zipped ratio, checked once the unzipped size passes ``ratio_floor``."""
    ratio_floor: int = 1 << 20
    """Small files may compress very well; the ratio bound applies above this size."""
    memory_bytes: int = 1 << 20
    """Decoded files up to this size stay in memory; larger ones go to a file."""


DEFAULT_ATTACHMENT_LIMITS: Final = AttachmentLimits()


class Base64Decoder:
    """Decode base64 text arriving in arbitrary pieces into a temporary file.

    libxml2 hands text over in pieces of a few hundred characters, so pieces are collected and
    decoded 64 kB at a time: the per-piece cost is one list append.
    """

    def __init__(self) -> None:
        # small attachments never touch the disk; large ones roll over to a temporary file
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=_SPOOL, prefix="qnegov-b64-"
        )
        self._pieces: list[str] = []
        self._buffered = 0
        self._pending = b""
        self.invalid = False
        self.size = 0
        self.head = b""

    def feed(self, text: str) -> None:
        """Take the next piece of text (whitespace anywhere is ignored)."""
        self._pieces.append(text)
        self._buffered += len(text)
        if self._buffered >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        text = "".join(self._pieces)
        self._pieces.clear()
        self._buffered = 0
        if self.invalid:
            return
        raw = self._pending + text.encode("ascii", errors="replace").translate(None, _SPACE)
        cut = len(raw) - len(raw) % 4
        self._pending = raw[cut:]
        if cut:
            self._write(raw[:cut])

    def _write(self, quads: bytes) -> None:
        try:  # strict mode refuses any byte outside the alphabet, and misplaced padding
            data = binascii.a2b_base64(quads, strict_mode=True)
        except binascii.Error:
            self.invalid = True
            return
        if len(self.head) < 4:
            self.head += data[: 4 - len(self.head)]
        self._file.write(data)
        self.size += len(data)

    def finish(self) -> IO[bytes] | None:
        """The decoded bytes (rewound), or None when the text was not valid base64."""
        self._flush()
        if self._pending:
            self.invalid = True
        if self.invalid:
            self._file.close()
            return None
        self._file.flush()
        self._file.seek(0)
        return self._file


@dataclass(frozen=True, slots=True)
class Unpacked:
    """An attachment's file after transfer decoding."""

    payload: Payload
    zipped: bool
    member_name: str | None
    extra_members: tuple[str, ...] = ()


def unpack(
    raw: IO[bytes],
    *,
    head: bytes,
    size: int,
    destination: Path | None,
    limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
) -> Unpacked:
    """Unzip ``raw`` (the decoded transfer bytes) if it is a zip; keep it as it is otherwise."""
    if not head.startswith(_ZIP_MAGIC):
        return Unpacked(_store(raw, size, destination, limits), zipped=False, member_name=None)
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AttachmentError(
            tr("attachment is not a readable zip archive: {detail}", detail=exc)
        ) from None
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        if not members:
            raise AttachmentError(tr("attachment zip archive holds no file"))
        first = members[0]
        _check_declared(first, limits)
        if first.file_size <= limits.memory_bytes:  # zipfile never reads past the declared size
            buffer = io.BytesIO()
            _inflate(archive, first, buffer, limits)
            payload = Payload.from_bytes(buffer.getvalue())
            return Unpacked(payload, True, first.filename, tuple(m.filename for m in members[1:]))
        with tempfile.NamedTemporaryFile(prefix="qnegov-unzip-", delete=False) as out:
            spill = Path(out.name)
            try:
                written = _inflate(archive, first, out, limits)
            except BaseException:
                out.close()
                spill.unlink(missing_ok=True)
                raise
        payload = _adopt(spill, written, destination, limits)
        return Unpacked(payload, True, first.filename, tuple(m.filename for m in members[1:]))


def _check_declared(info: zipfile.ZipInfo, limits: AttachmentLimits) -> None:
    if info.file_size > limits.max_unzipped_bytes:
        raise ZipBombError(
            tr(
                "attachment {name} would unzip to {size} bytes, above the bound of {limit}",
                name=info.filename,
                size=info.file_size,
                limit=limits.max_unzipped_bytes,
            )
        )
    if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise ZipBombError(
            tr(
                "attachment {name} declares a compression ratio above {ratio}:1 (zip bomb refused)",
                name=info.filename,
                ratio=f"{limits.max_ratio:g}",
            )
        )


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes], limits: AttachmentLimits
) -> int:
    """Copy one member out, counting: declared sizes can lie, the bound must not."""
    written = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                written += len(chunk)
                if written > limits.max_unzipped_bytes:
                    raise ZipBombError(
                        tr(
                            "attachment {name} unzips past the bound of {limit} bytes "
                            "(zip bomb refused)",
                            name=info.filename,
                            limit=limits.max_unzipped_bytes,
                        )
                    )
                if written > limits.ratio_floor and written > limits.max_ratio * max(
                    info.compress_size, 1
                ):
                    raise ZipBombError(
                        tr(
                            "attachment {name} declares a compression ratio above {ratio}:1 "
                            "(zip bomb refused)",
                            name=info.filename,
                            ratio=f"{limits.max_ratio:g}",
                        )
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, ZipBombError):
            raise
        raise AttachmentError(
            tr("attachment zip archive is damaged: {detail}", detail=exc)
        ) from None
    return written


def _store(
    raw: IO[bytes], size: int, destination: Path | None, limits: AttachmentLimits
) -> Payload:
    if size <= limits.memory_bytes:
        return Payload.from_bytes(raw.read())
    with tempfile.NamedTemporaryFile(prefix="qnegov-att-", delete=False) as out:
        shutil.copyfileobj(raw, out, _CHUNK)
    return _adopt(Path(out.name), size, destination, limits)


def _adopt(spill: Path, size: int, destination: Path | None, limits: AttachmentLimits) -> Payload:
    """Small files move into memory; large ones become a file the payload owns or is given."""
    if size <= limits.memory_bytes:
        data = spill.read_bytes()
        spill.unlink(missing_ok=True)
        return Payload.from_bytes(data)
    if destination is not None:  # a file AttachmentFolder.claim created for this attachment
        shutil.move(spill, destination)
        return Payload.from_file(destination)
    return Payload.owned_file(spill)


_NAME_BYTES: Final = 255
"""The longest file name (in bytes) that ext4, NTFS, APFS and most others accept."""
_UNSAFE_CHARACTERS: Final = re.compile(r'[/\\:*?"<>|]')
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in "0123456789¹²³"}
)
_MAX_CLAIMS: Final = 10_000
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)


def safe_file_name(name: str, fallback: str = "attachment") -> str:
    """One plain file name, safe in any folder on Linux, macOS and Windows.

    Peers choose attachment names and content ids, so both are untrusted: a separator, ``.``,
    ``..``, an absolute path, a control or invisible character, a reserved Windows device name or a
    name longer than 255 bytes never survives. ``fallback`` (itself cleaned the same way) is used
    when nothing of ``name`` is left, and ``attachment`` when nothing of either is.
    """
    for candidate in (name, fallback):
        cleaned = _clean_name(candidate)
        if cleaned:
            return cleaned
    return "attachment"


def _clean_name(name: str) -> str:
    text = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        "_" if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch
        for ch in _UNSAFE_CHARACTERS.sub("_", text)
    )
    text = text.strip().strip(". ")  # hidden files, "..", and what Windows silently drops
    if not text:
        return ""
    if text.split(".", 1)[0].rstrip().upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        stem, extension = text, ""
    return _fit(stem, extension)


def _fit(stem: str, extension: str, mark: str = "") -> str:
    """``stem{mark}.extension`` in 255 bytes: the stem is cut at a character boundary."""
    tail = f"{mark}.{extension}" if extension else mark
    room = _NAME_BYTES - len(tail.encode())
    cut = stem.encode()[:room].decode(errors="ignore").rstrip(". ")
    return f"{cut or '_'}{tail}"


class AttachmentFolder:
    """The one way attachments are written to disk: new plain files inside one folder.

    Every name goes through :func:`safe_file_name`; a name already taken (in the folder or earlier
    in this run, compared case-insensitively as Windows and macOS do) gets ``-2``,
    ``-3``, ... instead of overwriting; the file is created exclusively, so a symlink or file that
    is already there is never followed or replaced.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise AttachmentError(
                tr("{path} exists and is not a folder", path=self.root), file=str(self.root)
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self._taken = {entry.name.casefold() for entry in self.root.iterdir()}
        self._created: list[Path] = []

    def claim(self, name: str, fallback: str = "attachment") -> Path:
        """Create an empty file for ``name`` inside the folder and return its path."""
        first = safe_file_name(name, fallback)
        stem, dot, extension = first.rpartition(".")
        if not dot:
            stem, extension = first, ""
        for n in range(1, _MAX_CLAIMS + 1):
            candidate = first if n == 1 else _fit(stem, extension, f"-{n}")
            if candidate.casefold() in self._taken:
                continue
            path = self.root / candidate
            if path.parent != self.root or candidate in {"", ".", ".."}:
                raise AttachmentError(tr("unsafe attachment name {name!r}", name=name))
            try:
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise AttachmentError(
                    tr("cannot create {path}: {detail}", path=path, detail=exc.strerror),
                    file=str(path),
                ) from None
            os.close(handle)
            self._taken.add(candidate.casefold())
            self._created.append(path)
            return path
        raise AttachmentError(tr("too many attachments named {name!r}", name=first))

    def release(self, path: Path) -> None:
        """Remove a file this folder created (its attachment turned out unreadable)."""
        if path in self._created:
            self._created.remove(path)
            self._taken.discard(path.name.casefold())
            path.unlink(missing_ok=True)

    def release_all(self) -> None:
        """Remove every file this folder created (the packet is being read again)."""
        for path in list(self._created):
            self.release(path)


def member_name_for(content_id: str, name: str) -> str:
    """The zip entry name peers use: ``<content id>.<extension of the file name>``."""
    suffix = PurePosixPath(name).suffix
    return safe_file_name(f"{content_id}{suffix}", "attachment")


def encode_attachment(payload: Payload, zipped: bool, member_name: str, sink: IO[bytes]) -> None:
    """Write the base64 transfer form of ``payload`` (zipped first if asked) to ``sink``."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as packed:
        if zipped:
            info = zipfile.ZipInfo(member_name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            with zipfile.ZipFile(packed, "w") as archive, payload.open() as source:
                big = payload.size > (1 << 31)
                with archive.open(info, "w", force_zip64=big) as member:
                    shutil.copyfileobj(source, member, _CHUNK)
        else:
            with payload.open() as source:
                shutil.copyfileobj(source, packed, _CHUNK)
        packed.seek(0)
        block = 3 * (1 << 15)
        while chunk := packed.read(block):
            sink.write(base64.b64encode(chunk))
