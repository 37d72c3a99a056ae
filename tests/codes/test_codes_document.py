"""Document numbers (Decree 30/2020) and edXML document identifiers."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from qnegov.codes import AgencyCode, DocumentCode, DocumentId, DocumentType
from qnegov.errors import InvalidCode


@pytest.mark.parametrize(
    ("text", "number", "year", "doc_type", "issuer", "units"),
    [
        ("12/QĐ-UBND", "12", None, DocumentType.DECISION, "UBND", ()),
        ("123/UBND-VP", "123", None, DocumentType.OFFICIAL_LETTER, "UBND", ("VP",)),
        ("20/2020/QĐ-TTg", "20", 2020, DocumentType.DECISION, "TTg", ()),
        ("7816/VPCP-TTĐT", "7816", None, DocumentType.OFFICIAL_LETTER, "VPCP", ("TTĐT",)),
        ("05/QyĐ-UBND", "05", None, DocumentType.REGULATION, "UBND", ()),
        ("15/CTr-UBND", "15", None, DocumentType.PROGRAMME, "UBND", ()),
        ("101/TTr-SNV", "101", None, DocumentType.SUBMISSION, "SNV", ()),
        ("03/TrS-VP", "03", None, DocumentType.EXTRACT_COPY, "VP", ()),
        ("30/2020/NĐ-CP", "30", 2020, DocumentType.DECREE, "CP", ()),
        ("10/2016/TT-BTTTT", "10", 2016, DocumentType.CIRCULAR, "BTTTT", ()),
        ("45/KH-UBND-VX", "45", None, DocumentType.PLAN, "UBND", ("VX",)),
    ],
)
def test_published_forms(
    text: str,
    number: str,
    year: int | None,
    doc_type: DocumentType,
    issuer: str,
    units: tuple[str, ...],
) -> None:
    code = DocumentCode.parse(text)
    assert (code.number, code.year, code.document_type, code.issuer, code.units) == (
        number,
        year,
        doc_type,
        issuer,
        units,
    )
    assert str(code) == text


def test_edxml_code_number_and_notation() -> None:
    code = DocumentCode.parse("20/2020/QĐ-TTg")
    assert (code.code_number, code.code_notation) == ("20/2020", "QĐ-TTg")
    assert code.is_normative


def test_from_edxml_parts() -> None:
    assert DocumentCode.from_parts("7816", "VPCP-TTĐT") == DocumentCode.parse("7816/VPCP-TTĐT")
    assert DocumentCode.from_parts("20/2020", "QĐ-TTg") == DocumentCode.parse("20/2020/QĐ-TTg")
    assert str(DocumentCode.from_parts("1", "qđ-ubnd", strict=False)) == "01/QĐ-UBND"
    with pytest.raises(InvalidCode):
        DocumentCode.from_parts("1", "qđ-ubnd")


def test_every_appendix_iii_abbreviation_reads_back_as_its_type() -> None:
    for doc_type in DocumentType:
        if doc_type is DocumentType.OFFICIAL_LETTER:
            continue
        code = DocumentCode.parse(f"07/{doc_type.value}-UBND")
        assert code.document_type is doc_type
    assert DocumentType.OFFICIAL_LETTER.abbreviation is None
    assert DocumentType.EXTRACT_COPY.is_copy


@pytest.mark.parametrize(
    ("text", "fixed", "codes"),
    [
        ("1/QĐ-UBND", "01/QĐ-UBND", {"code_document_structure"}),
        ("Số: 12/QĐ-UBND", "12/QĐ-UBND", {"code_not_canonical"}),
        ("12 / QĐ – UBND", "12/QĐ-UBND", {"code_not_canonical"}),
        ("12/qđ-ubnd", "12/QĐ-UBND", {"code_not_canonical"}),
        ("12/QD-UBND", "12/QĐ-UBND", {"code_not_canonical"}),
        ("12/QYD-UBND", "12/QyĐ-UBND", {"code_not_canonical"}),
        ("12/UBND", "12/UBND", {"code_document_structure"}),
        ("12/QÐ-UBND", "12/QĐ-UBND", {"code_not_canonical"}),
    ],
)
def test_lenient_repairs(text: str, fixed: str, codes: set[str]) -> None:
    code, issues = DocumentCode.parse_lenient(text)
    assert str(code) == fixed
    assert {i.code for i in issues} == codes
    with pytest.raises(InvalidCode):
        DocumentCode.parse(text)


@pytest.mark.parametrize("text", ["QĐ-UBND", "12", "0/QĐ-UBND", "12/-UBND", "12/2020", "ab/QĐ"])
def test_not_document_numbers(text: str) -> None:
    with pytest.raises(InvalidCode, match="is not valid"):
        DocumentCode.parse_lenient(text)


def test_document_id_comma_form() -> None:
    doc_id = DocumentId.parse("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")
    assert doc_id.agency == AgencyCode.parse("000.00.00.G22")
    assert doc_id.promulgation_date == date(2015, 9, 30)
    assert doc_id.code == DocumentCode.parse("7816/VPCP-TTĐT")
    assert not doc_id.is_uuid
    assert DocumentId.of(doc_id.agency, date(2015, 9, 30), doc_id.code) == doc_id


def test_document_id_uuid_form() -> None:
    doc_id = DocumentId.parse("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")
    assert doc_id.uuid == uuid.UUID("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")
    assert doc_id.promulgation_date is None
    upper, issues = DocumentId.parse_lenient("9FBFBAD2-F1F8-4256-A2EB-50FB1061CDDB")
    assert upper == doc_id
    assert [i.code for i in issues] == ["code_not_canonical"]


def test_impossible_date_of_a_real_sample_is_kept_leniently() -> None:
    text = "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT"
    doc_id, issues = DocumentId.parse_lenient(text)
    assert str(doc_id) == text
    assert doc_id.promulgation_date is None
    assert [i.code for i in issues] == ["code_invalid_date"]
    with pytest.raises(InvalidCode, match="not a calendar date"):
        DocumentId.parse(text)


def test_document_id_collects_the_warnings_of_its_parts() -> None:
    doc_id, issues = DocumentId.parse_lenient("777.77.04.D77,2024-1-5,1/qđ-ubnd")
    assert str(doc_id) == "777.77.04.D77,2024/01/05,01/QĐ-UBND"
    assert {i.code for i in issues} == {
        "code_test_value",
        "code_not_canonical",
        "code_document_structure",
    }


@pytest.mark.parametrize(
    "text",
    [
        "000.00.00.G22,2015/09/30",
        "not-a-uuid",
        "H47/1,2015/09/30,01/QĐ-UBND",
        "000.00.00.H47,30/09/2015,01/QĐ-UBND",
    ],
)
def test_not_document_ids(text: str) -> None:
    with pytest.raises(InvalidCode):
        DocumentId.parse_lenient(text)
