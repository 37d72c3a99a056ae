"""``qnegov bulk generate`` and ``qnegov validate --schema``: the integrator's commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov._i18n import set_language
from qnegov.bulk import read_truth
from qnegov.cli import main


def test_generate_then_validate_reports_exactly_the_truth_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c.xml.gz"
    assert (
        main(
            [
                "bulk",
                "generate",
                "--schema",
                "citizen",
                "--records",
                "800",
                "--error-rate",
                "0.05",
                "--seed",
                "9",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    truth = read_truth(f"{out}.truth.jsonl")
    assert truth
    capsys.readouterr()
    code = main(["validate", str(out), "--schema", "citizen", "--jobs", "2", "--format", "json"])
    assert code == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    issues = [r for r in rows if r["type"] == "issue"]
    assert sorted((i["record"], i["line"], i["code"]) for i in issues) == sorted(
        (t.record, t.line, t.code) for t in truth
    )
    summary = rows[-1]
    assert summary["type"] == "summary" and summary["errors"] == len(truth)


def test_valid_register_exits_zero_and_text_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h.xml"
    assert (
        main(["bulk", "generate", "--schema", "household", "--records", "50", "-o", str(out)]) == 0
    )
    capsys.readouterr()
    assert main(["validate", str(out), "--schema", "household"]) == 0
    text = capsys.readouterr().out
    assert "valid" in text and "issues by code: -" in text


def test_max_errors_and_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.xml"
    main(
        [
            "bulk",
            "generate",
            "--records",
            "300",
            "--error-rate",
            "0.5",
            "--kinds",
            "unit_unknown",
            "-o",
            str(out),
        ]
    )
    capsys.readouterr()
    try:
        code = main(
            [
                "--lang",
                "vi",
                "validate",
                str(out),
                "--schema",
                "citizen",
                "--max-errors",
                "3",
                "--jobs",
                "2",
            ]
        )
    finally:
        set_language("en")  # main() switches the language of this whole test process
    assert code == 1
    text = capsys.readouterr().out
    assert text.count("[bulk_unit_unknown]") == 3
    assert "không tồn tại vào ngày" in text and "đã dừng sau 3 vấn đề" in text


def test_generate_refuses_unknown_kinds(tmp_path: Path) -> None:
    assert main(["bulk", "generate", "--kinds", "nope", "-o", str(tmp_path / "x.xml")]) == 2
