"""Attachment content held in memory or in a file, compared by digest, never loaded by accident."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import weakref
from pathlib import Path
from typing import IO, Any

__all__ = ["Payload"]

_CHUNK = 1 << 16


class Payload:
    """The bytes of one attachment (the original file, after unzipping).

    Small contents live in memory; large ones stay in a file so that a 200 MB attachment never
    has to fit in RAM. Two payloads are equal when their sizes and SHA-256 digests are.
    """

    __slots__ = ("__weakref__", "_data", "_digest", "_path", "_size")

    def __init__(self, *, data: bytes | None = None, path: Path | None = None) -> None:
        if (data is None) == (path is None):
            raise ValueError("a Payload holds either data or a path")
        self._data = data
        self._path = path
        self._digest: str | None = None
        self._size: int | None = None if data is None else len(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> Payload:
        """Content held in memory."""
        return cls(data=bytes(data))

    @classmethod
    def from_file(cls, path: str | Path) -> Payload:
        """Content that stays in ``path`` and is streamed from there when needed."""
        return cls(path=Path(path))

    @classmethod
    def owned_file(cls, path: Path) -> Payload:
        """Content in a temporary file that is deleted when the payload is garbage-collected."""
        payload = cls(path=path)
        weakref.finalize(payload, _remove, str(path))
        return payload

    @property
    def path(self) -> Path | None:
        """The file holding the content, when it is not in memory."""
        return self._path

    @property
    def size(self) -> int:
        """Length in bytes."""
        if self._size is None:
            assert self._path is not None
            self._size = self._path.stat().st_size
        return self._size

    @property
    def sha256(self) -> str:
        """Lowercase hex SHA-256 of the content (computed once, streaming)."""
        if self._digest is None:
            digest = hashlib.sha256()
            with self.open() as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
            self._digest = digest.hexdigest()
        return self._digest

    def open(self) -> IO[bytes]:
        """A fresh binary stream over the content; the caller closes it."""
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self._path is not None
        return self._path.open("rb")

    def read_bytes(self) -> bytes:
        """The whole content in memory (avoid for large attachments)."""
        if self._data is not None:
            return self._data
        assert self._path is not None
        return self._path.read_bytes()

    def save(self, destination: str | Path) -> Path:
        """Copy the content to ``destination`` in chunks and return its path."""
        target = Path(destination)
        with self.open() as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink, _CHUNK)
        return target

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Payload):
            return NotImplemented
        return self.size == other.size and self.sha256 == other.sha256

    def __hash__(self) -> int:
        return hash((self.size, self.sha256))

    def __repr__(self) -> str:
        where = "memory" if self._data is not None else str(self._path)
        return f"Payload(size={self.size}, in={where})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            _coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda p: {"size": p.size, "sha256": p.sha256}, when_used="always"
            ),
        )


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)  # noqa: PTH108 - a finalizer keeps to the plain call


def _coerce(value: object) -> Payload:
    if isinstance(value, Payload):
        return value
    if isinstance(value, bytes | bytearray):
        return Payload.from_bytes(bytes(value))
    if isinstance(value, Path):
        return Payload.from_file(value)
    raise TypeError("expected Payload, bytes or Path")
