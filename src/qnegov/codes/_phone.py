"""Vietnamese phone numbers: mobile (03/05/07/08/09) and fixed lines (2XX area codes).

Which prefixes are assigned is libphonenumber's job (``phonenumbers``, metadata-only build); what
it does not know is kept here: the 2018 conversion of 11-digit mobile numbers to 10 digits, and
the pre-2025 province behind each fixed-line area code (from the units catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.codes._base import CODE_LEGACY_FORM, CODE_NOT_CANONICAL, CodeType, Findings, fail
from qnegov.codes._enums import PhoneKind
from qnegov.codes._units import catalogue

__all__ = ["OLD_MOBILE_PREFIXES", "PhoneNumber"]

OLD_MOBILE_PREFIXES: Final[dict[str, str]] = {
    # MobiFone
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
    # VinaPhone
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    # Viettel
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38",
    "169": "39",
    # Vietnamobile, Gmobile
    "186": "56", "188": "58", "199": "59",
}  # fmt: skip
"""11-digit mobile prefixes (without the 0) and their 10-digit successors (15/09/2018)."""

_MOBILE: Final = re.compile(r"[35789]\d{8}", re.ASCII)
_FIXED: Final = re.compile(r"2\d{9}", re.ASCII)
_SEPARATORS: Final = re.compile(r"[\s.\-()]")


@dataclass(frozen=True, slots=True)
class PhoneNumber(CodeType):
    """A Vietnamese phone number; ``str()`` gives E.164 (``+84912345678``)."""

    subscriber: str  # national significant number, without 0 or +84: "912345678"

    KIND: ClassVar[str] = "phone number"
    JSON_PATTERN: ClassVar[str | None] = r"^(?:\+84|0)(?:[35789]\d{8}|2\d{9})$"
    JSON_DESCRIPTION: ClassVar[str] = (
        "Vietnamese phone number: mobile 0[35789]XXXXXXXX or fixed line 02XXXXXXXXX, "
        "national or +84 form."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("+84912345678", "02353812345")

    def __str__(self) -> str:
        return self.e164

    def __repr__(self) -> str:
        return f"PhoneNumber({self.e164!r})"

    @property
    def e164(self) -> str:
        """International form, ``+84912345678``."""
        return "+84" + self.subscriber

    @property
    def national(self) -> str:
        """National form, ``0912345678``."""
        return "0" + self.subscriber

    @property
    def kind(self) -> PhoneKind:
        """Mobile or fixed line."""
        return PhoneKind.FIXED if self.subscriber.startswith("2") else PhoneKind.MOBILE

    @property
    def area_code(self) -> str | None:
        """Fixed-line area code without the 0 (``"235"``; Hà Nội ``"24"``, HCM ``"28"``)."""
        if self.kind is not PhoneKind.FIXED:
            return None
        return self.subscriber[:2] if self.subscriber[:2] in ("24", "28") else self.subscriber[:3]

    @property
    def province_name(self) -> str | None:
        """The pre-2025 province of a fixed line's area code."""
        area = self.area_code
        unit = None if area is None else catalogue().province_of_area_code(area)
        return None if unit is None else unit.name

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        compact = _SEPARATORS.sub("", text)
        if compact != text:
            findings.deviation(
                CODE_NOT_CANONICAL, tr("phone number {value!r} contains separators", value=text)
            )
        if compact.startswith("+84"):
            national = compact[3:]
        elif compact.startswith("0"):
            national = compact[1:]
        elif compact.startswith("84") and len(compact) in (11, 12):
            national = compact[2:]
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr("phone number {value!r} lacks the + of +84", value=text),
            )
        else:
            raise fail(cls._expected(text))
        if not (national.isascii() and national.isdigit()):
            raise fail(cls._expected(text))
        if national.startswith("0") and compact.startswith(("+84", "84")):
            national = national[1:]
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr("phone number {value!r} keeps the 0 after +84", value=text),
            )
        if len(national) == 10 and national[:3] in OLD_MOBILE_PREFIXES:
            new = OLD_MOBILE_PREFIXES[national[:3]] + national[3:]
            findings.deviation(
                CODE_LEGACY_FORM,
                tr(
                    "phone number {value!r} is an 11-digit mobile number retired in 2018: "
                    "now 0{new}",
                    value=text,
                    new=new,
                ),
            )
            national = new
        if not (_MOBILE.fullmatch(national) or _FIXED.fullmatch(national)):
            raise fail(cls._expected(text))
        import phonenumbers  # imported on first use: keeps ``import qnegov`` light

        parsed = phonenumbers.parse("+84" + national, None)
        wanted = {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        }
        if (
            not phonenumbers.is_valid_number(parsed)
            or phonenumbers.number_type(parsed) not in wanted
        ):
            raise fail(
                tr(
                    "phone number {value!r} is not valid: prefix {prefix} is not an assigned "
                    "mobile or fixed-line range",
                    value=text,
                    prefix="0" + (national[:3]),
                )
            )
        return cls(national)

    @staticmethod
    def _expected(text: str) -> str:
        return tr(
            "phone number {value!r} is not valid: expected a mobile number 0[35789]XXXXXXXX, "
            "a fixed line 02XXXXXXXXX, or the same with +84 instead of 0",
            value=text,
        )
