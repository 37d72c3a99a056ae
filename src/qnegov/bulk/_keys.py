"""File-wide keys in bounded memory: unique keys of rules and the root's identity constraints.

A range collects its key values as columns (:class:`KeyBlock`: one key's values of a batch,
with their records and lines), hashes them into buckets and appends them to its spill file,
encoded: values NUL-joined, positions as machine integers. The end-of-file check loads one
bucket at a time and finds repeated values with one set per key: a bucket without a repeat
costs one pass over its values, and only the values that do repeat are walked again, with
their positions. Rows used to be formatted, split and parsed one by one, which cost more
than everything else the built-in rules do.
"""

from __future__ import annotations

import json
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, groupby
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from qnegov._i18n import tr
from qnegov.report import Issue, Severity

if TYPE_CHECKING:
    from qnegov.bulk._batch import Plan
    from qnegov.bulk._rules import UniqueKey

__all__ = [
    "KeyBlock",
    "KeyStore",
    "check_blocks",
    "constraint_row_name",
    "load_segments",
    "read_segments",
]

KEYS_IN_MEMORY: Final = 16_384
"""Key values a range holds before it appends them to its spill file (about 1.5 MB)."""


def constraint_row_name(number: int) -> str:
    """The key name of root constraint ``number`` (no user key name starts with \\x01)."""
    return f"\x01{number}"


@dataclass(frozen=True, slots=True)
class KeyBlock:
    """Values of one key in file order, each with its range-relative record and line;
    ``labels`` (root constraints only) the selected element's name, for messages."""

    name: str
    values: list[str]
    records: array[int]
    lines: array[int]
    labels: list[str] | None = None


def key_bucket(value: str, buckets: int) -> int:
    """The spill bucket of a key value: the same in every worker (no salted ``hash()``)."""
    if value.isascii() and value.isdigit() and len(value) < 19:
        return int(value) % buckets
    return zlib.crc32(value.encode()) % buckets


def _buckets_of(values: list[str], buckets: int) -> list[int]:
    joined = "".join(values)
    if (
        joined.isdigit()
        and joined.isascii()
        and min(map(len, values)) > 0
        and max(map(len, values)) < 19
    ):  # key_bucket's digits rule, one C call per value
        return list(map(buckets.__rmod__, map(int, values)))
    return [key_bucket(v, buckets) for v in values]


class KeyStore:
    """One range's key values: buckets of blocks in memory, then in the range's spill file."""

    def __init__(self, buckets: int, spill: str | None) -> None:
        self.buckets = buckets
        self.spill = spill
        self.pending: dict[int, list[KeyBlock]] = {}
        self.count = 0
        self.segments: dict[int, array[int]] = {}
        """Per bucket, (offset, length) pairs of its encoded blocks in ``spill``."""

    def add(
        self,
        name: str,
        values: list[str],
        records: Iterable[int],
        lines: Iterable[int],
        labels: list[str] | None = None,
    ) -> None:
        """Add one key's values (``records`` and ``lines`` range-relative, parallel)."""
        if not values:
            return
        block = KeyBlock(name, values, array("q", records), array("q", lines), labels)
        if self.buckets == 1:
            self.pending.setdefault(0, []).append(block)
        else:
            self._split(block)
        self.count += len(values)
        if self.count >= KEYS_IN_MEMORY:
            self.flush()

    def _split(self, block: KeyBlock) -> None:
        """Put each value of ``block`` in its bucket, keeping file order within each (a
        stable sort of the positions by bucket, then one C-level pick per bucket)."""
        numbers = _buckets_of(block.values, self.buckets)
        first = numbers[0]
        if numbers.count(first) == len(numbers):
            self.pending.setdefault(first, []).append(block)
            return
        order = sorted(range(len(numbers)), key=numbers.__getitem__)
        for bucket, run in groupby(order, key=numbers.__getitem__):
            indexes = list(run)
            self.pending.setdefault(bucket, []).append(
                KeyBlock(
                    block.name,
                    list(map(block.values.__getitem__, indexes)),
                    array("q", map(block.records.__getitem__, indexes)),
                    array("q", map(block.lines.__getitem__, indexes)),
                    None if block.labels is None else list(map(block.labels.__getitem__, indexes)),
                )
            )

    def flush(self) -> None:
        """Append the pending blocks to the spill file, one encoded run per bucket."""
        if not self.pending:
            return
        if self.spill is None:  # a plan made without a key folder: never drop keys quietly
            raise RuntimeError("unique keys to check but no folder to spill them to")
        with Path(self.spill).open("ab") as handle:
            offset = handle.tell()
            for bucket in sorted(self.pending):
                blob = encode_blocks(self.pending[bucket])
                handle.write(blob)
                pairs = self.segments.get(bucket)
                if pairs is None:
                    pairs = self.segments[bucket] = array("q")
                pairs.extend((offset, len(blob)))
                offset += len(blob)
        self.pending.clear()
        self.count = 0


def read_segments(handle: IO[bytes], pairs: Sequence[int]) -> Iterator[bytes]:
    """The encoded runs at ``pairs`` ((offset, length), flat) of an open spill file."""
    for n in range(0, len(pairs), 2):
        handle.seek(pairs[n])
        yield handle.read(pairs[n + 1])


def load_segments(path: str, pairs: Sequence[int]) -> list[KeyBlock]:
    """The blocks of one bucket of one range's spill file (its (offset, length) pairs)."""
    with Path(path).open("rb") as handle:
        return [block for run in read_segments(handle, pairs) for block in decode_blocks(run)]


_HEAD: Final = struct.Struct("<IQII")
"""Per block: name bytes, value count, value bytes, label bytes (0: no labels)."""


def encode_blocks(blocks: Iterable[KeyBlock]) -> bytes:
    """Blocks as bytes: values (and labels) joined by NUL, which XML text cannot hold, and
    records and lines as machine integers; nothing is escaped or formatted value by value."""
    out: list[bytes] = []
    for block in blocks:
        name = block.name.encode()
        values = "\x00".join(block.values).encode()
        labels = b"" if block.labels is None else "\x00".join(block.labels).encode()
        marked = 0 if block.labels is None else len(labels) + 1
        out.append(_HEAD.pack(len(name), len(block.values), len(values), marked))
        out.extend((name, values, labels))
        out.append(block.records.tobytes())
        out.append(block.lines.tobytes())
    return b"".join(out)


def decode_blocks(blob: bytes) -> list[KeyBlock]:
    """The blocks :func:`encode_blocks` wrote."""
    blocks: list[KeyBlock] = []
    pos = 0
    view = memoryview(blob)
    while pos < len(blob):
        name_size, count, values_size, labels_size = _HEAD.unpack_from(blob, pos)
        pos += _HEAD.size
        name = bytes(view[pos : pos + name_size]).decode()
        pos += name_size
        values = bytes(view[pos : pos + values_size]).decode().split("\x00") if count else []
        pos += values_size
        labels = None
        if labels_size:
            labels_size -= 1
            labels = bytes(view[pos : pos + labels_size]).decode().split("\x00")
            pos += labels_size
        records = array("q")
        records.frombytes(view[pos : pos + 8 * count])
        pos += 8 * count
        lines = array("q")
        lines.frombytes(view[pos : pos + 8 * count])
        pos += 8 * count
        if len(values) != count or (labels is not None and len(labels) != count):
            raise ValueError("a key spill block does not hold what its header says")
        blocks.append(KeyBlock(name, values, records, lines, labels))
    return blocks


Chunk = tuple[int, int, list[KeyBlock]]
"""(records before the range, newlines before the range, the range's blocks of one bucket)."""


def check_blocks(plan: Plan, keys: Iterable[UniqueKey], chunks: list[Chunk]) -> list[Issue]:
    """Every key issue of one bucket (or partition), ``chunks`` in file order: repeated
    unique keys, repeated key-sequences of the root's xs:key/xs:unique, and xs:keyref values
    no key of the bucket holds (a value and its key always share a bucket). Pure, so a
    cluster can run it where the blocks are (the Dask backend's partition check)."""
    constraints = {constraint_row_name(n): c for n, c in enumerate(plan.schema.root_constraints)}
    codes = {key.name: key for key in keys}
    by_name = {c.name: row for row, c in constraints.items()}
    referred = {by_name.get(c.refer or "") for c in constraints.values() if c.kind == "keyref"}
    parts: dict[str, list[tuple[int, int, KeyBlock]]] = {}
    for records, newlines, blocks in chunks:
        for block in blocks:
            parts.setdefault(block.name, []).append((records, newlines, block))
    found: list[Issue] = []
    held: dict[str, set[str]] = {}
    for name, pieces in parts.items():
        spec = constraints.get(name)
        if spec is not None and spec.kind == "keyref":
            continue
        # one pass builds the set of values and the (usually empty) set of repeated ones;
        # nothing else of the size of the bucket is held (no counts, no flat copy)
        distinct: set[str] = set()
        add = distinct.add
        repeated = {
            value
            for value in chain.from_iterable(block.values for _r, _n, block in pieces)
            if value in distinct or add(value)
        }
        if name in referred:
            held[name] = distinct
        if not repeated:
            continue  # the common case: no value repeats
        first: dict[str, tuple[int, int]] = {}
        for records, newlines, block in pieces:
            for index, value in enumerate(block.values):
                if value not in repeated:
                    continue
                at = (records + block.records[index], newlines + block.lines[index])
                seen = first.get(value)
                if seen is None:
                    first[value] = at
                elif spec is not None:
                    label = block.labels[index] if block.labels else ""
                    found.append(
                        _constraint_issue(
                            plan,
                            f"Element '{label}': Duplicate key-sequence "
                            f"{key_sequence(json.loads(value))} in {spec.kind} "
                            f"identity-constraint '{spec.name}'.",
                            *at,
                        )
                    )
                else:
                    found.append(_repeat_issue(plan, codes[name], value, at, seen))
    for name, pieces in parts.items():
        spec = constraints.get(name)
        if spec is None or spec.kind != "keyref":
            continue
        target = held.get(by_name.get(spec.refer or "") or "", set())
        for records, newlines, block in pieces:
            for index, value in enumerate(block.values):
                if value in target:
                    continue
                label = block.labels[index] if block.labels else ""
                found.append(
                    _constraint_issue(
                        plan,
                        f"Element '{label}': No match found for key-sequence "
                        f"{key_sequence(json.loads(value))} of keyref '{spec.name}'.",
                        records + block.records[index],
                        newlines + block.lines[index],
                    )
                )
    return found


def key_sequence(values: list[str]) -> str:
    """libxml2's rendering of a key-sequence: ``['a', 'b']``."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _repeat_issue(
    plan: Plan, key: UniqueKey, value: str, at: tuple[int, int], seen: tuple[int, int]
) -> Issue:
    index, line = at
    return Issue(
        key.code,
        Severity.ERROR,
        tr(
            "{field} {value} repeats record {first} (line {line})",
            field=key.field,
            value=value,
            first=seen[0],
            line=seen[1],
        ),
        file=plan.label,
        line=line,
        path=plan.field_path(key.field).replace("{record}", str(index + 1)),
        record=index,
        rule=key.name,
    )


def _constraint_issue(plan: Plan, message: str, index: int, line: int) -> Issue:
    """A root-level identity-constraint error, worded like libxml2's (namespace dropped)."""
    ns = plan.schema.record_ns
    prefix = "{" + ns + "}" if ns else ""
    return Issue(
        "bulk_schema",
        Severity.ERROR,
        message.replace(prefix, "") if prefix else message,
        file=plan.label,
        line=line,
        path=plan.record_path.replace("{record}", str(index + 1)),
        record=index,
    )
