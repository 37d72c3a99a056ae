"""The edXML commands of the CLI: validate, inspect, build, attachments extract, demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main
from qnegov.edxml import Envelope, read

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "qcvn102"
DESCRIPTION = {
    "header": {
        "from_": {"organ_id": "000.00.00.H47", "organ_name": "UBND tỉnh Quảng Nam"},
        "to": [{"organ_id": "000.00.00.G22"}],
        "code": "12/UBND-VP",
        "promulgation_info": {"place": "Tam Kỳ", "promulgation_date": "2025-06-30"},
        "document_type": {"type_name": "Công văn"},
        "subject": "Thử nghiệm",
        "signer_info": {"full_name": "Nguyễn Văn A"},
        "other_info": {"priority": 1},
        "steering_type": 1,
    }
}


def test_validate_recognises_edxml_and_reports_its_issues(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the reference library's revocation names no DocumentId: a warning, an error when strict
    code = main(["validate", "--format", "json", str(CORPUS / "edoc_revocation.edxml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "edxml_business_reference" in out
    assert main(["validate", "--strict", str(CORPUS / "edoc_revocation.edxml")]) == 1
    assert "edxml_business_reference" in capsys.readouterr().out


def test_validate_strict_turns_warnings_into_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CORPUS / "edoc_replacement.edxml")]) == 0
    assert main(["validate", "--strict", str(CORPUS / "edoc_replacement.edxml")]) == 1
    assert main(["validate", "--strict", str(CORPUS / "edoc.edxml")]) == 3
    capsys.readouterr()


@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_validate_renders_edxml_issues_in_every_format(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--format", fmt, str(CORPUS / "edoc_new.edxml")]) == 0
    assert "code_syntax" in capsys.readouterr().out


def test_inspect_summarises_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(CORPUS / "status_finish_06.edxml")]) == 0
    text = capsys.readouterr().out
    assert "status:      06" in text and "signature:   absent" in text
    assert main(["inspect", "--format", "json", str(CORPUS / "edoc_update.edxml")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["business"] == {
        "type": 2,
        "name": "update",
        "document_id": "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT",
    }
    assert data["attachments"][0]["size"] == 388347
    assert data["signature"]["namespaced"] is False
    assert data["to"] == ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"]


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_build_from_a_description_with_attachments(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if suffix == ".yaml":
        yaml = pytest.importorskip("yaml")  # the optional 'yaml' extra
        text = yaml.safe_dump(DESCRIPTION, allow_unicode=True)
    else:
        text = json.dumps(DESCRIPTION, ensure_ascii=False)
    source = tmp_path / f"packet{suffix}"
    source.write_text(text, encoding="utf-8")
    pdf = tmp_path / "cv.pdf"
    pdf.write_bytes(b"%PDF-1.7 demo")
    out = tmp_path / "out.edxml"
    assert main(["build", "--from", str(source), "--attach", str(pdf), "-o", str(out)]) == 0
    packet = read(out)
    assert isinstance(packet, Envelope)
    assert str(packet.header.document_id) == "000.00.00.H47,2025/06/30,12/UBND-VP"
    assert packet.attachments[0].payload.read_bytes() == b"%PDF-1.7 demo"
    assert main(["validate", "--strict", str(out)]) == 0
    capsys.readouterr()


def test_build_refuses_an_invalid_description(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.json"
    source.write_text('{"header": {"subject": "no sender"}}', encoding="utf-8")
    assert main(["build", "--from", str(source), "-o", str(tmp_path / "x.edxml")]) == 1
    assert "not valid" in capsys.readouterr().err


def test_attachments_extract_writes_the_decoded_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "files"
    assert main(["attachments", "extract", str(CORPUS / "edoc_new.edxml"), "-o", str(folder)]) == 0
    (written,) = folder.iterdir()
    assert written.name == "1896_QD-TTg_m_294779.doc"
    assert written.stat().st_size == 388347
    capsys.readouterr()


def test_the_demo_includes_the_edxml_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "edXML" in out and "12-UBND-VP.pdf" in out
