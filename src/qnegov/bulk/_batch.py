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
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import methodcaller
from pathlib import Path
from typing import Any, Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import set_language, tr
from qnegov._location import element_steps, qualified
from qnegov.bulk._fast import WS, Acceptor, plain_utf8
from qnegov.bulk._keys import KeyStore, constraint_row_name
from qnegov.bulk._rules import (
    Finding,
    Record,
    RuleSet,
    UniqueKey,
    iter_findings,
    load_rules_module,
)
from qnegov.bulk._scan import RecordTag, _tag_end, element_end
from qnegov.bulk._schema import COPY_SUFFIX, RecordSchema, RootConstraint
from qnegov.errors import UnsafeXMLError, XMLSyntaxError
from qnegov.report import Severity

__all__ = ["BATCH_BYTES", "Plan", "RangeResult", "RawIssue", "Task", "run_task"]

BATCH_BYTES: Final = 128 * 1024
"""Batch size: small enough to stay in CPU cache, large enough to amortise a validate call."""
_READ_BYTES: Final = 1 << 20
_REJOIN: Final = 4

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
    fast: Acceptor | None = None
    """The record's compiled acceptor (the fast path), or None to send every batch to libxml2."""
    root_name: str = ""
    """The root element's name as the file writes it (``reg:Register``)."""
    record_name: str = ""
    """The first record's name as the file writes it (``reg:Citizen``)."""

    @property
    def tag(self) -> RecordTag:
        return RecordTag(self.schema.record_local.encode())

    @property
    def record_path(self) -> str:
        """``/Root/Record[{record}]``, names as written; the parent fills in ``{record}``
        (and drops the index when the file holds a single record)."""
        root = self.root_name or self.root_local
        return f"/{root}/{self.record_name or self.schema.record_local}[{{record}}]"

    def field_path(self, field: str) -> str:
        """The path of a record field named by local names (``Address/Province``) where no
        element is at hand: each step takes the record's prefix, as fields share its
        namespace."""
        prefix = self.record_name.rpartition(":")[0] if self.schema.record_ns else ""
        return self.record_path + "".join(f"/{qualified(prefix, s)}" for s in field.split("/"))


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
        self.constraints = [_Constraint(n, c) for n, c in enumerate(plan.schema.root_constraints)]
        self.fast = plan.fast.compile() if plan.fast is not None else None
        self.end_tag = plan.fast.end_tag if plan.fast is not None else b""
        self.needs_tree = bool(self.rules) or bool(self.constraints)
        self.extract: re.Pattern[bytes] | None = None
        self.extract_fields: tuple[tuple[str, tuple[int, ...]], ...] = ()
        fast = plan.fast
        if (
            fast is not None
            and fast.extract is not None
            and not self.constraints
            and not plan.rule_modules
            and not plan.rule_objects
        ):
            have = {f for f, _g in fast.fields}
            needed = set(self.columns) | {k.field for k in self.rules.keys}
            if needed <= have:
                self.extract = re.compile(WS + fast.extract)
                self.extract_fields = fast.fields
                # rules_from_bytes reads groups by number: rec, then eN/vN pairs in order
                assert self.extract.groupindex.get("rec") == 1
                assert all(
                    self.extract.groupindex[f"v{n}"] == 2 * n + 3
                    for _f, numbers in fast.fields
                    for n in numbers
                )
        self.wrap_newlines = plan.wrapper_open.count(b"\n") + plan.wrapper_close.count(b"\n")


class _Constraint:
    """A root-level identity constraint compiled to XPath evaluated on one record."""

    def __init__(self, number: int, spec: RootConstraint) -> None:
        self.spec = spec
        self.row_name = constraint_row_name(number)
        namespaces = dict(spec.namespaces)
        self.selector = [etree.XPath(b, namespaces=namespaces) for b in spec.selector]
        self.fields = [etree.XPath(f, namespaces=namespaces) for f in spec.fields]


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
        spill = (
            None
            if self.plan.key_dir is None
            else str(Path(self.plan.key_dir) / f"keys-{task.index:06d}")
        )
        self.keys = KeyStore(self.plan.key_buckets, spill)
        self.task = task
        # batches in a row the fast path handed back to the ordinary path, and the batches
        # since it was last tried: a stretch where most batches hold an unproven record (or a
        # comment) tries it on one batch in _RETRY only, so it never costs much more than it saves
        self.fast_misses = 0
        self.fast_skipped = 0

    # -- batches -------------------------------------------------------------------------
    def batch(self, *parts: bytes | memoryview) -> None:
        """Validate one batch (a whole number of records, given in pieces) and move on.

        The batch's issues are put in record order (schema errors of a record, then its rule
        findings), so the output does not depend on where batches and ranges were cut. A hostile
        record (too deep, too big) stops the file; its line, counted by libxml2 from the piece
        that failed, is counted from the range's start instead."""
        issues = self.result.issues
        before = len(issues)
        try:
            self.batch_issues(*parts)
        except UnsafeXMLError as exc:
            if exc.line is not None:
                exc.line += self.result.newlines
            raise RangeRefused(exc) from None
        if len(issues) - before > 1:
            issues[before:] = sorted(issues[before:], key=_record_order)

    def batch_issues(self, *parts: bytes | memoryview) -> None:
        plan = self.plan
        if self.worker.fast is not None and self.fast_worth_trying():
            data = b"".join(parts)
            if self.fast_batch(data):
                self.fast_misses = 0
                return
            self.fast_misses += 1
            parts = (data,)
        document = b"".join((plan.wrapper_open, *parts, plan.wrapper_close))
        try:
            root = _xml.parse_bytes(
                document, name=plan.label, encoding=plan.encoding, lean=plan.lean
            )
        except XMLSyntaxError:
            self.recover(document[len(plan.wrapper_open) : -len(plan.wrapper_close)])
            return
        self.validated(root, document.count(b"\n"))

    def fast_worth_trying(self) -> bool:
        """Whether to try the fast path on this batch (either path gives the same output)."""
        if self.fast_misses < _RETRY:
            return True
        self.fast_skipped += 1
        return self.fast_skipped % _RETRY == 0

    def fast_batch(self, data: bytes) -> bool:
        """The fast path: records the acceptor proves valid skip libxml2's validation. Returns
        False, having done nothing, when the batch must take the ordinary path instead.

        XSD only, the other records are validated in a copy of the batch where the proven ones
        are blanked out (spaces, newlines kept, one space per character), so libxml2 reports the
        same messages on the same lines as for the whole batch. With rules or root-level
        constraints an unproven record sends the batch to the ordinary path: they need the
        whole batch's tree, and validating that tree costs less than a second, blanked one.
        """
        worker = self.worker
        run = worker.fast
        assert run is not None
        tag = worker.tag
        size = len(data)
        if not plain_utf8(data):
            return False
        spans: list[tuple[int, int]] = []
        pos = 0
        matches: list[re.Match[bytes]] = []
        if worker.extract is not None:  # one pass both proves the records and reads fields
            pos = self.extract_scan(data, matches)
        while True:
            pos = _end(run.match(data, pos), pos)
            pos = _end(_SPACE.match(data, pos), pos)
            if pos >= size:
                break
            if worker.needs_tree or not tag.is_start_at(data, pos):
                # with rules or root constraints the whole batch's tree is needed anyway:
                # parsing it and a blanked copy costs more than validating the tree itself
                return False
            nxt = tag.first_start(data, pos + 1)
            end = size if nxt < 0 else nxt
            if data.find(b"<!", pos, end) >= 0 or data.find(b"<?", pos, end) >= 0:
                return False  # comments, CDATA, PIs: line up exactly only on the whole batch
            spans.append((pos, end))
            pos = end
        plan = self.plan
        result = self.result
        newlines = worker.wrap_newlines + data.count(b"\n")
        if spans:  # only without rules or root constraints (they left the loop above)
            return self.blanked_only(data, spans, newlines)
        if not worker.needs_tree:
            result.records += data.count(worker.end_tag)
            result.newlines += newlines
            return True
        if worker.extract is not None:
            if _end(_SPACE.match(data, 0), 0) == size:
                matches = []
            if self.rules_from_bytes(data, matches, newlines):
                return True
        try:  # rules or root constraints over proven records the bytes could not serve
            root = _xml.parse_bytes(
                plan.wrapper_open + data + plan.wrapper_close,
                name=plan.label,
                encoding=plan.encoding,
                lean=plan.lean,
            )
        except XMLSyntaxError:
            return False
        self.validated(root, newlines, valid=True)
        return True

    def blanked(self, data: bytes, spans: list[tuple[int, int]]) -> bytes:
        """The batch document with every byte outside ``spans`` blanked (see fast_batch)."""
        plan = self.plan
        pieces: list[bytes] = [plan.wrapper_open]
        prev = 0
        for start, end in spans:
            if start > prev:
                pieces.append(data[prev:start].translate(_BLANK, _UTF8_TAIL))
            pieces.append(data[start:end])
            prev = end
        if prev < len(data):
            pieces.append(data[prev:].translate(_BLANK, _UTF8_TAIL))
        pieces.append(plan.wrapper_close)
        return b"".join(pieces)

    def blanked_only(self, data: bytes, spans: list[tuple[int, int]], newlines: int) -> bool:
        """XSD only, some records not proven: validate the blanked copy, and locate its errors
        by the start lines of the unproven records alone (no tree of the whole batch, and no
        work per proven record beyond counting its end tag)."""
        worker = self.worker
        plan = self.plan
        # the acceptor ends every record it proves with exactly ``end_tag``, and nothing else
        # it accepts holds that text: counting it counts the proven records
        before: list[int] = []  # records ahead of each unproven one, in the batch
        proven = 0
        prev = 0
        for start, end in spans:
            proven += data.count(worker.end_tag, prev, start)
            before.append(proven + len(before))
            prev = end
        proven += data.count(worker.end_tag, prev)
        try:
            checked = _xml.parse_bytes(
                self.blanked(data, spans), name=plan.label, encoding=plan.encoding, lean=plan.lean
            )
        except XMLSyntaxError:
            return False
        if len(checked) != len(spans):
            return False  # something besides one record per stretch: take the ordinary path
        result = self.result
        if not worker.schema.validate(checked):
            locate = self._span_locator(data, spans, before)
            if locate is None:
                return False
            errors = log_entries(worker.schema)
            if any(locate(entry.line) is None for entry in errors):
                return False  # a line shared with a proven record: the ordinary path decides
            self.schema_errors(checked, locate, result.newlines, result.records, errors)
        result.records += proven + len(spans)
        result.newlines += newlines
        return True

    def _span_locator(
        self, data: bytes, spans: list[tuple[int, int]], before: list[int]
    ) -> Callable[[int], int | None] | None:
        """Line -> batch record index for errors inside the unproven records, as a bisect over
        every record's start line would give it; None where only that bisect could tell (a
        line before the first unproven record, or one the next record also starts on)."""
        size = len(data)
        offsets: list[int] = []
        for start, end in spans:
            offsets.append(start)
            offsets.append(end if end < size else -1)
        lines: list[int] = []
        line = 1 + self.plan.wrapper_open.count(b"\n")
        last = 0
        for offset in offsets:
            if offset < 0:
                lines.append(-1)
                continue
            close = _tag_end(data, offset)  # a node's line is its start tag's last line
            if close is None:
                return None
            if close > last:
                line += data.count(b"\n", last, close)
                last = close
            lines.append(line)
        own = lines[0::2]
        following = lines[1::2]

        def locate(at: int) -> int | None:
            k = bisect.bisect_right(own, at) - 1
            if k < 0 or 0 <= following[k] <= at:
                return None
            return before[k]

        return locate

    def extract_scan(self, data: bytes, matches: list[re.Match[bytes]]) -> int:
        """Match records with the capturing expression; where the unbroken run of them
        stops. After a proven batch, one ``finditer`` spares a Python step per record (its
        matches count while each starts where the one before ended); after a batch the fast
        path handed back, records are matched one by one, which stops at the first unproven
        one instead of capturing the rest of the batch for nothing."""
        rx = self.worker.extract
        assert rx is not None
        if self.fast_misses:
            pos = 0
            size = len(data)
            while pos < size:
                match = rx.match(data, pos)
                if match is None:
                    break
                matches.append(match)
                pos = match.end()
            return pos
        found = list(rx.finditer(data))
        if not found:
            return 0
        starts: list[int] = list(map(_START, found))
        ends: list[int] = list(map(_END, found))
        if starts[0] == 0 and starts[1:] == ends[:-1]:
            matches.extend(found)
            return ends[-1]
        pos = 0
        for match, start, end in zip(found, starts, ends, strict=True):
            if start != pos:
                break
            matches.append(match)
            pos = end
        return pos

    def rules_from_bytes(self, data: bytes, matches: list[re.Match[bytes]], newlines: int) -> bool:
        """Built-in rules over a batch of proven records, their fields read by the capturing
        expression instead of a tree: what :meth:`apply_rules_batch` does on a tree, with the
        same issues in the same order. False (nothing done) when a value cannot be read
        exactly as the tree would give it."""
        worker = self.worker
        count = len(matches)
        values: dict[str, list[str | None]] = {}
        chosen: dict[str, list[int]] = {}
        single: dict[str, int] = {}
        lone = [
            (path, 2 * numbers[0] + 3)
            for path, numbers in worker.extract_fields
            if len(numbers) == 1
        ]
        if lone:  # rec is group 1, then eN, vN pairs; one C call per record reads them all
            groups = [group for _path, group in lone]
            raws = map(methodcaller("group", *groups), matches)
            by_field = (
                zip(*raws, strict=True)
                if len(groups) > 1
                else [list(map(methodcaller("group", groups[0]), matches))]
            )
            for (path, group), raw in zip(lone, by_field, strict=True):
                column = _column_text(list(raw))
                if column is None:
                    return False  # whitespace-only text: the lean parser may drop it
                values[path] = column
                single[path] = group
        for path, numbers in worker.extract_fields:
            if len(numbers) == 1:
                continue
            texts: list[str | None] = []
            which: list[int] = []
            for match in matches:
                for number in numbers:
                    raw = match.group(2 * number + 3)
                    if raw is not None:
                        texts.append(raw.decode())
                        which.append(2 * number + 3)
                        break
                else:
                    texts.append(None)
                    which.append(0)
            if any(_blank(t) for t in texts):
                return False
            values[path] = texts
            chosen[path] = which

        def place(path: str, index: int) -> int:
            group = single.get(path) or chosen[path][index]
            if not group or values[path][index] is None:
                return -1
            return matches[index].start(group - 1)

        def places(path: str) -> list[int]:
            group = single.get(path)
            if group is None:
                return [place(path, i) for i in range(count)]
            texts = values[path]
            starts = list(map(methodcaller("start", group - 1), matches))
            if None in texts:
                return [-1 if t is None else at for at, t in zip(starts, texts, strict=True)]
            return starts

        base = 1 + self.plan.wrapper_open.count(b"\n")

        def line_at(offset: int) -> int:
            return base + data.count(b"\n", 0, offset - 1)

        result = self.result
        line_base = result.newlines
        record_base = result.records
        complete = {p: v for p, v in values.items() if p in worker.columns and all(v)}
        issues: list[RawIssue] = []
        plan = self.plan

        def issue(finding: Finding, rule: str, index: int) -> RawIssue:
            at = matches[index].end(1)
            path = plan.record_path
            if finding.field:
                if finding.field not in values:
                    raise _NotExtracted
                found = place(finding.field, index)
                at = found if found >= 0 else at
                path = plan.field_path(finding.field)
            return (
                finding.code,
                finding.severity.value,
                finding.message,
                line_base + line_at(at),
                None,
                record_base + index,
                path,
                rule,
            )

        try:
            slow: list[Any] = []
            for rule in worker.rules.records:
                rule_fields = getattr(rule, "fields", None)
                by_columns = getattr(rule, "check_columns", None)
                if (
                    by_columns is None
                    or rule_fields is None
                    or any(f not in complete for f in rule_fields)
                ):
                    slow.append(rule)
                    continue
                try:
                    hits = list(by_columns(complete, count))
                except Exception:
                    slow.append(rule)
                    continue
                for index, finding in hits:
                    issues.append(issue(finding, rule.name, index))
            if slow:
                for index in range(count):
                    record = Record(values={p: v[index] for p, v in values.items()})
                    for rule in slow:
                        for finding in iter_findings(rule, record):
                            issues.append(issue(finding, rule.name, index))
        except _NotExtracted:
            return False
        result.issues.extend(issues)
        for key in worker.rules.keys:
            lines = _lines_at(data, places(key.field), base)
            self.add_key_values(key, values[key.field], lines, line_base, record_base)
        result.records += count
        result.newlines += newlines
        return True

    def validated(
        self,
        root: etree._Element,
        newlines: int,
        *,
        valid: bool | None = None,
    ) -> None:
        """Report, count and run the rules on a parsed batch; ``valid`` skips validation when
        the acceptor proved every record."""
        worker = self.worker
        result = self.result
        line_base = result.newlines
        record_base = result.records
        schema = worker.schema
        if valid is None:
            valid = bool(schema.validate(root))
        if valid:
            count = len(root)  # lean parsing: every child is a record element
            if worker.constraints:
                self.constraint_rows(root, line_base, record_base)
            if worker.rules:
                self.apply_rules_batch(root, count, line_base, record_base)
        else:
            records = list(root.iterchildren(worker.record_tag))
            count = len(records)
            starts = [source_line(r) for r in records]
            bad = self.schema_errors(
                root, lambda at: bisect.bisect_right(starts, at) - 1, line_base, record_base
            )
            if worker.constraints:
                self.constraint_rows(root, line_base, record_base)
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
        locate: Callable[[int], int | None],
        line_base: int,
        record_base: int,
        errors: list[Any] | None = None,
    ) -> set[int]:
        """Report the batch's XSD errors, each placed in a record by ``locate`` (line -> batch
        record index, -1 for none); return the indexes of the records at fault."""
        worker = self.worker
        bad: set[int] = set()
        for entry in log_entries(worker.schema) if errors is None else errors:
            line = entry.line
            found = locate(line)
            index = -1 if found is None else found
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

    def constraint_rows(self, root: etree._Element, line_base: int, record_base: int) -> None:
        """Spill the key-sequences of the root-level identity constraints for every record of
        the batch (valid or not, as libxml2 evaluates them); report absent key fields now."""
        worker = self.worker
        issues = self.result.issues
        rows: dict[str, tuple[list[str], list[int], list[int], list[str]]] = {}
        prefix = worker.ns_prefix
        head = self.plan.record_path
        for index, record in enumerate(root.iterchildren(worker.record_tag)):
            for constraint in worker.constraints:
                spec = constraint.spec
                for branch in constraint.selector:
                    for node in _nodes(branch(record)):
                        values: list[str] = []
                        problem = None
                        for field_path, text in zip(
                            constraint.fields, spec.field_texts, strict=True
                        ):
                            found = _nodes(field_path(node), attributes=True)
                            if len(found) > 1:
                                problem = (
                                    f"The XPath '{text}' of a field of {spec.kind} "
                                    f"identity-constraint '{spec.name}' evaluates to a node-set "
                                    "with more than one member."
                                )
                                break
                            if not found:
                                if spec.kind == "key":
                                    problem = (
                                        f"Not all fields of key identity-constraint "
                                        f"'{spec.name}' evaluate to a node."
                                    )
                                break
                            values.append(_node_value(found[0]))
                        element = node if isinstance(node, etree._Element) else record
                        line = line_base + source_line(element)
                        label = _clean(str(element.tag), prefix)
                        if problem is not None:
                            issues.append(
                                (
                                    "bulk_schema",
                                    Severity.ERROR.value,
                                    _clean(f"Element '{element.tag}': {problem}", prefix),
                                    line,
                                    None,
                                    record_base + index,
                                    head,
                                    None,
                                )
                            )
                            continue
                        if len(values) != len(constraint.fields):
                            continue
                        got = rows.get(constraint.row_name)
                        if got is None:
                            got = rows[constraint.row_name] = ([], [], [], [])
                        got[0].append(json.dumps(values, ensure_ascii=False))
                        got[1].append(record_base + index)
                        got[2].append(line)
                        got[3].append(label)
        for name, (texts, records, lines, labels) in rows.items():
            self.keys.add(name, texts, records, lines, labels)

    def add_key_values(
        self,
        key: UniqueKey,
        texts: list[str | None],
        lines: list[int],
        line_base: int,
        record_base: int,
    ) -> None:
        """:meth:`add_keys` from texts and lines read off the bytes (every record proven)."""
        count = len(texts)
        if None in texts or "" in texts:
            kept = [i for i, t in enumerate(texts) if t]
            values = [texts[i].strip() for i in kept]  # type: ignore[union-attr]
            records: Iterable[int] = [record_base + i for i in kept]
            at: Iterable[int] = [line_base + lines[i] for i in kept]
        else:
            values = list(map(str.strip, texts))  # type: ignore[arg-type]
            records = range(record_base, record_base + count)
            at = map(line_base.__add__, lines)
        self.keys.add(key.name, values, records, at)

    def add_keys(
        self,
        key: UniqueKey,
        elements: list[Any],
        indexes: range | list[int],
        line_base: int,
        record_base: int,
    ) -> None:
        values: list[str] = []
        records: list[int] = []
        lines: list[int] = []
        for element, index in zip(elements, indexes, strict=True):
            if element is None:
                continue
            text = element.text
            if not text:
                continue
            values.append(text.strip())
            records.append(record_base + index)
            lines.append(line_base + (element.sourceline or 0))
        self.keys.add(key.name, values, records, lines)

    def finding(
        self, finding: Finding, record: Record, rule: str, line_base: int, index: int
    ) -> RawIssue:
        target = record.find(finding.field) if finding.field else None
        where = target if target is not None else record.element
        path = self.plan.record_path
        if target is not None:
            path += "".join("/" + s for s in element_steps(target, below=record.element))
        elif finding.field:
            path = self.plan.field_path(finding.field)
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
        """Cut at record starts; report each broken stretch once and go on.

        Pieces the acceptor proves are well-formed without a parse; the others are parsed
        alone (re-joined with up to :data:`_REJOIN` neighbours). Each unbroken stretch of good
        pieces is then validated as one batch (fast path included), instead of one tree per
        record: a batch with one broken record used to cost a parse per record."""
        starts = self.worker.tag.starts(piece)
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = [*starts, len(piece)]
        run = self.worker.fast
        # the batch path counts the wrapper's newlines: only equal when it has none
        joined = self.worker.wrap_newlines == 0
        good = -1  # where the current stretch of good pieces starts (a bound index)
        n = 0
        while n < len(starts):
            if run is not None and joined:
                pos = _end(run.match(piece, bounds[n]), bounds[n])
                pos = _end(_SPACE.match(piece, pos), pos)
                k = bisect.bisect_left(bounds, pos, n + 1)
                if (
                    pos > bounds[n]
                    and k < len(bounds)
                    and bounds[k] == pos
                    and plain_utf8(piece[bounds[n] : pos])
                ):
                    good = n if good < 0 else good
                    n = k
                    continue
            for width in range(1, min(_REJOIN, len(starts) - n) + 1):
                chunk = piece[bounds[n] : bounds[n + width]]
                root = self._try_parse(chunk)
                if root is not None:
                    if joined:
                        good = n if good < 0 else good
                    else:
                        self.validated(root, chunk.count(b"\n"))
                    n += width
                    break
            else:
                if good >= 0:
                    self.stretch(piece[bounds[good] : bounds[n]])
                    good = -1
                self.malformed(piece[bounds[n] : bounds[n + 1]])
                n += 1
        if good >= 0:
            self.stretch(piece[bounds[good] :])

    def stretch(self, data: bytes) -> None:
        """Validate well-formed pieces of a broken batch together (see :meth:`recover`)."""
        if self.worker.fast is not None and self.fast_batch(data):
            return
        plan = self.plan
        try:
            root = _xml.parse_bytes(
                plan.wrapper_open + data + plan.wrapper_close,
                name=plan.label,
                encoding=plan.encoding,
                lean=plan.lean,
            )
        except XMLSyntaxError:  # good pieces that do not join: one tree per record, as before
            starts = self.worker.tag.starts(data)
            if not starts or starts[0] != 0:
                starts.insert(0, 0)
            bounds = [*starts, len(data)]
            for n in range(len(starts)):
                chunk = data[bounds[n] : bounds[n + 1]]
                tree = self._try_parse(chunk)
                if tree is None:
                    self.malformed(chunk)
                else:
                    self.validated(tree, chunk.count(b"\n"))
            return
        self.validated(root, data.count(b"\n"))

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
    def flush_keys(self) -> None:
        """Append the pending keys to this range's spill file; the result names it."""
        self.keys.flush()
        if self.keys.segments:
            self.result.key_file = self.keys.spill
            self.result.key_segments = self.keys.segments


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
    state.flush_keys()
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


_SPACE: Final = re.compile(WS)
_START: Final = methodcaller("start")
_END: Final = methodcaller("end")
_RETRY: Final = 4


def _record_order(issue: RawIssue) -> int:
    """Sort key of a batch's issues: the record (those of no record first, in their order)."""
    record = issue[5]
    return -1 if record is None else record


def _lines_at(data: bytes, offsets: list[int], base: int) -> list[int]:
    """The line of each offset (ascending; -1 gives 0), counting newlines only once."""
    if offsets and offsets[0] >= 0 and -1 not in offsets:
        counts = map(data.count, repeat(b"\n"), [0, *offsets[:-1]], offsets)
        return list(accumulate(counts, initial=base))[1:]
    lines: list[int] = []
    line = base
    last = 0
    for offset in offsets:
        if offset < 0:
            lines.append(0)
            continue
        line += data.count(b"\n", last, offset)
        last = offset
        lines.append(line)
    return lines


_BLANK_VALUE: Final = re.compile(rb"(?:^|\x1f)[ \t\n]+(?:\x1f|$)")
"""A whitespace-only value in a column joined by U+001F (never in XML text)."""


def _blank(text: str | None) -> bool:
    """Whitespace-only text, which the lean parser may drop (so the tree would not see it)."""
    return bool(text) and text.strip(" \t\n") == ""  # type: ignore[union-attr]


def _column_text(raws: list[bytes | None]) -> list[str | None] | None:
    """A column of captured values as text, decoded in one call when every record has one;
    None when a value is whitespace only."""
    if None in raws:
        texts = [None if raw is None else raw.decode() for raw in raws]
        return None if any(_blank(t) for t in texts) else texts
    joined = b"\x1f".join(raws)  # type: ignore[arg-type]
    if (
        joined[:1] in b" \t\n" or b"\x1f " in joined or b"\x1f\t" in joined or b"\x1f\n" in joined
    ) and _BLANK_VALUE.search(joined) is not None:
        return None
    column: list[str | None] = joined.decode().split("\x1f")  # type: ignore[assignment]
    if len(column) != len(raws):
        return None  # cannot happen (no U+001F in XML text); refuse rather than misalign
    return column


class _NotExtracted(Exception):
    """A finding names a field the expression did not capture: use the tree instead."""


def _end(match: re.Match[bytes] | None, pos: int) -> int:
    """Where a match of a starred expression ends (it always matches; mypy cannot know)."""
    return pos if match is None else match.end()


_BLANK: Final = bytes(10 if b == 10 else 32 for b in range(256))
_UTF8_TAIL: Final = bytes(range(0x80, 0xC0))
"""Blanking maps every byte but LF to a space and drops UTF-8 continuation bytes, so each
character becomes one space and lines keep their length in characters."""


def _clean(message: str, ns_prefix: str) -> str:
    """libxml2's message without the record namespace in every element name (and without the
    suffix the batch schema gives copied identity-constraint names)."""
    if COPY_SUFFIX in message:
        message = message.replace(COPY_SUFFIX, "")
    return message.replace(ns_prefix, "") if ns_prefix else message


def _nodes(found: Any, *, attributes: bool = False) -> list[Any]:
    """The nodes of an XPath result (elements, and attribute values when asked)."""
    if not isinstance(found, list):
        return []
    if attributes:
        return [n for n in found if isinstance(n, etree._Element | str)]
    return [n for n in found if isinstance(n, etree._Element)]


def _node_value(node: Any) -> str:
    """A field's value: an attribute's text or an element's text content."""
    if isinstance(node, str):
        return str(node)
    return "".join(node.itertext())


def _path(root: etree._Element, xpath: str | None, index: int, worker: _Worker) -> str | None:
    """The path ``/Root/Record[{record}]/Field`` (names as written, see
    :mod:`qnegov._location`) of the element libxml2 names by ``xpath`` in the batch tree;
    ``{record}`` is filled in by the parent."""
    plan = worker.plan
    head = plan.record_path
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
    record: etree._Element = found[0]
    while (parent := record.getparent()) is not None and parent is not root:
        record = parent
    if record is found[0]:
        return head
    return head + "".join("/" + s for s in element_steps(found[0], below=record))
