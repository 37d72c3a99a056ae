"""Validate one byte range of records: the code every worker process runs.

A range is cut into batches of about :data:`BATCH_BYTES` at record start tags; each batch is
wrapped in the ``QnegovBulkBatch`` element, parsed from memory through the safe parser, and
validated once with the derived batch schema. Valid records cost no Python work at all unless
rules are on. Everything found is located *relative to the range* (line, record index); the
parent adds the range's offsets when it merges results in file order, so the output does not
depend on how the file was split.

A batch that is not well-formed takes the recovery path: it is cut at every record start tag,
each piece is parsed alone, a broken piece is reported once and the work resumes at the next
record (pieces are first re-joined with their neighbours, in case a start tag was cut inside a
comment or CDATA section).
"""

from __future__ import annotations

import bisect
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import set_language, tr
from qnegov.bulk._rules import (
    Finding,
    Record,
    RuleSet,
    UniqueKey,
    iter_findings,
    load_rules_module,
)
from qnegov.bulk._scan import RecordTag, element_end
from qnegov.bulk._schema import RecordSchema
from qnegov.errors import UnsafeXMLError, XMLSyntaxError
from qnegov.report import Severity

__all__ = ["BATCH_BYTES", "Plan", "RangeResult", "RawIssue", "Task", "run_task"]

BATCH_BYTES: Final = 128 * 1024
"""Batch size: small enough to stay in CPU cache, large enough to amortise a validate call."""
_READ_BYTES: Final = 1 << 20
_REJOIN: Final = 4
_KEYS_IN_MEMORY: Final = 16_384
"""Keys held before they are appended to the range's spill file (about 1 MB)."""

RawIssue = tuple[str, str, str, int | None, int | None, int | None, str | None, str | None]
"""(code, severity, message, range-relative line, column, range-relative record, path, rule)."""


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs, picklable: schema bytes, wrapper tags, rule module names."""

    label: str
    schema: RecordSchema
    wrapper_open: bytes
    wrapper_close: bytes
    encoding: str | None
    root_local: str
    builtin: str | None
    rule_modules: tuple[str, ...]
    rule_objects: tuple[Any, ...]
    key_dir: str | None
    key_buckets: int
    lean: bool = True
    language: str = "en"
    """Message language of the caller; workers started fresh must speak it too."""

    @property
    def tag(self) -> RecordTag:
        return RecordTag(self.schema.record_local.encode())


@dataclass(frozen=True)
class Task:
    """One byte range: ``[start, end)`` of ``path``, or the bytes themselves (gzip input)."""

    index: int
    path: str | None
    start: int
    end: int
    data: bytes | None
    final: bool


@dataclass
class RangeResult:
    """What a range produced, relative to its own start."""

    index: int
    newlines: int = 0
    records: int = 0
    issues: list[RawIssue] = field(default_factory=list)
    tail: bytes | None = None
    tail_line: int = 0
    key_segments: dict[int, array[int]] = field(default_factory=dict)
    """Per bucket, (offset, length) pairs of its rows in ``key_file``, flat and compact: the
    parent keeps these for every range until the end."""
    key_file: str | None = None


class RangeRefused(Exception):
    """A range stopped by an unsafe record; ``error``'s line counts from the range's start."""

    def __init__(self, error: UnsafeXMLError) -> None:
        super().__init__(error)
        self.error = error


class _Worker:
    """Per-process state: compiled schema and rules, built once per plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.schema = plan.schema.compile_batch()
        self.record_tag = plan.schema.record_tag
        rules = list(builtin_rule_objects(plan.builtin))
        for spec in plan.rule_modules:
            rules.extend(load_rules_module(spec))
        rules.extend(plan.rule_objects)
        self.rules = RuleSet.of(rules, plan.rule_modules)
        self.tag = plan.tag
        ns = plan.schema.record_ns
        self.ns_prefix = "{" + ns + "}" if ns else ""
        wanted: list[str] = []
        for rule in self.rules.records:
            wanted.extend(f for f in getattr(rule, "fields", ()) if f not in wanted)
        self.columns = {path: _column(path, ns) for path in wanted}
        self.key_columns = {
            key.field: _column(key.field, ns, text=False) for key in self.rules.keys
        }


def _column(path: str, ns: str | None, *, text: bool = True) -> etree.XPath:
    """One XPath giving ``path``'s text (or element) for every record of a batch, in order."""
    steps = "/".join(("r:" if ns else "") + step for step in path.split("/"))
    suffix = "/text()" if text else ""
    return etree.XPath(
        f"*/{steps}{suffix}", namespaces={"r": ns} if ns else None, smart_strings=False
    )


def builtin_rule_objects(name: str | None) -> list[Any]:
    """The rules shipped for a named record schema (``citizen``, ``household``)."""
    if name is None:
        return []
    from qnegov.bulk._builtin import BUILTIN_RULES

    return list(BUILTIN_RULES.get(name, ()))


_WORKERS: dict[int, _Worker] = {}


def _worker_for(plan: Plan) -> _Worker:
    key = id(plan)
    worker = _WORKERS.get(key)
    if worker is None or worker.plan is not plan:
        _WORKERS.clear()
        worker = _WORKERS[key] = _Worker(plan)
    return worker


_PLAN: Plan | None = None


def init_worker(plan: Plan) -> None:
    """Pool initializer: remember the plan once per process."""
    global _PLAN
    _PLAN = plan
    set_language(plan.language)


def run_pooled(task: Task) -> RangeResult:
    """Pool entry point."""
    assert _PLAN is not None
    return run_task(_PLAN, task)


def _blocks(task: Task) -> Iterator[bytes]:
    if task.data is not None:
        yield task.data
        return
    assert task.path is not None
    with Path(task.path).open("rb") as handle:
        handle.seek(task.start)
        left = task.end - task.start
        while left > 0:
            chunk = handle.read(min(_READ_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


class _Range:
    """Validation state while walking one range."""

    def __init__(self, worker: _Worker, task: Task) -> None:
        self.worker = worker
        self.plan = worker.plan
        self.result = RangeResult(task.index)
        self.keys: dict[int, list[str]] = {}
        self.pending_keys = 0
        self.task = task

    # -- batches -------------------------------------------------------------------------
    def batch(self, *parts: bytes | memoryview) -> None:
        """Validate one batch (a whole number of records, given in pieces) and move on.

        A hostile record (too deep, too big) stops the file; its line, counted by libxml2
        from the piece that failed, is counted from the range's start instead."""
        try:
            self._batch(*parts)
        except UnsafeXMLError as exc:
            if exc.line is not None:
                exc.line += self.result.newlines
            raise RangeRefused(exc) from None

    def _batch(self, *parts: bytes | memoryview) -> None:
        plan = self.plan
        document = b"".join((plan.wrapper_open, *parts, plan.wrapper_close))
        try:
            root = _xml.parse_bytes(
                document, name=plan.label, encoding=plan.encoding, lean=plan.lean
            )
        except XMLSyntaxError:
            self.recover(document[len(plan.wrapper_open) : -len(plan.wrapper_close)])
            return
        self.validated(root, document.count(b"\n"))

    def validated(self, root: etree._Element, newlines: int) -> None:
        worker = self.worker
        result = self.result
        line_base = result.newlines
        record_base = result.records
        schema = worker.schema
        if schema.validate(root):
            count = len(root)  # lean parsing: every child is a record element
            if worker.rules:
                self.apply_rules_batch(root, count, line_base, record_base)
        else:
            records = list(root.iterchildren(worker.record_tag))
            count = len(records)
            bad = self.schema_errors(root, records, line_base, record_base)
            if worker.rules:
                # rules see only schema-valid records: drop the others (and any stray
                # element), then run the batch path with the survivors' indexes
                good = [i for i in range(count) if i not in bad]
                keep = {id(records[i]) for i in good}
                for child in list(root):
                    if id(child) not in keep:
                        root.remove(child)
                self.apply_rules_batch(root, len(good), line_base, record_base, good)
        result.records += count
        result.newlines += newlines

    def schema_errors(
        self,
        root: etree._Element,
        records: list[etree._Element],
        line_base: int,
        record_base: int,
    ) -> set[int]:
        """Report the batch's XSD errors, located; return the indexes of the records at fault."""
        worker = self.worker
        starts = [source_line(r) for r in records]
        bad: set[int] = set()
        for entry in log_entries(worker.schema):
            line = entry.line
            index = bisect.bisect_right(starts, line) - 1
            bad.add(index)
            self.result.issues.append(
                (
                    "bulk_schema",
                    Severity.ERROR.value,
                    _clean(entry.message, worker.ns_prefix),
                    line_base + line,
                    entry.column or None,
                    record_base + index if index >= 0 else None,
                    _path(root, entry.path, index, worker) if index >= 0 else None,
                    None,
                )
            )
        return bad

    def apply_rules_batch(
        self,
        root: etree._Element,
        count: int,
        line_base: int,
        record_base: int,
        indexes: list[int] | None = None,
    ) -> None:
        """Rules over the schema-valid records of a batch (every child of ``root``), with their
        fields fetched one XPath per field; ``indexes`` maps children to batch record numbers
        when invalid records were dropped."""
        worker = self.worker
        where = indexes if indexes is not None else range(count)
        columns: dict[str, list[Any]] = {}
        for path, xpath in worker.columns.items():
            column = xpath(root)
            if isinstance(column, list) and len(column) == count:
                columns[path] = column
        issues = self.result.issues
        slow: list[Any] = []
        for rule in worker.rules.records:
            fields = getattr(rule, "fields", None)
            by_columns = getattr(rule, "check_columns", None)
            if by_columns is None or fields is None or any(f not in columns for f in fields):
                slow.append(rule)
                continue
            try:
                hits = list(by_columns(columns, count))
            except Exception:  # fall back to record by record, where crashes are reported
                slow.append(rule)
                continue
            for index, finding in hits:
                record = Record(parent=root, index=index, ns=worker.ns_prefix)
                issues.append(
                    self.finding(finding, record, rule.name, line_base, record_base + where[index])
                )
        if slow:
            paths = list(columns)
            cols = [columns[p] for p in paths]
            ns = worker.ns_prefix
            for index in range(count):
                values = {p: c[index] for p, c in zip(paths, cols, strict=True)}
                record = Record(parent=root, index=index, values=values, ns=ns)
                for rule in slow:
                    for finding in iter_findings(rule, record):
                        issues.append(
                            self.finding(
                                finding, record, rule.name, line_base, record_base + where[index]
                            )
                        )
        for key in worker.rules.keys:
            found: Any = worker.key_columns[key.field](root)  # a list of elements
            if isinstance(found, list) and len(found) == count:
                self.add_keys(key, found, where, line_base, record_base)
            else:
                ns = worker.ns_prefix
                elements = [
                    Record(parent=root, index=i, ns=ns).find(key.field) for i in range(count)
                ]
                self.add_keys(key, elements, where, line_base, record_base)

    def add_keys(
        self,
        key: UniqueKey,
        elements: list[Any],
        indexes: range | list[int],
        line_base: int,
        record_base: int,
    ) -> None:
        buckets = self.plan.key_buckets
        keys = self.keys
        self.pending_keys += len(elements)
        name = key.name
        for element, index in zip(elements, indexes, strict=True):
            if element is None:
                continue
            text = element.text
            if not text:
                continue
            value = text.strip()
            # the bucket must be the same in every worker: no salted hash()
            bucket = (
                int(value) % buckets
                if value.isascii() and value.isdigit() and len(value) < 19
                else zlib.crc32(value.encode()) % buckets
            )
            line = element.sourceline
            row = f"{name}\t{value}\t{record_base + index}\t{line_base + (line or 0)}"
            bucket_rows = keys.get(bucket)
            if bucket_rows is None:
                keys[bucket] = [row]
            else:
                bucket_rows.append(row)
        if self.pending_keys >= _KEYS_IN_MEMORY:
            self.flush_keys(self.task)

    def finding(
        self, finding: Finding, record: Record, rule: str, line_base: int, index: int
    ) -> RawIssue:
        target = record.find(finding.field) if finding.field else None
        where = target if target is not None else record.element
        path = f"/{self.plan.root_local}/{self.plan.schema.record_local}[{{record}}]"
        if finding.field:
            path += "/" + finding.field
        return (
            finding.code,
            finding.severity.value,
            finding.message,
            line_base + source_line(where),
            None,
            index,
            path,
            rule,
        )

    # -- recovery ------------------------------------------------------------------------
    def recover(self, piece: bytes) -> None:
        """Parse record by record; report each broken stretch once and go on."""
        starts = self.worker.tag.starts(piece)
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = [*starts, len(piece)]
        n = 0
        while n < len(starts):
            for width in range(1, min(_REJOIN, len(starts) - n) + 1):
                chunk = piece[bounds[n] : bounds[n + width]]
                root = self._try_parse(chunk)
                if root is not None:
                    self.validated(root, chunk.count(b"\n"))
                    n += width
                    break
            else:
                self.malformed(piece[bounds[n] : bounds[n + 1]])
                n += 1

    def _try_parse(self, chunk: bytes) -> etree._Element | None:
        plan = self.plan
        try:
            return _xml.parse_bytes(
                plan.wrapper_open + chunk + plan.wrapper_close,
                name=plan.label,
                encoding=plan.encoding,
                lean=plan.lean,
            )
        except XMLSyntaxError:
            return None

    def malformed(self, chunk: bytes) -> None:
        plan = self.plan
        result = self.result
        try:
            _xml.parse_bytes(
                plan.wrapper_open + chunk + plan.wrapper_close,
                name=plan.label,
                encoding=plan.encoding,
            )
            detail, line, column = tr("malformed record"), 1, None
        except XMLSyntaxError as exc:
            detail, line, column = exc.message, exc.line or 1, exc.column
        lines_in = chunk.count(b"\n")
        line = min(line, lines_in + 1)
        is_record = self.worker.tag.is_start_at(chunk, 0)
        result.issues.append(
            (
                "bulk_malformed",
                Severity.ERROR.value,
                tr("malformed record, skipped: {detail}", detail=detail),
                result.newlines + line,
                column,
                result.records if is_record else None,
                None,
                None,
            )
        )
        if is_record:
            result.records += 1
        result.newlines += lines_in

    # -- keys ----------------------------------------------------------------------------
    def flush_keys(self, task: Task) -> None:
        """Append the pending keys to this range's spill file, bucket by bucket."""
        if not self.keys or self.plan.key_dir is None:
            return
        name = str(Path(self.plan.key_dir) / f"keys-{task.index:06d}")
        with Path(name).open("ab") as handle:
            offset = handle.tell()
            for bucket in sorted(self.keys):
                blob = ("\n".join(self.keys[bucket]) + "\n").encode()
                handle.write(blob)
                pairs = self.result.key_segments.get(bucket)
                if pairs is None:
                    pairs = self.result.key_segments[bucket] = array("q")
                pairs.extend((offset, len(blob)))
                offset += len(blob)
        self.result.key_file = name
        self.keys.clear()
        self.pending_keys = 0


def run_task(plan: Plan, task: Task) -> RangeResult:
    """Validate every record of ``task``'s range; the final range also returns the tail."""
    worker = _worker_for(plan)
    state = _Range(worker, task)
    tag = worker.tag
    carry = b""  # whole records cut off at the end of the previous block
    for block in _blocks(task):
        pos = 0
        if carry:
            # the batch that straddles two blocks: carry + the next block up to a record start
            pos = tag.first_start(block, min(len(block), max(0, BATCH_BYTES - len(carry))))
            if pos < 0:  # no record starts in this block: carry it all
                carry += block
                continue
            state.batch(carry, memoryview(block)[:pos])
        size = len(block)
        view = memoryview(block)
        while size - pos >= BATCH_BYTES:
            cut = tag.last_start(block, pos + 1, pos + BATCH_BYTES)
            if cut < 0:
                cut = tag.last_start(block, pos + 1)
            if cut < 0:  # one record longer than what is left: carry it
                break
            state.batch(view[pos:cut])
            pos = cut
        carry = block[pos:]
    buf = carry
    if task.final:
        buf = _split_tail(state, buf, tag)
    if buf:
        state.batch(buf)
    state.flush_keys(task)
    return state.result


def _split_tail(state: _Range, buf: bytes, tag: RecordTag) -> bytes:
    """Keep the records of the last piece; the trailer and root end tag go to the skeleton."""
    last = tag.last_start(buf, 0)
    if last < 0:
        state.result.tail = buf
        state.result.tail_line = state.result.newlines
        return b""
    end = element_end(buf, last)
    if end is None:  # a broken last record: the root end tag bounds the records instead
        close = buf.rfind(b"</")
        end = close if close > last else len(buf)
    records, tail = buf[:end], buf[end:]
    state.result.tail = tail
    state.result.tail_line = state.result.newlines + records.count(b"\n")
    return records


def source_line(element: etree._Element) -> int:
    """The element's line in its batch (0 if unknown; the stubs type it loosely)."""
    line = element.sourceline
    return line if isinstance(line, int) else 0


def log_entries(schema: etree.XMLSchema) -> list[Any]:
    """The last validation's error-log entries (the stubs miss ``_ErrorLog.__iter__``)."""
    log: Any = schema.error_log
    return list(log)


def _clean(message: str, ns_prefix: str) -> str:
    """libxml2's message without the record namespace in every element name."""
    return message.replace(ns_prefix, "") if ns_prefix else message


def _path(root: etree._Element, xpath: str | None, index: int, worker: _Worker) -> str | None:
    """A readable path ``/Root/Record[{record}]/Field``; ``{record}`` is filled in by the parent."""
    plan = worker.plan
    head = f"/{plan.root_local}/{plan.schema.record_local}[{{record}}]"
    if not xpath:
        return head
    steps_in = xpath.split("/")
    if len(steps_in) > 1:  # the wrapper step may carry a prefix XPath cannot resolve
        steps_in[1] = "*"
    try:
        prefixes = {k: v for k, v in root.nsmap.items() if k}
        found = root.getroottree().xpath("/".join(steps_in), namespaces=prefixes)
    except etree.XPathError:
        return head
    if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
        return head
    steps: list[str] = []
    node: etree._Element | None = found[0]
    while node is not None and node.getparent() is not None and node.getparent() is not root:
        steps.append(etree.QName(node).localname)
        node = node.getparent()
    return head + "".join("/" + s for s in reversed(steps))
