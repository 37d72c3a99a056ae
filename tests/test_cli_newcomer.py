"""What a newcomer tripped on (issue 15): each one pinned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main

CORPUS = Path(__file__).parent / "corpus"


def test_keys_new_refuses_to_replace_a_ca_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "k"
    assert main(["keys", "new", "--ec", "--out", str(out)]) == 0
    ca = (out / "ca.pem").read_bytes()
    capsys.readouterr()
    assert main(["keys", "new", "--ec", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "ca.pem" in err
    assert (out / "ca.pem").read_bytes() == ca
    assert main(["keys", "new", "--ec", "--out", str(out), "--force"]) == 0
    assert (out / "ca.pem").read_bytes() != ca


def test_messages_show_no_python_reprs(capsys: pytest.CaptureFixture[str]) -> None:
    packet = CORPUS / "edxml" / "document-id-mismatch.edxml"
    main(["validate", "--format", "json", str(packet)])
    messages = [
        json.loads(line).get("message", "") for line in capsys.readouterr().out.splitlines()
    ]
    assert any("DocumentId '000.00.00.H47" in m for m in messages)
    assert not any("DocumentId(" in m for m in messages)


def test_text_output_is_sorted_by_file_then_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qnegov.bulk import generate

    register = tmp_path / "citizens.xml"
    generate(register, records=400, error_rate=0.2, seed=7)
    broken = tmp_path / "broken.xml"
    broken.write_text("<a><b></a>", encoding="utf-8")
    code = main(["validate", str(broken), str(register), "--jobs", "2"])
    assert code == 3
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(str(tmp_path))]
    assert lines[0].startswith(str(broken))
    keys = []
    for line in lines:
        name, rest = line[len(str(tmp_path)) + 1 :].split(":", 1)
        number = rest.split(":", 1)[0]
        keys.append((name != "broken.xml", int(number) if number.isdigit() else 0))
    assert len(keys) > 20 and keys == sorted(keys)


def test_registers_are_recognised_without_schema(tmp_path: Path) -> None:
    import qnegov
    from qnegov.bulk import generate

    register = tmp_path / "citizens.xml"
    seeded = generate(register, records=200, error_rate=0.1, seed=3)
    report = qnegov.validate([register])
    assert report.error_count == len(seeded) > 0
    assert qnegov.validate([CORPUS / "edxml" / "clean.edxml"], strict=True).valid
    assert qnegov.validate([CORPUS / "hostile" / "xxe_local_file.xml"]).exit_code == 3


def test_long_commands_show_progress_on_a_terminal(tmp_path: Path) -> None:
    import argparse
    import io

    from qnegov.cli._bulk import run_generate
    from qnegov.cli._context import Context

    err = io.StringIO()
    ctx = Context(out=io.StringIO(), err=err, tty=True)
    args = argparse.Namespace(
        output=tmp_path / "r.xml",
        schema="citizen",
        records=2000,
        error_rate=0.0,
        seed=1,
        kinds=None,
    )
    assert run_generate(args, ctx) == 0
    assert "records" in err.getvalue() and "ETA" in err.getvalue()
    quiet = io.StringIO()
    ctx = Context(out=io.StringIO(), err=quiet, tty=False)
    assert run_generate(args, ctx) == 0
    assert quiet.getvalue() == ""  # not a terminal: nothing drawn

    drawn = io.StringIO()
    files = Context(err=drawn, tty=True).progress(3, unit="files")
    files.update(1)
    files.close()
    assert "1 of 3 files" in drawn.getvalue()
