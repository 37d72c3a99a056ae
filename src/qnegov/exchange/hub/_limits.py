"""What keeps one hub process bounded: the in-flight body budget, spooled uploads, replay memory.

- :class:`BodyBudget`: the bytes of request bodies being received or checked right now, across
  all requests. A request that would pass the cap is answered 503 with ``Retry-After`` (clients
  retry), so a burst of large sends queues on the clients instead of in the hub's memory.
- :func:`receive_body`: a request body hashed while it arrives; past ``spool_threshold`` it goes to
  a temporary file (validated and stored from there), below it stays in memory.
- :class:`ReplayCache`: the VDXP signatures accepted inside the clock-skew window; a repeat is a
  replay. Bounded: when full of live entries, new signed requests wait (503) rather than evict.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BodyBudget", "Over", "ReplayCache", "Upload", "receive_body"]


class Over(Exception):
    """A limit refused the request: ``kind`` is ``"size"`` (413) or ``"busy"`` (503)."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind, self.limit = kind, limit
        super().__init__(kind)


@dataclass(slots=True)
class BodyBudget:
    """A counter of in-flight body bytes with a hard cap."""

    cap: int
    used: int = 0
    peak: int = 0
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, n: int) -> None:
        with self._lock:
            if self.used + n > self.cap:
                self.refused += 1
                raise Over("busy", self.cap)
            self.used += n
            self.peak = max(self.peak, self.used)

    def give(self, n: int) -> None:
        with self._lock:
            self.used -= n


@dataclass(slots=True)
class Upload:
    """A received body: ``data`` in memory, or ``path`` on disk; ``sha256`` of the bytes."""

    size: int
    sha256: bytes
    data: bytes | None = None
    path: Path | None = None
    reserved: int = 0

    @property
    def source(self) -> bytes | Path:
        if self.path is not None:
            return self.path
        return self.data or b""

    def read(self) -> bytes:
        return self.path.read_bytes() if self.path is not None else (self.data or b"")

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


async def receive_body(
    chunks: AsyncIterator[bytes],
    *,
    declared: int | None,
    limit: int,
    budget: BodyBudget,
    spool_threshold: int,
    spool_dir: Path | None,
) -> Upload:
    """Read a body under ``limit`` bytes, reserving it in ``budget``; the caller must
    ``budget.give(upload.reserved)`` and ``upload.discard()`` when done with it."""
    if declared is not None and declared > limit:
        raise Over("size", limit)
    reserved = declared or 0
    if reserved:
        budget.take(reserved)
    digest = hashlib.sha256()
    parts: list[bytes] = []
    size = 0
    spool = None
    path: Path | None = None
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise Over("size", limit)
            if size > reserved:
                budget.take(size - reserved)
                reserved = size
            digest.update(chunk)
            if spool is not None:
                spool.write(chunk)
                continue
            parts.append(chunk)
            if size > spool_threshold:
                fd, name = tempfile.mkstemp(prefix="qnegov-hub-", suffix=".upload", dir=spool_dir)
                path = Path(name)
                spool = os.fdopen(fd, "wb")
                for part in parts:
                    spool.write(part)
                parts.clear()
        if spool is not None:
            spool.close()
            spool = None
    except BaseException:
        if spool is not None:
            spool.close()
        if path is not None:
            path.unlink(missing_ok=True)
        budget.give(reserved)
        raise
    data = None if path is not None else b"".join(parts)
    return Upload(size=size, sha256=digest.digest(), data=data, path=path, reserved=reserved)


class ReplayCache:
    """Signatures seen in the last ``window`` seconds, at most ``capacity`` of them."""

    def __init__(self, window: float, capacity: int) -> None:
        self.window, self.capacity = window, capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, signature: str) -> bool:
        """Record ``signature``; ``False`` if it was already seen (a replay).

        Raises :class:`Over` (busy) when the cache is full of signatures still inside the window.
        """
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, expires = next(iter(self._seen.items()))
                if expires > now:
                    break
                del self._seen[oldest]
            if signature in self._seen:
                return False
            if len(self._seen) >= self.capacity:
                raise Over("busy", self.capacity)
            self._seen[signature] = now + self.window
            return True
