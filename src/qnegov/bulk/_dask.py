"""The bulk validator on a Dask cluster: ranges on the workers, unique keys reduced there too.

The client process does what it does locally (reads the head, plans byte ranges at record
boundaries, merges results in file order, validates the skeleton); the ranges themselves run
as ``distributed`` tasks, and each worker reads its own range: from a path every worker sees
(shared disk), or from any fsspec URL (``s3://``, ``gs://``...) when the matching fsspec
package is installed on the workers. Dask re-runs the tasks of a worker that dies, so a run
survives losing machines; the output is identical to ``jobs=1`` either way.

File-wide keys never travel to the client. A range task writes its key rows to a spill file on
its worker as usual, then returns them **hash-partitioned**: one blob per partition, kept in
the worker's memory as a separate Dask result. At the end one task per partition walks that
partition's blobs in file order (with each range's record and line offsets) and returns only
the findings. A key value always lands in the same partition (a keyref value with the key
values it must match), so the engine's own bucket check (:func:`qnegov.bulk._keys.check_blocks`:
duplicate unique keys, the root's xs:key, xs:unique and xs:keyref) runs there unchanged.
"""

from __future__ import annotations

import atexit
import re
import secrets
import shutil
import tempfile
import threading
from array import array
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from qnegov import _xml
from qnegov._i18n import set_language, tr
from qnegov.bulk import _engine
from qnegov.bulk._batch import Plan, RangeResult, Task, run_task
from qnegov.bulk._engine import Backend, _Head, _Merge
from qnegov.bulk._keys import check_blocks, decode_blocks, read_segments
from qnegov.bulk._rules import RuleSet, UniqueKey
from qnegov.bulk._scan import RecordTag
from qnegov.errors import InputError, QnegovError
from qnegov.report import Issue

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = [
    "ClusterBackend",
    "check_partition",
    "cluster_backend",
    "connect",
    "has_scheme",
    "open_url",
    "worker_lock",
]

_PARTITIONS_MAX: Final = 32
_CONNECT_TIMEOUT: Final = 30
_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def has_scheme(path: str) -> bool:
    """Whether ``path`` is a URL (``s3://bucket/x.xml``) rather than a file path."""
    return _SCHEME.match(path) is not None


def open_url(url: str) -> tuple[IO[bytes], int]:
    """Open an fsspec URL for reading; the size comes from the store, not from reading."""
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec comes with dask
        raise InputError(_needs_extra(), file=url) from exc
    try:
        fs, path = fsspec.core.url_to_fs(url)
        size = int(fs.size(path))
        handle: IO[bytes] = fs.open(path, "rb")
    except (ImportError, ValueError) as exc:  # unknown scheme, or its package is missing
        raise InputError(tr("cannot open {url}: {reason}", url=url, reason=exc), file=url) from exc
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=url
        ) from exc
    return handle, size


def _needs_extra() -> str:
    return tr("running on a Dask cluster needs the dask extra: pip install 'qnegov[dask]'")


@contextmanager
def connect(client: Client | str) -> Iterator[Client]:
    """The given client, or a connection to the scheduler at that address (closed after)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise InputError(_needs_extra()) from exc
    if not isinstance(client, str):
        yield client
        return
    try:
        made = Client(client, timeout=_CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            tr("cannot reach the Dask scheduler at {address}: {reason}", address=client, reason=exc)
        ) from exc
    try:
        yield made
    finally:
        made.close()  # type: ignore[no-untyped-call]


@contextmanager
def cluster_backend(client: Client | str) -> Iterator[ClusterBackend]:
    """A :class:`ClusterBackend` for one file on ``client`` (connected for the file's run)."""
    with connect(client) as connected:
        yield ClusterBackend(connected)


# -- the worker side -------------------------------------------------------------------------
_LOCK: Final = threading.Lock()
_PLANS: OrderedDict[str, Plan] = OrderedDict()
_SPILL: list[str] = []


def worker_lock() -> threading.Lock:
    """Ranges of one worker process run one at a time: the compiled schema and its error log
    are per process. Give workers one thread each and start as many processes as cores."""
    return _LOCK


def _spill_dir() -> str:
    """One directory per worker process for its ranges' key spill files."""
    if not _SPILL:
        _SPILL.append(tempfile.mkdtemp(prefix="qnegov-dask-keys-"))
        atexit.register(shutil.rmtree, _SPILL[0], True)
    return _SPILL[0]


def _local_plan(plan: Plan, token: str) -> Plan:
    """The plan with a key directory on this worker, the same object for every range of a run
    (the engine keeps the compiled schema per plan object)."""
    local = _PLANS.get(token)
    if local is None:
        local = _PLANS[token] = replace(plan, key_dir=_spill_dir())
        while len(_PLANS) > 4:
            _PLANS.popitem(last=False)
    return local


def run_range(
    plan: Plan, token: str, task: Task, partitions: int
) -> tuple[RangeResult, dict[int, bytes]]:
    """Validate one range on a worker: the result without keys, and the keys by partition."""
    with _LOCK:
        local = _local_plan(plan, token)
        set_language(plan.language)
        run = task
        if task.path is not None and has_scheme(task.path):
            handle, _size = open_url(task.path)
            with handle:
                handle.seek(task.start)
                data = handle.read(task.end - task.start)
            run = Task(task.index, None, 0, len(data), data, task.final)
        # a fresh spill-file name per attempt: a re-run after a worker died starts clean
        try:
            result = run_task(local, replace(run, index=secrets.randbits(48)))
        except OSError as exc:  # e.g. a path that is not shared with this worker
            raise InputError(
                tr("cannot read file: {reason}", reason=exc.strerror or exc), file=plan.label
            ) from exc
    parts: dict[int, list[bytes]] = {}
    if result.key_file is not None:
        try:
            with Path(result.key_file).open("rb") as handle:
                for bucket in sorted(result.key_segments):
                    chunks = parts.setdefault(bucket % partitions, [])
                    chunks.extend(read_segments(handle, result.key_segments[bucket]))
        finally:
            Path(result.key_file).unlink(missing_ok=True)
    result.index = task.index
    result.key_file = None
    result.key_segments = {}
    return result, {p: b"".join(chunks) for p, chunks in parts.items()}


def _summary(pair: tuple[RangeResult, dict[int, bytes]]) -> tuple[RangeResult, list[int]]:
    result, parts = pair
    return result, sorted(parts)


def _part(pair: tuple[RangeResult, dict[int, bytes]], partition: int) -> bytes:
    return pair[1][partition]


def check_partition(
    plan: Plan, keys: list[UniqueKey], offsets: list[tuple[int, int]], *blobs: bytes
) -> list[Issue]:
    """One key partition on a worker: every occurrence of its values, in file order, checked
    as the local engine checks a bucket (unique keys, root xs:key/xs:unique/xs:keyref)."""
    set_language(plan.language)
    chunks = [
        (records, newlines, decode_blocks(blob))
        for (records, newlines), blob in zip(offsets, blobs, strict=True)
    ]
    return check_blocks(plan, keys, chunks)


# -- the client side -------------------------------------------------------------------------
class ClusterBackend(Backend):
    """Opens URLs, cuts ranges for the cluster's size and runs them (and the keys) there."""

    def __init__(self, client: Client) -> None:
        self.client = client
        workers = client.scheduler_info(n_workers=-1).get("workers", {})
        self.workers = max(1, len(workers))
        # one partition per worker: each (range, partition) pair is a small task of its own
        self.partitions = max(1, min(_PARTITIONS_MAX, self.workers))
        self.token = secrets.token_hex(8)
        self._parts: dict[str, dict[int, Future[bytes]]] = {}
        self._target = ""
        self._label = ""

    def open(self, label: str) -> tuple[IO[bytes], int | None]:
        self._label = label
        if not has_scheme(label):
            self._target = str(Path(label).absolute())
            return super().open(label)
        self._target = label
        handle, size = open_url(label)
        raw, _ = _xml.open_source(handle, name=label)
        return raw, None if raw is not handle else size

    def tasks_plain(self, head: _Head, size: int, jobs: int, tag: RecordTag) -> Iterator[Task]:
        """The ranges one local worker would get (4-32 MB): batches then fall at the same
        places, so even the order of issues inside a batch equals ``jobs=1``'s."""
        target = self._target
        if not has_scheme(target):
            yield from _engine._tasks_plain(head, target, size, 1, tag)
            return
        start = head.first
        task_bytes = max(_engine._TASK_MIN, min(_engine._TASK_MAX, (size - start) // 4))
        index = 0
        handle = open_url(target)[0]
        with handle:
            while start < size:
                end = _engine._boundary(handle, start + task_bytes, size, tag)
                yield Task(index, target, start, end, None, end >= size)
                index += 1
                start = end

    def results(
        self, plan: Plan, tasks: Iterator[Task], jobs: int
    ) -> Iterator[tuple[Task, RangeResult]]:
        client = self.client
        # at least one key bucket per partition, so that every partition check gets a share
        plan = replace(plan, key_buckets=max(plan.key_buckets, self.partitions))
        # a task, not scatter: Dask can compute it again if every worker holding it dies
        plan_future = client.submit(_same, plan, pure=False)
        window = 4 * self.workers
        pending: deque[tuple[Task, Future[Any], Future[Any]]] = deque()
        try:
            for task in tasks:
                pair = client.submit(
                    run_range, plan_future, self.token, task, self.partitions, pure=False
                )
                pending.append((task, pair, client.submit(_summary, pair)))
                while len(pending) > window:
                    yield self._collect(*pending.popleft())
            while pending:
                yield self._collect(*pending.popleft())
        finally:
            if pending:
                stale = [f for _t, pair, summary in pending for f in (pair, summary)]
                client.cancel(stale)  # type: ignore[no-untyped-call]

    def _collect(
        self, task: Task, pair: Future[Any], summary: Future[Any]
    ) -> tuple[Task, RangeResult]:
        try:
            result, partitions = summary.result()
        except QnegovError:
            raise
        except Exception as exc:  # the cluster gave up (KilledWorker after retries, ...)
            raise InputError(
                tr(
                    "the Dask cluster could not run range {index}: {reason}",
                    index=task.index,
                    reason=f"{type(exc).__name__}: {exc}",
                ),
                file=self._label,
            ) from exc
        if partitions:
            handle = f"{task.index}"
            self._parts[handle] = {p: self.client.submit(_part, pair, p) for p in partitions}
            # what the engine keeps per range with keys: its offsets, and which partitions
            result.key_file = handle
            result.key_segments = {p: _NO_SEGMENTS for p in partitions}
        return task, result

    def duplicates(self, plan: Plan, merge: _Merge, rules: RuleSet) -> Iterator[Issue]:
        if not (rules.keys or plan.schema.root_constraints) or not merge.key_parts:
            return
        # plain copies: a user's key rule object need not pickle, its name, field and code do
        keys = [UniqueKey(k.name, k.field, k.code) for k in rules.keys]
        checks = []
        for partition in range(self.partitions):
            offsets: list[tuple[int, int]] = []
            blobs: list[Future[bytes]] = []
            for records, newlines, handle, segments in merge.key_parts:
                if partition in segments:
                    offsets.append((records, newlines))
                    blobs.append(self._parts[handle][partition])
            if blobs:
                checks.append(
                    self.client.submit(check_partition, plan, keys, offsets, *blobs, pure=False)
                )
        self._parts.clear()
        found = [issue for check in checks for issue in check.result()]
        found.sort(key=_engine.key_issue_order)
        yield from found


def _same(plan: Plan) -> Plan:
    return plan


_NO_SEGMENTS: Final = array("q")
