"""Typed records of the shipped registers, streamed in and out of files in constant memory.

:class:`CitizenRecord` and :class:`HouseholdRecord` mirror ``schemas/records/citizen.xsd`` and
``household.xsd`` field for field, typed with the national code types. :func:`iter_records`
yields models from a file (through the safe iterparse, freeing each record), and
:func:`write_records` writes a schema-valid file from any iterable, one record at a time.
The XML text of a record is produced by :func:`render_record`, which the test-data generator
shares, so written files and generated files have the same layout line for line.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any, ClassVar, Final, Literal, TypeVar
from xml.sax.saxutils import escape

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from qnegov import _xml
from qnegov.codes import AgencyCode, CitizenId, PhoneNumber

__all__ = [
    "Address",
    "CitizenRecord",
    "HouseholdMember",
    "HouseholdRecord",
    "RegisterHeader",
    "Relative",
    "iter_records",
    "render_record",
    "write_records",
]

CITIZEN_NS: Final = "urn:qnegov:records:citizen:1"
HOUSEHOLD_NS: Final = "urn:qnegov:records:household:1"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Address(_Model):
    """Province code, commune code (of the era of the record's date) and street detail."""

    province_code: str = Field(pattern=r"^[0-9]{2}$")
    commune_code: str = Field(pattern=r"^[0-9]{5}$")
    detail: str = Field(min_length=1, max_length=250)


class Relative(_Model):
    """A parent: name, and identification number when known."""

    full_name: str = Field(min_length=1, max_length=100)
    citizen_id: CitizenId | None = None


class CitizenRecord(_Model):
    """One ``Citizen`` record of a citizen register."""

    TAG: ClassVar[str] = "Citizen"
    NS: ClassVar[str] = CITIZEN_NS
    ROOT: ClassVar[str] = "CitizenRegister"

    citizen_id: CitizenId
    full_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    sex: Literal["M", "F"]
    ethnic_group: str = Field(pattern=r"^[0-9]{2}$")
    nationality: str = Field(pattern=r"^[A-Z]{2}$")
    birth_province: str = Field(pattern=r"^[0-9]{2}$")
    permanent_address: Address
    phone: PhoneNumber | None = None
    household_id: str | None = Field(default=None, pattern=r"^[0-9]{12}$")
    registered_on: date
    father: Relative | None = None
    mother: Relative | None = None


class HouseholdMember(_Model):
    """A member of a household and their relation to its head."""

    citizen_id: CitizenId
    full_name: str = Field(min_length=1, max_length=100)
    relation: Literal["head", "spouse", "child", "parent", "sibling", "grandchild", "other"]


class HouseholdRecord(_Model):
    """One ``Household`` record of a household register."""

    TAG: ClassVar[str] = "Household"
    NS: ClassVar[str] = HOUSEHOLD_NS
    ROOT: ClassVar[str] = "HouseholdRegister"

    household_id: str = Field(pattern=r"^[0-9]{12}$")
    head_id: CitizenId
    address: Address
    registered_on: date
    members: tuple[HouseholdMember, ...] = Field(min_length=1)


class RegisterHeader(_Model):
    """The header every shipped register starts with."""

    producer: AgencyCode
    province_code: str = Field(pattern=r"^[0-9]{2}$")
    created_at: datetime
    as_of: date


RecordModel = TypeVar("RecordModel", CitizenRecord, HouseholdRecord)


# ---- rendering ------------------------------------------------------------------------------
def _el(indent: str, tag: str, value: object) -> str:
    return f"{indent}<{tag}>{escape(str(value))}</{tag}>"


def _address(lines: list[str], indent: str, tag: str, address: Address) -> None:
    lines.append(f"{indent}<{tag}>")
    inner = indent + "  "
    lines.append(_el(inner, "ProvinceCode", address.province_code))
    lines.append(_el(inner, "CommuneCode", address.commune_code))
    lines.append(_el(inner, "Detail", address.detail))
    lines.append(f"{indent}</{tag}>")


def _citizen_lines(record: CitizenRecord) -> list[str]:
    i1, i2 = "    ", "      "
    lines = ["  <Citizen>"]
    lines.append(_el(i1, "CitizenId", record.citizen_id))
    lines.append(_el(i1, "FullName", record.full_name))
    lines.append(_el(i1, "BirthDate", record.birth_date.isoformat()))
    lines.append(_el(i1, "Sex", record.sex))
    lines.append(_el(i1, "EthnicGroup", record.ethnic_group))
    lines.append(_el(i1, "Nationality", record.nationality))
    lines.append(_el(i1, "BirthProvince", record.birth_province))
    _address(lines, i1, "PermanentAddress", record.permanent_address)
    if record.phone is not None:
        lines.append(_el(i1, "Phone", record.phone.national))
    if record.household_id is not None:
        lines.append(_el(i1, "HouseholdId", record.household_id))
    lines.append(_el(i1, "RegisteredOn", record.registered_on.isoformat()))
    for tag, relative in (("Father", record.father), ("Mother", record.mother)):
        if relative is None:
            continue
        lines.append(f"{i1}<{tag}>")
        lines.append(_el(i2, "FullName", relative.full_name))
        if relative.citizen_id is not None:
            lines.append(_el(i2, "CitizenId", relative.citizen_id))
        lines.append(f"{i1}</{tag}>")
    lines.append("  </Citizen>")
    return lines


def _household_lines(record: HouseholdRecord) -> list[str]:
    i1, i2, i3 = "    ", "      ", "        "
    lines = ["  <Household>"]
    lines.append(_el(i1, "HouseholdId", record.household_id))
    lines.append(_el(i1, "HeadId", record.head_id))
    _address(lines, i1, "Address", record.address)
    lines.append(_el(i1, "RegisteredOn", record.registered_on.isoformat()))
    lines.append(f"{i1}<Members>")
    for member in record.members:
        lines.append(f"{i2}<Member>")
        lines.append(_el(i3, "CitizenId", member.citizen_id))
        lines.append(_el(i3, "FullName", member.full_name))
        lines.append(_el(i3, "Relation", member.relation))
        lines.append(f"{i2}</Member>")
    lines.append(f"{i1}</Members>")
    lines.append("  </Household>")
    return lines


def render_record(record: CitizenRecord | HouseholdRecord) -> list[str]:
    """The record's XML, one element per line, indented as the shipped files are."""
    if isinstance(record, CitizenRecord):
        return _citizen_lines(record)
    return _household_lines(record)


def header_lines(
    kind: type[CitizenRecord] | type[HouseholdRecord], header: RegisterHeader
) -> list[str]:
    """XML declaration, root start tag and header, as lines."""
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{kind.ROOT} xmlns="{kind.NS}" version="1.0">',
        "  <Header>",
        _el("    ", "Producer", header.producer),
        _el("    ", "ProvinceCode", header.province_code),
        _el("    ", "CreatedAt", header.created_at.isoformat()),
        _el("    ", "AsOf", header.as_of.isoformat()),
        "  </Header>",
    ]


def trailer_lines(kind: type[CitizenRecord] | type[HouseholdRecord], count: int) -> list[str]:
    """Trailer with the record count, and the root end tag."""
    return [
        "  <Trailer>",
        f"    <RecordCount>{count}</RecordCount>",
        "  </Trailer>",
        f"</{kind.ROOT}>",
    ]


DEFAULT_HEADER: Final = RegisterHeader(
    producer=AgencyCode.parse("000.00.00.H47"),
    province_code="48",
    created_at=datetime(2025, 8, 1, 8, 0, 0),
    as_of=date(2025, 8, 1),
)


def open_output(path: str | PathLike[str]) -> IO[bytes]:
    """A binary file for writing; gzip-compressed when the name ends in ``.gz``."""
    name = fspath(path)
    if name.endswith(".gz"):
        return gzip.GzipFile(name, "wb", compresslevel=5)  # type: ignore[return-value]
    return Path(name).open("wb")


def write_records(
    path: str | PathLike[str],
    records: Iterable[CitizenRecord] | Iterable[HouseholdRecord],
    *,
    header: RegisterHeader = DEFAULT_HEADER,
    kind: type[CitizenRecord] | type[HouseholdRecord] | None = None,
) -> int:
    """Write a register holding ``records`` (streamed: constant memory); return the count.

    The kind of register follows the first record; pass ``kind`` for an empty iterable.
    """
    iterator = iter(records)
    first = next(iterator, None)
    model: type[CitizenRecord] | type[HouseholdRecord] = CitizenRecord
    if kind is not None:
        model = kind
    elif isinstance(first, HouseholdRecord):
        model = HouseholdRecord
    count = 0
    with open_output(path) as out:
        out.write(("\n".join(header_lines(model, header)) + "\n").encode())
        pending: list[str] = []
        item: Any = first
        while item is not None:
            pending.extend(render_record(item))
            count += 1
            if len(pending) > 4096:
                out.write(("\n".join(pending) + "\n").encode())
                pending.clear()
            item = next(iterator, None)
        if pending:
            out.write(("\n".join(pending) + "\n").encode())
        out.write(("\n".join(trailer_lines(model, count)) + "\n").encode())
    return count


# ---- reading --------------------------------------------------------------------------------
def _text(element: etree._Element, ns: str, name: str) -> str | None:
    found = element.find(ns + name)
    return None if found is None else (found.text or "")


def _read_address(element: etree._Element | None, ns: str) -> dict[str, Any]:
    if element is None:
        return {}
    return {
        "province_code": _text(element, ns, "ProvinceCode"),
        "commune_code": _text(element, ns, "CommuneCode"),
        "detail": _text(element, ns, "Detail"),
    }


def _read_citizen(element: etree._Element, ns: str) -> CitizenRecord:
    data: dict[str, Any] = {
        "citizen_id": _text(element, ns, "CitizenId"),
        "full_name": _text(element, ns, "FullName"),
        "birth_date": _text(element, ns, "BirthDate"),
        "sex": _text(element, ns, "Sex"),
        "ethnic_group": _text(element, ns, "EthnicGroup"),
        "nationality": _text(element, ns, "Nationality"),
        "birth_province": _text(element, ns, "BirthProvince"),
        "permanent_address": _read_address(element.find(ns + "PermanentAddress"), ns),
        "phone": _text(element, ns, "Phone"),
        "household_id": _text(element, ns, "HouseholdId"),
        "registered_on": _text(element, ns, "RegisteredOn"),
    }
    for tag, key in (("Father", "father"), ("Mother", "mother")):
        found = element.find(ns + tag)
        if found is not None:
            data[key] = {
                "full_name": _text(found, ns, "FullName"),
                "citizen_id": _text(found, ns, "CitizenId"),
            }
    return CitizenRecord.model_validate(data)


def _read_household(element: etree._Element, ns: str) -> HouseholdRecord:
    members = element.find(ns + "Members")
    return HouseholdRecord.model_validate(
        {
            "household_id": _text(element, ns, "HouseholdId"),
            "head_id": _text(element, ns, "HeadId"),
            "address": _read_address(element.find(ns + "Address"), ns),
            "registered_on": _text(element, ns, "RegisteredOn"),
            "members": [
                {
                    "citizen_id": _text(m, ns, "CitizenId"),
                    "full_name": _text(m, ns, "FullName"),
                    "relation": _text(m, ns, "Relation"),
                }
                for m in (members if members is not None else ())
            ],
        }
    )


def iter_records(
    path: str | PathLike[str] | bytes, model: type[RecordModel]
) -> Iterator[RecordModel]:
    """Stream typed records out of a register file (``.xml`` or ``.xml.gz``), one at a time.

    Each record element is freed once converted, so memory stays flat for any file size.
    A record that does not fit the model raises pydantic's ``ValidationError``: validate the
    file with :func:`qnegov.bulk.validate_file` first when the input is untrusted.
    """
    ns = "{" + model.NS + "}"
    tag = ns + model.TAG
    reader = _read_citizen if model is CitizenRecord else _read_household
    for _event, element in _xml.iterparse(path, events=("end",), tag=tag):
        record = reader(element, ns)
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        yield record  # type: ignore[misc]
