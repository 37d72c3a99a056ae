"""The tax code check digit holds for every written form: plain, branch, lenient, pydantic.

A branch code (``0100109106-001``) carries its enterprise's 10 digits, check digit included; a
reader that skipped the check for the 13-digit form would accept ``0100109107-001``.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from qnegov.codes import TaxCode, tax_check_digit
from qnegov.errors import InvalidCode

VALID = "0100109106"
WRONG = "0100109107"  # same nine digits, check digit off by one


@pytest.mark.parametrize("branch", ["-001", "-123", "-999"])
def test_a_branch_code_with_a_wrong_check_digit_is_refused(branch: str) -> None:
    with pytest.raises(InvalidCode, match="check digit is 7, expected 6") as caught:
        TaxCode.parse(WRONG + branch)
    assert caught.value.reason == "code_check_digit"
    with pytest.raises(InvalidCode) as lenient:
        TaxCode.parse_lenient(WRONG + branch)
    assert lenient.value.reason == "code_check_digit"


@pytest.mark.parametrize("text", [WRONG + "001", "01001 09107 001", "0100.109.107-001"])
def test_the_lenient_branch_forms_check_the_digit_too(text: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        TaxCode.parse_lenient(text)
    assert caught.value.reason == "code_check_digit"


def test_every_wrong_digit_is_refused_in_both_forms() -> None:
    for digit in "0123456789":
        if digit == tax_check_digit(VALID[:9]):
            assert str(TaxCode.parse(VALID[:9] + digit + "-001")) == VALID + "-001"
            continue
        for text in (VALID[:9] + digit, VALID[:9] + digit + "-001"):
            with pytest.raises(InvalidCode) as caught:
                TaxCode.parse(text)
            assert caught.value.reason == "code_check_digit"


def test_a_branch_on_a_nine_digit_prefix_without_any_check_digit_is_refused() -> None:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    first9 = next(
        f"01{n:07d}"
        for n in range(1, 10_000)
        if sum(w * int(d) for w, d in zip(weights, f"01{n:07d}", strict=True)) % 11 == 0
    )
    for digit in "0123456789":
        with pytest.raises(InvalidCode, match="no check digit exists"):
            TaxCode.parse(f"{first9}{digit}-001")


def test_models_refuse_a_branch_code_with_a_wrong_check_digit() -> None:
    class Taxpayer(BaseModel):
        tax_code: TaxCode

    assert str(Taxpayer(tax_code=VALID + "-001").tax_code) == VALID + "-001"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check digit"):
        Taxpayer(tax_code=WRONG + "-001")  # type: ignore[arg-type]


@pytest.mark.parametrize("base", ["01001091", "0100109106", ""])
def test_the_public_check_digit_refuses_a_base_that_is_not_nine_digits(base: str) -> None:
    """A wrong-length base is an error, not a digit computed over part of it."""
    with pytest.raises(ValueError):
        tax_check_digit(base)
