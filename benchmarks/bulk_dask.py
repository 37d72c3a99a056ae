"""Bulk validation on a local Dask cluster: 1, 2, 4... workers against one local worker.

    python benchmarks/bulk_dask.py [--mb 100] [--runs 3] [--workers 1,2,4] [--small-files 2000]

Generates a citizen register (~--mb MB, 0.1 % seeded errors) in a temporary folder and times,
median of --runs runs: ``validate_file(jobs=1)`` in a fresh subprocess (the baseline, with its
peak RSS), then for each worker count a ``LocalCluster`` of single-threaded worker processes
on loopback running ``validate_file(client=...)`` (cluster start-up and one warm-up run are not
timed; peak RSS is each worker's own). Every run's issues are checked equal to the baseline's.
``--small-files N`` adds N small registers (20 records each), validated one by one and then on
the largest cluster with ``validate_files``. Needs the ``dask`` extra. Files are deleted at
the end. Prints a Markdown table and, with --json, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BYTES_PER_RECORD = 690  # generated citizen records, measured


def _baseline(path: str) -> dict[str, Any]:
    """``jobs=1`` in a fresh process: seconds, peak RSS and the issues, as JSON on stdout."""
    code = (
        "import json, sys, time\n"
        "from qnegov.bulk import validate_file\n"
        "t = time.perf_counter()\n"
        "r = validate_file(sys.argv[1], 'citizen', jobs=1)\n"
        "s = time.perf_counter() - t\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "print(json.dumps({'seconds': s, 'rss_mb': int(hwm[0].split()[1]) / 1024,"
        " 'issues': [i.to_dict() for i in r.issues]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, path], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _worker_rss() -> float:
    """VmHWM, not ru_maxrss: on Linux that keeps the spawning parent's peak across exec, so a
    worker started by a process that generated the register would report the generator's peak."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--small-files", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)

    from distributed import Client, LocalCluster

    from qnegov.bulk import generate, validate_file, validate_files

    counts = [int(n) for n in args.workers.split(",") if n]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="qnegov-bench-dask-") as tmp:
        path = str(Path(tmp) / "citizens.xml")
        records = max(100, int(args.mb * 1e6 / BYTES_PER_RECORD))
        generate(path, records=records, error_rate=0.001, seed=2026)
        size_mb = Path(path).stat().st_size / 1e6
        warm = str(Path(tmp) / "warm.xml")
        generate(warm, records=200, seed=1)

        base_runs = [_baseline(path) for _ in range(args.runs)]
        want = base_runs[0]["issues"]
        base = statistics.median(r["seconds"] for r in base_runs)
        rows.append(
            {
                "run": "--jobs 1 (no cluster)",
                "mb_s": size_mb / base,
                "speedup": 1.0,
                "rss_mb": max(r["rss_mb"] for r in base_runs),
            }
        )
        small: list[str] = []
        for n in range(args.small_files):
            name = str(Path(tmp) / f"small-{n:05d}.xml")
            generate(name, records=20, error_rate=0.05, seed=n)
            small.append(name)
        small_serial = None
        if small:
            started = time.perf_counter()
            small_want = [i.to_dict() for i in validate_files(small, "citizen").issues]
            small_serial = time.perf_counter() - started
        for n in counts:
            with (
                LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                validate_file(warm, "citizen", client=client)
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    report = validate_file(path, "citizen", client=client)
                    times.append(time.perf_counter() - started)
                    if [i.to_dict() for i in report.issues] != want:
                        raise SystemExit(f"{n} workers: the issues differ from --jobs 1")
                seconds = statistics.median(times)
                rss = max(client.run(_worker_rss).values())
                rows.append(
                    {
                        "run": f"{n} Dask worker{'s' if n > 1 else ''}",
                        "mb_s": size_mb / seconds,
                        "speedup": base / seconds,
                        "rss_mb": rss,
                    }
                )
                if small and n == max(counts):
                    started = time.perf_counter()
                    got = validate_files(small, "citizen", client=client)
                    seconds = time.perf_counter() - started
                    if [i.to_dict() for i in got.issues] != small_want:
                        raise SystemExit("small files: the issues differ from one by one")
                    assert small_serial is not None
                    rows.append(
                        {
                            "run": f"{len(small)} small files, {n} Dask workers",
                            "files_s": len(small) / seconds,
                            "speedup": small_serial / seconds,
                            "serial_files_s": len(small) / small_serial,
                        }
                    )
    if args.json:
        print(json.dumps({"mb": size_mb, "records": records, "rows": rows}))
        return 0
    print(f"{size_mb:.1f} MB, {records} records, median of {args.runs}")
    print("| run | MB/s | speed-up vs --jobs 1 | peak RSS per worker (MB) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        if "files_s" in row:
            print(
                f"| {row['run']} | {row['files_s']:.0f} files/s (serial "
                f"{row['serial_files_s']:.0f}) | {row['speedup']:.2f} | — |"
            )
        else:
            print(
                f"| {row['run']} | {row['mb_s']:.1f} | {row['speedup']:.2f} | {row['rss_mb']:.0f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
