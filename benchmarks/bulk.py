"""Bulk validation speed and memory against its baselines, all measured in the same run.

    python benchmarks/bulk.py [--mb 100] [--big] [--runs 3]

Generates a citizen register (~--mb MB, seeded errors) in a temporary folder, then times each
tool in a fresh subprocess (peak RSS from the kernel's accounting), median of --runs runs:
lxml iterparse parse-only, xmllint --stream --schema, whole-document lxml validation,
qnegov.bulk with 1 worker and with every core (XSD only, and with built-in rules), parse-only
iterparse over the same byte ranges in as many processes, and xmlschema's lazy validation
(on a 10 MB prefix-sized file: it is too slow for the full one). --big adds a 1 GB file to
check that memory stays flat. Files are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _child(tool: str, path: str, xsd: str, jobs: int) -> None:
    """Run one tool in this (fresh) process and print {seconds, errors} as JSON.

    Imports happen before the clock starts: the table compares throughput, not start-up.
    """
    if tool == "xmlschema":
        import xmlschema
    elif tool in ("qnegov", "qnegov_rules", "parse_ranges"):
        import qnegov.bulk  # noqa: F401
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
    elif tool in ("qnegov", "qnegov_rules"):
        from qnegov.bulk import validate_file

        report = validate_file(
            path, "citizen", jobs=jobs, keep_issues=True, builtin_rules=tool == "qnegov_rules"
        )
        errors = report.error_count
        lines = sorted(i.line for i in report.issues if i.code == "bulk_schema")
        print(json.dumps({"lines": lines}), file=sys.stderr)
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
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", action="store_true")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        tool, path, xsd, jobs = args.child
        _child(tool, path, xsd, int(jobs))
        return
    from qnegov._resources import schema_path
    from qnegov.bulk._generate import generate

    xsd = schema_path("records/citizen.xsd")
    with tempfile.TemporaryDirectory(prefix="qnegov-bench-") as tmp:
        path = Path(tmp) / "citizens.xml"
        records = args.mb * 1_000_000 // 680
        kinds = [
            k
            for k in (
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
        ]
        generate(path, records=records, error_rate=0.001, seed=42, kinds=kinds)
        mb = path.stat().st_size / 1e6
        j = args.jobs
        plan = [
            ("lxml iterparse, parse only (1 process)", "parse", 1),
            ("xmllint --stream --schema", "xmllint", 1),
            ("qnegov.bulk, XSD only, 1 worker", "qnegov", 1),
            ("qnegov.bulk, XSD + built-in rules, 1 worker", "qnegov_rules", 1),
            (f"lxml iterparse parse only, same byte ranges, {j} processes", "parse_ranges", j),
            (f"qnegov.bulk, XSD only, {j} workers", "qnegov", j),
            (f"qnegov.bulk, XSD + built-in rules, {j} workers", "qnegov_rules", j),
        ]
        results: dict[str, dict[str, float]] = {}
        for _run in range(args.runs):
            for label, tool, jobs in plan:
                m = measure(tool, path, xsd, jobs)
                entry = results.setdefault(
                    label,
                    {"t": [], "rss": [], "base": [], "errors": m["errors"], "lines": m["lines"]},
                )  # type: ignore[dict-item]
                entry["t"].append(m["seconds"])  # type: ignore[union-attr]
                entry["rss"].append(m["rss_kb"])  # type: ignore[union-attr]
                entry["base"].append(m["base_kb"])  # type: ignore[union-attr]
        whole = measure("whole", path, xsd)
        results["lxml parse + XMLSchema.validate, whole document"] = {
            "t": [whole["seconds"]],
            "rss": [whole["rss_kb"]],
            "base": [whole["base_kb"]],
            "errors": whole["errors"],
            "lines": whole["lines"],
        }  # type: ignore[dict-item]
        small = Path(tmp) / "small.xml"
        generate(small, records=15_000, error_rate=0.001, seed=42, kinds=kinds)
        xs = measure("xmlschema", small, xsd)
        small_mb = small.stat().st_size / 1e6
        print(
            f"\nfile: {mb:.1f} MB, {records} citizen records; {os.cpu_count()} cores; "
            f"median of {args.runs} runs (whole-document: 1 run)\n"
        )
        print("| tool | MB/s | peak RSS (MB) | RSS after imports (MB) | errors |")
        print("|---|---:|---:|---:|---:|")
        speed: dict[str, float] = {}
        for label, entry in results.items():
            t = statistics.median(entry["t"])  # type: ignore[arg-type]
            speed[label] = mb / t
            rss = max(entry["rss"]) / 1024  # type: ignore[arg-type]
            base = max(entry["base"]) / 1024  # type: ignore[arg-type]
            print(f"| {label} | {mb / t:.1f} | {rss:.0f} | {base:.0f} | {entry['errors']} |")
        print(
            f"| xmlschema lazy validation ({small_mb:.0f} MB file, 1 run) | "
            f"{small_mb / xs['seconds']:.1f} | {xs['rss_kb'] / 1024:.0f} | "
            f"{xs['base_kb'] / 1024:.0f} | {xs['errors']} |"
        )
        lint = speed["xmllint --stream --schema"]
        one = speed["qnegov.bulk, XSD only, 1 worker"]
        many = speed[f"qnegov.bulk, XSD only, {j} workers"]
        ranges = speed[f"lxml iterparse parse only, same byte ranges, {j} processes"]
        print("\nratios (targets):")
        print(f"  1 worker / xmllint            {one / lint:.2f}  (>= 1.0)")
        print(f"  {j} workers / xmllint           {many / lint:.2f}  (>= 1.5)")
        print(f"  {j} workers / parse-only ranges {many / ranges:.2f}  (>= 0.85)")
        ours = results["qnegov.bulk, XSD only, 1 worker"]["lines"]
        theirs = results["lxml parse + XMLSchema.validate, whole document"]["lines"]
        print(
            f"  XSD errors identical to whole-document validation (count and lines): "
            f"{ours == theirs} ({len(ours or [])} vs {len(theirs or [])})"
        )
        if args.big:
            big = Path(tmp) / "big.xml"
            generate(big, records=records * 10, error_rate=0.001, seed=43, kinds=kinds)
            path.unlink()
            m_small = statistics.median(
                results["qnegov.bulk, XSD + built-in rules, 1 worker"]["rss"]
            )  # type: ignore[arg-type]
            m_big = measure("qnegov_rules", big, xsd, 1)
            big_mb = big.stat().st_size / 1e6
            growth = 100 * (m_big["rss_kb"] / m_small - 1)
            print(
                f"\n{big_mb:.0f} MB file, XSD + rules, 1 worker: "
                f"{big_mb / m_big['seconds']:.1f} MB/s, peak RSS {m_big['rss_kb'] / 1024:.0f} MB "
                f"vs {m_small / 1024:.0f} MB at {mb:.0f} MB (growth {growth:.1f}%, target < 10%)"
            )
            m_big2 = measure("qnegov_rules", big, xsd, j)
            print(
                f"{big_mb:.0f} MB file, {j} workers: {big_mb / m_big2['seconds']:.1f} MB/s, "
                f"peak RSS per process {m_big2['rss_kb'] / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main()
