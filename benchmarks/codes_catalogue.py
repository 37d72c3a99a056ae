"""Cold load time of the unit catalogue, parse throughput per type, and ``codes check`` speed.

The issue asks that loading the catalogue take under 100 ms. Each load is measured in a fresh
subprocess (no cache, no warm imports of qnegov.codes' data), after ``import qnegov.codes``;
the baseline, in the same run, is ``json.loads`` of the same bytes in the same kind of process
(the floor any JSON-shipped catalogue pays). Throughput compares ``Type.parse`` with a bare
``re.fullmatch`` of the type's JSON Schema pattern (what a shape-only check would cost).
``qnegov codes check`` is timed on a generated CSV of identification numbers against reading
the same file with ``csv.reader`` alone.

    python benchmarks/codes_catalogue.py
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from typing import Any

_CHILD_LOAD = """
import time
import qnegov.codes as c
start = time.perf_counter()
book = c.catalogue()
print(time.perf_counter() - start, len(book))
"""

_CHILD_JSON = """
import json, time
from importlib import resources
import qnegov.codes
start = time.perf_counter()
data = json.loads(resources.files("qnegov.codes").joinpath("data/units.json").read_bytes())
print(time.perf_counter() - start, len(data["units"]))
"""

RUNS = 7


def _child(code: str) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, count = done.stdout.split()
    return float(seconds), int(count)


def _load_table() -> float:
    loads = [_child(_CHILD_LOAD) for _ in range(RUNS)]
    raws = [_child(_CHILD_JSON) for _ in range(RUNS)]
    load_ms = statistics.median(s for s, _ in loads) * 1000
    raw_ms = statistics.median(s for s, _ in raws) * 1000
    print(f"catalogue load, cold, median of {RUNS} fresh processes")
    print(f"{'what':44} {'units':>7} {'ms':>8}")
    print(f"{'baseline: json.loads of units.json':44} {raws[0][1]:>7} {raw_ms:>8.2f}")
    print(f"{'qnegov.codes.catalogue()':44} {loads[0][1]:>7} {load_ms:>8.2f}")
    print(f"{'worst catalogue() run':44} {'':>7} {max(s for s, _ in loads) * 1000:>8.2f}")
    return load_ms


def _throughput_table() -> None:
    from qnegov.codes import (
        AdministrativeUnit,
        AgencyCode,
        CitizenId,
        DocumentCode,
        DocumentId,
        PhoneNumber,
        TaxCode,
        catalogue,
    )

    catalogue()  # loaded once, as in any long-running process
    cases: list[tuple[Any, str]] = [
        (AgencyCode, "000.12.34.H47"),
        (CitizenId, "049190012345"),
        (TaxCode, "0100109106-001"),
        (DocumentCode, "20/2020/QĐ-TTg"),
        (DocumentId, "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"),
        (AdministrativeUnit, "20335"),
        (PhoneNumber, "02353812345"),
    ]
    n = 20_000
    print()
    print(f"strict parse throughput, {n} parses of one value (baseline: regex shape check)")
    print(f"{'type':20} {'value':42} {'regex µs':>9} {'parse µs':>9} {'ratio':>6}")
    for cls, text in cases:
        pattern = re.compile(cls.JSON_PATTERN)
        start = time.perf_counter()
        for _ in range(n):
            pattern.fullmatch(text)
        regex_us = (time.perf_counter() - start) / n * 1e6
        start = time.perf_counter()
        for _ in range(n):
            cls.parse(text)
        parse_us = (time.perf_counter() - start) / n * 1e6
        print(
            f"{cls.__name__:20} {text:42} {regex_us:>9.2f} {parse_us:>9.2f} "
            f"{parse_us / regex_us:>6.0f}"
        )


def _check_table(rows: int = 100_000) -> None:
    import contextlib
    import csv
    import io
    import random
    import tempfile
    from pathlib import Path

    from qnegov.cli import main as cli

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dan-cu.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write("stt,so_dinh_danh\n")
            for n in range(rows):
                digits = f"0{rng.choice(['01', '48', '49', '79'])}{rng.randint(0, 3)}"
                digits += f"{rng.randint(0, 24):02d}{rng.randint(0, 999_999):06d}"
                out.write(f"{n},{digits if n % 50 else digits[1:]}\n")  # 2% lost a zero
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            count = sum(1 for _ in csv.reader(handle))
        base = time.perf_counter() - start
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli(["codes", "check", str(path), "--column", "2", "--kind", "citizen", "-q"])
        took = time.perf_counter() - start
    print()
    print(f"qnegov codes check, {rows} identification numbers (2% with a lost leading zero)")
    print(f"{'what':44} {'s':>8} {'rows/s':>10}")
    print(f"{'baseline: csv.reader over the file':44} {base:>8.3f} {count / base:>10,.0f}")
    label = f"codes check --kind citizen (exit {code})"
    print(f"{label:44} {took:>8.3f} {rows / took:>10,.0f}")


def main() -> None:
    load_ms = _load_table()
    _throughput_table()
    _check_table()
    verdict = "OK" if load_ms < 100 else "OVER BUDGET"
    print(f"\ncatalogue load {load_ms:.1f} ms against a 100 ms budget: {verdict}")


if __name__ == "__main__":
    main()
