"""Byte-level landmarks of a register file: where the root starts, where records start and end.

The bulk validator never builds a tree of the whole file. It cuts the bytes into batches at
record start tags (a C-speed ``rfind``) and parses each batch on its own. This module holds the
small tokenizer that knows enough XML to do that honestly: it skips comments, CDATA sections,
processing instructions and quoted attribute values, and tracks element depth, so a record
start tag is only recognised where an element can start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "RecordTag",
    "element_end",
    "find_children",
    "root_start",
]

_NAME_END: Final = frozenset(b" \t\r\n/>")
_NAME_CHARS: Final = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:"
)


@dataclass(frozen=True, slots=True)
class RecordTag:
    """How the record element's start tag looks in the bytes: ``<Citizen`` or ``<c:Citizen``."""

    local: bytes

    def is_start_at(self, buf: bytes, lt: int) -> bool:
        """Whether ``buf[lt]`` is the ``<`` of a start tag of the record element."""
        end = lt + 1
        size = len(buf)
        while end < size and buf[end] in _NAME_CHARS:
            end += 1
        if end >= size or buf[end] not in _NAME_END or end == lt + 1:
            return False
        name = buf[lt + 1 : end]
        return name == self.local or name.endswith(b":" + self.local)

    def last_start(self, buf: bytes, lo: int = 1, hi: int | None = None) -> int:
        """Offset of the last record start tag in ``buf[lo:hi]``, or -1 (a backwards byte scan)."""
        pos = len(buf) if hi is None else hi
        local = self.local
        while True:
            pos = buf.rfind(local, lo, pos)
            if pos < 0:
                return -1
            lt = pos - 1
            if lt >= 0 and buf[lt] == 0x3A:  # ':' — walk back over the prefix
                lt -= 1
                while lt >= 0 and buf[lt] in _NAME_CHARS and buf[lt] != 0x3A:
                    lt -= 1
            if lt >= lo and buf[lt] == 0x3C and self.is_start_at(buf, lt):
                return lt

    def first_start(self, buf: bytes, lo: int = 0) -> int:
        """Offset of the first record start tag at or after ``lo``, or -1 (a forward scan)."""
        local = self.local
        pos = lo
        while True:
            pos = buf.find(local, pos)
            if pos < 0:
                return -1
            lt = pos - 1
            if lt >= 0 and buf[lt] == 0x3A:  # ':' — walk back over the prefix
                lt -= 1
                while lt >= 0 and buf[lt] in _NAME_CHARS and buf[lt] != 0x3A:
                    lt -= 1
            if lt >= lo and buf[lt] == 0x3C and self.is_start_at(buf, lt):
                return lt
            pos += 1

    def starts(self, buf: bytes, lo: int = 0, hi: int | None = None) -> list[int]:
        """Offsets of every record start tag in ``buf[lo:hi]``, in order (the recovery path)."""
        found: list[int] = []
        pos = lo
        end = len(buf) if hi is None else hi
        pattern = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?" + re.escape(self.local) + rb"[\s/>]")
        for match in pattern.finditer(buf, pos, end):
            found.append(match.start())
        return found


def _skip_markup(buf: bytes, lt: int) -> int | None:
    """End offset of the comment, CDATA section, PI or declaration at ``lt``; None if cut off."""
    if buf.startswith(b"<!--", lt):
        end = buf.find(b"-->", lt + 4)
        return None if end < 0 else end + 3
    if buf.startswith(b"<![CDATA[", lt):
        end = buf.find(b"]]>", lt + 9)
        return None if end < 0 else end + 3
    if buf.startswith(b"<?", lt):
        end = buf.find(b"?>", lt + 2)
        return None if end < 0 else end + 2
    end = buf.find(b">", lt + 2)  # <!DOCTYPE …> and friends; the safe parser refuses them later
    return None if end < 0 else end + 1


def _tag_end(buf: bytes, lt: int) -> int | None:
    """Offset just past the ``>`` closing the tag at ``lt`` (quotes respected); None if cut off."""
    pos = lt + 1
    size = len(buf)
    while pos < size:
        byte = buf[pos]
        if byte == 0x3E:
            return pos + 1
        if byte in (0x22, 0x27):
            close = buf.find(bytes((byte,)), pos + 1)
            if close < 0:
                return None
            pos = close + 1
            continue
        pos += 1
    return None


def element_end(buf: bytes, lt: int) -> int | None:
    """Offset just past the element whose start tag begins at ``lt``; None if not all in ``buf``.

    Malformed nesting is not judged here (the parser does that); only depth is counted.
    """
    depth = 0
    pos = lt
    while True:
        lt = buf.find(b"<", pos)
        if lt < 0 or lt + 1 >= len(buf):
            return None
        nxt = buf[lt + 1]
        if nxt in (0x21, 0x3F):  # '!' or '?'
            end = _skip_markup(buf, lt)
            if end is None:
                return None
            pos = end
            continue
        end = _tag_end(buf, lt)
        if end is None:
            return None
        if nxt == 0x2F:  # '/': an end tag
            depth -= 1
        elif buf[end - 2] != 0x2F:  # not self-closing
            depth += 1
        pos = end
        if depth <= 0:
            return end


def root_start(buf: bytes) -> tuple[int, int] | None:
    """(start, end) offsets of the root element's start tag; None if ``buf`` does not hold it."""
    pos = 0
    while True:
        lt = buf.find(b"<", pos)
        if lt < 0 or lt + 1 >= len(buf):
            return None
        if buf[lt + 1] in (0x21, 0x3F):
            end = _skip_markup(buf, lt)
            if end is None:
                return None
            pos = end
            continue
        end = _tag_end(buf, lt)
        return None if end is None else (lt, end)


def find_children(buf: bytes, pos: int, tag: RecordTag) -> tuple[int, list[tuple[int, int]]]:
    """Walk the root's children from ``pos``: (first record start or -1, other children seen).

    Returns as soon as a record start tag is met at child depth; the other children (header
    elements) are returned as (start, end) spans. -1 means no record start within ``buf``.
    """
    others: list[tuple[int, int]] = []
    while True:
        lt = buf.find(b"<", pos)
        if lt < 0 or lt + 1 >= len(buf):
            return -1, others
        nxt = buf[lt + 1]
        if nxt in (0x21, 0x3F):
            end = _skip_markup(buf, lt)
            if end is None:
                return -1, others
            pos = end
            continue
        if nxt == 0x2F:  # the root's end tag: no records at all
            return -1, others
        if tag.is_start_at(buf, lt):
            return lt, others
        end = element_end(buf, lt)
        if end is None:
            return -1, others
        others.append((lt, end))
        pos = end
