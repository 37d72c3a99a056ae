"""Exact refusals and findings of the code readers: each path's reason, severity and message.

Mutation testing (docs/mutation.md) showed that the other tests pin *whether* a code is refused
but not *why*; a message that loses the value, the expected form or the count tells a clerk
nothing. These tests pin the English text of each path (the Vietnamese catalogue is keyed by it).
"""

from __future__ import annotations

from datetime import date

import pytest

from qnegov.codes import AgencyCode, CitizenId, Sex, TaxCode, read_birth, tax_check_digit
from qnegov.errors import InvalidCode
from qnegov.report import Severity


def refusal(cls: type[TaxCode] | type[CitizenId], text: str) -> tuple[str, str]:
    with pytest.raises(InvalidCode) as caught:
        cls.parse_lenient(text)
    return caught.value.reason, str(caught.value)


def findings(cls: type[TaxCode] | type[CitizenId], text: str) -> tuple[str, list[tuple[str, str]]]:
    value, issues = cls.parse_lenient(text)
    assert all(i.severity is Severity.WARNING for i in issues)
    return str(value), [(i.code, i.message) for i in issues]


# ---- tax codes -----------------------------------------------------------------------------


def test_tax_code_refusals_name_the_value_and_what_was_expected() -> None:
    assert refusal(TaxCode, "01001091") == (
        "code_syntax",
        "tax code '01001091' is not valid: expected 10 digits, or 13 written as "
        "0100109106-001 for a dependent unit",
    )
    zero = "010000000" + str(tax_check_digit("010000000"))  # the check digit is right
    assert refusal(TaxCode, zero) == (
        "code_syntax",
        f"tax code '{zero}' is not valid: sequence 0000000 is never issued",
    )
    assert refusal(TaxCode, "0100109106-000") == (
        "code_syntax",
        "tax code '0100109106-000' is not valid: branch 000 is never issued",
    )
    assert refusal(TaxCode, "0100109107") == (
        "code_check_digit",
        "tax code '0100109107' is not valid: check digit is 7, expected 6",
    )


def test_tax_code_without_any_check_digit_names_the_nine_digits() -> None:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    first9 = next(
        f"01{n:07d}"
        for n in range(1, 10_000)
        if sum(w * int(d) for w, d in zip(weights, f"01{n:07d}", strict=True)) % 11 == 0
    )
    assert refusal(TaxCode, first9 + "5") == (
        "code_check_digit",
        f"tax code '{first9}5' is not valid: no check digit exists for {first9} "
        "(weighted sum divisible by 11)",
    )


def test_only_an_all_zero_sequence_is_refused() -> None:
    for first9 in ("011000000", "010000001", "010100000"):
        text = first9 + str(tax_check_digit(first9))
        assert str(TaxCode.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("0100.109.106", "0100109106"),
        ("0100 109 106", "0100109106"),
        ("0100109106001", "0100109106-001"),
        ("0100.109.106.001", "0100109106-001"),
    ],
)
def test_tax_code_lenient_forms_say_how_they_were_read(text: str, fixed: str) -> None:
    assert findings(TaxCode, text) == (
        fixed,
        [("code_not_canonical", f"tax code {text!r} written as {fixed}")],
    )


def test_tax_code_repr_and_parent() -> None:
    assert repr(TaxCode.parse("0100109106-001")) == "TaxCode('0100109106-001')"
    assert TaxCode.parse("0100109106").parent() is None
    assert TaxCode.parse("0100109106-001").parent() == TaxCode.parse("0100109106")


# ---- identification numbers ------------------------------------------------------------------


def test_identification_number_refusals() -> None:
    assert refusal(CitizenId, "04909000123A") == (
        "code_syntax",
        "identification number '04909000123A' is not valid: expected 12 digits "
        "(or a 9-digit legacy CMND number)",
    )
    assert refusal(CitizenId, "0490900012") == (
        "code_syntax",
        "identification number '0490900012' is not valid: expected 12 digits "
        "(or a 9-digit legacy CMND number), got 10",
    )


@pytest.mark.parametrize(
    ("text", "value", "code", "message"),
    [
        (
            "049.090.001.234",
            "049090001234",
            "code_not_canonical",
            "identification number '049.090.001.234' contains separators",
        ),
        (
            "123456789",
            "123456789",
            "code_legacy_form",
            "123456789 is a 9-digit legacy CMND number, not a 12-digit identification number",
        ),
        (
            "49090001234",
            "049090001234",
            "code_not_canonical",
            "identification number '49090001234' has 11 digits: read as 049090001234 "
            "(leading zero lost)",
        ),
        (
            "003090001234",
            "003090001234",
            "code_unknown_entry",
            "identification number 003090001234: 003 is not a province code of the "
            "63-province table",
        ),
        (
            "049299001234",
            "049299001234",
            "code_citizen_future",
            "identification number 049299001234 encodes birth year 2099, which is in the future",
        ),
    ],
)
def test_identification_number_findings(text: str, value: str, code: str, message: str) -> None:
    assert findings(CitizenId, text) == (value, [(code, message)])


def test_a_birth_this_year_is_not_in_the_future() -> None:
    text = f"0492{date.today().year % 100:02d}000001"
    assert findings(CitizenId, text) == (text, [])


def test_mismatches_name_the_number_the_encoded_and_the_given_values() -> None:
    cid = CitizenId.parse("049190012345")  # female, born 1990
    issues = cid.check(birth_date=date(1991, 1, 2), sex=Sex.MALE) + cid.check(birth_year=1991)
    assert [(i.code, i.severity, i.rule, i.message) for i in issues] == [
        (
            "code_citizen_mismatch",
            Severity.ERROR,
            "birth_year",
            "identification number 049190012345 encodes birth year 1990, "
            "but the birth date is 1991-01-02",
        ),
        (
            "code_citizen_mismatch",
            Severity.ERROR,
            "sex",
            "identification number 049190012345 encodes sex Female, but the record says Male",
        ),
        (
            "code_citizen_mismatch",
            Severity.ERROR,
            "birth_year",
            "identification number 049190012345 encodes birth year 1990, "
            "but the birth date is 1991",
        ),
    ]
    assert cid.matches(birth_date=date(1990, 12, 31), sex=Sex.FEMALE)
    assert not cid.matches(birth_year=1991)
    assert not cid.matches(sex=Sex.MALE)


def test_unreadable_record_fields_are_warnings_naming_the_text() -> None:
    cid = CitizenId.parse("049190012345")
    issues = cid.check_fields(birth="x", sex="y")
    assert [(i.code, i.severity, i.rule, i.message) for i in issues] == [
        (
            "code_citizen_field",
            Severity.WARNING,
            "birth_date",
            "birth date 'x' is not a date (expected YYYY-MM-DD, DD/MM/YYYY or YYYY)",
        ),
        (
            "code_citizen_field",
            Severity.WARNING,
            "sex",
            "sex 'y' is not one of Nam, Nữ, male, female",
        ),
    ]
    for empty in (None, "", "  "):
        assert cid.check_fields(birth=empty, sex=empty) == []


def test_read_birth_takes_ascii_digits_only() -> None:
    assert read_birth("1990") == 1990
    assert read_birth("١٩٩٠") is None  # Arabic-Indic digits are not a year a record writes
    assert read_birth("٠١/٠٥/١٩٩٠") is None


# ---- the strict-mode switch ------------------------------------------------------------------


def test_strict_parse_refuses_the_first_deviation_with_its_reason() -> None:
    for text, reason in ((" 0100109106", "code_not_canonical"), ("123456789", "code_legacy_form")):
        cls = TaxCode if text.strip().startswith("01") else CitizenId
        with pytest.raises(InvalidCode) as caught:
            cls.parse(text)
        assert caught.value.reason == reason
        with pytest.raises(InvalidCode):
            cls.parse(text, strict=True)
        value = cls.parse(text, strict=False)  # lenient parse returns the repaired value
        assert str(value) == text.strip()


def test_lenient_findings_are_warnings_with_their_code_as_rule() -> None:
    _, issues = TaxCode.parse_lenient(" 0100109106 ")
    assert [(i.code, i.severity, i.rule, i.message) for i in issues] == [
        (
            "code_not_canonical",
            Severity.WARNING,
            "code_not_canonical",
            "tax code ' 0100109106 ' has surrounding blanks",
        )
    ]


def test_record_fields_are_checked_together() -> None:
    cid = CitizenId.parse("049190012345")  # female, born 1990
    issues = cid.check_fields(birth="02/01/1991", sex="Nam")
    assert [(i.code, i.rule) for i in issues] == [
        ("code_citizen_mismatch", "birth_year"),
        ("code_citizen_mismatch", "sex"),
    ]
    # an unreadable birth date is reported and the sex is still checked
    issues = cid.check_fields(birth="x", sex="Nam")
    assert [(i.code, i.rule) for i in issues] == [
        ("code_citizen_field", "birth_date"),
        ("code_citizen_mismatch", "sex"),
    ]
    # and an unreadable sex is reported while the readable birth date is still checked
    issues = cid.check_fields(birth="02/01/1991", sex="zzz")
    assert [(i.code, i.rule) for i in issues] == [
        ("code_citizen_field", "sex"),
        ("code_citizen_mismatch", "birth_year"),
    ]
    assert not cid.matches(birth_date=date(1991, 1, 1))
    assert cid.matches(birth_date=date(1990, 1, 1))


def test_strict_refusal_keeps_the_deviation_message() -> None:
    with pytest.raises(InvalidCode) as caught:
        TaxCode.parse(" 0100109106")
    assert str(caught.value) == "tax code ' 0100109106' has surrounding blanks"


def test_notes_are_info_and_never_refuse_in_strict_mode() -> None:
    value, issues = AgencyCode.parse_lenient("ABC.12")
    assert [(i.code, i.severity, i.rule, i.message) for i in issues] == [
        (
            "code_agency_other_org",
            Severity.INFO,
            "code_agency_other_org",
            "agency code ABC.12 does not start with a state-body level-1 group (letter + 2 "
            "digits): an enterprise or other-organisation identifier",
        )
    ]
    assert AgencyCode.parse("ABC.12", strict=True) == value
