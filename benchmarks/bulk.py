"""Bulk validation speed and memory against its baselines, all measured in the same run.

    python benchmarks/bulk.py [--mb 100] [--big] [--runs 3] [--jobs 2]

Generates two citizen registers (~--mb MB each: a clean one and one with 1% seeded errors) in
a temporary folder, then times each tool in a fresh subprocess (peak RSS per worker from the
kernel's accounting), median of --runs runs, every baseline in the same run: lxml iterparse
parse-only, xmllint --stream --schema, qnegov.bulk with 1 and --jobs workers with the fast
path on and off (off is the libxml2-only path), XSD only and with the built-in rules, plus
whole-document lxml validation and xmlschema's lazy validation once. It checks that the
fast path's issues are byte-identical to the libxml2-only path's and prints the issue-13
targets. --big adds a 1 GB file to check that memory stays flat. Files are deleted at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _child(tool: str, path: str, xsd: str, jobs: int) -> None:
    """Run one tool in this (fresh) process and print {seconds, errors} as JSON.

    Imports happen before the clock starts: the table compares throughput, not start-up.
    """
    if tool == "xmlschema":
        import xmlschema
    elif tool.startswith("qnegov") or tool == "parse_ranges":
        # the rules' modules load on first use: import them here too, off the clock
        import qnegov.bulk
        import qnegov.bulk._builtin
        import qnegov.codes._units  # noqa: F401
    elif tool != "xmllint":
        from qnegov import _xml
    base_kb = _hwm(os.getpid())  # interpreter + imports, before any work
    started = time.perf_counter()
    peak_kb = 0
    errors = -1
    if tool == "parse":
        from qnegov import _xml

        tag = "{urn:qnegov:records:citizen:1}Citizen"
        for _e, el in _xml.iterparse(path, events=("end",), tag=tag):
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    elif tool == "parse_ranges":
        _parse_ranges(path, jobs)
    elif tool == "whole":
        from qnegov import _xml

        schema = _xml.load_xsd(xsd)
        doc = _xml.parse(path)
        schema.validate(doc)
        errors = len([e for e in schema.error_log])
        lines = sorted(e.line for e in schema.error_log)
        print(json.dumps({"lines": lines}), file=sys.stderr)
    elif tool.startswith("qnegov"):
        from qnegov.bulk import validate_file

        report = validate_file(
            path,
            "citizen",
            jobs=jobs,
            keep_issues=True,
            builtin_rules="rules" in tool,
            fast="slow" not in tool,
        )
        errors = report.error_count
        lines = sorted(i.line for i in report.issues if i.code == "bulk_schema")
        digest = hashlib.sha256("\n".join(repr(i) for i in report.issues).encode()).hexdigest()
        print(json.dumps({"lines": lines, "digest": digest}), file=sys.stderr)
    elif tool == "xmllint":
        # peak RSS read from /proc while it runs: after exec, so the forked Python is not counted
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                ["xmllint", "--noout", "--stream", "--schema", xsd, path],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            while proc.poll() is None:
                peak_kb = max(peak_kb, _hwm(proc.pid))
                time.sleep(0.01)
            err.seek(0)
            errors = err.read().count(b"validity error")
    elif tool == "xmlschema":
        import xmlschema

        schema = xmlschema.XMLSchema(xsd)
        resource_ = xmlschema.XMLResource(path, lazy=True)
        errors = sum(1 for _ in schema.iter_errors(resource_))
    elapsed = time.perf_counter() - started
    own = _hwm(os.getpid())  # not ru_maxrss: that keeps the spawning parent's peak across exec
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # a worker's peak: the child processes when there are any (pools, xmllint), else this one
    rss = peak_kb or (kids if kids else own)
    base = 0 if tool == "xmllint" else base_kb
    print(json.dumps({"seconds": elapsed, "errors": errors, "rss_kb": rss, "base_kb": base}))


def _hwm(pid: int) -> int:
    """VmHWM (peak resident set, kB) of a running process; 0 once it is gone."""
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1])
    except OSError:
        return 0
    return 0


def _ranges(path: str, jobs: int) -> list[tuple[int, int]]:
    from qnegov.bulk import _engine
    from qnegov.bulk._scan import RecordTag

    tag = RecordTag(b"Citizen")
    with Path(path).open("rb") as raw:
        head = _engine._find_first(_engine._read_head(raw, path), raw, tag)
    size = Path(path).stat().st_size
    return [(t.start, t.end) for t in _engine._tasks_plain(head, path, size, jobs, tag)]


def _parse_range(args: tuple[str, int, int]) -> int:
    from qnegov import _xml

    path, start, end = args
    with Path(path).open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    opening = b'<CitizenRegister xmlns="urn:qnegov:records:citizen:1">'
    import io

    body = data.rsplit(b"</CitizenRegister>", 1)[0]
    stream = io.BytesIO(opening + body + b"</CitizenRegister>")
    n = 0
    for _e, el in _xml.iterparse(
        stream, events=("end",), tag="{urn:qnegov:records:citizen:1}Citizen"
    ):
        n += 1
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    return n


def _parse_ranges(path: str, jobs: int) -> None:
    import multiprocessing

    ranges = [(path, a, b) for a, b in _ranges(path, jobs)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        list(pool.imap(_parse_range, ranges))


def measure(tool: str, path: Path, xsd: Path, jobs: int = 1) -> dict[str, float]:
    proc = subprocess.run(
        [PY, __file__, "--child", tool, str(path), str(xsd), str(jobs)],
        capture_output=True,
        check=True,
        text=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = None
    if proc.stderr.strip().startswith("{"):
        lines = json.loads(proc.stderr.strip().splitlines()[-1]).get("lines")
    data["lines"] = lines
    data["digest"] = None
    if proc.stderr.strip().startswith("{"):
        data["digest"] = json.loads(proc.stderr.strip().splitlines()[-1]).get("digest")
    return data


KINDS = (
    "id_pattern",
    "bad_date",
    "bad_sex",
    "missing_field",
    "unexpected_field",
    "commune_pattern",
    "name_too_long",
    "id_birth_year",
    "duplicate_id",
    "unit_unknown",
)


def _table(results: dict[str, dict[str, Any]], mb: float) -> dict[str, float]:
    print("| tool | MB/s | peak RSS per worker (MB) | RSS after imports (MB) | errors |")
    print("|---|---:|---:|---:|---:|")
    speed: dict[str, float] = {}
    for label, entry in results.items():
        t = statistics.median(entry["t"])
        speed[label] = mb / t
        rss = max(entry["rss"]) / 1024
        base = max(entry["base"]) / 1024
        print(f"| {label} | {mb / t:.1f} | {rss:.0f} | {base:.0f} | {entry['errors']} |")
    return speed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        tool, path, xsd, jobs = args.child
        _child(tool, path, xsd, int(jobs))
        return
    from qnegov._resources import schema_path
    from qnegov.bulk._generate import generate

    xsd = schema_path("records/citizen.xsd")
    j = args.jobs
    records = int(args.mb * 1_000_000 // 680)
    with tempfile.TemporaryDirectory(prefix="qnegov-bench-") as tmp:
        files = {"clean": Path(tmp) / "clean.xml", "1%": Path(tmp) / "errors.xml"}
        generate(files["clean"], records=records, error_rate=0.0, seed=42)
        generate(files["1%"], records=records, error_rate=0.01, seed=42, kinds=list(KINDS))
        plan: list[tuple[str, str, int]] = [
            ("lxml iterparse, parse only (1 process)", "parse", 1),
            ("xmllint --stream --schema", "xmllint", 1),
        ]
        for jobs in (1, j):
            w = f"{jobs} worker" + ("s" if jobs > 1 else "")
            plan += [
                (f"qnegov, XSD only, fast path, {w}", "qnegov", jobs),
                (f"qnegov, XSD only, libxml2-only path, {w}", "qnegov_slow", jobs),
                (f"qnegov, XSD + built-in rules, fast path, {w}", "qnegov_rules", jobs),
                (
                    f"qnegov, XSD + built-in rules, libxml2-only path, {w}",
                    "qnegov_rules_slow",
                    jobs,
                ),
            ]
        plan.append(
            (f"lxml iterparse parse only, same byte ranges, {j} processes", "parse_ranges", j)
        )
        speeds: dict[str, dict[str, float]] = {}
        peak_rss: dict[str, float] = {}
        identical: list[str] = []
        for name, path in files.items():
            mb = path.stat().st_size / 1e6
            results: dict[str, dict[str, Any]] = {}
            for _run in range(args.runs):
                for label, tool, jobs in plan:
                    m = measure(tool, path, xsd, jobs)
                    entry = results.setdefault(
                        label,
                        {"t": [], "rss": [], "base": [], "errors": m["errors"], "digest": set()},
                    )
                    entry["t"].append(m["seconds"])
                    entry["rss"].append(m["rss_kb"])
                    entry["base"].append(m["base_kb"])
                    if m.get("digest"):
                        entry["digest"].add(m["digest"])
            print(f"\n## {name} file: {mb:.1f} MB, {records} records; median of {args.runs} runs\n")
            speeds[name] = _table(results, mb)
            for label, entry in results.items():
                if label.startswith("qnegov"):
                    peak_rss[f"{name}: {label}"] = max(entry["rss"]) / 1024
            for rules in ("XSD only", "XSD + built-in rules"):
                group = set()
                for label, entry in results.items():
                    if label.startswith(f"qnegov, {rules},"):
                        group |= entry["digest"]
                identical.append(f"{name}, {rules}: {'yes' if len(group) == 1 else 'NO'}")
        whole = measure("whole", files["1%"], xsd)
        small = Path(tmp) / "small.xml"
        generate(small, records=min(records, 15_000), error_rate=0.001, seed=42, kinds=list(KINDS))
        xs = measure("xmlschema", small, xsd)
        mb1 = files["1%"].stat().st_size / 1e6
        small_mb = small.stat().st_size / 1e6
        print("\n## once\n")
        print(
            f"lxml parse + XMLSchema.validate, whole 1% document: "
            f"{mb1 / whole['seconds']:.1f} MB/s, "
            f"peak RSS {whole['rss_kb'] / 1024:.0f} MB"
        )
        print(
            f"xmlschema lazy validation ({small_mb:.1f} MB file): "
            f"{small_mb / xs['seconds']:.1f} MB/s, peak RSS {xs['rss_kb'] / 1024:.0f} MB"
        )
        print(
            "\n## output of the fast path byte-identical to the libxml2-only path (1 and "
            f"{j} workers)"
        )
        for row in identical:
            print(f"  {row}")
        w = f"{j} workers"
        xsd_only, rules = "qnegov, XSD only, fast path", "qnegov, XSD + built-in rules, fast path"

        def vs_lint(file: str, label: str) -> float:
            return speeds[file][label] / speeds[file]["xmllint --stream --schema"]

        checks = [
            ("1 worker, XSD only, clean / xmllint", vs_lint("clean", f"{xsd_only}, 1 worker"), 1.5),
            (f"{w}, XSD only, clean / xmllint", vs_lint("clean", f"{xsd_only}, {w}"), 2.5),
            (f"{w}, XSD only, 1% / xmllint", vs_lint("1%", f"{xsd_only}, {w}"), 1.8),
            ("1 worker, XSD + rules, clean / xmllint", vs_lint("clean", f"{rules}, 1 worker"), 1.5),
            (f"{w}, XSD + rules, clean / xmllint", vs_lint("clean", f"{rules}, {w}"), 2.5),
            (f"{w}, XSD + rules, 1% / xmllint", vs_lint("1%", f"{rules}, {w}"), 1.8),
            (
                "rules / XSD-only throughput, 1 worker, clean",
                speeds["clean"][f"{rules}, 1 worker"] / speeds["clean"][f"{xsd_only}, 1 worker"],
                0.85,
            ),
        ]
        print("\n## targets (issue 13)")
        for label, value, target in checks:
            verdict = "ok" if value >= target else "MISSED"
            print(f"  {label:48s} {value:5.2f}  (>= {target})  {verdict}")
        worst = max(peak_rss, key=peak_rss.__getitem__)
        verdict = "ok" if peak_rss[worst] < 64 else "MISSED"
        print(f"  peak RSS per worker, worst ({worst}): {peak_rss[worst]:.0f} MB (< 64)  {verdict}")
        if args.big:
            _big(tmp, records, xsd, j, generate)


def _big(tmp: str, records: int, xsd: Path, j: int, generate: Any) -> None:
    """Peak RSS on a 10x file (about 1 GB at the default size), 1 and ``j`` workers."""
    big = Path(tmp) / "big.xml"
    generate(big, records=records * 10, error_rate=0.001, seed=43, kinds=list(KINDS))
    big_mb = big.stat().st_size / 1e6
    for jobs in (1, j):
        m = measure("qnegov_rules", big, xsd, jobs)
        print(
            f"\n{big_mb:.0f} MB file, XSD + rules, {jobs} worker(s): "
            f"{big_mb / m['seconds']:.1f} MB/s, peak RSS per worker {m['rss_kb'] / 1024:.0f} MB "
            "(target < 64 MB, flat from 100 MB)"
        )


if __name__ == "__main__":
    main()
