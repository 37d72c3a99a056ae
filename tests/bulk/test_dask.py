"""The bulk validator on a real ``distributed`` cluster: two worker processes on loopback.

Every test compares with a ``jobs=1`` run in this process, issue for issue. Ranges are made
small (64 KB) so a few hundred KB of register already means dozens of Dask tasks.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qnegov.bulk import generate, iter_issues, validate_file, validate_files
from qnegov.cli import main

distributed = pytest.importorskip("distributed")  # the 'dask' extra, part of 'dev'

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "qcvn102"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as local:
        yield local


@pytest.fixture
def client(cluster: Any) -> Iterator[Any]:
    with distributed.Client(cluster, set_as_default=False) as connected:
        connected.wait_for_workers(2, timeout=60)
        yield connected


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qnegov.bulk._engine._TASK_MIN", 64 * 1024)
    monkeypatch.setattr("qnegov.bulk._engine._TASK_MAX", 64 * 1024)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1 MB of citizens, 2 % with a seeded error (duplicate ids among them)."""
    path = tmp_path_factory.mktemp("dask") / "citizens.xml"
    generate(path, records=1500, error_rate=0.02, seed=13)
    return path


def _serial(path: Path | str, **kwargs: Any) -> list[dict[str, Any]]:
    return [i.to_dict() for i in iter_issues(str(path), "citizen", jobs=1, **kwargs)]


def test_a_register_on_the_cluster_equals_one_local_worker(client: Any, register: Path) -> None:
    want = _serial(register)
    assert {"bulk_duplicate_key", "bulk_schema"} <= {i["code"] for i in want}
    with distributed.get_task_stream(client=client) as stream:
        got = validate_file(str(register), "citizen", client=client)
    assert [i.to_dict() for i in got.issues] == want
    keys = [str(t["key"]) for t in stream.data]
    assert sum("run_range" in k for k in keys) >= 10  # really many ranges...
    assert sum("check_partition" in k for k in keys) >= 2  # ...and key partitions


def test_a_url_and_a_gzip_file_are_read_by_the_workers(
    client: Any, register: Path, tmp_path: Path
) -> None:
    want = _serial(register)
    url = register.resolve().as_uri()  # file:// goes through fsspec on every worker
    got = [i.to_dict() for i in iter_issues(url, "citizen", client=client)]
    assert got == [{**i, "file": url} for i in want]
    packed = tmp_path / "citizens.xml.gz"
    with register.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    want_gz = _serial(packed)
    assert [i.to_dict() for i in iter_issues(str(packed), "citizen", client=client)] == want_gz
    unknown = list(iter_issues("nosuch://bucket/x.xml", "citizen", client=client))
    assert [(i.code, i.file) for i in unknown] == [("unreadable_input", "nosuch://bucket/x.xml")]


def test_many_files_spread_over_the_cluster_and_a_local_pool(
    client: Any, register: Path, tmp_path: Path
) -> None:
    files: list[str] = []
    for n in range(8):
        path = tmp_path / f"small-{n:02d}.xml"
        generate(path, records=30, error_rate=0.1, seed=n)
        files.append(str(path))
    files.insert(5, str(register))  # a big one among them: cut into ranges
    files.append(str(tmp_path / "missing.xml"))  # reported, not raised
    serial = validate_files(files, "citizen")
    want = [i.to_dict() for i in serial.issues]
    assert serial.files == files and len(want) > 20
    on_cluster = validate_files(files, "citizen", client=client)
    assert on_cluster.files == files
    assert [i.to_dict() for i in on_cluster.issues] == want
    pooled = validate_files(files, "citizen", jobs=2)
    assert [i.to_dict() for i in pooled.issues] == want


def _cli_rows(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any]]:
    capsys.readouterr()
    code = main([*args, "--format", "json"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for row in rows:
        row.pop("elapsed", None)
        row.pop("elapsed_seconds", None)
    return code, rows


def test_cli_scheduler_prints_what_jobs_1_prints(
    cluster: Any, register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    other = tmp_path / "other.xml"
    generate(other, records=40, error_rate=0.1, seed=4)
    files = [str(register), str(other)]
    # in Vietnamese: workers (and the key partitions) must speak the caller's language
    serial = _cli_rows(["validate", *files, "--schema", "citizen", "--lang", "vi"], capsys)
    remote = _cli_rows(
        ["validate", *files, "--schema", "citizen", "--lang", "vi", "--scheduler", address],
        capsys,
    )
    assert any("trùng với bản ghi" in r.get("message", "") for r in remote[1])
    assert serial[0] == remote[0] == 1
    assert remote[1] == serial[1]
    url = register.resolve().as_uri()
    by_url = _cli_rows(["validate", url, "--schema", "citizen", "--scheduler", address], capsys)
    alone = _cli_rows(["validate", str(register), "--schema", "citizen"], capsys)
    assert by_url[1] == [{**r, "file": url} if "file" in r else r for r in alone[1]]


def test_a_folder_of_edxml_packets_on_the_cluster(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packets = sorted(CORPUS.glob("*.edxml"))
    assert packets
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(1):
        for packet in packets:
            shutil.copy(packet, folder / f"{n}-{packet.name}")
    names = [str(p) for p in sorted(folder.iterdir())]
    serial = _cli_rows(["validate", *names], capsys)
    remote = _cli_rows(["validate", *names, "--scheduler", cluster.scheduler_address], capsys)
    pooled = _cli_rows(["validate", *names, "--jobs", "2"], capsys)
    assert serial == remote == pooled
    assert sum(1 for row in serial[1] if row.get("type") == "issue") > 0


def test_an_unreachable_scheduler_is_a_typed_error(
    register: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("qnegov.bulk._dask._CONNECT_TIMEOUT", 1)
    capsys.readouterr()
    args = ["validate", str(register), "--schema", "citizen", "--scheduler", "tcp://127.0.0.1:9"]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_a_worker_killed_mid_run_is_retried_and_the_report_is_complete(
    client: Any, register: Path
) -> None:
    want = _serial(register)
    before = client.run(os.getpid)
    victim = sorted(before.values())[0]
    killed: list[int] = []

    def kill_once(_done: int) -> None:
        if not killed:  # after the first range is merged: the others are queued or running
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    got = validate_file(str(register), "citizen", client=client, progress=kill_once)
    assert killed == [victim]
    assert [i.to_dict() for i in got.issues] == want
    deadline = time.monotonic() + 60
    while victim in client.run(os.getpid).values() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim not in client.run(os.getpid).values()  # the nanny started a new process


def test_root_identity_constraints_are_checked_on_the_cluster(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root's xs:key, xs:unique and xs:keyref are reduced on the workers, as jobs=1 does."""
    from test_identity import KEYS, _register  # same folder: pytest puts it on sys.path

    monkeypatch.setattr("qnegov.bulk._batch.BATCH_BYTES", 2048)
    monkeypatch.setattr("qnegov.bulk._engine._TASK_MIN", 16 * 1024)
    monkeypatch.setattr("qnegov.bulk._engine._TASK_MAX", 16 * 1024)
    doc = _register(tmp_path / "book.xml", 1500, seed=7)
    want = [i.to_dict() for i in iter_issues(str(doc), KEYS, jobs=1)]
    messages = " ".join(i["message"] for i in want)
    for expected in ("Duplicate key-sequence", "Not all fields", "No match found"):
        assert expected in messages
    got = validate_file(str(doc), KEYS, client=client)
    assert [i.to_dict() for i in got.issues] == want
