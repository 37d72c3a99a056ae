"""Time and peak memory of refusing each hostile file, against a trivial document (baseline).

Each file is read in a fresh subprocess (``qnegov.cli.main(["validate", FILE])``), so peak RSS is
that process's own; the baseline is the same command on a two-element document, measured in the
same run. The issue asks for "within one second and a few MB": the table shows the time of the
``validate`` call itself (after the CLI's imports, reported once) and the RSS *above* the
baseline process.

    python benchmarks/hostile_corpus.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_corpus  # noqa: E402

_CHILD = """
import contextlib, io, resource, sys, time
started = time.perf_counter()
from qnegov.cli import main
from qnegov.cli._main import build_parser
build_parser()  # imports every command module, as any qnegov run does
imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["validate", sys.argv[1]])
done = time.perf_counter()
print(code, done - imported, imported - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _measure(path: Path) -> tuple[int, float, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    )
    code, seconds, _startup, rss_kb = done.stdout.split()
    return int(code), float(seconds), int(rss_kb) / 1024


def _startup(path: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    )
    return float(done.stdout.split()[2])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {name: HOSTILE / name for name in make_corpus.SMALL}
        for name, data in make_corpus.large().items():
            (folder / name).write_bytes(data)
            files[name] = folder / name
        baseline_file = folder / "baseline.xml"
        baseline_file.write_bytes(b"<r><a>1</a></r>")
        base = [_measure(baseline_file) for _ in range(3)]
        base_rss = sorted(b[2] for b in base)[1]
        print(
            f"baseline (two-element document): exit {base[0][0]}, "
            f"{sorted(b[1] for b in base)[1] * 1000:.2f} ms, peak RSS {base_rss:.1f} MB; "
            f"CLI start-up before it (imports, not in the times below): "
            f"{_startup(baseline_file) * 1000:.0f} ms"
        )
        print(f"{'file':40} {'size':>10} {'exit':>4} {'ms':>9} {'peak RSS MB':>12} {'+MB':>7}")
        rows = []
        started = time.perf_counter()
        for name in sorted(files):
            path = files[name]
            code, seconds, rss = min((_measure(path) for _ in range(3)), key=lambda r: r[1])
            rows.append(
                {
                    "file": name,
                    "bytes": path.stat().st_size,
                    "exit": code,
                    "ms": round(seconds * 1000, 2),
                    "peak_rss_mb": round(rss, 1),
                    "above_baseline_mb": round(rss - base_rss, 1),
                }
            )
            print(
                f"{name:40} {path.stat().st_size:>10} {code:>4} {seconds * 1000:>9.2f} "
                f"{rss:>12.1f} {rss - base_rss:>7.1f}"
            )
        worst = max(r["ms"] for r in rows)
        extra = max(r["above_baseline_mb"] for r in rows)
        print(
            f"worst time {worst:.1f} ms; worst memory above baseline {extra:.1f} MB; "
            f"whole run {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
