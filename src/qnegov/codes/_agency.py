"""Agency identifier codes in both schemes: QCVN 102:2016 (``000.00.00.H47``) and QĐ 20/2020.

The 2016 form has four fixed-width groups with level 1 at the *right*; the QĐ 20/2020 form (used by
QCVN 102 since its 2022 amendment) has level 1 at the *left* and up to 35 characters. Both travel
in edXML ``OrganId`` today, so a value always carries its ``scheme``. Internally the groups are
kept level-1 first whatever the scheme, which makes level, parent and conversion one rule each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.codes._base import (
    CODE_NOT_CANONICAL,
    CODE_TEST_VALUE,
    CodeType,
    Findings,
    fail,
)
from qnegov.codes._enums import AgencyScheme, BodyType
from qnegov.errors import InvalidCode
from qnegov.report import issue_code

__all__ = ["LEVEL1_NAMES", "SANDBOX_AGENCY_CODES", "AgencyCode"]

CODE_AGENCY_STRUCTURE = issue_code(
    "code_agency_structure",
    "An agency code whose groups break the QCVN 102:2016 widths or skip a level.",
    area="codes",
)
CODE_AGENCY_OTHER_ORG = issue_code(
    "code_agency_other_org",
    "A QĐ 20/2020 identifier whose first group is not a state-body level-1 code (Art. 5/6).",
    area="codes",
)

_LEGACY_STRICT = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", re.ASCII)
_LEGACY_LOOSE = re.compile(r"(?:\d{1,3}\.){1,3}[A-Z][A-Z0-9]{2}", re.ASCII)
_QD20 = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*")
_STATE_LEVEL1 = re.compile(r"[A-Z]\d{2}", re.ASCII)
_LEGACY_WIDTHS: Final = (2, 2, 3)  # widths of levels 2, 3, 4 (level 1 is letter + 2 digits)
_QD20_MAX: Final = 35

SANDBOX_AGENCY_CODES: Final = frozenset(
    {
        "777.77.04.D77",
        "777.77.03.D77",
        "99.99.99.G21",
        "999.010.01.H22",
        "000.00.00.A80",
        "28.22.H17",
    }
)
"""Codes seen in vendor SDK samples and test registrations, never real agencies."""

_PLACEHOLDER_GROUP = re.compile(r"(?:7{2,3}|9{2,3})")

LEVEL1_NAMES: Final[dict[str, str]] = {
    # Ministries after QĐ 09/2025/QĐ-TTg (the list as far as it was read).
    "G01": "Bộ Công an",
    "G02": "Bộ Công Thương",
    "G03": "Bộ Giáo dục và Đào tạo",
    "G06": "Bộ Khoa học và Công nghệ",
    "G08": "Bộ Ngoại giao",
    "G09": "Bộ Nội vụ",
    "G10": "Bộ Nông nghiệp và Môi trường",
    "G11": "Bộ Quốc phòng",
    "G12": "Bộ Tài chính",
    "G15": "Bộ Tư pháp",
    "G16": "Bộ Văn hóa, Thể thao và Du lịch",
    "G17": "Bộ Xây dựng",
    "G18": "Bộ Y tế",
    "G19": "Ngân hàng Nhà nước Việt Nam",
    "G20": "Thanh tra Chính phủ",
    "G21": "Bộ Dân tộc và Tôn giáo",
    "G22": "Văn phòng Chính phủ",
    "G27": "Đài Tiếng nói Việt Nam",
    "G28": "Đài Truyền hình Việt Nam",
    "G30": "Thông tấn xã Việt Nam",
    "G31": "Viện Hàn lâm Khoa học và Công nghệ Việt Nam",
    "G32": "Viện Hàn lâm Khoa học xã hội Việt Nam",
    "G35": "Ủy ban An toàn giao thông Quốc gia",
    "G38": "Ủy ban sông Mê Công Việt Nam",
    # Provinces verified in a source (others follow an inferred alphabetical rule: not listed).
    "H14": "UBND tỉnh Cao Bằng",
    "H41": "UBND tỉnh Nghệ An",
    "H47": "UBND tỉnh Quảng Nam",
    "H49": "UBND tỉnh Quảng Ninh",
    "H54": "UBND tỉnh Thái Bình",
    "H57": "UBND thành phố Huế",
    "K54": "HĐND tỉnh Thái Bình",
    "K57": "HĐND thành phố Huế",
}
"""Level-1 groups whose holder was read in a source (see docs/codes.md for the references)."""


@dataclass(frozen=True, slots=True)
class AgencyCode(CodeType):
    """An agency identifier (mã định danh cơ quan), e.g. ``000.00.00.H47`` or ``H47.12``.

    ``groups`` are level-1 first in both schemes; ``str()`` writes them in the scheme's own order.
    """

    scheme: AgencyScheme
    groups: tuple[str, ...]

    KIND: ClassVar[str] = "agency code"
    JSON_PATTERN: ClassVar[str | None] = (
        r"^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|(?=[0-9A-Z.]{1,35}$)[0-9A-Z]+(?:\.[0-9A-Z]+)*)$"
    )
    JSON_DESCRIPTION: ClassVar[str] = (
        "Agency identifier: QCVN 102:2016 form (000.00.00.H47, level 1 at the right) or "
        "QĐ 20/2020/QĐ-TTg form (H47.12, level 1 at the left, at most 35 of [0-9A-Z.])."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("000.00.00.H47", "000.00.00.G22", "H47.12")

    def __str__(self) -> str:
        if self.scheme is AgencyScheme.QCVN102_2016:
            return ".".join(reversed(self.groups))
        return ".".join(self.groups)

    def __repr__(self) -> str:
        return f"AgencyCode({str(self)!r})"

    # ---- reading -------------------------------------------------------------------------
    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        upper = re.sub(r"\s*\.\s*", ".", text).upper()
        parts = upper.split(".")
        legacy_shaped = (
            len(parts) >= 2
            and any("A" <= c <= "Z" for c in parts[-1])
            and all(p.isascii() and p.isdigit() for p in parts[:-1])
        )
        shape = _LEGACY_LOOSE if legacy_shaped else _QD20
        if not shape.fullmatch(upper) or len(upper) > _QD20_MAX:
            raise fail(
                tr(
                    "agency code {value!r} is not valid: expected the QCVN 102:2016 form "
                    "NNN.NN.NN.XNN (e.g. 000.00.00.H47) or the QĐ 20/2020 form (e.g. H47.12)",
                    value=text,
                )
            )
        if upper != text:
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "agency code {value!r} is written {fixed} (upper case, no spaces around dots)",
                    value=text,
                    fixed=upper,
                ),
            )
        code = (
            cls._read_legacy(upper, findings) if legacy_shaped else cls._read_qd20(upper, findings)
        )
        if code.is_test:
            findings.deviation(
                CODE_TEST_VALUE,
                tr(
                    "agency code {value} is a test/sandbox code, not a real agency", value=str(code)
                ),
            )
        return code

    @classmethod
    def _read_legacy(cls, text: str, findings: Findings) -> Self:
        parts = text.split(".")
        code = cls(AgencyScheme.QCVN102_2016, tuple(reversed(parts)))
        if text in SANDBOX_AGENCY_CODES or code.is_test:
            return code  # reported once by the caller; its shape is not worth a second warning
        if not _LEGACY_STRICT.fullmatch(text):
            findings.deviation(
                CODE_AGENCY_STRUCTURE,
                tr(
                    "agency code {value} breaks the QCVN 102:2016 group widths: expected "
                    "NNN.NN.NN.XNN (3, 2, 2 digits, then a letter and 2 digits)",
                    value=text,
                ),
            )
        if code._gap():
            findings.deviation(
                CODE_AGENCY_STRUCTURE,
                tr(
                    "agency code {value} skips a level: a lower-level group is set while a "
                    "higher one is zero",
                    value=text,
                ),
            )
        return code

    @classmethod
    def _read_qd20(cls, text: str, findings: Findings) -> Self:
        code = cls(AgencyScheme.QD20_2020, tuple(text.split(".")))
        if not _STATE_LEVEL1.fullmatch(code.groups[0]):
            findings.note(
                CODE_AGENCY_OTHER_ORG,
                tr(
                    "agency code {value} does not start with a state-body level-1 group "
                    "(letter + 2 digits): an enterprise or other-organisation identifier",
                    value=text,
                ),
            )
        return code

    # ---- structure -----------------------------------------------------------------------
    def _gap(self) -> bool:
        """Whether a non-zero group sits below a zero group (QCVN 102 forbids it)."""
        seen_zero = False
        for group in self.groups[1:]:
            if int(group) == 0:
                seen_zero = True
            elif seen_zero:
                return True
        return False

    @property
    def level1(self) -> str:
        """The level-1 group (``"H47"``)."""
        return self.groups[0]

    @property
    def body_type(self) -> BodyType:
        """Which kind of body the level-1 letter stands for (G ministry, H UBND, K HĐND...)."""
        if not _STATE_LEVEL1.fullmatch(self.level1):
            return BodyType.OTHER
        return BodyType.from_letter(self.level1[0])

    @property
    def level1_name(self) -> str | None:
        """Holder of the level-1 code when a source names it (``None`` otherwise)."""
        return LEVEL1_NAMES.get(self.level1)

    @property
    def level(self) -> int:
        """1 for the level-1 body itself, 2 for its departments, and so on."""
        if self.scheme is AgencyScheme.QD20_2020:
            return len(self.groups)
        deepest = 1
        for index, group in enumerate(self.groups[1:], start=2):
            if int(group) != 0:
                deepest = index
        return deepest

    @property
    def is_test(self) -> bool:
        """A sandbox code from SDK samples, or one whose groups are 77/777/99/999 placeholders."""
        if self.scheme is not AgencyScheme.QCVN102_2016:
            return False
        if str(self) in SANDBOX_AGENCY_CODES:
            return True
        return any(_PLACEHOLDER_GROUP.fullmatch(g) for g in self.groups[1:])

    def parent(self) -> Self | None:
        """The code of the body one level up; ``None`` for a level-1 body."""
        if self.level == 1:
            return None
        if self.scheme is AgencyScheme.QD20_2020:
            return type(self)(self.scheme, self.groups[:-1])
        groups = list(self.groups)
        index = self.level - 1
        groups[index] = "0" * len(groups[index])
        return type(self)(self.scheme, tuple(groups))

    def ancestors(self) -> list[Self]:
        """Parent, grandparent... up to the level-1 body."""
        out: list[Self] = []
        node = self.parent()
        while node is not None:
            out.append(node)
            node = node.parent()
        return out

    def to_qd20(self) -> Self:
        """The QĐ 20/2020 form: level-1 group first, then each set lower level (``H47.12``).

        Defined only for codes that keep the QCVN 102 rules (widths, no skipped level); the
        groups keep their widths. This mechanical mapping is inferred from the two published
        orientations; the national registry (VDXP ``code``/``code102``) remains authoritative.
        """
        if self.scheme is AgencyScheme.QD20_2020:
            return self
        if not _LEGACY_STRICT.fullmatch(str(self)) or self._gap():
            raise InvalidCode(
                tr(
                    "no QĐ 20/2020 form is defined for {value}: only codes with the QCVN 102:2016 "
                    "widths and no skipped level convert",
                    value=str(self),
                ),
                reason=CODE_AGENCY_STRUCTURE,
            )
        return type(self)(AgencyScheme.QD20_2020, self.groups[: self.level])

    def to_qcvn102(self) -> Self:
        """The QCVN 102:2016 form (``000.00.12.H47``), when the groups fit its widths."""
        if self.scheme is AgencyScheme.QCVN102_2016:
            return self
        lower = self.groups[1:]
        fits = (
            _STATE_LEVEL1.fullmatch(self.level1) is not None
            and len(lower) <= len(_LEGACY_WIDTHS)
            and all(
                g.isdigit() and len(g) == w and int(g) != 0
                for g, w in zip(lower, _LEGACY_WIDTHS, strict=False)
            )
        )
        if not fits:
            raise InvalidCode(
                tr(
                    "no QCVN 102:2016 form is defined for {value}: it needs a level-1 group "
                    "(letter + 2 digits) and at most 3 lower groups of 2, 2 and 3 digits",
                    value=str(self),
                ),
                reason=CODE_AGENCY_STRUCTURE,
            )
        padded = list(lower) + ["0" * w for w in _LEGACY_WIDTHS[len(lower) :]]
        return type(self)(AgencyScheme.QCVN102_2016, (self.level1, *padded))
