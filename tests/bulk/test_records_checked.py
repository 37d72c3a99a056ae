"""How many records were checked: counted by the engine, carried to every report form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qnegov
from qnegov.bulk import generate, validate_file, validate_files
from qnegov.cli import main


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("count")
    made = []
    for n, records in enumerate((120, 35)):
        path = folder / f"r{n}.xml"
        generate(path, records=records, error_rate=0.05, seed=n)
        made.append(path)
    return made


def test_the_engine_counts_the_records_of_each_file(registers: list[Path]) -> None:
    report = validate_file(registers[0], "citizen")
    assert report.records == {str(registers[0]): 120}
    assert report.summary()["records"] == 120


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_count_survives_parallel_runs(registers: list[Path], jobs: int) -> None:
    names = [str(p) for p in registers]
    assert validate_files(names, "citizen", jobs=jobs).record_count == 155
    assert qnegov.validate(registers, jobs=jobs).record_count == 155


def test_the_count_stops_with_max_errors(registers: list[Path]) -> None:
    report = validate_file(registers[0], "citizen", max_errors=1)
    assert report.record_count is not None and report.record_count <= 120


def test_text_and_json_summaries_say_it(
    registers: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["validate", str(registers[1])])
    assert "1 file(s) checked (35 records)" in capsys.readouterr().out.splitlines()[-1]
    main(["validate", "--format", "json", str(registers[1])])
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["type"] == "summary" and summary["records"] == 35


def test_reports_without_registers_have_no_count() -> None:
    corpus = Path(__file__).parents[1] / "corpus" / "edxml" / "document-id-mismatch.edxml"
    report = qnegov.validate([corpus])
    assert report.record_count is None and "records" not in report.summary()


def test_a_register_broken_near_its_start_is_still_a_register(tmp_path: Path) -> None:
    """The root start tag alone says what a file is: a record broken a few bytes later must
    not make the whole register one malformed XML file."""
    from qnegov._validate_any import kind_of

    path = tmp_path / "broken.xml"
    generate(path, records=3, error_rate=0, seed=1)
    text = path.read_text(encoding="utf-8")
    first = text.index("</FullName>")
    path.write_text(text[:first] + "</FullNam>" + text[first + 11 :], encoding="utf-8")
    assert kind_of(path) == ("register", "citizen")
    report = qnegov.validate([path])
    assert [i.code for i in report.issues][:1] == ["bulk_malformed"]
    assert report.record_count == 3
