"""The bulk validator's driver: read the head, plan byte ranges, run them, merge in file order.

The parent process reads only the file's head (prolog safety, root element, header, first
record) and, for a plain file, a small window at each range boundary; worker processes read
their own ranges. Results come back per range and are merged strictly in file order, with the
range's line and record offsets added, so the issues are identical for every ``jobs`` value.
Header and trailer are validated at the end against the user's schema as a small *skeleton*
document (head + first record + tail), and file-wide rules (unique keys, record counts) run last.
"""

from __future__ import annotations

import dataclasses
import gzip
import multiprocessing
import os
import pickle
import re
import shutil
import tempfile
import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import get_language, tr
from qnegov._location import element_path, qualified
from qnegov._resources import schema_path
from qnegov.bulk._batch import (
    Plan,
    RangeRefused,
    RangeResult,
    RawIssue,
    Task,
    builtin_rule_objects,
    init_worker,
    log_entries,
    run_pooled,
    run_task,
    source_line,
)
from qnegov.bulk._fast import Acceptor
from qnegov.bulk._keys import Chunk, check_blocks, load_segments
from qnegov.bulk._rules import AnyRule, Finding, RuleSet, UniqueKey, load_rules_module
from qnegov.bulk._scan import RecordTag, element_end, find_children, root_start
from qnegov.bulk._schema import BATCH_ELEMENT, RecordSchema
from qnegov.errors import InputError, QnegovError, XMLSyntaxError
from qnegov.report import Issue, Report, Severity, issue_code, issue_from_error

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["SHIPPED_SCHEMAS", "iter_issues", "validate_file"]

BULK_SCHEMA = issue_code("bulk_schema", "A record, header or trailer breaks the XSD.", area="bulk")
BULK_MALFORMED = issue_code(
    "bulk_malformed",
    "A stretch of the file is not well-formed XML; it was skipped and validation resumed at "
    "the next record.",
    area="bulk",
)
BULK_DUPLICATE = issue_code(
    "bulk_duplicate_key",
    "A value that must be unique across the file appears again.",
    area="bulk",
)
BULK_RULE_CRASHED = issue_code(
    "bulk_rule_crashed", "A validation rule raised an exception on a record.", area="bulk"
)
BULK_UNCHECKED = issue_code(
    "bulk_unchecked_feature",
    "The schema uses a feature the bulk engine does not check across the file; named once.",
    area="bulk",
)
BULK_STOPPED = issue_code(
    "bulk_stopped", "Validation stopped early after --max-errors issues.", area="bulk"
)

SHIPPED_SCHEMAS: Final = {
    "citizen": "records/citizen.xsd",
    "household": "records/household.xsd",
}
"""Record schemas shipped in ``schemas/records/``; the name also selects the built-in rules."""

_HEAD_BYTES: Final = 1 << 20
_HEAD_LIMIT: Final = 64 << 20
_TASK_MIN: Final = 4 << 20
_TASK_MAX: Final = 32 << 20
_WINDOW: Final = 256 * 1024
_XMLNS: Final = re.compile(rb"""\sxmlns(?::[A-Za-z_][\w.\-]*)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_DECLARED: Final = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_KEY_BUCKET_BYTES: Final = 32 << 20
"""File bytes per unique-key bucket (about 50 000 records of the shipped registers): the
end-of-file check holds one bucket's values, a set of them and their positions in memory."""
_KEY_BUCKETS_UNKNOWN: Final = 64
"""Buckets for a stream whose size is not known (gzip): enough for several GB."""


@dataclass
class _Head:
    """What the parent learnt from the start of the file."""

    label: str
    data: bytes
    root_tag: str
    root_local: str
    root_decls: bytes
    first: int
    first_end: int
    encoding: str | None
    complete: bool
    root_nsmap: dict[str | None, str] = field(default_factory=dict)
    root_name: str = ""
    """The root element's name as written (``reg:Register``)."""


@dataclass
class _Merge:
    """Offsets and spill files accumulated while merging range results in order."""

    newlines: int
    records: int = 0
    key_parts: list[tuple[int, int, str, dict[int, array[int]]]] = field(default_factory=list)
    tail: bytes | None = None
    tail_line: int = 0


def resolve_schema(schema: str | PathLike[str]) -> tuple[str, str | None]:
    """(XSD path, built-in rule-set name) for a shipped name or a path."""
    name = os.fspath(schema)
    if name in SHIPPED_SCHEMAS:
        return str(schema_path(SHIPPED_SCHEMAS[name])), name
    return name, None


def validate_file(
    source: str | PathLike[str],
    schema: str | PathLike[str],
    *,
    record: str | None = None,
    jobs: int = 1,
    max_errors: int | None = None,
    rules: Iterable[AnyRule | str] = (),
    builtin_rules: bool = True,
    on_issue: Callable[[Issue], None] | None = None,
    progress: Callable[[int], None] | None = None,
    keep_issues: bool = True,
    client: Client | str | None = None,
    fast: bool = True,
) -> Report:
    """Validate a register file and return the :class:`Report` (see :func:`iter_issues`);
    ``report.records`` holds how many records were checked."""
    report = Report(keep_issues=keep_issues)
    label = os.fspath(source)
    report.files.append(label)
    for issue in iter_issues(
        source,
        schema,
        record=record,
        jobs=jobs,
        max_errors=max_errors,
        rules=rules,
        builtin_rules=builtin_rules,
        progress=progress,
        client=client,
        fast=fast,
        on_records=lambda n: report.records.__setitem__(label, n),
    ):
        added = report.add(issue)
        if on_issue is not None:
            on_issue(added)
    return report.finish()


def iter_issues(
    source: str | PathLike[str],
    schema: str | PathLike[str],
    *,
    record: str | None = None,
    jobs: int = 1,
    max_errors: int | None = None,
    rules: Iterable[AnyRule | str] = (),
    builtin_rules: bool = True,
    progress: Callable[[int], None] | None = None,
    client: Client | str | None = None,
    fast: bool = True,
    on_records: Callable[[int], None] | None = None,
) -> Iterator[Issue]:
    """Stream every issue of ``source`` (``.xml`` or ``.xml.gz``) against ``schema``.

    ``schema`` is an XSD path or a shipped name (``citizen``, ``household``; these also turn
    on the built-in rules unless ``builtin_rules`` is false). ``record`` names the record
    element (local name or ``{namespace}name``); by default it is the repeatable child of the
    root. ``rules`` adds rule objects, or rule modules by name/path (needed with ``jobs > 1``
    for rules defined outside an importable module). Issues come out in file order for
    records, then header/trailer, then file-wide rules. ``jobs=0`` means every core.
    ``client`` (a ``distributed.Client`` or a scheduler address, extra ``qnegov[dask]``) runs
    the ranges on a Dask cluster instead, with the same output; see :mod:`qnegov.bulk._dask`.
    ``on_records`` is told, once the stream ends (or stops at ``max_errors``), how many records
    were checked; a file that could not be read calls it with nothing.
    """
    label = os.fspath(source)
    try:
        with ExitStack() as stack:
            backend = None
            if client is not None:
                from qnegov.bulk._dask import cluster_backend

                backend = stack.enter_context(cluster_backend(client))
            options = (record, jobs, max_errors, list(rules), builtin_rules, progress)
            yield from _run(
                label, schema, *options, fast=fast, backend=backend, on_records=on_records
            )
    except QnegovError as exc:
        yield issue_from_error(exc, file=label)


def _run(
    label: str,
    schema: str | PathLike[str],
    record: str | None,
    jobs: int,
    max_errors: int | None,
    rules: list[AnyRule | str],
    builtin_rules: bool,
    progress: Callable[[int], None] | None,
    fast: bool = True,
    backend: Backend | None = None,
    on_records: Callable[[int], None] | None = None,
) -> Iterator[Issue]:
    backend = backend or LOCAL
    xsd, builtin = resolve_schema(schema)
    if not builtin_rules:
        builtin = None
    modules = tuple(r for r in rules if isinstance(r, str))
    objects = [r for r in rules if not isinstance(r, str)]
    raw, size = backend.open(label)
    try:
        head = _read_head(raw, label)
        record_schema = RecordSchema.load(xsd, record, root=head.root_tag)
        for feature in record_schema.unchecked:
            yield Issue(
                BULK_UNCHECKED,
                Severity.WARNING,
                tr("schema feature not checked: {feature}", feature=feature),
                file=label,
            )
        tag = RecordTag(record_schema.record_local.encode())
        head = _find_first(head, raw, tag)
        jobs = os.cpu_count() or 1 if jobs <= 0 else jobs
        key_dir = tempfile.mkdtemp(prefix="qnegov-bulk-keys-")
        try:
            plan = _plan(head, record_schema, builtin, modules, tuple(objects), key_dir, size)
            if fast:
                fields = _extractable_fields(plan, record_schema)
                plan = dataclasses.replace(plan, fast=_acceptor(head, record_schema, fields))
            all_rules = RuleSet.of(
                [
                    *builtin_rule_objects(builtin),
                    *(r for m in modules for r in load_rules_module(m)),
                    *objects,
                ]
            )
            merge = _Merge(newlines=head.data.count(b"\n", 0, max(head.first, 0)))
            try:
                yield from _validate(
                    plan,
                    head,
                    raw,
                    tag,
                    size,
                    jobs,
                    max_errors,
                    all_rules,
                    progress,
                    backend,
                    merge,
                )
            finally:
                if on_records is not None:
                    on_records(merge.records)
        finally:
            shutil.rmtree(key_dir, ignore_errors=True)
    finally:
        raw.close()


def _read_head(raw: IO[bytes], label: str) -> _Head:
    data = raw.read(_HEAD_BYTES)
    forced = _xml.check_prolog(data, name=label)
    if forced is not None or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            tr("bulk validation reads UTF-8 or single-byte encodings; this file is UTF-16"),
            file=label,
        )
    span = root_start(data)
    while span is None and len(data) < _HEAD_LIMIT:
        more = raw.read(_HEAD_BYTES)
        if not more:
            break
        data += more
        span = root_start(data)
    if span is None:
        raise XMLSyntaxError(tr("no root element found"), file=label)
    start, end = span
    declared = _DECLARED.match(data)
    encoding = declared.group(1).decode("ascii") if declared else None
    if encoding and encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = None
    opening = data[:end]
    close = b"" if data[end - 2 : end] == b"/>" else b"</" + _qname(data[start:end]) + b">"
    root = _xml.parse_bytes(opening + close, name=label)
    return _Head(
        label=label,
        data=data,
        root_tag=root.tag,
        root_local=etree.QName(root).localname,
        root_decls=b"".join(m.group(0) for m in _XMLNS.finditer(data[start:end])),
        first=-1,
        first_end=end,
        encoding=encoding,
        complete=False,
        root_nsmap=dict(root.nsmap),
        root_name=_qname(data[start:end]).decode("utf-8", "replace"),
    )


def _extractable_fields(plan: Plan, schema: RecordSchema) -> tuple[str, ...]:
    """The fields the fast path may read from the bytes for the rules, without a tree: only
    when every rule is a built-in one (they read nothing but their ``fields``)."""
    if plan.rule_modules or plan.rule_objects or schema.root_constraints:
        return ()
    rules = builtin_rule_objects(plan.builtin)
    fields: list[str] = []
    for rule in rules:
        if isinstance(rule, UniqueKey):
            wanted = (rule.field,)
        elif hasattr(rule, "check_file"):
            continue
        else:
            wanted = tuple(getattr(rule, "fields", ()))
            if not wanted or not hasattr(rule, "check_columns"):
                return ()
        fields.extend(f for f in wanted if f not in fields)
    return tuple(fields)


def _acceptor(head: _Head, schema: RecordSchema, fields: tuple[str, ...] = ()) -> Acceptor | None:
    """The record's fast-path acceptor for this file's namespace bindings, if it compiles."""
    if head.first < 0 or head.encoding is not None:  # the acceptor reads UTF-8 bytes
        return None
    name = _qname(head.data[head.first : head.first + 512]).decode("utf-8", "replace")
    prefix = name.partition(":")[0] if ":" in name else None
    acceptor, _reason = schema.acceptor(head.root_nsmap, prefix, fields)
    return acceptor


def _qname(start_tag: bytes) -> bytes:
    match = re.match(rb"<([^\s/>]+)", start_tag)
    return match.group(1) if match else b""


def _find_first(head: _Head, raw: IO[bytes], tag: RecordTag) -> _Head:
    """Locate the first record (start and end) in the head, reading more if needed."""
    data = head.data
    root_end = head.first_end
    while True:
        first, _others = find_children(data, root_end, tag)
        end = element_end(data, first) if first >= 0 else None
        if end is not None:
            head.first, head.first_end, head.data = first, end, data
            return head
        if len(data) >= _HEAD_LIMIT:
            raise InputError(
                tr(
                    "no complete {record} record within the first {limit} MB",
                    record=tag.local.decode(),
                    limit=_HEAD_LIMIT >> 20,
                ),
                file=head.label,
            )
        more = raw.read(_HEAD_BYTES)
        if not more:  # the whole file is in memory: no records (or a broken first one)
            head.data, head.complete = data, True
            head.first = first
            head.first_end = len(data) if first >= 0 else root_end
            return head
        data += more


def _plan(
    head: _Head,
    schema: RecordSchema,
    builtin: str | None,
    modules: tuple[str, ...],
    objects: tuple[AnyRule, ...],
    key_dir: str,
    size: int | None,
) -> Plan:
    if schema.batch_ns:
        opening = (
            b"<qnegovbatch:"
            + BATCH_ELEMENT.encode()
            + b' xmlns:qnegovbatch="'
            + schema.batch_ns.encode()
            + b'"'
            + head.root_decls
            + b">"
        )
        closing = b"</qnegovbatch:" + BATCH_ELEMENT.encode() + b">"
    else:
        opening = b"<" + BATCH_ELEMENT.encode() + head.root_decls + b">"
        closing = b"</" + BATCH_ELEMENT.encode() + b">"
    buckets = (
        _KEY_BUCKETS_UNKNOWN if size is None else max(1, min(4096, -(-size // _KEY_BUCKET_BYTES)))
    )
    return Plan(
        label=head.label,
        schema=schema,
        wrapper_open=opening,
        wrapper_close=closing,
        encoding=head.encoding,
        root_local=head.root_local,
        builtin=builtin,
        rule_modules=modules,
        rule_objects=objects,
        key_dir=key_dir,
        key_buckets=buckets,
        language=get_language(),
        root_name=head.root_name,
        record_name=(
            _qname(head.data[head.first : head.first + 1024]).decode("utf-8", "replace")
            if head.first >= 0
            else ""
        ),
    )


def _tasks_plain(head: _Head, path: str, size: int, jobs: int, tag: RecordTag) -> Iterator[Task]:
    """Byte ranges of a plain file, each starting at a record start tag."""
    start = head.first
    task_bytes = max(_TASK_MIN, min(_TASK_MAX, (size - start) // max(1, jobs * 4)))
    index = 0
    with Path(path).open("rb") as handle:
        while start < size:
            end = _boundary(handle, start + task_bytes, size, tag)
            yield Task(index, path, start, end, None, end >= size)
            index += 1
            start = end


def _boundary(handle: IO[bytes], pos: int, size: int, tag: RecordTag) -> int:
    """The first record start at or after ``pos`` that follows an end tag; ``size`` if none."""
    while pos < size:
        handle.seek(pos)
        window = handle.read(_WINDOW)
        at = 0
        while True:
            lt = window.find(b"<", at)
            if lt < 0 or lt + len(tag.local) + 2 > len(window):
                break
            if tag.is_start_at(window, lt) and _after_element(window, lt):
                return pos + lt
            at = lt + 1
        pos += max(1, len(window) - 256)
        if not window:
            break
    return size


def _after_element(window: bytes, lt: int) -> bool:
    """Whether only whitespace separates ``lt`` from a preceding ``>`` (not text or CDATA)."""
    before = window[:lt].rstrip()
    return before.endswith(b">") and not before.endswith(b"]]>") and not before.endswith(b"-->")


def _tasks_stream(head: _Head, raw: IO[bytes], tag: RecordTag) -> Iterator[Task]:
    """Ranges of a stream that cannot seek (gzip): the parent reads and hands out bytes."""
    buf = head.data[head.first :]
    index = 0
    if head.complete:
        yield Task(0, None, 0, len(buf), buf, True)
        return
    while True:
        more = raw.read(_TASK_MIN)
        if not more:
            yield Task(index, None, 0, len(buf), buf, True)
            return
        buf += more
        cut = tag.last_start(buf, 1)
        if cut > 0 and cut >= _TASK_MIN // 2:
            yield Task(index, None, 0, cut, buf[:cut], False)
            index += 1
            buf = buf[cut:]


def _results(plan: Plan, tasks: Iterator[Task], jobs: int) -> Iterator[tuple[Task, RangeResult]]:
    """Run tasks (inline or in worker processes) and yield results in task order.

    Workers are forked from this process when it runs no other thread (fast: nothing to
    import again, and rule objects need not pickle); otherwise they come from a *forkserver*
    (a clean process that imported the engine once), since forking next to a running thread
    can copy a held lock and hang. A worker that dies breaks the pool with an error instead
    of a silent wait. At most ``2 * jobs`` ranges are in flight, which bounds the results
    held for in-order merging.
    """
    if jobs <= 1:
        for task in tasks:
            yield task, run_task(plan, task)
        return
    methods = multiprocessing.get_all_start_methods()
    context: multiprocessing.context.BaseContext
    if "fork" in methods and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    elif _picklable(plan):
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            context.set_forkserver_preload(["qnegov.bulk._batch"])
    else:  # rule objects that cannot travel to a fresh process: stay in this one
        for task in tasks:
            yield task, run_task(plan, task)
        return
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=init_worker, initargs=(plan,)
    ) as pool:
        pending: deque[tuple[Task, Future[RangeResult]]] = deque()
        try:
            for task in tasks:
                pending.append((task, pool.submit(run_pooled, task)))
                while len(pending) > jobs * 2:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _task, future in pending:
                future.cancel()


def _picklable(plan: Plan) -> bool:
    """Rule objects defined in a function cannot reach workers; they then run in-process."""
    try:
        pickle.dumps(plan)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _validate(
    plan: Plan,
    head: _Head,
    raw: IO[bytes],
    tag: RecordTag,
    size: int | None,
    jobs: int,
    max_errors: int | None,
    rules: RuleSet,
    progress: Callable[[int], None] | None,
    backend: Backend,
    merge: _Merge,
) -> Iterator[Issue]:
    label = head.label
    emitted = 0

    def limit_hit() -> bool:
        return max_errors is not None and emitted >= max_errors

    if head.first >= 0:
        if size is not None:
            tasks = backend.tasks_plain(head, size, jobs, tag)
        else:
            tasks = _tasks_stream(head, raw, tag)
        try:
            for task, result in backend.results(plan, tasks, jobs):
                single = task.final and merge.records == 0 and result.records == 1
                for issue in _absolute(result.issues, merge, label, single):
                    yield issue
                    emitted += 1
                    if limit_hit():
                        yield _stopped(label, max_errors)
                        return
                if result.key_file is not None:
                    merge.key_parts.append(
                        (merge.records, merge.newlines, result.key_file, result.key_segments)
                    )
                if result.tail is not None:
                    merge.tail = result.tail
                    merge.tail_line = merge.newlines + result.tail_line
                merge.records += result.records
                merge.newlines += result.newlines
                if progress is not None:
                    progress(task.end - task.start)
        except RangeRefused as refused:  # results come in order: merge is at the range's start
            error = refused.error
            if error.line is not None:
                error.line += merge.newlines
            raise error from None
    for issue in _skeleton(plan, head, merge, rules):
        yield issue
        emitted += 1
        if limit_hit():
            yield _stopped(label, max_errors)
            return
    for issue in backend.duplicates(plan, merge, rules):
        yield issue
        emitted += 1
        if limit_hit():
            yield _stopped(label, max_errors)
            return


def _stopped(label: str, max_errors: int | None) -> Issue:
    return Issue(
        BULK_STOPPED,
        Severity.INFO,
        tr("stopped after {n} issues (--max-errors)", n=max_errors),
        file=label,
    )


def _absolute(
    raw: list[RawIssue], merge: _Merge, label: str, single: bool = False
) -> Iterator[Issue]:
    """Range issues with file offsets added; the ``[{record}]`` of their paths becomes the
    record's 1-based index, or nothing when the file holds one record (no siblings)."""
    for code, severity, message, line, column, record, path, rule in raw:
        index = None if record is None else merge.records + record
        if path is not None:
            path = path.replace("[{record}]", "" if single else f"[{(index or 0) + 1}]")
        yield Issue(
            code,
            Severity(severity),
            message,
            file=label,
            line=None if line is None else merge.newlines + line,
            column=column,
            path=path,
            record=index,
            rule=rule,
        )


def _skeleton(plan: Plan, head: _Head, merge: _Merge, rules: RuleSet) -> Iterator[Issue]:
    """Validate the header and trailer: head + first record + tail, against the full schema.

    The first record keeps the root's content model satisfied; its own errors were reported by
    its batch and are skipped here. If it is broken, the skeleton is tried without it.
    """
    label = head.label
    attempts: list[tuple[bytes, int, int, int, int]] = []
    if head.first < 0:
        attempts.append((head.data, -1, -1, 1 << 62, 0))
    else:
        tail = merge.tail if merge.tail is not None else b""
        for cut in (head.first_end, head.first):
            front = head.data[:cut]
            junction = front.count(b"\n") + 2
            first_line = head.data.count(b"\n", 0, head.first) + 1
            attempts.append(
                (
                    front + b"\n" + tail,
                    first_line,
                    junction - 1,
                    junction,
                    (merge.tail_line + 1) - junction,
                )
            )
    document, error, chosen = None, None, attempts[-1]
    for attempt in attempts:
        try:
            document = _xml.parse_bytes(attempt[0], name=label)
        except XMLSyntaxError as exc:
            error = error or exc
            continue
        chosen = attempt
        break
    _skeleton_bytes, first_line, last_line, junction, offset = chosen

    def where(line: int | None) -> int | None:
        if line is None:
            return None
        return line + offset if line >= junction else line

    if document is None:
        assert error is not None
        yield Issue(
            BULK_MALFORMED,
            Severity.ERROR,
            tr("malformed header or trailer: {detail}", detail=error.message),
            file=label,
            line=error.line,
            column=error.column,
        )
        return
    full = plan.schema.compile_full()
    if not full.validate(document):
        for entry in log_entries(full):
            if first_line <= entry.line <= last_line:
                continue  # inside the first record: its batch already reported it
            yield Issue(
                BULK_SCHEMA,
                Severity.ERROR,
                entry.message,
                file=label,
                line=where(entry.line),
                column=entry.column or None,
                path=_skeleton_path(document, entry.path),
            )
    ns = plan.schema.batch_ns
    for rule in rules.files:
        for finding in rule.check_file(document, merge.records):
            yield _file_issue(finding, document, rule.name, ns, label, where)


def _skeleton_path(document: etree._Element, xpath: str | None) -> str | None:
    """The path (names as written) of the header or trailer element libxml2 names by
    ``xpath`` in the skeleton document, which holds the file's own head and tail."""
    if not xpath:
        return None
    try:
        prefixes = {k: v for k, v in document.nsmap.items() if k}
        found = document.getroottree().xpath(xpath, namespaces=prefixes)
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return element_path(found[0])
    return None


def _file_issue(
    finding: Finding,
    document: etree._Element,
    rule: str,
    ns: str | None,
    label: str,
    where: Callable[[int | None], int | None],
) -> Issue:
    target = None
    if finding.field:
        prefix = "{" + ns + "}" if ns else ""
        target = document.find("/".join(prefix + s for s in finding.field.split("/")))
    node = target if target is not None else document
    return Issue(
        finding.code,
        finding.severity,
        finding.message,
        file=label,
        line=where(source_line(node)),
        path=(
            element_path(target)
            if target is not None
            else f"/{qualified(document.prefix, etree.QName(document).localname)}"
            + ("/" + finding.field if finding.field else "")
        ),
        rule=rule,
    )


def _duplicates(plan: Plan, merge: _Merge, rules: RuleSet) -> Iterator[Issue]:
    """Second and later occurrences of unique keys (user rules and the root's xs:key and
    xs:unique), and xs:keyref values no key holds, bucket by bucket, in record order.

    A keyref value and the key values it must match share a bucket, so one bucket in memory
    at a time is enough for both checks.
    """
    if not (rules.keys or plan.schema.root_constraints) or not merge.key_parts:
        return
    found: list[Issue] = []
    for bucket in range(plan.key_buckets):
        chunks: list[Chunk] = []
        for records, newlines, path, segments in merge.key_parts:
            pairs = segments.get(bucket)
            if pairs:
                chunks.append((records, newlines, load_segments(path, pairs)))
        found.extend(check_blocks(plan, rules.keys, chunks))
    found.sort(key=key_issue_order)
    yield from found


def key_issue_order(issue: Issue) -> tuple[int, int, str, str]:
    """File-wide key findings in record order, then by text: the same order however the
    values were bucketed or partitioned (a record can break two constraints on one line)."""
    return (issue.record or 0, issue.line or 0, issue.rule or "", issue.message)


# -- where ranges run ----------------------------------------------------------------------
class Backend:
    """Where a file is opened, cut and validated: this process and its pool by default.

    :mod:`qnegov.bulk._dask` subclasses it to open fsspec URLs, run the ranges on a Dask
    cluster and check unique keys there; everything else (head, plan, merge, skeleton) is
    shared, which keeps the output identical whichever backend ran.
    """

    def open(self, label: str) -> tuple[IO[bytes], int | None]:
        """The decompressed stream, and the size when ranges can be cut by seeking."""
        raw, _ = _xml.open_source(label)
        plain = not isinstance(raw, gzip.GzipFile) and raw.seekable()
        return raw, Path(label).stat().st_size if plain else None

    def tasks_plain(self, head: _Head, size: int, jobs: int, tag: RecordTag) -> Iterator[Task]:
        return _tasks_plain(head, head.label, size, jobs, tag)

    def results(
        self, plan: Plan, tasks: Iterator[Task], jobs: int
    ) -> Iterator[tuple[Task, RangeResult]]:
        return _results(plan, tasks, jobs)

    def duplicates(self, plan: Plan, merge: _Merge, rules: RuleSet) -> Iterator[Issue]:
        return _duplicates(plan, merge, rules)


LOCAL: Final = Backend()
