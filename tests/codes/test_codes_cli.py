"""``qnegov codes explain`` and ``qnegov codes check``, through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["codes", "explain", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_explain_citizen_id_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "049190012345")
    assert code == 0
    assert data["kind"] == "citizen" and data["valid"] is True
    assert data["value"] == "049190012345" and data["issues"] == []
    assert (data["province_code"], data["province_name"]) == ("049", "Tỉnh Quảng Nam")
    assert (data["sex"], data["birth_year"]) == ("female", 1990)


def test_explain_unit_on_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "49", "--kind", "unit", "--on", "2024-01-01")
    assert code == 0
    assert {
        k: data[k] for k in ("code", "name", "level", "valid_from", "valid_to", "successor")
    } == {
        "code": "49",
        "name": "Tỉnh Quảng Nam",
        "level": "province",
        "valid_from": None,
        "valid_to": "2025-06-30",
        "successor": "48",
    }
    assert data["current_name"] == "Thành phố Đà Nẵng"


def test_explain_unit_after_the_reform_is_invalid_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = _json(capsys, "49", "--kind", "unit", "--on", "2025-07-01")
    assert code == 1
    assert data["valid"] is False and data["value"] == "49"
    assert [i["code"] for i in data["issues"]] == ["code_unit_not_in_force"]  # type: ignore[union-attr,index]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("000.00.00.H47", "agency"),
        ("H47.12", "agency"),
        ("0100109106", "tax"),
        ("0100109106-001", "tax"),
        ("12/QĐ-UBND", "document"),
        ("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", "docid"),
        ("+84912345678", "phone"),
        ("02353812345", "phone"),
        ("20335", "unit"),
        ("205123456", "citizen"),
    ],
)
def test_kind_is_guessed(capsys: pytest.CaptureFixture[str], value: str, kind: str) -> None:
    _, data = _json(capsys, value)
    assert data["kind"] == kind


def test_explain_unreadable_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "12/", "--kind", "document")
    assert code == 1
    assert data["valid"] is False and data["value"] is None
    assert data["issues"][0]["severity"] == "error"  # type: ignore[index]


def test_explain_text_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "vi", "codes", "explain", "0100109107"]) == 1
    out = capsys.readouterr().out
    assert "chữ số kiểm tra là 7, đúng ra phải là 6" in out
    assert "hợp lệ" in out


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "nguoi-nop-thue.csv"
    path.write_text(
        "ten,mst\nCông ty A,0100109106\nCông ty B,0100109107\nCông ty C,\n"
        "Công ty D,0301442379-001\nCông ty E,01001091 06\n",
        encoding="utf-8",
    )
    return path


def test_check_reports_errors_and_warnings_with_locations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _csv(tmp_path)
    assert (
        main(["codes", "check", str(path), "--column", "2", "--kind", "tax", "--format", "json"])
        == 1
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    issues = [x for x in lines if "code" in x]
    assert [(i["code"], i["severity"], i["line"], i["column"], i["record"]) for i in issues] == [
        ("code_check_digit", "error", 3, 2, 1),
        ("code_not_canonical", "warning", 6, 2, 4),
    ]
    assert all(i["file"] == str(path) for i in issues)


def test_check_by_header_name_and_exit_zero_when_only_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_text("ma\n48\n4\n", encoding="utf-8")
    assert main(["codes", "check", str(path), "--column", "ma", "--kind", "unit"]) == 0
    out = capsys.readouterr().out
    assert "code_not_canonical" in out


def test_check_missing_file_and_unknown_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["codes", "check", str(tmp_path / "no.csv"), "--column", "1", "--kind", "tax"]) == 3
    path = _csv(tmp_path)
    capsys.readouterr()
    # a column the file does not have is a usage error (2), said with the columns it has
    assert main(["codes", "check", str(path), "--column", "nope", "--kind", "tax"]) == 2
    err = capsys.readouterr().err
    assert "no column nope" in err and "ten, mst" in err
    assert main(["codes", "check", str(path), "--column", "9", "--kind", "tax"]) == 2
    err = capsys.readouterr().err
    assert "column 9 is beyond the last column (2)" in err
    assert "values checked" not in capsys.readouterr().out
    args = ["codes", "check", str(path), "--column", "2", "--kind", "citizen"]
    assert main([*args, "--birth-date-column", "7"]) == 2
    assert (
        main(["codes", "check", str(path), "--no-header", "--column", "mst", "--kind", "tax"]) == 2
    )
    assert main(["codes", "check", str(path), "--no-header", "--column", "3", "--kind", "tax"]) == 2
    assert main(["codes", "check", str(path), "--no-header", "--column", "2", "--kind", "tax"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("value", ["", "   "])
def test_explain_of_nothing_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert main(["codes", "explain", value]) == 2
    assert "VALUE is empty" in capsys.readouterr().err


def test_published_hcmc_tax_code_is_explained_as_a_tax_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = _json(capsys, "0301442379")
    assert code == 0
    assert (data["kind"], data["alternatives"]) == ("tax", ["phone"])
    assert main(["codes", "explain", "0301442379"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("kind") and "tax" in out.splitlines()[0]
    assert any(line.startswith("also valid as") and "phone" in line for line in out.splitlines())
    _, data = _json(capsys, "0912345678")  # check digit fails: only a phone number
    assert (data["kind"], data["alternatives"]) == ("phone", [])


def test_check_citizen_ids_against_birth_date_and_sex_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "dan-cu.csv"
    path.write_text(
        "so,ngay_sinh,gioi_tinh\n049302012345,01/05/2002,Nữ\n049302012345,01/05/2001,Nữ\n"
        "049302012345,2002,Nam\n049302012345,sometime,Nữ\n",
        encoding="utf-8",
    )
    argv = ["codes", "check", str(path), "--column", "so", "--kind", "citizen"]
    cross = ["--birth-date-column", "ngay_sinh", "--sex-column", "3", "--format", "json"]
    assert main([*argv, *cross]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    found = [(i["code"], i["rule"], i["line"]) for i in lines if "code" in i]
    assert found == [
        ("code_citizen_mismatch", "birth_year", 3),
        ("code_citizen_mismatch", "sex", 4),
        ("code_citizen_field", "birth_date", 5),
    ]
    assert main([*argv]) == 0  # without the extra columns nothing is wrong
    capsys.readouterr()
    assert main(["codes", "check", str(path), "--column", "1", "--kind", "tax", *cross]) == 2
    capsys.readouterr()


def test_demo_runs_the_codes_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Thành phố Đà Nẵng" in out
    assert "code_check_digit" in out


def test_ambiguous_ten_digits_name_the_other_valid_reading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, data = _json(capsys, "0912345675")  # a mobile number, and also a valid tax code
    # the check digit makes the tax reading the more specific one; the phone is named too
    assert (data["kind"], data["alternatives"]) == ("tax", ["phone"])
    _, data = _json(capsys, "0912345675", "--kind", "tax")
    assert (data["kind"], data["valid"], data["province_code"]) == ("tax", True, "09")
