"""The CLI frame: global options anywhere, documented exit codes, no tracebacks, languages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qnegov import __version__
from qnegov.cli import main

HOSTILE = Path(__file__).parent / "corpus" / "hostile"
GOOD = HOSTILE / "utf16_bom.xml"
BAD = HOSTILE / "xxe_local_file.xml"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qnegov", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=full_env,
    )


def test_version_and_help() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"qnegov {__version__}"
    helped = _run("--help")
    assert helped.returncode == 0
    assert "exit codes: 0 ok, 1 invalid input found, 2 usage error, 3 unreadable" in helped.stdout
    assert "validate" in helped.stdout and "demo" in helped.stdout


def test_global_options_before_or_after_the_command_mean_the_same(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = []
    for argv in (
        ["--format", "json", "validate", str(BAD)],
        ["validate", str(BAD), "--format", "json"],
        ["validate", "--format=json", str(BAD)],
    ):
        assert main(argv) == 3
        lines = capsys.readouterr().out.splitlines()
        parsed = [json.loads(line) for line in lines]
        for obj in parsed:
            obj.pop("elapsed_seconds", None)
        outputs.append(parsed)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0]["code"] == "unsafe_xml"


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(GOOD)]) == 0
    assert main(["validate", str(GOOD), str(BAD)]) == 3
    assert main(["validate", str(tmp_path / "missing.xml")]) == 3
    with pytest.raises(SystemExit) as usage:
        main(["validate"])
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as unknown:
        main(["--format", "pdf", "validate", str(GOOD)])
    assert unknown.value.code == 2
    assert main([]) == 2
    capsys.readouterr()


def test_vietnamese_by_option_and_by_environment() -> None:
    by_option = _run("--lang", "vi", "validate", str(BAD))
    by_env = _run("validate", str(BAD), env={"QNEGOV_LANG": "vi"})
    for done in (by_option, by_env):
        assert done.returncode == 3
        assert "nghiêm trọng [unsafe_xml] đã từ chối thực thể bên ngoài" in done.stdout
        assert "KHÔNG HỢP LỆ" in done.stdout
    assert "tùy chọn chung" in _run("--lang", "vi", "--help").stdout


def test_machine_formats_keep_stdout_parseable() -> None:
    done = _run("demo", "--format", "json")
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        json.loads(line)
    assert "Safe XML" in done.stderr


def test_quiet_prints_only_problems(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quiet", "validate", str(BAD)]) == 3
    out = capsys.readouterr().out
    assert "unsafe_xml" in out


def test_known_errors_never_show_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.xml"
    folder.mkdir()
    done = _run("validate", str(folder))
    assert done.returncode == 3
    assert "Traceback" not in done.stderr + done.stdout
    assert str(folder) in done.stdout


def test_demo_runs_offline() -> None:
    done = _run("demo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Demo finished" in done.stdout
    assert done.stdout.count("proves: ") == 6  # each step says what it showed


def test_progress_draws_only_when_enabled() -> None:
    import io

    from qnegov.cli._context import Progress

    silent = io.StringIO()
    progress = Progress(silent, 10_000_000, enabled=False)
    progress.update(5_000_000)
    progress.close()
    assert silent.getvalue() == ""
    drawn = io.StringIO()
    progress = Progress(drawn, 10_000_000, enabled=True)
    progress.update(5_000_000)
    assert "MB/s" in drawn.getvalue() and "50.0%" in drawn.getvalue() and "ETA" in drawn.getvalue()
    progress.close()


def test_lang_option_does_not_leak_out_of_an_in_process_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from qnegov._i18n import get_language

    assert main(["--lang", "vi", "validate", str(BAD)]) == 3
    assert "nghiêm trọng" in capsys.readouterr().out
    assert get_language() == "en"
