"""The parts of the hardening contract a fuzzer cannot state on its own: the bug exit code,
errors crossing processes, the issue cap, line numbers and time that stay linear."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from qnegov import edxml
from qnegov.cli import _main, main
from qnegov.errors import QnegovError, UnsafeXMLError, all_error_classes
from qnegov.report import Issue, Severity, cap_issues

from ._harness import CORPUS

STATUS = (CORPUS / "qcvn102" / "status.edxml").read_bytes()


def _with_attributes(count: int) -> bytes:
    attributes = b" ".join(b'a%d="v"' % n for n in range(count))
    return STATUS.replace(b"<edXML:Staff>", b"<edXML:Staff " + attributes + b">", 1)


@pytest.fixture
def broken_inspect(monkeypatch: pytest.MonkeyPatch) -> None:
    """``inspect`` with a planted bug: any exception qnegov did not mean to raise."""
    from qnegov.cli import _edxml

    def crash(*_args: object) -> int:
        raise KeyError("planted")

    monkeypatch.setattr(_edxml, "run_inspect", crash)


def test_a_bug_is_one_line_and_exit_code_4(
    broken_inspect: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "some.edxml"]) == _main.EXIT_BUG == 4
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "some.edxml" in err and "builtins.KeyError" in err and "report it" in err


def test_debug_shows_the_bug_with_its_traceback(broken_inspect: None) -> None:
    with pytest.raises(KeyError, match="planted"):
        main(["inspect", "some.edxml", "--debug"])


def test_the_bug_exit_code_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "4 internal error" in capsys.readouterr().out
    cli = (CORPUS.parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "| 4 | internal error" in cli and "--debug" in cli


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_crosses_a_process_boundary(cls: type[QnegovError]) -> None:
    error = cls.__new__(cls)
    QnegovError.__init__(error, "message", file="f.xml", line=7, column=2)
    error.__dict__["extra"] = ("kept",)
    back = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    assert type(back) is cls and back.__dict__ == error.__dict__ and str(back) == str(error)


def test_unsafe_error_keeps_its_construct_through_pickle() -> None:
    error = UnsafeXMLError("deep", construct="nesting depth", file="r.xml", line=30)
    back = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    assert (back.construct, back.line, str(back)) == ("nesting depth", 30, "r.xml:30: deep")


def test_cap_keeps_the_first_issues_of_each_code_and_counts_the_rest() -> None:
    issues = [Issue("a", Severity.ERROR, str(n), file="f") for n in range(5)]
    issues += [
        Issue("b", Severity.WARNING, "b", file="f"),
        Issue("a", Severity.ERROR, "g", file="g"),
    ]
    capped = cap_issues(issues, 2)
    assert [i.message for i in capped if i.code == "a"] == ["0", "1", "g"]
    (summary,) = [i for i in capped if i.code == "issues_capped"]
    assert (summary.file, summary.rule, summary.severity) == ("f", "a", Severity.INFO)
    assert "3 more a issues" in summary.message
    assert cap_issues(issues, None) == issues


def test_validate_caps_by_default_and_lists_everything_when_asked() -> None:
    data = _with_attributes(1_500)
    capped = edxml.validate(data)
    assert sum(i.code == "edxml_schema" for i in capped.issues) == 1_000
    assert any(i.code == "issues_capped" and "500 more" in i.message for i in capped.issues)
    full = edxml.validate(data, max_issues_per_code=None)
    assert sum(i.code == "edxml_schema" for i in full.issues) == 1_500


def test_cli_cap_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.edxml"
    path.write_bytes(_with_attributes(30))
    assert main(["validate", str(path), "--max-issues-per-code", "10"]) == 1
    assert "20 more edxml_schema issues" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["validate", str(path), "--max-issues-per-code", "x"])
    assert usage.value.code == 2


def test_schema_errors_keep_lines_past_65535() -> None:
    filler = b"\n" * 70_000
    data = STATUS.replace(b"<edXML:Staff>", filler + b'<edXML:Staff bad="1">', 1)
    line = STATUS[: STATUS.index(b"<edXML:Staff>")].count(b"\n") + 1 + 70_000
    report = edxml.validate(data)
    assert any(i.code == "edxml_schema" and i.line == line for i in report.issues)


def _seconds(data: bytes) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        edxml.validate(data)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.slow
def test_validation_time_grows_linearly_with_attributes() -> None:
    """Four times the attributes may cost about four times the time, not sixteen."""
    small, large = _seconds(_with_attributes(5_000)), _seconds(_with_attributes(20_000))
    assert large / small < 9, f"{small:.2f} s -> {large:.2f} s"
