"""Invariants of every code type, over hundreds of generated values each.

parse(str(x)) == x; lenient reading of strict-valid text never raises and never warns; every
near-miss text is refused by strict parsing; decomposed (NFD) input reads like composed input.
"""

from __future__ import annotations

import pickle
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnegov.codes import (
    KINDS,
    AdministrativeUnit,
    AgencyCode,
    CitizenId,
    CodeType,
    DocumentCode,
    DocumentId,
    PhoneNumber,
    TaxCode,
    read_code,
)
from qnegov.errors import InvalidCode
from qnegov.report import Severity
from qnegov.testing import codes as cst

EXAMPLES = settings(max_examples=300, deadline=None)

VALID: list[tuple[type[CodeType], st.SearchStrategy[CodeType]]] = [
    (AgencyCode, cst.agency_codes()),
    (CitizenId, cst.citizen_ids()),
    (TaxCode, cst.tax_codes()),
    (DocumentCode, cst.document_codes()),
    (DocumentId, cst.document_ids()),
    (PhoneNumber, cst.phone_numbers()),
]
NEAR_MISS: list[tuple[type[CodeType], st.SearchStrategy[str]]] = [
    (AgencyCode, cst.near_miss_agency_codes()),
    (CitizenId, cst.near_miss_citizen_ids()),
    (TaxCode, cst.near_miss_tax_codes()),
    (DocumentCode, cst.near_miss_document_codes()),
    (PhoneNumber, cst.near_miss_phone_numbers()),
]


@pytest.mark.parametrize(("kind", "values"), VALID, ids=lambda v: getattr(v, "__name__", ""))
def test_parse_of_str_is_identity(
    kind: type[CodeType], values: st.SearchStrategy[CodeType]
) -> None:
    @EXAMPLES
    @given(values)
    def check(value: CodeType) -> None:
        assert kind.parse(str(value)) == value
        assert str(kind.parse(str(value))) == str(value)
        copied = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own bytes, for bulk workers
        assert copied == value and hash(copied) == hash(value)

    check()


@pytest.mark.parametrize(("kind", "values"), VALID, ids=lambda v: getattr(v, "__name__", ""))
def test_lenient_accepts_strict_valid_text_silently(
    kind: type[CodeType], values: st.SearchStrategy[CodeType]
) -> None:
    @EXAMPLES
    @given(values)
    def check(value: CodeType) -> None:
        parsed, issues = kind.parse_lenient(str(value))
        assert parsed == value
        assert [i for i in issues if i.severity is not Severity.INFO] == []

    check()


@pytest.mark.parametrize(("kind", "texts"), NEAR_MISS, ids=lambda v: getattr(v, "__name__", ""))
def test_strict_refuses_near_misses(kind: type[CodeType], texts: st.SearchStrategy[str]) -> None:
    @EXAMPLES
    @given(texts)
    def check(text: str) -> None:
        with pytest.raises(InvalidCode) as caught:
            kind.parse(text)
        assert isinstance(caught.value, ValueError)
        assert caught.value.message

    check()


@pytest.mark.parametrize(("kind", "texts"), NEAR_MISS, ids=lambda v: getattr(v, "__name__", ""))
def test_lenient_either_repairs_with_a_warning_or_refuses(
    kind: type[CodeType], texts: st.SearchStrategy[str]
) -> None:
    @EXAMPLES
    @given(texts)
    def check(text: str) -> None:
        try:
            value, issues = kind.parse_lenient(text)
        except InvalidCode:
            return
        assert any(i.severity is Severity.WARNING for i in issues), (text, value)

    check()


@EXAMPLES
@given(cst.administrative_units())
def test_unit_round_trip_at_a_date_it_is_in_force(unit: AdministrativeUnit) -> None:
    when = unit.valid_to or unit.valid_from or date.today()
    assert AdministrativeUnit.parse(str(unit), on=when) == unit
    assert unit.valid_on(when)


@EXAMPLES
@given(cst.administrative_units(level=None))
def test_every_unit_of_the_old_era_has_a_current_counterpart_or_is_a_district(
    unit: AdministrativeUnit,
) -> None:
    now = date(2026, 1, 1)
    current = unit.current(now)
    if unit.valid_on(now):
        assert current == unit
    elif unit.level.value == "district" and not unit.successor_codes:
        assert current is None
    else:
        assert current is not None and current.valid_on(now)


@EXAMPLES
@given(cst.document_codes(), st.sampled_from(["NFC", "NFD"]))
def test_decomposed_input_reads_like_composed(code: DocumentCode, form: str) -> None:
    text = unicodedata.normalize(form, f"Số: {code}")  # "ố" decomposes into o + two marks
    value, issues = DocumentCode.parse_lenient(text)
    assert value == code
    assert [i.code for i in issues] == ["code_not_canonical"]


@EXAMPLES
@given(cst.tax_codes(branches=False))
def test_tax_check_digit_detects_every_single_digit_change(code: TaxCode) -> None:
    for position in range(10):
        for digit in "0123456789":
            if digit == code.base[position]:
                continue
            mutated = code.base[:position] + digit + code.base[position + 1 :]
            if mutated[2:9] == "0000000":
                continue
            with pytest.raises(InvalidCode):
                TaxCode.parse(mutated)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (TaxCode, "٠١٠٠١٠٩١٠٦"),  # Arabic-Indic digits
        (TaxCode, "０１００１０９１０６"),  # full-width digits
        (AgencyCode, "٠٠٠.٠٠.٠٠.H47"),
        (AgencyCode, "000.00.00.Ｈ47"),
        (CitizenId, "٠٤٩١٩٠٠١٢٣٤٥"),
        (DocumentCode, "١٢/QĐ-UBND"),
        (DocumentId, "000.00.00.G22,٢٠١٥/09/30,7816/VPCP-TTĐT"),
        (PhoneNumber, "٠٩١٢٣٤٥٦٧٨"),
        (AdministrativeUnit, "٤٨"),
    ],
)
def test_only_ascii_digits_and_letters_are_code_characters(kind: type[CodeType], text: str) -> None:
    with pytest.raises(InvalidCode):
        kind.parse_lenient(text)


_KIND_NAME = {cls: name for name, cls in KINDS.items()}


@pytest.mark.parametrize(("kind", "texts"), NEAR_MISS, ids=lambda v: getattr(v, "__name__", ""))
def test_read_code_validity_is_exactly_strict_success(
    kind: type[CodeType], texts: st.SearchStrategy[str]
) -> None:
    valid_texts = dict(VALID)[kind].map(str)

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(texts, valid_texts))
    def check(text: str) -> None:
        try:
            kind.parse(text)
            strict_ok = True
        except InvalidCode:
            strict_ok = False
        _value, valid, _issues = read_code(text, _KIND_NAME[kind])
        assert valid is strict_ok

    check()
