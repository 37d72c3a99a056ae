"""Built-in rules of the shipped record schemas (citizen and household registers).

They check what XSD cannot: a CCCD number that disagrees with the birth date or sex filed
with it, a province-of-birth prefix outside the 63-province table, address codes that do not
exist in the administrative-unit catalogue on the record's date, ids that repeat across the
file, and a trailer count that does not match the records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any, Final

from lxml import etree

from qnegov._i18n import tr
from qnegov.bulk._rules import Finding, Record, UniqueKey
from qnegov.codes._units import CURRENT_FROM, LEGACY_UNTIL, catalogue
from qnegov.report import issue_code

__all__ = ["BUILTIN_RULES", "AddressInCatalogue", "CitizenIdConsistency", "RecordCount"]

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

UNIT_UNKNOWN = issue_code(
    "bulk_unit_unknown",
    "An administrative-unit code that does not exist in the catalogue on the record's date.",
    area="bulk",
)
UNIT_MISMATCH = issue_code(
    "bulk_unit_mismatch",
    "A commune code that does not belong to the province code filed with it.",
    area="bulk",
)


@cache
def cccd_provinces() -> frozenset[str]:
    """``0`` + each province code of the pre-2025 table: the CCCD province-of-birth prefixes."""
    return frozenset("0" + unit.code for unit in catalogue().provinces(LEGACY_UNTIL))


class CitizenIdConsistency:
    """CCCD digits 1-3 province, digit 4 century and sex, digits 5-6 birth year."""

    name = "citizen-id"

    def __init__(
        self, id_field: str = "CitizenId", birth_field: str = "BirthDate", sex_field: str = "Sex"
    ) -> None:
        self.id_field = id_field
        self.birth_field = birth_field
        self.sex_field = sex_field
        self.fields = (id_field, birth_field, sex_field)

    def check(self, record: Record) -> Iterator[Finding]:
        yield from self.findings(
            record.text(self.id_field), record.text(self.birth_field), record.text(self.sex_field)
        )

    def check_columns(
        self, columns: Mapping[str, Sequence[str | None]], count: int
    ) -> Iterator[tuple[int, Finding]]:
        """The same checks over a whole batch. One regular expression proves the consistent
        rows (:func:`_consistent_rows`); only the rows it stops at are checked one by one."""
        ids, births, sexes = (columns[f] for f in self.fields)
        if count == 0 or _all_consistent(ids, births, sexes):
            return
        rows = zip(*(_texts(column) for column in (ids, births, sexes)), strict=True)
        joined = "\x1e".join(map("\x1f".join, rows)) + "\x1e"
        proven = _consistent_rows().match
        size = len(joined)
        pos = proven(joined).end()  # type: ignore[union-attr]
        index = joined.count("\x1e", 0, pos)
        while pos < size:
            number, birth, sex = ids[index], births[index], sexes[index]
            if number is not None and len(number) == 12 and birth is not None:
                for finding in self.findings(number, birth, sex):
                    yield index, finding
            pos = joined.index("\x1e", pos) + 1
            index += 1
            end = proven(joined, pos).end()  # type: ignore[union-attr]
            index += joined.count("\x1e", pos, end)
            pos = end

    def findings(self, number: str | None, birth: str | None, sex: str | None) -> Iterator[Finding]:
        """Every disagreement of one row."""
        if number is None or len(number) != 12 or not number.isdigit():
            return
        if number[:3] not in cccd_provinces():
            yield Finding(
                CITIZEN_ID_PROVINCE,
                tr(
                    "identification number {value}: {prefix} is not a province code of the "
                    "63-province table",
                    value=number,
                    prefix=number[:3],
                ),
                self.id_field,
            )
        digit = int(number[3])
        if birth is not None and len(birth) >= 4 and birth[:4].isdigit():
            encoded = 1900 + 100 * (digit // 2) + int(number[4:6])
            if int(birth[:4]) != encoded:
                yield Finding(
                    CITIZEN_ID_BIRTH,
                    tr(
                        "identification number {value} encodes birth year {encoded}, but the "
                        "birth date is {birth}",
                        value=number,
                        encoded=encoded,
                        birth=birth,
                    ),
                    self.id_field,
                )
        if sex in ("M", "F") and ("M" if digit % 2 == 0 else "F") != sex:
            yield Finding(
                CITIZEN_ID_SEX,
                tr(
                    "identification number {value} encodes sex {encoded}, but the record says "
                    "{given}",
                    value=number,
                    encoded="M" if digit % 2 == 0 else "F",
                    given=sex,
                ),
                self.id_field,
            )


_CENTURY: Final = ("19", "20", "21", "22", "23")
_FIRST_TEN: Final = itemgetter(slice(0, 10))
_FIRST_THREE: Final = itemgetter(slice(0, 3))
_FIRST_FOUR: Final = itemgetter(slice(0, 4))
_DIGITS_4_TO_6: Final = itemgetter(slice(3, 6))
_FOURTH: Final = itemgetter(slice(3, 4))
_BIRTH_YEAR: Final = {
    f"{digit}{year:02d}": f"{_CENTURY[digit // 2]}{year:02d}"
    for digit in range(10)
    for year in range(100)
}
"""CCCD digits 4-6 (century and sex, year) to the birth year they encode."""
_SEX: Final = {str(digit): "F" if digit % 2 else "M" for digit in range(10)}
"""CCCD digit 4 to the sex it encodes."""


def _all_consistent(
    ids: Sequence[str | None], births: Sequence[str | None], sexes: Sequence[str | None]
) -> bool:
    """Whether no row can give a finding, in a few C-level passes: every id starts with a
    province of the table, encodes the year its birth date starts with, and the sex filed.
    False whenever a row needs a closer look (which :meth:`CitizenIdConsistency.findings`
    gives)."""
    if None in ids or None in births or None in sexes:
        return False
    return (
        cccd_provinces().issuperset(map(_FIRST_THREE, ids))  # type: ignore[arg-type]
        and list(map(_BIRTH_YEAR.get, map(_DIGITS_4_TO_6, ids)))  # type: ignore[arg-type]
        == list(map(_FIRST_FOUR, births))  # type: ignore[arg-type]
        and list(map(_SEX.get, map(_FOURTH, ids))) == list(sexes)  # type: ignore[arg-type]
    )


def _texts(column: Sequence[str | None]) -> Sequence[str]:
    """The column with a missing value as empty text (which no proof accepts)."""
    return [text or "" for text in column] if None in column else column  # type: ignore[return-value]


@cache
def _consistent_rows() -> re.Pattern[str]:
    """Rows ``id U+001F birth U+001F sex U+001E`` that certainly give no finding: a province
    prefix of the table, the century digit's century and the year digits starting the birth
    date, and a sex that is the digit's or neither M nor F. ``match`` ends at the first row
    that is not proven (checked one by one). U+001E/U+001F cannot occur in XML text."""
    by_two: dict[str, list[str]] = {}
    for prefix in sorted(cccd_provinces()):
        by_two.setdefault(prefix[:2], []).append(prefix[2])
    province = "(?:" + "|".join(f"{two}[{''.join(last)}]" for two, last in by_two.items()) + ")"
    digits = []
    for digit in range(10):
        other = "M" if digit & 1 else "F"
        digits.append(
            f"{digit}(?P<y{digit}>[0-9]{{2}})[0-9]{{6}}\x1f{_CENTURY[digit // 2]}(?P=y{digit})"
            f"[^\x1e\x1f]*\x1f(?!{other}\x1e)[^\x1e\x1f]*\x1e"
        )
    return re.compile("(?:" + province + "(?:" + "|".join(digits) + "))*")


class AddressInCatalogue:
    """Province and commune codes exist on the record's date, and the commune is in the province.

    Dates before 1 July 2025 are checked against the QĐ 124/2004 table (63 provinces, districts,
    communes), later dates against QĐ 19/2025 (34 provinces, communes), so an old register keeps
    validating after the merger.
    """

    name = "address-codes"

    def __init__(
        self,
        province_field: str = "PermanentAddress/ProvinceCode",
        commune_field: str = "PermanentAddress/CommuneCode",
        date_field: str = "RegisteredOn",
    ) -> None:
        self.province_field = province_field
        self.commune_field = commune_field
        self.date_field = date_field
        self.fields = (province_field, commune_field, date_field)
        self._verdicts: dict[tuple[str, str, bool], str] = {}
        self._ok: set[tuple[str, str, bool]] = set()

    def check(self, record: Record) -> Iterator[Finding]:
        yield from self.findings(
            record.text(self.province_field) or "",
            record.text(self.commune_field) or "",
            record.text(self.date_field),
        )

    def check_columns(
        self, columns: Mapping[str, Sequence[str | None]], count: int
    ) -> Iterator[tuple[int, Finding]]:
        """The same checks over a whole batch, through a bounded cache of verdicts: a batch
        whose (province, commune, era) triples are all known good costs a few C-level passes."""
        provinces, communes, dates = (columns[f] for f in self.fields)
        if None in dates:
            return self._rows(provinces, communes, dates, count)
        eras = map(_LAST_OLD.__ge__, map(_FIRST_TEN, dates))  # type: ignore[arg-type]
        keys = list(zip(provinces, communes, eras, strict=True))
        if self._ok.issuperset(keys):
            return iter(())
        return self._rows(provinces, communes, dates, count)

    def _rows(
        self,
        provinces: Sequence[str | None],
        communes: Sequence[str | None],
        dates: Sequence[str | None],
        count: int,
    ) -> Iterator[tuple[int, Finding]]:
        ok = self._ok
        for index in range(count):
            text = dates[index]
            if text is None:
                continue
            key = (provinces[index] or "", communes[index] or "", text[:10] <= _LAST_OLD)
            if key in ok:
                continue
            for finding in self.findings(key[0], key[1], text):
                yield index, finding

    def findings(self, province: str, commune: str, date_text: str | None) -> Iterator[Finding]:
        """Every problem of one row."""
        when = _parse_date(date_text)
        if when is None:
            return
        era = LEGACY_UNTIL if when <= LEGACY_UNTIL else CURRENT_FROM
        key = (province, commune, when <= LEGACY_UNTIL)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._judge(province, commune, era)
            if len(self._verdicts) < 200_000:  # bounded: the catalogue has ~14 000 units
                self._verdicts[key] = verdict
                if verdict == "ok":
                    self._ok.add(key)
        if verdict == "ok":
            return
        if verdict == "province":
            yield Finding(
                UNIT_UNKNOWN,
                tr(
                    "province code {code} does not exist on {date}",
                    code=province,
                    date=when.isoformat(),
                ),
                self.province_field,
            )
        elif verdict == "commune":
            yield Finding(
                UNIT_UNKNOWN,
                tr(
                    "commune code {code} does not exist on {date}",
                    code=commune,
                    date=when.isoformat(),
                ),
                self.commune_field,
            )
        else:
            yield Finding(
                UNIT_MISMATCH,
                tr(
                    "commune {code} belongs to province {owner}, not {province}",
                    code=commune,
                    owner=verdict,
                    province=province,
                ),
                self.commune_field,
            )

    @staticmethod
    def _judge(province: str, commune: str, era: date) -> str:
        """``ok``, ``province`` (unknown), ``commune`` (unknown) or the commune's real province."""
        units = catalogue()
        if province and units.at(province, era) is None:
            return "province"
        if not commune:
            return "ok"
        unit = units.at(commune, era)
        if unit is None:
            return "commune"
        while unit is not None and unit.parent_code is not None:
            unit = unit.parent()
        owner = None if unit is None else unit.code
        if owner is None:
            return "commune"
        return "ok" if not province or owner == province else owner


_LAST_OLD: Final = LEGACY_UNTIL.isoformat()


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
                tr(
                    "the trailer declares {declared} records, the file holds {records}",
                    declared=declared,
                    records=records,
                ),
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
        AddressInCatalogue(),
        UniqueKey("unique-citizen-id", "CitizenId"),
        RecordCount(),
    ),
    "household": (
        AddressInCatalogue("Address/ProvinceCode", "Address/CommuneCode", "RegisteredOn"),
        UniqueKey("unique-household-id", "HouseholdId"),
        RecordCount(),
    ),
}
