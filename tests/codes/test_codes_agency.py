"""Agency codes: both schemes, levels, parents, conversion, test codes, real sample values."""

from __future__ import annotations

import pytest

from qnegov._i18n import language
from qnegov.codes import AgencyCode, AgencyScheme, BodyType
from qnegov.errors import InvalidCode


def test_legacy_level1_body() -> None:
    code = AgencyCode.parse("000.00.00.H47")
    assert code.scheme is AgencyScheme.QCVN102_2016
    assert code.level == 1
    assert code.level1 == "H47"
    assert code.body_type is BodyType.PEOPLES_COMMITTEE
    assert code.level1_name == "UBND tỉnh Quảng Nam"
    assert code.parent() is None
    assert str(code) == "000.00.00.H47"


def test_legacy_levels_walk_up_to_level1() -> None:
    code = AgencyCode.parse("012.34.05.H47")
    assert code.level == 4
    assert [str(a) for a in code.ancestors()] == ["000.34.05.H47", "000.00.05.H47", "000.00.00.H47"]
    assert [a.level for a in code.ancestors()] == [3, 2, 1]


def test_qd20_form_level_is_the_number_of_groups() -> None:
    code = AgencyCode.parse("H37.02.02")
    assert code.scheme is AgencyScheme.QD20_2020
    assert code.level == 3
    assert str(code.parent()) == "H37.02"
    assert code.body_type is BodyType.PEOPLES_COMMITTEE


def test_conversion_between_schemes_both_ways() -> None:
    legacy = AgencyCode.parse("000.00.12.H47")
    assert str(legacy.to_qd20()) == "H47.12"
    assert legacy.to_qd20().to_qcvn102() == legacy
    deep = AgencyCode.parse("H47.12.34.567")
    assert str(deep.to_qcvn102()) == "567.34.12.H47"
    assert deep.to_qcvn102().to_qd20() == deep


@pytest.mark.parametrize("text", ["H47.123", "H47.AB", "H47.01.02.003.04", "0100109106"])
def test_conversion_to_legacy_is_refused_when_undefined(text: str) -> None:
    with pytest.raises(InvalidCode, match="no QCVN 102:2016 form"):
        AgencyCode.parse(text).to_qcvn102()


def test_conversion_of_a_code_that_skips_a_level_is_refused() -> None:
    odd, _ = AgencyCode.parse_lenient("001.00.00.H47")
    with pytest.raises(InvalidCode, match="no QĐ 20/2020 form"):
        odd.to_qd20()


@pytest.mark.parametrize("text", ["777.77.04.D77", "28.22.H17", "99.99.99.G21", "999.010.01.H22"])
def test_sandbox_codes_are_lenient_warnings_and_strict_errors(text: str) -> None:
    with pytest.raises(InvalidCode, match="test/sandbox") as caught:
        AgencyCode.parse(text)
    assert caught.value.reason == "code_test_value"
    value, issues = AgencyCode.parse_lenient(text)
    assert str(value) == text
    assert value.is_test
    assert [i.code for i in issues] == ["code_test_value"]


def test_lenient_repairs_case_and_spaces() -> None:
    value, issues = AgencyCode.parse_lenient(" 000.00.00.h47 ")
    assert str(value) == "000.00.00.H47"
    assert {i.code for i in issues} == {"code_not_canonical"}
    with pytest.raises(InvalidCode):
        AgencyCode.parse("000.00.00.h47")


def test_widths_and_skipped_levels_are_structure_warnings() -> None:
    value, issues = AgencyCode.parse_lenient("001.00.20.JB2")
    assert str(value) == "001.00.20.JB2"
    assert [i.code for i in issues] == ["code_agency_structure", "code_agency_structure"]
    with pytest.raises(InvalidCode) as caught:
        AgencyCode.parse("01.02.G22")
    assert caught.value.reason == "code_agency_structure"


@pytest.mark.parametrize(
    "text", ["", "H47-12", "000.00.00.4X", "0000.00.00.H47", "A" * 36, "Ủ47.12", "H47..12"]
)
def test_not_agency_codes_at_all(text: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        AgencyCode.parse_lenient(text)
    assert isinstance(caught.value, ValueError)


def test_error_says_what_was_expected_in_both_languages() -> None:
    with pytest.raises(InvalidCode, match=r"expected the QCVN 102:2016 form NNN\.NN\.NN\.XNN"):
        AgencyCode.parse("H47/12")
    with language("vi"), pytest.raises(InvalidCode, match="cần dạng QCVN 102:2016"):
        AgencyCode.parse("H47/12")


def test_enterprise_identifier_is_an_informational_note() -> None:
    value, issues = AgencyCode.parse_lenient("0100109106")
    assert value.body_type is BodyType.OTHER
    assert [(i.code, i.severity.value) for i in issues] == [("code_agency_other_org", "info")]
    assert AgencyCode.parse("0100109106") == value


# Every OrganId in the 16 peer packets of shared/samples/qcvn102, and what a strict read says.
PEER_ORGAN_IDS = {
    "000.00.00.G22": None,
    "000.00.00.G17": None,
    "000.00.00.H14": None,
    "000.00.00.H41": None,
    "000.00.04.G14": None,
    "000.00.00.A80": "code_test_value",
    "001.00.20.JB2": "code_agency_structure",
    "01.02.G22": "code_agency_structure",
    "28.22.H17": "code_test_value",
    "777.77.03.D77": "code_test_value",
    "777.77.04.D77": "code_test_value",
}


@pytest.mark.parametrize(("text", "reason"), PEER_ORGAN_IDS.items())
def test_every_organ_id_of_the_peer_samples(text: str, reason: str | None) -> None:
    value, issues = AgencyCode.parse_lenient(text)
    assert str(value) == text
    if reason is None:
        assert AgencyCode.parse(text) == value
        assert issues == []
    else:
        with pytest.raises(InvalidCode) as caught:
            AgencyCode.parse(text)
        assert caught.value.reason == reason
    assert AgencyCode.parse("000.00.00.G22").level1_name == "Văn phòng Chính phủ"
