"""Many files in one run: small files spread over the workers whole, big ones cut into ranges.

A folder of thousands of packets or small registers gains nothing from byte ranges (each is
one range anyway) but a lot from validating several files at once. Consecutive small files
are grouped into work items of a few files; the items run in a local process pool
(``jobs > 1``) or on a Dask cluster (``client``); a big file in between runs as usual, its
ranges spread the same way. Results come back in input order, so the report (issues, their
order, the file list) is the one a serial run gives.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from qnegov._i18n import get_language, set_language
from qnegov.bulk import _engine
from qnegov.bulk._rules import AnyRule
from qnegov.report import Issue, Report

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["map_files", "map_ordered", "validate_files"]

T = TypeVar("T")
R = TypeVar("R")

_GROUP_FILES: Final = 16
_GROUP_BYTES: Final = 8 << 20
"""A work item: up to 16 small files or 8 MB, enough to hide a task's scheduling cost."""


def map_ordered(
    fn: Callable[[T], R], items: Iterable[T], *, jobs: int = 1, client: Client | None = None
) -> Iterator[R]:
    """``fn(item)`` for every item, in parallel, yielded in input order.

    ``fn`` and the items must pickle (a module-level function). At most a few items per
    worker are in flight, which bounds what waits to be yielded.
    """
    if client is not None:
        yield from _map_cluster(fn, items, client)
    elif jobs > 1:
        yield from _map_pool(fn, items, jobs)
    else:
        for item in items:
            yield fn(item)


def _map_pool(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[R]:
    methods = multiprocessing.get_all_start_methods()
    context: multiprocessing.context.BaseContext
    if "fork" in methods and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    else:  # forking next to a running thread can copy a held lock
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                while len(pending) > 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _map_cluster(fn: Callable[[T], R], items: Iterable[T], client: Client) -> Iterator[R]:
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    pending: deque[Any] = deque()
    try:
        for item in items:
            pending.append(client.submit(fn, item, pure=False))
            while len(pending) > 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        if pending:
            client.cancel(list(pending))  # type: ignore[no-untyped-call]


def map_files(
    check: Callable[[tuple[str, T]], Report],
    items: Sequence[tuple[str, T]],
    *,
    jobs: int = 1,
    client: Client | str | None = None,
) -> Iterator[Report]:
    """``check((path, extra))`` for every item, a report per file, in parallel and in order.

    For checks that are not bulk registers (edXML packets): on a cluster each worker opens the
    absolute path and the report is renamed back to the caller's name.
    """
    jobs = os.cpu_count() or 1 if jobs <= 0 else jobs
    if client is None:
        yield from map_ordered(check, items, jobs=jobs)
        return
    from qnegov.bulk._dask import connect

    with connect(client) as connected:
        remote = [(_target(path, True), extra) for path, extra in items]
        parts = map_ordered(check, remote, client=connected)
        for (label, _extra), (target, _e), part in zip(items, remote, parts, strict=True):
            if target != label:
                part.files = [label if f == target else f for f in part.files]
                part.issues = [rename(i, target, label) for i in part.issues]
                part.invalid_files = {label if f == target else f for f in part.invalid_files}
            yield part


@dataclass(frozen=True)
class _Options:
    """What every file of the run is validated with (picklable)."""

    schema: str
    record: str | None
    max_errors: int | None
    rules: tuple[AnyRule | str, ...]
    builtin_rules: bool
    language: str
    fast: bool = True


def _validate_group(
    job: tuple[_Options, tuple[tuple[str, str], ...]],
) -> list[tuple[list[Issue], int | None]]:
    """Validate a few small files whole in this worker: each file's issues (carrying the
    caller's names) and records checked."""
    from qnegov.bulk._dask import worker_lock

    options, files = job
    set_language(options.language)
    out: list[tuple[list[Issue], int | None]] = []
    with worker_lock():
        for label, target in files:
            counted: list[int] = []
            issues = _engine.iter_issues(
                target,
                options.schema,
                record=options.record,
                max_errors=options.max_errors,
                rules=options.rules,
                builtin_rules=options.builtin_rules,
                fast=options.fast,
                on_records=counted.append,
            )
            renamed = [rename(i, target, label) for i in issues]
            out.append((renamed, counted[-1] if counted else None))
    return out


def rename(issue: Issue, target: str, label: str) -> Issue:
    """The issue as found in ``target`` (the path a worker opened), named as the caller did."""
    return replace(issue, file=label) if issue.file == target and target != label else issue


def _target(label: str, remote: bool) -> str:
    """What a worker opens: an absolute path on a cluster (workers have their own cwd)."""
    from qnegov.bulk._dask import has_scheme

    return str(Path(label).absolute()) if remote and not has_scheme(label) else label


def _small_size(label: str) -> int | None:
    """The size of a file that is one range anyway (validated whole), else ``None``."""
    from qnegov.bulk._dask import has_scheme

    limit = _engine._TASK_MIN
    try:
        if has_scheme(label):
            import fsspec

            fs, path = fsspec.core.url_to_fs(label)
            size = int(fs.size(path))
        else:
            size = Path(label).stat().st_size
    except (ImportError, ValueError, OSError):
        return None  # validated alone, which reports why it cannot be read
    packed = label.endswith(".gz")
    return size if (size * 8 if packed else size) < limit else None


def validate_files(
    sources: Sequence[str | PathLike[str]],
    schema: str | PathLike[str],
    *,
    record: str | None = None,
    jobs: int = 1,
    client: Client | str | None = None,
    max_errors: int | None = None,
    rules: Iterable[AnyRule | str] = (),
    builtin_rules: bool = True,
    on_issue: Callable[[Issue], None] | None = None,
    progress: Callable[[int], None] | None = None,
    keep_issues: bool = True,
    fast: bool = True,
) -> Report:
    """Validate many register files into one :class:`Report`, files and issues in input order.

    Options are those of :func:`~qnegov.bulk.validate_file` and apply to each file
    (``max_errors`` too). With ``jobs > 1`` or a ``client`` (a ``distributed.Client`` or a
    scheduler address), small files are validated several at a time and big files in
    parallel ranges; the report is the one ``jobs=1`` gives.
    """
    report = Report(keep_issues=keep_issues)
    labels = [os.fspath(s) for s in sources]
    rule_list = tuple(rules)
    jobs = os.cpu_count() or 1 if jobs <= 0 else jobs

    def emit(issue: Issue) -> None:
        added = report.add(issue)
        if on_issue is not None:
            on_issue(added)

    with ExitStack() as stack:
        connected: Client | None = None
        if client is not None:
            from qnegov.bulk._dask import connect

            connected = stack.enter_context(connect(client))
        options = _Options(
            os.fspath(schema), record, max_errors, rule_list, builtin_rules, get_language(), fast
        )
        parallel = connected is not None or (jobs > 1 and _picklable(options))
        sizes = [_small_size(label) if parallel else None for label in labels]
        weights = {label: size or 0 for label, size in zip(labels, sizes, strict=True)}
        n = 0
        while n < len(labels):
            if sizes[n] is None:  # alone: in ranges, here or on the cluster
                label = labels[n]
                report.files.append(label)
                for issue in _engine.iter_issues(
                    label,
                    schema,
                    record=record,
                    jobs=jobs,
                    max_errors=max_errors,
                    rules=rule_list,
                    builtin_rules=builtin_rules,
                    progress=progress,
                    client=connected,
                    fast=fast,
                    on_records=functools.partial(report.records.__setitem__, label),
                ):
                    emit(issue)
                n += 1
                continue
            end = n
            while end < len(labels) and sizes[end] is not None:
                end += 1
            groups = _groups(labels[n:end], sizes[n:end], connected is not None)
            jobs_in = ((options, group) for group in groups)
            results = map_ordered(_validate_group, jobs_in, jobs=jobs, client=connected)
            for group, found in zip(groups, results, strict=True):
                for (label, _target_path), (issues, count) in zip(group, found, strict=True):
                    report.files.append(label)
                    if count is not None:
                        report.records[label] = count
                    for issue in issues:
                        emit(issue)
                if progress is not None:
                    progress(sum(weights[label] for label, _t in group))
            n = end
    return report.finish()


def _picklable(options: _Options) -> bool:
    """Rule objects defined inside a function cannot reach a process pool: then one by one."""
    try:
        pickle.dumps(options)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _groups(
    labels: list[str], sizes: list[int | None], remote: bool
) -> list[tuple[tuple[str, str], ...]]:
    groups: list[tuple[tuple[str, str], ...]] = []
    current: list[tuple[str, str]] = []
    weight = 0
    for label, size in zip(labels, sizes, strict=True):
        if current and (len(current) >= _GROUP_FILES or weight + (size or 0) > _GROUP_BYTES):
            groups.append(tuple(current))
            current, weight = [], 0
        current.append((label, _target(label, remote)))
        weight += size or 0
    if current:
        groups.append(tuple(current))
    return groups
