"""Every crash the fuzzers found, replayed: each input has the outcome it must have now
(``tests/corpus/fuzz/expected.json`` says which command, which exit code, which words)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ._harness import CASE_SECONDS, CORPUS, Workspace, run_cli

FUZZ_CORPUS = CORPUS / "fuzz"
CASES: list[dict[str, Any]] = json.loads((FUZZ_CORPUS / "expected.json").read_text("utf-8"))[
    "cases"
]


def csv_field_over_limit() -> bytes:
    return b"ho_ten,so_dinh_danh\n" + b"x" * 140_000 + b",049090001234\n"


def forty_thousand_attributes() -> bytes:
    """The 430 KB packet of issue 10: 40,000 attributes on one element."""
    seed = (CORPUS / "qcvn102" / "status.edxml").read_bytes()
    attributes = b" ".join(b'a%d="v"' % n for n in range(40_000))
    return seed.replace(b"<edXML:Staff>", b"<edXML:Staff " + attributes + b">", 1)


RECIPES = {
    "csv_field_over_limit": csv_field_over_limit,
    "forty_thousand_attributes": forty_thousand_attributes,
}


def test_every_kept_input_is_replayed() -> None:
    named = {case["input"] for case in CASES}
    kept = {p.name for p in FUZZ_CORPUS.iterdir() if p.name != "expected.json"}
    assert kept <= named, f"kept without an expected outcome: {sorted(kept - named)}"
    assert all(n in kept or n.removeprefix("recipe:") in RECIPES for n in named)


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['input']}-{'-'.join(c['argv'][:2])}" for c in CASES]
)
def test_kept_crash_has_its_expected_outcome(
    case: dict[str, Any], workspace: Workspace, pki: Path
) -> None:
    with workspace.case() as folder:
        name = case["input"]
        if name.startswith("recipe:"):
            source = folder / "in" / name.removeprefix("recipe:")
            source.parent.mkdir()
            source.write_bytes(RECIPES[name.removeprefix("recipe:")]())
        else:
            source = FUZZ_CORPUS / name
        fill = {"{file}": str(source), "{out}": str(folder / "out"), "{pki}": str(pki)}
        argv = []
        for arg in case["argv"]:
            for key, value in fill.items():
                arg = arg.replace(key, value)
            argv.append(arg)
        start = time.perf_counter()
        outcome = run_cli(argv)
        assert time.perf_counter() - start < CASE_SECONDS
        assert outcome.code == case["exit"], outcome.err[-1500:] + outcome.out[-1500:]
        assert case["contains"] in outcome.out + outcome.err
        assert "Traceback" not in outcome.err
