"""Administrative units across the 1 July 2025 reform, and the shipped catalogue."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from importlib import resources

import pytest

from qnegov.codes import (
    CURRENT_FROM,
    LEGACY_UNTIL,
    AdministrativeUnit,
    UnitLevel,
    catalogue,
)
from qnegov.errors import InvalidCode

BEFORE = date(2024, 1, 1)
AFTER = date(2026, 1, 1)


def test_quang_nam_resolves_before_and_maps_to_da_nang_after() -> None:
    quang_nam = AdministrativeUnit.parse("49", on=BEFORE)
    assert quang_nam.name == "Tỉnh Quảng Nam"
    assert quang_nam.level is UnitLevel.PROVINCE
    assert quang_nam.valid_to == LEGACY_UNTIL
    assert quang_nam.successor == "48"
    now = quang_nam.current(AFTER)
    assert now is not None
    assert (now.code, now.name, now.valid_from) == ("48", "Thành phố Đà Nẵng", CURRENT_FROM)


def test_a_code_names_different_units_in_the_two_eras() -> None:
    old = AdministrativeUnit.parse("48", on=BEFORE)
    new = AdministrativeUnit.parse("48", on=AFTER)
    assert old != new
    assert old.successor == "48"
    assert [u.code for u in catalogue().predecessors(new)] == ["48", "49"]
    assert [u.code for u in catalogue().history("48")] == ["48", "48"]


def test_quang_nam_is_not_in_force_today() -> None:
    with pytest.raises(InvalidCode, match="not in force") as caught:
        AdministrativeUnit.parse("49", on=AFTER)
    assert caught.value.reason == "code_unit_not_in_force"
    unit, issues = AdministrativeUnit.parse_lenient("49", on=AFTER)
    assert unit.name == "Tỉnh Quảng Nam"
    assert [i.code for i in issues] == ["code_unit_not_in_force"]
    assert "successor 48" in issues[0].message


def test_districts_exist_only_before_the_reform() -> None:
    tam_ky = AdministrativeUnit.parse("502", on=BEFORE)
    assert (tam_ky.name, tam_ky.level, tam_ky.parent_code) == (
        "Thành phố Tam Kỳ",
        UnitLevel.DISTRICT,
        "49",
    )
    assert tam_ky.parent() == AdministrativeUnit.parse("49", on=BEFORE)
    assert tam_ky.current(AFTER) is None
    assert "20335" in [u.code for u in catalogue().children(tam_ky)]
    assert catalogue().units(on=AFTER, level=UnitLevel.DISTRICT) == []


def test_a_pre_2025_commune_maps_to_the_commune_that_absorbed_it() -> None:
    old = AdministrativeUnit.parse("20335", on=BEFORE)  # Phường Tân Thạnh, Tam Kỳ
    assert old.name == "Phường Tân Thạnh"
    new = old.current(AFTER)
    assert new is not None
    assert (new.code, new.name, new.parent_code) == ("20335", "Phường Bàn Thạch", "48")
    assert new.parent() == AdministrativeUnit.parse("48", on=AFTER)


def test_split_communes_list_every_successor_main_one_first() -> None:
    split = [u for u in catalogue() if len(u.successor_codes) > 1]
    assert split, "the mapping has communes divided between several new ones"
    for unit in split[:50]:
        successors = unit.successors()
        assert [s.code for s in successors] == list(unit.successor_codes)
        assert all(s.valid_from == CURRENT_FROM for s in successors)


def test_island_district_became_a_special_zone() -> None:
    hoang_sa = AdministrativeUnit.parse("498", on=BEFORE)
    assert hoang_sa.name == "Huyện Hoàng Sa"
    zone = hoang_sa.current(AFTER)
    assert zone is not None and zone.level is UnitLevel.COMMUNE and zone.parent_code == "48"


def test_counts_of_both_eras() -> None:
    book = catalogue()
    assert len(book.provinces(BEFORE)) == 63
    assert len(book.provinces(AFTER)) == 34
    assert len(book.units(on=AFTER, level=UnitLevel.COMMUNE)) == 3321
    assert len(book.units(on=BEFORE, level=UnitLevel.DISTRICT)) == 696
    assert book.counts["legacy_communes_without_successor"] == 0


def test_every_old_province_has_a_current_successor() -> None:
    for province in catalogue().provinces(BEFORE):
        current = province.current(AFTER)
        assert current is not None and current.level is UnitLevel.PROVINCE, province


def test_lenient_restores_lost_leading_zeros() -> None:
    unit, issues = AdministrativeUnit.parse_lenient("4", on=AFTER)
    assert unit.code == "04"
    assert [i.code for i in issues] == ["code_not_canonical"]
    with pytest.raises(InvalidCode):
        AdministrativeUnit.parse("4", on=AFTER)


@pytest.mark.parametrize("text", ["", "4a", "123456", "00", "99999"])
def test_unknown_or_malformed_codes(text: str) -> None:
    with pytest.raises(InvalidCode):
        AdministrativeUnit.parse_lenient(text, on=AFTER)


def test_the_data_file_carries_provenance_and_version() -> None:
    raw = json.loads(
        resources.files("qnegov.codes").joinpath("data/units.json").read_text(encoding="utf-8")
    )
    assert raw["format"] == 1
    assert raw["data_version"] == catalogue().data_version
    assert set(raw["provenance"]) >= {"current", "legacy", "mapping", "built_by"}
    assert raw["provenance"]["built_by"] == "scripts/build_units_catalogue.py"
    names = [u[2] for u in raw["units"]]
    assert all(n == unicodedata.normalize("NFC", n) for n in names)


def test_find_by_name_in_any_spelling() -> None:
    nfd = unicodedata.normalize("NFD", "tỉnh QUẢNG NAM")
    assert [u.code for u in catalogue().find(nfd, on=BEFORE)] == ["49"]
    assert [u.code for u in catalogue().find("Quảng Nam", on=BEFORE)] == ["49"]
    assert catalogue().find("Quảng Nam", on=AFTER) == []
    assert [u.code for u in catalogue().find("Đà Nẵng", on=AFTER)] == ["48"]
    ban_thach = catalogue().find("phường Bàn Thạch", on=AFTER, level=UnitLevel.COMMUNE)
    assert [u.code for u in ban_thach] == ["20335"]
