"""Start-up time of ``qnegov`` commands as ratios to a bare ``python -c pass`` in the same run.

Issue 15's targets: ``qnegov --version`` at most 5x, ``qnegov codes explain 0301442379`` and
``qnegov validate small.xml`` at most 12x. Each command runs in a fresh process the way the
``qnegov`` console script starts it (``from qnegov.cli import main; sys.exit(main())``); the
baseline and the commands are interleaved, run after run, so load on the machine hits both
alike, and the median of the runs is compared. Exit code 1 when a target is missed.

    python benchmarks/cli_startup.py [--runs 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ENTRY = "import sys; from qnegov.cli import main; sys.exit(main())"


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - start


def measure(runs: int) -> list[dict[str, object]]:
    """Median seconds of the baseline and of each command, and their ratios."""
    with tempfile.TemporaryDirectory(prefix="qnegov-startup-") as tmp:
        small = Path(tmp) / "small.xml"
        small.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<CoQuan><Ma>000.00.00.H47</Ma></CoQuan>\n',
            encoding="utf-8",
        )
        cases = {
            "--version": (["--version"], 5.0),
            "codes explain": (["codes", "explain", "0301442379"], 12.0),
            "validate small.xml": (["validate", str(small)], 12.0),
        }
        base = [sys.executable, "-c", "pass"]
        entry = [sys.executable, "-c", _ENTRY]
        for argv, _target in cases.values():  # warm the file cache and the .pyc files
            _time(entry + argv)
        times: dict[str, list[float]] = {"baseline": [], **{name: [] for name in cases}}
        for _ in range(runs):
            times["baseline"].append(_time(base))
            for name, (argv, _target) in cases.items():
                times[name].append(_time(entry + argv))
    baseline = statistics.median(times["baseline"])
    rows: list[dict[str, object]] = []
    for name, (_argv, target) in cases.items():
        median = statistics.median(times[name])
        ratio = median / baseline
        rows.append(
            {
                "name": name,
                "median_s": round(median, 4),
                "baseline_s": round(baseline, 4),
                "ratio": round(ratio, 2),
                "target": target,
                "ok": ratio <= target,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default 30)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = measure(max(1, args.runs))
    if args.json:
        print(json.dumps(rows))
    else:
        print(f"baseline python -c pass: {rows[0]['baseline_s']} s (median of {args.runs})")
        for row in rows:
            verdict = "ok" if row["ok"] else "MISSED"
            print(
                f"qnegov {row['name']:<20} {row['median_s']:>8} s  {row['ratio']:>6}x "
                f"(target <= {row['target']}x)  {verdict}"
            )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
