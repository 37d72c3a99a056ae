"""Realistic register files with seeded errors, and a truth file naming each one.

Records carry Vietnamese names with diacritics, consistent CCCD numbers, and address codes of
the era of their registration date (Quảng Nam codes before 1 July 2025, Đà Nẵng after). With
``error_rate`` > 0 some records get exactly one defect each, of a kind chosen at random, and
the truth file (JSON lines, ``<output>.truth.jsonl``) lists its record index, file line, issue
code and kind: the validator must report exactly those. Seeded by ``seed``: same arguments,
same bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from os import PathLike, fspath
from pathlib import Path
from typing import Final

from qnegov.bulk._records import (
    DEFAULT_HEADER,
    Address,
    CitizenRecord,
    HouseholdMember,
    HouseholdRecord,
    Relative,
    header_lines,
    open_output,
    render_record,
    trailer_lines,
)
from qnegov.codes import CitizenId, PhoneNumber
from qnegov.codes._units import CURRENT_FROM, LEGACY_UNTIL, catalogue

__all__ = ["CITIZEN_KINDS", "HOUSEHOLD_KINDS", "SeededError", "generate", "read_truth"]

SURNAMES: Final = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Đoàn",
    "Lương",
)
MIDDLE_M: Final = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Xuân")
MIDDLE_F: Final = ("Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Hồng", "Bích")
GIVEN_M: Final = (
    "Anh",
    "Bảo",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Huy",
    "Khánh",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
    "Vũ",
)
GIVEN_F: Final = (
    "An",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Trang",
    "Vy",
    "Yến",
)
STREETS: Final = (
    "Trần Phú",
    "Phan Châu Trinh",
    "Hùng Vương",
    "Lê Lợi",
    "Nguyễn Văn Linh",
    "Bạch Đằng",
    "Hoàng Diệu",
    "Điện Biên Phủ",
    "Trưng Nữ Vương",
    "Quang Trung",
)

CITIZEN_KINDS: Final = {
    # kind: issue code the validator must report (one issue per seeded record)
    "id_pattern": "bulk_schema",
    "bad_date": "bulk_schema",
    "bad_sex": "bulk_schema",
    "missing_field": "bulk_schema",
    "unexpected_field": "bulk_schema",
    "commune_pattern": "bulk_schema",
    "name_too_long": "bulk_schema",
    "id_birth_year": "bulk_citizen_id_birth_year",
    "id_sex": "bulk_citizen_id_sex",
    "id_province": "bulk_citizen_id_province",
    "unit_unknown": "bulk_unit_unknown",
    "unit_mismatch": "bulk_unit_mismatch",
    "duplicate_id": "bulk_duplicate_key",
    "malformed": "bulk_malformed",
}
HOUSEHOLD_KINDS: Final = {
    "id_pattern": "bulk_schema",
    "bad_relation": "bulk_schema",
    "missing_field": "bulk_schema",
    "unit_unknown": "bulk_unit_unknown",
    "duplicate_id": "bulk_duplicate_key",
    "malformed": "bulk_malformed",
}


@dataclass(frozen=True, slots=True)
class SeededError:
    """One defect the generator put in: where, and what the validator must say."""

    record: int
    line: int
    code: str
    kind: str


@cache
def _communes() -> dict[str, tuple[tuple[str, str], ...]]:
    """(province, commune) pairs per era: Quảng Nam before the merger, Đà Nẵng after."""
    units = catalogue()
    old: list[tuple[str, str]] = []
    province = units.at("49", LEGACY_UNTIL)
    if province is not None:
        for district in units.children(province):
            old.extend(("49", c.code) for c in units.children(district))
    new: list[tuple[str, str]] = []
    merged = units.at("48", CURRENT_FROM)
    if merged is not None:
        new.extend(("48", c.code) for c in units.children(merged))
    return {"old": tuple(old), "new": tuple(new)}


@cache
def _birth_provinces() -> tuple[str, ...]:
    return tuple(u.code for u in catalogue().provinces(LEGACY_UNTIL))


class _Maker:
    """Draws valid records; keeps the ids handed out so that none repeats by accident."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.clean_ids: list[tuple[str, date, str]] = []

    def name(self, sex: str) -> str:
        r = self.rng
        middle = MIDDLE_M if sex == "M" else MIDDLE_F
        given = GIVEN_M if sex == "M" else GIVEN_F
        parts = [r.choice(SURNAMES), r.choice(middle)]
        if r.random() < 0.4:
            parts.append(r.choice(middle))
        parts.append(r.choice(given))
        return " ".join(parts)

    def citizen_id(self, birth: date, sex: str, province: str | None = None) -> str:
        r = self.rng
        digit = (birth.year - 1900) // 100 * 2 + (0 if sex == "M" else 1)
        prefix = "0" + (province or r.choice(_birth_provinces()))
        while True:
            number = f"{prefix}{digit}{birth.year % 100:02d}{r.randrange(1_000_000):06d}"
            if number not in self.ids:
                self.ids.add(number)
                return number

    def address(self, registered: date) -> Address:
        r = self.rng
        pool = _communes()["old" if registered <= LEGACY_UNTIL else "new"]
        province, commune = r.choice(pool)
        detail = f"Số {r.randrange(1, 300)} đường {r.choice(STREETS)}, tổ {r.randrange(1, 40)}"
        return Address(province_code=province, commune_code=commune, detail=detail)

    def birth(self) -> date:
        return date(1940, 1, 1) + timedelta(days=self.rng.randrange(365 * 84))

    def registered(self) -> date:
        return date(2020, 1, 1) + timedelta(days=self.rng.randrange(365 * 6))

    def citizen(self) -> CitizenRecord:
        r = self.rng
        sex = r.choice("MF")
        birth = self.birth()
        registered = self.registered()
        number = self.citizen_id(birth, sex)
        father = mother = None
        if r.random() < 0.7:
            father_id = None
            if r.random() < 0.6:
                father_birth = date(max(1900, birth.year - 25), 1, 1)
                father_id = CitizenId.parse(self.citizen_id(father_birth, "M"))
            father = Relative(full_name=self.name("M"), citizen_id=father_id)
        if r.random() < 0.7:
            mother = Relative(full_name=self.name("F"))
        phone = None
        if r.random() < 0.8:
            prefix = r.choice(("090", "091", "093", "094", "096", "097", "098", "035", "077"))
            phone = PhoneNumber.parse(f"{prefix}{r.randrange(10**7):07d}")
        return CitizenRecord(
            citizen_id=CitizenId.parse(number),
            full_name=self.name(sex),
            birth_date=birth,
            sex=sex,  # type: ignore[arg-type]
            ethnic_group=r.choice(("01", "01", "01", "02", "04", "30")),
            nationality="VN",
            birth_province=r.choice(_birth_provinces()),
            permanent_address=self.address(registered),
            phone=phone,
            household_id=f"{r.randrange(10**12):012d}" if r.random() < 0.5 else None,
            registered_on=registered,
            father=father,
            mother=mother,
        )

    def household(self, index: int) -> HouseholdRecord:
        r = self.rng
        registered = self.registered()
        members: list[HouseholdMember] = []
        for n in range(r.randrange(1, 6)):
            sex = r.choice("MF")
            number = self.citizen_id(self.birth(), sex)
            members.append(
                HouseholdMember(
                    citizen_id=CitizenId.parse(number),
                    full_name=self.name(sex),
                    relation="head" if n == 0 else r.choice(("spouse", "child", "parent", "other")),
                )
            )
        return HouseholdRecord(
            household_id=f"{index * 7919 % 10**12:012d}",
            head_id=members[0].citizen_id,
            address=self.address(registered),
            registered_on=registered,
            members=tuple(members),
        )


def _find(lines: Sequence[str], needle: str, start: int = 0) -> int:
    for n in range(start, len(lines)):
        if needle in lines[n]:
            return n
    raise ValueError(needle)


def _seed_citizen(maker: _Maker, record: CitizenRecord, kind: str) -> tuple[list[str], int]:
    """Render ``record`` with one defect of ``kind``; return its lines and the defect's line."""
    r = maker.rng
    number = str(record.citizen_id)
    if kind in ("id_birth_year", "id_sex", "id_province", "duplicate_id"):
        if kind == "id_birth_year":
            yy = (int(number[4:6]) + r.randrange(1, 99)) % 100
            number = f"{number[:4]}{yy:02d}{number[6:]}"
        elif kind == "id_sex":
            digit = int(number[3])
            number = f"{number[:3]}{digit ^ 1}{number[4:]}"
        elif kind == "id_province":
            number = "0" + r.choice(("03", "05", "07", "09", "13", "99")) + number[3:]
        else:
            twin, birth, sex = r.choice(maker.clean_ids)
            number = twin
            record = record.model_copy(update={"birth_date": birth, "sex": sex})
        lines = render_record(record)
        at = _find(lines, "<CitizenId>")
        lines[at] = f"    <CitizenId>{number}</CitizenId>"
        return lines, at
    if kind in ("unit_unknown", "unit_mismatch"):
        lines = render_record(record)
        at = _find(lines, "<CommuneCode>")
        if kind == "unit_unknown":
            code = "99999"
        else:
            era = "new" if record.registered_on > LEGACY_UNTIL else "old"
            other = "01" if era == "new" else "48"
            units = catalogue()
            province = units.at(other, CURRENT_FROM if era == "new" else LEGACY_UNTIL)
            assert province is not None
            code = _first_commune(units, province)
        lines[at] = f"      <CommuneCode>{code}</CommuneCode>"
        return lines, at
    lines = render_record(record)
    if kind == "id_pattern":
        at = _find(lines, "<CitizenId>")
        lines[at] = f"    <CitizenId>{number[:5]}O{number[6:]}</CitizenId>"
    elif kind == "bad_date":
        at = _find(lines, "<BirthDate>")
        lines[at] = f"    <BirthDate>{record.birth_date.year}-02-30</BirthDate>"
    elif kind == "bad_sex":
        at = _find(lines, "<Sex>")
        lines[at] = "    <Sex>X</Sex>"
    elif kind == "missing_field":
        at = _find(lines, "<EthnicGroup>")
        del lines[at]  # reported on the next element, now on this line
    elif kind == "unexpected_field":
        at = _find(lines, "<FullName>") + 1
        lines.insert(at, "    <Nickname>Bé Na</Nickname>")
    elif kind == "commune_pattern":
        at = _find(lines, "<CommuneCode>")
        lines[at] = f"      <CommuneCode>{record.permanent_address.commune_code[:4]}</CommuneCode>"
    elif kind == "name_too_long":
        at = _find(lines, "<FullName>")
        lines[at] = f"    <FullName>{record.full_name} {'Trần Lê' * 20}</FullName>"
    elif kind == "malformed":
        at = _find(lines, "<FullName>")
        lines[at] = f"    <FullName>{record.full_name}</FullNam>"
    else:
        raise ValueError(f"unknown error kind {kind!r}")
    return lines, at


def _first_commune(units: object, province: object) -> str:
    from qnegov.codes._units import AdministrativeUnit, UnitCatalogue

    assert isinstance(units, UnitCatalogue) and isinstance(province, AdministrativeUnit)
    node = province
    while True:
        kids = units.children(node)
        if not kids:
            return node.code
        node = kids[0]


def _seed_household(maker: _Maker, record: HouseholdRecord, kind: str) -> tuple[list[str], int]:
    lines = render_record(record)
    if kind == "id_pattern":
        at = _find(lines, "<HouseholdId>")
        lines[at] = f"    <HouseholdId>{record.household_id[:11]}A</HouseholdId>"
    elif kind == "bad_relation":
        at = _find(lines, "<Relation>")
        lines[at] = "        <Relation>cousin</Relation>"
    elif kind == "missing_field":
        at = _find(lines, "<HeadId>")
        del lines[at]
    elif kind == "unit_unknown":
        at = _find(lines, "<CommuneCode>")
        lines[at] = "      <CommuneCode>99999</CommuneCode>"
    elif kind == "duplicate_id":
        at = _find(lines, "<HouseholdId>")
        twin = maker.rng.choice(maker.clean_ids)[0]
        lines[at] = f"    <HouseholdId>{twin}</HouseholdId>"
    elif kind == "malformed":
        at = _find(lines, "<HeadId>")
        lines[at] = f"    <HeadId>{record.head_id}</HeadIdd>"
    else:
        raise ValueError(f"unknown error kind {kind!r}")
    return lines, at


def generate(
    path: str | PathLike[str],
    *,
    schema: str = "citizen",
    records: int = 1000,
    error_rate: float = 0.0,
    seed: int = 0,
    kinds: Sequence[str] | None = None,
    truth: str | PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[SeededError]:
    """Write a register of ``records`` records to ``path`` (``.gz`` compresses) and its truth file.

    ``kinds`` restricts the defects seeded (default: every kind of the schema). Returns the
    seeded errors; they are also written, one JSON object per line, to ``truth`` (default
    ``<path>.truth.jsonl``). ``progress(n)`` hears of every ``n`` records written (a display).
    """
    table = CITIZEN_KINDS if schema == "citizen" else HOUSEHOLD_KINDS
    if schema not in ("citizen", "household"):
        raise ValueError(f"unknown schema {schema!r}; expected citizen or household")
    chosen = list(kinds) if kinds is not None else list(table)
    unknown = [k for k in chosen if k not in table]
    if unknown:
        raise ValueError(f"unknown error kinds for {schema}: {', '.join(unknown)}")
    rng = random.Random(seed)
    maker = _Maker(rng)
    model = CitizenRecord if schema == "citizen" else HouseholdRecord
    seeded: list[SeededError] = []
    with open_output(path) as out:
        head = header_lines(model, DEFAULT_HEADER)
        line = len(head)  # lines written so far
        out.write(("\n".join(head) + "\n").encode())
        pending: list[str] = []
        for index in range(records):
            item: CitizenRecord | HouseholdRecord = (
                maker.citizen() if schema == "citizen" else maker.household(index)
            )
            kind = None
            if chosen and rng.random() < error_rate:
                kind = rng.choice(chosen)
                if kind == "duplicate_id" and not maker.clean_ids:
                    kind = None
            if kind is None:
                lines = render_record(item)
                if isinstance(item, CitizenRecord):
                    maker.clean_ids.append((str(item.citizen_id), item.birth_date, item.sex))
                else:
                    maker.clean_ids.append((item.household_id, date.min, ""))
            else:
                if isinstance(item, CitizenRecord):
                    lines, at = _seed_citizen(maker, item, kind)
                else:
                    lines, at = _seed_household(maker, item, kind)
                seeded.append(SeededError(index, line + at + 1, table[kind], kind))
            pending.extend(lines)
            line += len(lines)
            if len(pending) > 8192:
                out.write(("\n".join(pending) + "\n").encode())
                pending.clear()
            if progress is not None and index % 1000 == 999:
                progress(1000)
        if pending:
            out.write(("\n".join(pending) + "\n").encode())
        out.write(("\n".join(trailer_lines(model, records)) + "\n").encode())
    target = Path(fspath(truth) if truth is not None else fspath(path) + ".truth.jsonl")
    with target.open("w", encoding="utf-8") as handle:
        for error in seeded:
            handle.write(json.dumps(asdict(error), ensure_ascii=False) + "\n")
    return seeded


def read_truth(path: str | PathLike[str]) -> list[SeededError]:
    """The seeded errors listed in a truth file."""
    with Path(path).open(encoding="utf-8") as handle:
        return [SeededError(**json.loads(row)) for row in handle if row.strip()]
