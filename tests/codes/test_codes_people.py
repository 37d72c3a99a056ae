"""Identification numbers, tax codes and phone numbers."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from qnegov._i18n import language
from qnegov.codes import (
    CitizenId,
    PhoneKind,
    PhoneNumber,
    Sex,
    TaxCode,
    read_birth,
    tax_check_digit,
)
from qnegov.errors import InvalidCode

# ---- identification numbers ----------------------------------------------------------------


def test_decodes_province_century_sex_and_year() -> None:
    cid = CitizenId.parse("049190012345")
    assert cid.province_code == "049"
    assert cid.province_name == "Tỉnh Quảng Nam"
    assert cid.sex is Sex.FEMALE
    assert cid.century == 1900
    assert cid.birth_year == 1990
    assert not cid.is_legacy


@pytest.mark.parametrize(
    ("digit", "century", "sex"),
    [
        ("0", 1900, Sex.MALE),
        ("1", 1900, Sex.FEMALE),
        ("2", 2000, Sex.MALE),
        ("3", 2000, Sex.FEMALE),
    ],
)
def test_century_and_sex_digit(digit: str, century: int, sex: Sex) -> None:
    cid = CitizenId.parse(f"001{digit}05123456")
    assert (cid.century, cid.sex, cid.birth_year) == (century, sex, century + 5)
    assert cid.province_name == "Thành phố Hà Nội"


def test_other_provinces_of_the_table() -> None:
    assert CitizenId.parse("048099000001").province_name == "Thành phố Đà Nẵng"
    assert CitizenId.parse("079099000001").province_name == "Thành phố Hồ Chí Minh"
    # Thừa Thiên Huế became a centrally-run city on 2025-01-01: the table gives its latest name.
    assert CitizenId.parse("046099000001").province_name == "Thành phố Huế"


def test_consistency_with_birth_date_and_sex() -> None:
    cid = CitizenId.parse("049302012345")  # female, born 2002
    assert cid.matches(birth_date=date(2002, 5, 1), sex=Sex.FEMALE)
    issues = cid.check(birth_date=date(2001, 5, 1), sex=Sex.MALE)
    assert [(i.code, i.rule) for i in issues] == [
        ("code_citizen_mismatch", "birth_year"),
        ("code_citizen_mismatch", "sex"),
    ]
    with language("vi"):
        assert "Nữ" in cid.check(sex=Sex.MALE)[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2002-05-01", date(2002, 5, 1)),
        ("01/05/2002", date(2002, 5, 1)),
        ("1/5/2002", date(2002, 5, 1)),
        ("01.05.2002", date(2002, 5, 1)),
        ("2002", 2002),
        ("31/02/2002", None),
        ("ngày 1", None),
    ],
)
def test_birth_dates_as_records_write_them(text: str, expected: date | int | None) -> None:
    assert read_birth(text) == expected


def test_consistency_from_record_texts() -> None:
    cid = CitizenId.parse("049302012345")  # female, born 2002
    assert cid.check_fields(birth="01/05/2002", sex="nữ") == []
    assert cid.check_fields(birth="2002", sex=unicodedata.normalize("NFD", "Nữ")) == []
    assert [i.rule for i in cid.check_fields(birth="2001", sex="Nam")] == ["birth_year", "sex"]
    unreadable = cid.check_fields(birth="hôm qua", sex="?")
    assert [(i.code, i.severity.value, i.rule) for i in unreadable] == [
        ("code_citizen_field", "warning", "birth_date"),
        ("code_citizen_field", "warning", "sex"),
    ]
    assert cid.check_fields(birth="", sex=" ") == []


def test_legacy_cmnd_is_recognised_leniently_only() -> None:
    cid, issues = CitizenId.parse_lenient("205123456")
    assert cid.is_legacy
    assert cid.province_code is None and cid.sex is None and cid.birth_year is None
    assert [i.code for i in issues] == ["code_legacy_form"]
    with pytest.raises(InvalidCode, match="9-digit legacy CMND") as caught:
        CitizenId.parse("205123456")
    assert caught.value.reason == "code_legacy_form"


def test_lost_leading_zero_and_separators() -> None:
    cid, issues = CitizenId.parse_lenient("49090001234")
    assert str(cid) == "049090001234"
    assert [i.code for i in issues] == ["code_not_canonical"]
    cid, _ = CitizenId.parse_lenient("049 090 001 234")
    assert str(cid) == "049090001234"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("003090001234", "code_unknown_entry"),
        ("149090001234", "code_unknown_entry"),
        ("049299001234", "code_citizen_future"),
        ("04909000123", "code_not_canonical"),
    ],
)
def test_strict_refusals_with_reasons(text: str, reason: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        CitizenId.parse(text)
    assert caught.value.reason == reason


@pytest.mark.parametrize("text", ["", "04909000123A", "1234567890", "0490900012345"])
def test_not_identification_numbers(text: str) -> None:
    with pytest.raises(InvalidCode):
        CitizenId.parse_lenient(text)


# ---- tax codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0100109106", "0301442379", "0100047516", "0100233488"])
def test_published_tax_codes_are_valid(text: str) -> None:
    code = TaxCode.parse(text)
    assert str(code) == text
    assert code.province_code == text[:2]
    assert not code.is_branch


def test_worked_example_check_digit() -> None:
    assert tax_check_digit("010004751") == "6"


def test_branch_form() -> None:
    code = TaxCode.parse("0100109106-001")
    assert code.is_branch and code.branch == "001"
    assert code.parent() == TaxCode.parse("0100109106")
    lenient, issues = TaxCode.parse_lenient("0100109106001")
    assert lenient == code
    assert [i.code for i in issues] == ["code_not_canonical"]


def test_remainder_zero_has_no_valid_code_at_all() -> None:
    # Nine digits whose weighted sum is divisible by 11: the formula gives 10, not a digit.
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    first9 = next(
        f"01{n:07d}"
        for n in range(1, 10_000)
        if sum(w * int(d) for w, d in zip(weights, f"01{n:07d}", strict=True)) % 11 == 0
    )
    assert tax_check_digit(first9) is None
    for digit in "0123456789":
        with pytest.raises(InvalidCode, match="no check digit exists") as caught:
            TaxCode.parse(first9 + digit)
        assert caught.value.reason == "code_check_digit"


@pytest.mark.parametrize(
    "text", ["0100109107", "0100109106-000", "0100000000", "010010910", "01001091066"]
)
def test_invalid_tax_codes(text: str) -> None:
    with pytest.raises(InvalidCode):
        TaxCode.parse_lenient(text)


# ---- phone numbers -------------------------------------------------------------------------


def test_mobile_forms_are_one_value() -> None:
    national = PhoneNumber.parse("0912345678")
    assert national == PhoneNumber.parse("+84912345678")
    assert str(national) == "+84912345678"
    assert national.national == "0912345678"
    assert national.kind is PhoneKind.MOBILE
    assert national.area_code is None


def test_fixed_lines_know_their_province() -> None:
    tam_ky = PhoneNumber.parse("02353812345")
    assert tam_ky.kind is PhoneKind.FIXED
    assert tam_ky.area_code == "235"
    assert tam_ky.province_name == "Tỉnh Quảng Nam"
    hanoi = PhoneNumber.parse("+842438123456")
    assert hanoi.area_code == "24"
    assert hanoi.province_name == "Thành phố Hà Nội"
    assert PhoneNumber.parse("02363123456").province_name == "Thành phố Đà Nẵng"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("01234567890", "+84834567890"),
        ("01694567890", "+84394567890"),
        ("01204567890", "+84704567890"),
        ("01994567890", "+84594567890"),
        ("+841864567890", "+84564567890"),
    ],
)
def test_eleven_digit_mobiles_map_to_their_successors(old: str, new: str) -> None:
    value, issues = PhoneNumber.parse_lenient(old)
    assert str(value) == new
    assert [i.code for i in issues] == ["code_legacy_form"]
    with pytest.raises(InvalidCode, match="retired in 2018"):
        PhoneNumber.parse(old)


def test_lenient_separators_and_missing_plus() -> None:
    value, issues = PhoneNumber.parse_lenient("0912.345.678")
    assert str(value) == "+84912345678"
    value, issues = PhoneNumber.parse_lenient("84912345678")
    assert str(value) == "+84912345678"
    assert [i.code for i in issues] == ["code_not_canonical"]
    value, issues = PhoneNumber.parse_lenient("+84 (0) 912 345 678")
    assert str(value) == "+84912345678"
    assert {i.code for i in issues} == {"code_not_canonical"}


@pytest.mark.parametrize(
    "text", ["091234567", "1900123456", "0243123456", "0231234567", "+8591234567", "0612345678"]
)
def test_not_phone_numbers(text: str) -> None:
    with pytest.raises(InvalidCode):
        PhoneNumber.parse_lenient(text)


def test_check_digit_agrees_with_python_stdnum() -> None:
    # qnegov computes the digit itself (start-up time); python-stdnum is the reference
    from stdnum.vn import mst

    for n in range(0, 1_000_000_000, 3_999_971):
        first9 = f"{n:09d}"
        expected = mst.calc_check_digit(first9)
        assert tax_check_digit(first9) == (expected if len(expected) == 1 else None), first9
