"""Document numbers ("số, ký hiệu", Decree 30/2020) and edXML document identifiers.

``DocumentCode`` is ``12/QĐ-UBND``, ``123/UBND-VP`` or, for normative documents,
``20/2020/QĐ-TTg``. ``DocumentId`` is what edXML carries in ``DocumentId``: the sender's agency
code, the promulgation date and the document code joined by commas, or a UUID.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Self, TypeVar

from qnegov._i18n import tr
from qnegov.codes._agency import AgencyCode
from qnegov.codes._base import CODE_NOT_CANONICAL, CodeType, Findings, fail
from qnegov.codes._enums import DocumentType
from qnegov.report import issue_code

__all__ = ["DocumentCode", "DocumentId"]

CODE_DOCUMENT_STRUCTURE = issue_code(
    "code_document_structure",
    "A document number whose parts break Decree 30/2020 (padding, single notation group).",
    area="codes",
)
CODE_INVALID_DATE = issue_code(
    "code_invalid_date", "A date inside a code that is not a calendar date.", area="codes"
)

_T = TypeVar("_T", bound=CodeType)
_STRICT = re.compile(
    r"(?P<number>0[1-9]|[1-9]\d+)/(?:(?P<year>(?:19|20)\d{2})/)?"
    r"(?P<notation>[A-ZĐ][A-Za-zĐđ]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9]*)+)",
    re.ASCII,
)
_LOOSE = re.compile(
    r"(?P<number>\d{1,7})/(?:(?P<year>\d{4})/)?(?P<notation>[A-Za-zĐđ0-9]+(?:-[A-Za-zĐđ0-9]+)*)",
    re.ASCII,
)
_PREFIX = re.compile(r"^(?:số|so)\s*[:.]?\s*", re.IGNORECASE)
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "Ð": "Đ", "ð": "đ"})
"""Dashes that are not ASCII hyphens, and the Icelandic eth that looks exactly like Đ."""


def _expected() -> str:
    return tr(
        "expected number/notation as in Decree 30/2020, e.g. 12/QĐ-UBND, 123/UBND-VP "
        "or 20/2020/QĐ-TTg"
    )


@dataclass(frozen=True, slots=True)
class DocumentCode(CodeType):
    """A document's number and notation ("số, ký hiệu"): ``12/QĐ-UBND``.

    ``notation`` holds the dash-separated groups after the number (and year, for normative
    documents). When the first group is a type abbreviation of Decree 30 the document is of that
    type and the next group is the issuer; otherwise it is a công văn whose first group is the
    issuer. (A công văn from a body abbreviated like a type, e.g. ``CT``, reads as that type:
    the notation alone cannot tell them apart.)
    """

    number: str
    notation: tuple[str, ...]
    year: int | None = None

    KIND: ClassVar[str] = "document number"
    JSON_PATTERN: ClassVar[str | None] = (
        r"^(?:0[1-9]|[1-9]\d+)/(?:(?:19|20)\d{2}/)?[A-ZĐ][A-Za-zĐđ]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9]*)+$"
    )
    JSON_DESCRIPTION: ClassVar[str] = (
        "Document number and notation (số, ký hiệu) under Decree 30/2020/NĐ-CP: "
        "number/TYPE-ISSUER, number/ISSUER-UNIT (công văn) or number/year/TYPE-ISSUER."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("12/QĐ-UBND", "123/UBND-VP", "20/2020/QĐ-TTg")

    def __str__(self) -> str:
        middle = f"{self.year}/" if self.year is not None else ""
        return f"{self.number}/{middle}{'-'.join(self.notation)}"

    def __repr__(self) -> str:
        return f"DocumentCode({str(self)!r})"

    @classmethod
    def from_parts(cls, number: str, notation: str, *, strict: bool = True) -> Self:
        """The code from edXML's ``CodeNumber`` and ``CodeNotation`` (``"7816"``, ``"VPCP-TTĐT"``).

        Lenient mode drops the warnings; use :meth:`parse_lenient` on ``f"{number}/{notation}"``
        to keep them.
        """
        text = f"{number.strip()}/{notation.strip()}"
        return cls.parse(text) if strict else cls.parse_lenient(text)[0]

    @property
    def code_number(self) -> str:
        """The number part, as edXML ``CodeNumber`` carries it (with the year when present)."""
        return f"{self.number}/{self.year}" if self.year is not None else self.number

    @property
    def code_notation(self) -> str:
        """The notation part, as edXML ``CodeNotation`` carries it (``QĐ-UBND``)."""
        return "-".join(self.notation)

    @property
    def document_type(self) -> DocumentType:
        """The type the notation names; ``OFFICIAL_LETTER`` when it names none (công văn)."""
        if len(self.notation) >= 2:
            found = DocumentType.from_abbreviation(self.notation[0])
            if found is not None:
                return found
        return DocumentType.OFFICIAL_LETTER

    @property
    def issuer(self) -> str:
        """Abbreviation of the issuing body (``UBND``, ``TTg``, ``VPCP``)."""
        if self.document_type is DocumentType.OFFICIAL_LETTER:
            return self.notation[0]
        return self.notation[1]

    @property
    def units(self) -> tuple[str, ...]:
        """Groups after the issuer: the drafting unit of a công văn, co-issuers, etc."""
        start = 1 if self.document_type is DocumentType.OFFICIAL_LETTER else 2
        return self.notation[start:]

    @property
    def is_normative(self) -> bool:
        """Whether the number carries a year (legal normative documents do)."""
        return self.year is not None

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        cleaned = _PREFIX.sub("", text).translate(_DASHES)
        cleaned = re.sub(r"\s*([/-])\s*", r"\1", cleaned)
        match = _STRICT.fullmatch(cleaned)
        loose = _LOOSE.fullmatch(cleaned) if match is None else None
        if match is None and loose is None:
            raise fail(
                tr(
                    "document number {value!r} is not valid: {expected}",
                    value=text,
                    expected=_expected(),
                )
            )
        if cleaned != text:
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "document number {value!r} has a prefix, spaces or unusual dashes",
                    value=text,
                ),
            )
        if match is not None:
            groups = match["notation"].split("-")
            head = cls._repair_group(groups[0], first=True)
            if head != groups[0]:  # "QD-UBND", "QYĐ-UBND": a type abbreviation misspelt
                findings.deviation(
                    CODE_NOT_CANONICAL,
                    tr(
                        "document number {value!r}: notation written {fixed} (upper case, Đ)",
                        value=text,
                        fixed="-".join([head, *groups[1:]]),
                    ),
                )
                groups[0] = head
            year = match["year"]
            return cls(match["number"], tuple(groups), int(year) if year else None)
        assert loose is not None  # one of the two matched
        return cls._repair(text, loose, findings)

    @classmethod
    def _repair(cls, text: str, match: re.Match[str], findings: Findings) -> Self:
        """Read a text the strict form refuses: fatal faults first, then repairable ones."""
        number = match["number"]
        year = int(match["year"]) if match["year"] else None
        groups = match["notation"].split("-")
        if int(number) == 0:
            raise fail(tr("document number {value!r} is not valid: the number is zero", value=text))
        if year is not None and not 1900 <= year <= 2099:
            raise fail(
                tr(
                    "document number {value!r} is not valid: year {year} is out of range",
                    value=text,
                    year=year,
                )
            )
        if not groups[0][:1].isalpha():
            raise fail(
                tr(
                    "document number {value!r} is not valid: {expected}",
                    value=text,
                    expected=_expected(),
                )
            )
        canonical_number = f"{int(number):02d}"
        if canonical_number != number:
            findings.deviation(
                CODE_DOCUMENT_STRUCTURE,
                tr(
                    "document number {value!r}: the number should be written {number} "
                    "(numbers below 10 take one leading zero, others none)",
                    value=text,
                    number=canonical_number,
                ),
            )
        fixed = [
            cls._repair_group(group, first=index == 0 and len(groups) > 1)
            for index, group in enumerate(groups)
        ]
        if fixed != groups:
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "document number {value!r}: notation written {fixed} (upper case, Đ)",
                    value=text,
                    fixed="-".join(fixed),
                ),
            )
        if len(fixed) < 2:
            findings.deviation(
                CODE_DOCUMENT_STRUCTURE,
                tr(
                    "document number {value!r} has a single notation group: expected "
                    "TYPE-ISSUER or ISSUER-UNIT",
                    value=text,
                ),
            )
        return cls(canonical_number, tuple(fixed), year)

    @staticmethod
    def _repair_group(group: str, *, first: bool) -> str:
        """Canonical spelling of one notation group: table abbreviations, else upper case."""
        if first:
            known = DocumentType.from_abbreviation(group, ignore_case=True)
            if known is None and "D" in group.upper():
                known = DocumentType.from_abbreviation(
                    group.upper().replace("D", "Đ"), ignore_case=True
                )
            if known is not None:
                return known.value
        if group[:1].islower():
            return group.upper()
        return group


@dataclass(frozen=True, slots=True)
class DocumentId(CodeType):
    """An edXML document identifier: ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT`` or a UUID.

    In the comma form, ``date_text`` is the date as written canonically (``yyyy/MM/dd``) and
    ``promulgation_date`` the calendar date; a lenient read keeps an impossible date
    (``2014/02/30`` is seen in real samples) as text with ``promulgation_date=None``.
    """

    agency: AgencyCode | None = None
    date_text: str | None = None
    code: DocumentCode | None = None
    uuid: uuid.UUID | None = None

    KIND: ClassVar[str] = "document identifier"
    JSON_PATTERN: ClassVar[str | None] = (
        r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"|[0-9A-Z.]{1,35},\d{4}/\d{2}/\d{2},[^,]+)$"
    )
    JSON_DESCRIPTION: ClassVar[str] = (
        "edXML DocumentId: sender agency code, promulgation date (yyyy/MM/dd) and document "
        "number joined by commas, or a UUID."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = (
        "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
        "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb",
    )

    def __str__(self) -> str:
        if self.uuid is not None:
            return str(self.uuid)
        return f"{self.agency},{self.date_text},{self.code}"

    def __repr__(self) -> str:
        return f"DocumentId({str(self)!r})"

    @classmethod
    def of(cls, agency: AgencyCode, promulgated: date, code: DocumentCode) -> Self:
        """The comma form for a document, as an emitter should build it."""
        return cls(agency=agency, date_text=promulgated.strftime("%Y/%m/%d"), code=code)

    @property
    def promulgation_date(self) -> date | None:
        """The promulgation date, or ``None`` for a UUID or an impossible date."""
        if self.date_text is None:
            return None
        try:
            return date(
                int(self.date_text[:4]), int(self.date_text[5:7]), int(self.date_text[8:10])
            )
        except ValueError:
            return None

    @property
    def is_uuid(self) -> bool:
        """Whether this identifier is a UUID rather than the comma form."""
        return self.uuid is not None

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        if "," not in text:
            try:
                value = uuid.UUID(text)
            except ValueError:
                raise fail(
                    tr(
                        "document identifier {value!r} is not valid: expected "
                        "AGENCY,yyyy/MM/dd,NUMBER/NOTATION or a UUID",
                        value=text,
                    )
                ) from None
            if str(value) != text:
                findings.deviation(
                    CODE_NOT_CANONICAL,
                    tr(
                        "document identifier {value!r}: UUID written {fixed}",
                        value=text,
                        fixed=str(value),
                    ),
                )
            return cls(uuid=value)
        parts = text.split(",", 2)
        if len(parts) != 3:
            raise fail(
                tr(
                    "document identifier {value!r} is not valid: expected "
                    "AGENCY,yyyy/MM/dd,NUMBER/NOTATION or a UUID",
                    value=text,
                )
            )
        agency = cls._part(AgencyCode, parts[0], findings)
        date_text = cls._date(parts[1].strip(), text, findings)
        code = cls._part(DocumentCode, parts[2], findings)
        return cls(agency=agency, date_text=date_text, code=code)

    @staticmethod
    def _part(kind: type[_T], text: str, findings: Findings) -> _T:
        if findings.strict:
            return kind.parse(text)
        value, issues = kind.parse_lenient(text)
        findings.issues.extend(issues)
        return value

    @staticmethod
    def _date(text: str, whole: str, findings: Findings) -> str:
        match = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", text, re.ASCII)
        if match is None:
            raise fail(
                tr(
                    "document identifier {value!r}: date {date!r} is not yyyy/MM/dd",
                    value=whole,
                    date=text,
                )
            )
        canonical = f"{match[1]}/{int(match[2]):02d}/{int(match[3]):02d}"
        if canonical != text:
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "document identifier {value!r}: date written {fixed}",
                    value=whole,
                    fixed=canonical,
                ),
            )
        try:
            date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            findings.deviation(
                CODE_INVALID_DATE,
                tr(
                    "document identifier {value!r}: {date} is not a calendar date",
                    value=whole,
                    date=canonical,
                ),
            )
        return canonical
