"""Personal identification numbers (số định danh cá nhân / CCCD, 12 digits) and legacy CMND.

Digits 1-3 are the province where the birth was registered (the 63-province table of
TT 07/2016/TT-BCA, i.e. ``0`` + the pre-2025 GSO province code), digit 4 encodes century and
sex, digits 5-6 the last two digits of the birth year; the last six are random and there is no
check digit, so a number can be checked for consistency but never for authenticity offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.codes._base import (
    CODE_LEGACY_FORM,
    CODE_NOT_CANONICAL,
    CODE_UNKNOWN_ENTRY,
    CodeType,
    Findings,
    fail,
)
from qnegov.codes._enums import Sex
from qnegov.codes._units import LEGACY_UNTIL, catalogue
from qnegov.report import Issue, Severity, issue_code

__all__ = ["CitizenId", "read_birth"]

CODE_CITIZEN_MISMATCH = issue_code(
    "code_citizen_mismatch",
    "An identification number that disagrees with the birth date or sex it is filed with.",
    area="codes",
)
CODE_CITIZEN_FUTURE = issue_code(
    "code_citizen_future",
    "An identification number whose birth year is in the future.",
    area="codes",
)

CODE_CITIZEN_FIELD = issue_code(
    "code_citizen_field",
    "A birth date or sex filed with an identification number that cannot be read.",
    area="codes",
)

_CENTURY_BASE: Final = (1900, 2000, 2100, 2200, 2300)
_DMY: Final = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", re.ASCII)


def read_birth(text: str) -> date | int | None:
    """A birth date as records write it: ``1990-05-01``, ``01/05/1990`` or just ``1990``.

    Returns a date, a year (when only the year is given), or ``None`` when unreadable.
    """
    value = text.strip()
    if re.fullmatch(r"\d{4}", value, re.ASCII):
        return int(value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    match = _DMY.fullmatch(value)
    if match is None:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CitizenId(CodeType):
    """A 12-digit personal identification number, or a 9-digit legacy CMND (``is_legacy``)."""

    digits: str

    KIND: ClassVar[str] = "identification number"
    JSON_PATTERN: ClassVar[str | None] = r"^\d{12}$"
    JSON_DESCRIPTION: ClassVar[str] = (
        "Personal identification number (CCCD, 12 digits: province of birth registration, "
        "century and sex, birth year, 6 random digits)."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("049090001234",)

    def __str__(self) -> str:
        return self.digits

    def __repr__(self) -> str:
        return f"CitizenId({self.digits!r})"

    @property
    def is_legacy(self) -> bool:
        """A 9-digit CMND number (superseded; it carries none of the fields below)."""
        return len(self.digits) == 9

    @property
    def province_code(self) -> str | None:
        """The 3-digit province-of-birth-registration code (``"049"``)."""
        return None if self.is_legacy else self.digits[:3]

    @property
    def province_name(self) -> str | None:
        """Name of that province (in the 63-province table: these codes are not renumbered)."""
        code = self.province_code
        if code is None or code[0] != "0":
            return None
        unit = catalogue().at(code[1:], LEGACY_UNTIL)
        return None if unit is None else unit.name

    @property
    def sex(self) -> Sex | None:
        """Sex encoded by digit 4 (even male, odd female)."""
        if self.is_legacy:
            return None
        return Sex.MALE if int(self.digits[3]) % 2 == 0 else Sex.FEMALE

    @property
    def century(self) -> int | None:
        """The birth century as its first year (1900 for the 20th century)."""
        if self.is_legacy:
            return None
        return _CENTURY_BASE[int(self.digits[3]) // 2]

    @property
    def birth_year(self) -> int | None:
        """The full birth year (century from digit 4, last two digits from digits 5-6)."""
        base = self.century
        return None if base is None else base + int(self.digits[4:6])

    def check(
        self,
        *,
        birth_date: date | None = None,
        sex: Sex | None = None,
        birth_year: int | None = None,
    ) -> list[Issue]:
        """Errors for every disagreement with the given birth date (or year) and sex.

        An empty list means consistent; a legacy CMND encodes nothing and is always consistent.
        """
        found: list[Issue] = []
        if self.is_legacy:
            return found
        year = birth_date.year if birth_date is not None else birth_year
        if year is not None and year != self.birth_year:
            found.append(
                Issue(
                    CODE_CITIZEN_MISMATCH,
                    Severity.ERROR,
                    tr(
                        "identification number {value} encodes birth year {encoded}, "
                        "but the birth date is {birth}",
                        value=self.digits,
                        encoded=self.birth_year,
                        birth=birth_date.isoformat() if birth_date is not None else year,
                    ),
                    rule="birth_year",
                )
            )
        if sex is not None and sex is not self.sex:
            encoded = self.sex
            found.append(
                Issue(
                    CODE_CITIZEN_MISMATCH,
                    Severity.ERROR,
                    tr(
                        "identification number {value} encodes sex {encoded}, but the record "
                        "says {given}",
                        value=self.digits,
                        encoded=encoded.label() if encoded else "?",
                        given=sex.label(),
                    ),
                    rule="sex",
                )
            )
        return found

    def check_fields(self, *, birth: str | None = None, sex: str | None = None) -> list[Issue]:
        """Like :meth:`check`, from the texts a record holds (``"01/05/1990"``, ``"Nữ"``).

        A text that cannot be read is a warning (``code_citizen_field``), not a mismatch.
        """
        found: list[Issue] = []
        birth_value = None if not birth or not birth.strip() else read_birth(birth)
        if birth and birth.strip() and birth_value is None:
            found.append(
                Issue(
                    CODE_CITIZEN_FIELD,
                    Severity.WARNING,
                    tr(
                        "birth date {value!r} is not a date (expected YYYY-MM-DD, DD/MM/YYYY "
                        "or YYYY)",
                        value=birth,
                    ),
                    rule="birth_date",
                )
            )
        sex_value = None if not sex or not sex.strip() else Sex.from_text(sex)
        if sex and sex.strip() and sex_value is None:
            found.append(
                Issue(
                    CODE_CITIZEN_FIELD,
                    Severity.WARNING,
                    tr("sex {value!r} is not one of Nam, Nữ, male, female", value=sex),
                    rule="sex",
                )
            )
        if isinstance(birth_value, date):
            found += self.check(birth_date=birth_value, sex=sex_value)
        else:
            found += self.check(birth_year=birth_value, sex=sex_value)
        return found

    def matches(
        self,
        *,
        birth_date: date | None = None,
        sex: Sex | None = None,
        birth_year: int | None = None,
    ) -> bool:
        """Whether the number agrees with the given birth date (or year) and sex."""
        return not self.check(birth_date=birth_date, sex=sex, birth_year=birth_year)

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        compact = re.sub(r"[\s.\-]", "", text)
        if compact != text:
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr("identification number {value!r} contains separators", value=text),
            )
        if not (compact.isascii() and compact.isdigit()):
            raise fail(
                tr(
                    "identification number {value!r} is not valid: expected 12 digits "
                    "(or a 9-digit legacy CMND number)",
                    value=text,
                )
            )
        if len(compact) == 9:
            findings.deviation(
                CODE_LEGACY_FORM,
                tr(
                    "{value} is a 9-digit legacy CMND number, not a 12-digit identification number",
                    value=compact,
                ),
            )
            return cls(compact)
        if len(compact) == 11:
            padded = "0" + compact
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "identification number {value!r} has 11 digits: read as {fixed} (leading "
                    "zero lost)",
                    value=text,
                    fixed=padded,
                ),
            )
            compact = padded
        if len(compact) != 12:
            raise fail(
                tr(
                    "identification number {value!r} is not valid: expected 12 digits "
                    "(or a 9-digit legacy CMND number), got {count}",
                    value=text,
                    count=len(compact),
                )
            )
        value = cls(compact)
        if value.province_name is None:
            findings.deviation(
                CODE_UNKNOWN_ENTRY,
                tr(
                    "identification number {value}: {prefix} is not a province code of the "
                    "63-province table",
                    value=compact,
                    prefix=compact[:3],
                ),
            )
        year = value.birth_year
        if year is not None and year > date.today().year:
            findings.deviation(
                CODE_CITIZEN_FUTURE,
                tr(
                    "identification number {value} encodes birth year {year}, which is in the "
                    "future",
                    value=compact,
                    year=year,
                ),
            )
        return value
