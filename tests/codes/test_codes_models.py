"""Enumerations with labels, and every code type as a pydantic field with a JSON Schema."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from qnegov._i18n import language
from qnegov.codes import (
    AdministrativeUnit,
    AgencyCode,
    CitizenId,
    Confidentiality,
    DocumentCode,
    DocumentId,
    DocumentType,
    Lenient,
    PhoneNumber,
    Priority,
    SignerAuthority,
    TaxCode,
)


def test_priority_values_and_labels() -> None:
    assert [int(p) for p in Priority] == [0, 1, 2, 3, 4]
    assert Priority(3).label_vi == "Hỏa tốc"
    assert Priority.URGENT.label() == "Urgent"
    with language("vi"):
        assert Priority.VERY_URGENT.label() == "Thượng khẩn"


def test_other_enums_have_both_labels() -> None:
    for enum_cls in (Priority, Confidentiality, SignerAuthority, DocumentType):
        for member in enum_cls:
            assert member.label_vi and member.label_en, member
    assert DocumentType("QyĐ").label_vi == "Quy định"
    assert DocumentType.OFFICIAL_LETTER.label_vi == "Công văn"
    assert Confidentiality("Tối mật").label_en == "Secret"


def test_members_from_their_labels() -> None:
    assert Priority.from_label("Hỏa tốc") is Priority.FLASH
    assert Priority.from_label(unicodedata.normalize("NFD", "THƯỢNG KHẨN")) is Priority.VERY_URGENT
    assert DocumentType.from_label("quyết định") is DocumentType.DECISION
    assert DocumentType.from_label("Official letter") is DocumentType.OFFICIAL_LETTER
    assert Confidentiality.from_label("tối mật") is Confidentiality.TOP_SECRET
    assert Priority.from_label("chậm") is None


@pytest.mark.parametrize(
    ("title", "authority", "rest"),
    [
        ("KT. CHỦ TỊCH", SignerAuthority.FOR_HEAD, "CHỦ TỊCH"),
        ("TM. ỦY BAN NHÂN DÂN", SignerAuthority.ON_BEHALF, "ỦY BAN NHÂN DÂN"),
        ("TUQ. GIÁM ĐỐC", SignerAuthority.BY_AUTHORISATION, "GIÁM ĐỐC"),
        ("TL. BỘ TRƯỞNG", SignerAuthority.BY_ORDER, "BỘ TRƯỞNG"),
        ("Q. GIÁM ĐỐC", SignerAuthority.ACTING, "GIÁM ĐỐC"),
        ("CHỦ TỊCH", None, "CHỦ TỊCH"),
    ],
)
def test_signer_authority_prefix(title: str, authority: SignerAuthority | None, rest: str) -> None:
    assert SignerAuthority.split_title(title) == (authority, rest)


class Record(BaseModel):
    agency: AgencyCode
    citizen: CitizenId
    tax: TaxCode
    document: DocumentCode
    document_id: DocumentId
    phone: PhoneNumber
    priority: Priority = Priority.NORMAL


GOOD = {
    "agency": "000.00.00.H47",
    "citizen": "049190012345",
    "tax": "0100109106-001",
    "document": "12/QĐ-UBND",
    "document_id": "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
    "phone": "+84912345678",
    "priority": 2,
}


def test_model_round_trips_through_json() -> None:
    record = Record.model_validate(GOOD)
    assert record.agency == AgencyCode.parse("000.00.00.H47")
    dumped = record.model_dump_json()
    assert json.loads(dumped) == GOOD
    assert Record.model_validate_json(dumped) == record
    assert Record.model_validate(record.model_dump()) == record


def test_model_errors_are_value_errors_saying_what_was_expected() -> None:
    with pytest.raises(ValidationError) as caught:
        Record.model_validate({**GOOD, "tax": "0100109107", "agency": "H47/12"})
    errors = {e["loc"][0]: e["msg"] for e in caught.value.errors()}
    assert "check digit is 7, expected 6" in errors["tax"]
    assert "expected the QCVN 102:2016 form" in errors["agency"]


def test_json_schema_has_pattern_and_description_that_accept_valid_values() -> None:
    schema = Record.model_json_schema()
    for field, value in GOOD.items():
        if field == "priority":
            continue
        prop = schema["properties"][field]
        assert prop["type"] == "string" and prop["description"], field
        assert re.search(prop["pattern"], value), (field, prop["pattern"])
    assert not re.search(schema["properties"]["tax"]["pattern"], "0100109106-1")


def test_lenient_marker_accepts_repairable_input() -> None:
    class Received(BaseModel):
        agency: Annotated[AgencyCode, Lenient()]
        unit: Annotated[AdministrativeUnit, Lenient()]

    got = Received.model_validate({"agency": "777.77.04.d77", "unit": "4"})
    assert str(got.agency) == "777.77.04.D77"
    assert got.unit.code == "04"
    with pytest.raises(ValidationError):
        Received.model_validate({"agency": "not a code", "unit": "04"})
    schema = Received.model_json_schema()["properties"]["agency"]
    assert schema["type"] == "string" and "pattern" not in schema
    assert schema["description"] == AgencyCode.JSON_DESCRIPTION
