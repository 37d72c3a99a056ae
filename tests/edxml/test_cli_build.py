"""``qnegov build``: examples that build valid packets, the JSON Schema, errors listed at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main
from qnegov.edxml import Envelope, StatusPacket, read
from qnegov.edxml._description import EXAMPLE_KINDS, description_schema, example

KINDS = ["document", "status", "revocation", "replacement", "update"]


def test_cli_offers_every_example() -> None:
    assert tuple(KINDS) == EXAMPLE_KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_each_example_builds_a_packet_passing_strict_validation(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--example", kind]) == 0
    text = capsys.readouterr().out
    data = json.loads(text)
    assert "$comment" in data  # commented for the person who starts from it
    source = tmp_path / f"{kind}.json"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / f"{kind}.edxml"
    assert main(["build", "--from", str(source), "-o", str(out)]) == 0
    assert main(["validate", "--strict", str(out)]) == 0
    packet = read(out)
    assert isinstance(packet, StatusPacket if kind == "status" else Envelope)
    if isinstance(packet, Envelope) and kind != "document":
        doc_type = {"revocation": 1, "update": 2, "replacement": 3}[kind]
        assert packet.business is not None and int(packet.business.doc_type) == doc_type
    capsys.readouterr()


def test_yaml_example_has_comments_and_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("yaml")
    assert main(["build", "--example", "replacement", "--yaml"]) == 0
    text = capsys.readouterr().out
    assert "# doc_type 3" in text and "$comment" not in text
    source = tmp_path / "r.yaml"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "r.edxml"
    assert main(["build", "--from", str(source), "-o", str(out)]) == 0
    assert main(["validate", "--strict", str(out)]) == 0
    capsys.readouterr()


def test_json_schema_is_generated_and_checks_the_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["build", "--json-schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(description_schema()))
    assert "MessageHeader" in schema["$defs"]  # from the pydantic models, not by hand
    validator = jsonschema.Draft202012Validator(schema)
    for kind in KINDS:
        assert list(validator.iter_errors(example(kind))) == [], kind
    bad = example("document")
    bad["header"]["bogus"] = 1
    assert list(validator.iter_errors(bad))


def test_every_problem_of_a_description_is_listed_with_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.json"
    source.write_text(
        json.dumps(
            {
                "header": {"from_": {}, "subject": 3, "to": [{"organ_id": 5}]},
                "business": {"doc_type": 9},
                "extra": 1,
            }
        ),
        encoding="utf-8",
    )
    assert main(["build", "--from", str(source), "-o", str(tmp_path / "x.edxml")]) == 1
    err = capsys.readouterr().err
    for path in (
        "$.header.from_.organ_id: required field is missing",
        "$.header.code: required field is missing",
        "$.header.subject: expected text",
        "$.header.to[0].organ_id:",
        "$.business.doc_type: expected one of 0, 1, 2 or 3",
        "$.extra: unknown field",
    ):
        assert path in err, path
    assert "KeyError" not in err and "pydantic" not in err and "http" not in err
    assert not (tmp_path / "x.edxml").exists()
    assert main(["--lang", "vi", "build", "--from", str(source), "-o", str(tmp_path / "x")]) == 1
    assert "thiếu trường bắt buộc" in capsys.readouterr().err


def test_empty_description_and_bad_json_are_plain_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "e.json"
    empty.write_text("{}", encoding="utf-8")
    assert main(["build", "--from", str(empty), "-o", str(tmp_path / "x")]) == 1
    assert "$.header: required field is missing" in capsys.readouterr().err
    broken = tmp_path / "b.json"
    broken.write_text('{"header": ', encoding="utf-8")
    assert main(["build", "--from", str(broken), "-o", str(tmp_path / "x")]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["build", "-o", str(tmp_path / "x")]) == 2
    capsys.readouterr()


def test_a_packet_failing_validation_is_refused_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "min.json"
    source.write_text(
        json.dumps(
            {
                "$comment": "no receiver and no subject: builds, but fails validation",
                "header": {
                    "from_": {"organ_id": "000.00.00.H47"},
                    "code": "12/UBND-VP",
                    "promulgation_info": {"promulgation_date": "2025-06-30"},
                },
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "min.edxml"
    assert main(["build", "--from", str(source), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert "--allow-invalid" in captured.err and "edxml_missing_element" in captured.out
    assert not out.exists()
    assert main(["build", "--from", str(source), "-o", str(out), "--allow-invalid"]) == 0
    assert out.exists() and main(["validate", str(out)]) == 1
    capsys.readouterr()
