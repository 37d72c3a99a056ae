"""Reports count and judge issues; every renderer produces output its consumers can load."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

from qnegov import _xml
from qnegov._render import make_renderer, render
from qnegov.errors import QnegovError
from qnegov.report import Issue, Report, Severity, issue_code, issue_from_error

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"
HOSTILE = Path(__file__).parent / "corpus" / "hostile"


def _real_report() -> Report:
    """A report made by really reading corpus files, plus one warning with every field set."""
    report = Report()
    for name in ("xxe_local_file.xml", "truncated.xml", "utf16_bom.xml"):
        path = HOSTILE / name
        report.files.append(str(path))
        try:
            _xml.parse(path)
        except QnegovError as exc:
            report.add(issue_from_error(exc))
    report.add(
        Issue(
            code="xml_syntax",
            severity=Severity.WARNING,
            message='Tên cơ quan <Ủy ban> & "quote"',
            file=str(HOSTILE / "utf16_bom.xml"),
            line=2,
            column=5,
            path="/Ten",
            record=0,
            rule="demo-rule",
        )
    )
    return report.finish()


def test_counts_validity_and_exit_code() -> None:
    report = _real_report()
    assert report.error_count == 2
    assert report.warning_count == 1
    assert not report.valid
    assert report.exit_code == 3
    assert report.invalid_files == {
        str(HOSTILE / "xxe_local_file.xml"),
        str(HOSTILE / "truncated.xml"),
    }
    assert report.summary()["by_code"] == {"unsafe_xml": 1, "xml_syntax": 2}
    ok = Report()
    ok.add(Issue("x", Severity.WARNING, "just a warning", file="f"))
    assert ok.valid and ok.exit_code == 0
    bad = Report()
    bad.add(Issue("x", Severity.ERROR, "an error", file="f"))
    assert not bad.valid and bad.exit_code == 1


def test_policy_overrides_severity_and_counts_follow() -> None:
    report = Report(policy={"date_format": Severity.WARNING})
    recorded = report.add(Issue("date_format", Severity.ERROR, "dd/MM/yyyy", file="f"))
    assert recorded.severity is Severity.WARNING
    assert report.valid


def test_counts_survive_without_keeping_issues() -> None:
    report = Report(keep_issues=False)
    for n in range(1000):
        report.add(Issue("bulk_x", Severity.ERROR, "bad", file="big.xml", record=n))
    assert report.issues == []
    assert report.error_count == 1000
    assert report.by_code["bulk_x"] == 1000
    total = Report()
    total.merge(report)
    assert total.error_count == 1000 and total.invalid_files == {"big.xml"}


def test_issue_codes_cannot_change_meaning() -> None:
    assert issue_code("test_only_code", "One meaning.", area="tests") == "test_only_code"
    assert issue_code("test_only_code", "One meaning.", area="tests") == "test_only_code"
    with pytest.raises(ValueError):
        issue_code("test_only_code", "Another meaning.", area="tests")


def test_sarif_validates_against_the_official_schema() -> None:
    log = json.loads(render(_real_report(), "sarif"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["unsafe_xml", "xml_syntax", "xml_syntax"]
    region = results[1]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 21}
    assert results[2]["level"] == "warning"
    assert results[2]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/Ten"


def test_junit_loads_in_a_junit_parser(tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    out.write_text(render(_real_report(), "junit"), encoding="utf-8")
    suites = list(JUnitXml.fromfile(str(out)))
    assert [s.name for s in suites] == [
        str(HOSTILE / n) for n in ("xxe_local_file.xml", "truncated.xml", "utf16_bom.xml")
    ]
    failures = {s.name: s.failures for s in suites}
    assert list(failures.values()) == [1, 1, 0]
    cases = [c for s in suites for c in s]
    assert sum(1 for c in cases if c.is_passed) == 1
    failed = [c for c in cases if not c.is_passed]
    assert failed[0].result[0].type == "unsafe_xml"


def test_json_lines_stream_one_object_per_line() -> None:
    lines = render(_real_report(), "json").splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["type"] for o in objects] == ["issue"] * 3 + ["summary"]
    assert objects[1]["line"] == 5 and objects[1]["severity"] == "fatal"
    assert objects[2]["message"] == 'Tên cơ quan <Ủy ban> & "quote"'
    assert objects[-1]["valid"] is False and objects[-1]["errors"] == 2


def test_text_names_file_line_and_code() -> None:
    text = render(_real_report(), "text")
    assert f"{HOSTILE / 'truncated.xml'}:5:21: fatal [xml_syntax]" in text
    assert "(record 0; /Ten; rule demo-rule)" in text
    assert text.rstrip().splitlines()[-1].startswith("INVALID: 3 file(s) checked, 2 invalid")


def test_messages_with_control_characters_still_make_valid_xml(tmp_path: Path) -> None:
    report = Report(files=["f"])
    report.add(Issue("xml_syntax", Severity.ERROR, "bad byte \x00\x1b here", file="f"))
    out = tmp_path / "r.xml"
    out.write_text(render(report.finish(), "junit"), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(out)))
    assert suite.failures == 1


def test_unknown_format_is_refused() -> None:
    import io

    with pytest.raises(ValueError):
        make_renderer("pdf", io.StringIO())
