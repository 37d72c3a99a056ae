"""Closed code lists with Vietnamese and English labels (urgency, secrecy, signer authority...).

Labels follow the current message language (:func:`qnegov._i18n.get_language`) through
``label()``; ``label_vi`` and ``label_en`` give one language explicitly. The member *values* are
what travels on the wire (an int for ``Priority``, the Decree 30 abbreviation for
``DocumentType``...).
"""

from __future__ import annotations

import enum
import unicodedata
from typing import Final, Self

from qnegov._i18n import get_language

__all__ = [
    "AgencyScheme",
    "BodyType",
    "Confidentiality",
    "DocumentType",
    "PhoneKind",
    "Priority",
    "Sex",
    "SignerAuthority",
    "UnitLevel",
]


class _Labelled:
    """Mixin giving a member its labels from the class's ``_labels()`` table."""

    __slots__ = ()

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        raise NotImplementedError

    @property
    def label_vi(self) -> str:
        """The Vietnamese label."""
        return type(self)._labels()[self][0]

    @property
    def label_en(self) -> str:
        """The English label."""
        return type(self)._labels()[self][1]

    def label(self) -> str:
        """The label in the current message language."""
        return self.label_vi if get_language() == "vi" else self.label_en

    @classmethod
    def from_label(cls, text: str) -> Self | None:
        """The member labelled ``text`` in either language (``"Hỏa tốc"``, ``"quyết định"``).

        Case, Unicode form and a trailing parenthesis (``"(cá biệt)"``) do not matter.
        """
        wanted = _fold(text)
        for member, (vi, en) in cls._labels().items():
            if wanted in (_fold(vi), _fold(en)):
                return member  # type: ignore[return-value]
        return None


def _fold(label: str) -> str:
    """A label compared loosely: NFC, case-folded, single spaces, no trailing "(...)"."""
    text = unicodedata.normalize("NFC", label).casefold()
    text = text.split("(", 1)[0] if text.rstrip().endswith(")") else text
    return " ".join(text.split())


class Priority(_Labelled, enum.IntEnum):
    """Urgency of a document (edXML ``OtherInfo/Priority``; "độ khẩn" under Decree 30)."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_TIMED = 4

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _PRIORITY


_PRIORITY: Final[dict[object, tuple[str, str]]] = {
    Priority.NORMAL: ("Thường", "Normal"),
    Priority.URGENT: ("Khẩn", "Urgent"),
    Priority.VERY_URGENT: ("Thượng khẩn", "Very urgent"),
    Priority.FLASH: ("Hỏa tốc", "Flash"),
    Priority.FLASH_TIMED: ("Hỏa tốc hẹn giờ", "Flash, timed delivery"),
}


class Confidentiality(_Labelled, enum.StrEnum):
    """State-secret marks ("độ mật"); classified documents must not travel on public axes."""

    SECRET = "Mật"  # noqa: S105 - a secrecy mark, not a password
    TOP_SECRET = "Tối mật"  # noqa: S105
    ULTRA_SECRET = "Tuyệt mật"  # noqa: S105

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _CONFIDENTIALITY


_CONFIDENTIALITY: Final[dict[object, tuple[str, str]]] = {
    Confidentiality.SECRET: ("Mật", "Confidential"),
    Confidentiality.TOP_SECRET: ("Tối mật", "Secret"),
    Confidentiality.ULTRA_SECRET: ("Tuyệt mật", "Top secret"),
}


class SignerAuthority(_Labelled, enum.StrEnum):
    """The prefix before a signer's title (Decree 30): who signs in whose name."""

    ON_BEHALF = "TM."
    FOR_HEAD = "KT."
    BY_ORDER = "TL."
    BY_AUTHORISATION = "TUQ."
    ACTING = "Q."

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _SIGNER

    @classmethod
    def split_title(cls, title: str) -> tuple[Self | None, str]:
        """Split ``"KT. CHỦ TỊCH"`` into ``(FOR_HEAD, "CHỦ TỊCH")``; no prefix gives ``None``."""
        head = title.strip()
        for member in sorted(cls, key=lambda m: -len(m.value)):
            if head.upper().startswith(member.value):
                return member, head[len(member.value) :].strip()
        return None, head


_SIGNER: Final[dict[object, tuple[str, str]]] = {
    SignerAuthority.ON_BEHALF: ("Thay mặt", "On behalf of (a collective body)"),
    SignerAuthority.FOR_HEAD: ("Ký thay", "Signing for the head (deputy)"),
    SignerAuthority.BY_ORDER: ("Thừa lệnh", "By order of"),
    SignerAuthority.BY_AUTHORISATION: ("Thừa ủy quyền", "By authorisation of"),
    SignerAuthority.ACTING: ("Quyền", "Acting head"),
}


class DocumentType(_Labelled, enum.StrEnum):
    """Administrative document types and their abbreviations (Decree 30/2020, Appendix III).

    ``OFFICIAL_LETTER`` (công văn) has no abbreviation: its value is the empty string. The three
    normative types at the end (NĐ, TT, TTLT) come from the law on legal documents, not from
    Decree 30, and are here because their numbers use the same "số, ký hiệu" form.
    """

    RESOLUTION = "NQ"
    DECISION = "QĐ"
    DIRECTIVE = "CT"
    STATUTE = "QC"
    REGULATION = "QyĐ"
    COMMUNIQUE = "TC"
    NOTICE = "TB"
    GUIDANCE = "HD"
    PROGRAMME = "CTr"
    PLAN = "KH"
    OPTION = "PA"
    SCHEME = "ĐA"
    PROJECT = "DA"
    REPORT = "BC"
    MINUTES = "BB"
    SUBMISSION = "TTr"
    CONTRACT = "HĐ"
    TELEGRAM = "CĐ"
    MEMORANDUM = "BGN"
    AGREEMENT = "BTT"
    POWER_OF_ATTORNEY = "GUQ"
    INVITATION = "GM"
    INTRODUCTION_LETTER = "GGT"
    LEAVE_PERMIT = "GNP"
    DISPATCH_SLIP = "PG"
    TRANSFER_SLIP = "PC"
    ADVICE_SLIP = "PB"
    TRUE_COPY = "SY"
    EXTRACT_COPY = "TrS"
    DUPLICATE_COPY = "SL"
    OFFICIAL_LETTER = ""
    DECREE = "NĐ"
    CIRCULAR = "TT"
    JOINT_CIRCULAR = "TTLT"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _DOCTYPES

    @property
    def abbreviation(self) -> str | None:
        """The abbreviation used in "số, ký hiệu" (``None`` for công văn)."""
        return self.value or None

    @property
    def is_copy(self) -> bool:
        """Whether this is one of the copy forms (sao y, trích sao, sao lục)."""
        return self in (
            DocumentType.TRUE_COPY,
            DocumentType.EXTRACT_COPY,
            DocumentType.DUPLICATE_COPY,
        )

    @classmethod
    def from_abbreviation(cls, text: str, *, ignore_case: bool = False) -> Self | None:
        """The type abbreviated ``text`` (``"QyĐ"``), or ``None``; case-insensitive on request."""
        for member in cls:
            if member.value and (
                member.value == text or (ignore_case and member.value.upper() == text.upper())
            ):
                return member
        return None


_DOCTYPES: Final[dict[object, tuple[str, str]]] = {
    DocumentType.RESOLUTION: ("Nghị quyết (cá biệt)", "Resolution (individual)"),
    DocumentType.DECISION: ("Quyết định (cá biệt)", "Decision (individual)"),
    DocumentType.DIRECTIVE: ("Chỉ thị", "Directive"),
    DocumentType.STATUTE: ("Quy chế", "Statute"),
    DocumentType.REGULATION: ("Quy định", "Regulation"),
    DocumentType.COMMUNIQUE: ("Thông cáo", "Communiqué"),
    DocumentType.NOTICE: ("Thông báo", "Notice"),
    DocumentType.GUIDANCE: ("Hướng dẫn", "Guidance"),
    DocumentType.PROGRAMME: ("Chương trình", "Programme"),
    DocumentType.PLAN: ("Kế hoạch", "Plan"),
    DocumentType.OPTION: ("Phương án", "Option plan"),
    DocumentType.SCHEME: ("Đề án", "Scheme"),
    DocumentType.PROJECT: ("Dự án", "Project"),
    DocumentType.REPORT: ("Báo cáo", "Report"),
    DocumentType.MINUTES: ("Biên bản", "Minutes"),
    DocumentType.SUBMISSION: ("Tờ trình", "Submission"),
    DocumentType.CONTRACT: ("Hợp đồng", "Contract"),
    DocumentType.TELEGRAM: ("Công điện", "Official telegram"),
    DocumentType.MEMORANDUM: ("Bản ghi nhớ", "Memorandum of understanding"),
    DocumentType.AGREEMENT: ("Bản thỏa thuận", "Agreement"),
    DocumentType.POWER_OF_ATTORNEY: ("Giấy ủy quyền", "Power of attorney"),
    DocumentType.INVITATION: ("Giấy mời", "Invitation"),
    DocumentType.INTRODUCTION_LETTER: ("Giấy giới thiệu", "Letter of introduction"),
    DocumentType.LEAVE_PERMIT: ("Giấy nghỉ phép", "Leave permit"),
    DocumentType.DISPATCH_SLIP: ("Phiếu gửi", "Dispatch slip"),
    DocumentType.TRANSFER_SLIP: ("Phiếu chuyển", "Transfer slip"),
    DocumentType.ADVICE_SLIP: ("Phiếu báo", "Advice slip"),
    DocumentType.TRUE_COPY: ("Bản sao y", "True copy"),
    DocumentType.EXTRACT_COPY: ("Bản trích sao", "Extract copy"),
    DocumentType.DUPLICATE_COPY: ("Bản sao lục", "Duplicate copy"),
    DocumentType.OFFICIAL_LETTER: ("Công văn", "Official letter"),
    DocumentType.DECREE: ("Nghị định", "Decree"),
    DocumentType.CIRCULAR: ("Thông tư", "Circular"),
    DocumentType.JOINT_CIRCULAR: ("Thông tư liên tịch", "Joint circular"),
}


class Sex(_Labelled, enum.StrEnum):
    """Sex as encoded in the identification number (digit 4)."""

    MALE = "male"
    FEMALE = "female"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _SEX

    @classmethod
    def from_text(cls, text: str) -> Sex | None:
        """Read "Nam"/"Nữ", "male"/"female" or "M"/"F" (any case, NFC or not); else ``None``."""
        key = unicodedata.normalize("NFC", text).strip().casefold()
        return _SEX_WORDS.get(key)


_SEX: Final[dict[object, tuple[str, str]]] = {
    Sex.MALE: ("Nam", "Male"),
    Sex.FEMALE: ("Nữ", "Female"),
}
_SEX_WORDS: Final[dict[str, Sex]] = {
    **dict.fromkeys(("nam", "male", "m"), Sex.MALE),
    **dict.fromkeys(("nữ", "nu", "female", "f"), Sex.FEMALE),
}


class AgencyScheme(_Labelled, enum.StrEnum):
    """Which standard an agency code follows."""

    QCVN102_2016 = "qcvn102_2016"
    QD20_2020 = "qd20_2020"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _SCHEME


_SCHEME: Final[dict[object, tuple[str, str]]] = {
    AgencyScheme.QCVN102_2016: (
        "QCVN 102:2016 (cấp 1 ở bên phải)",
        "QCVN 102:2016 (level 1 on the right)",
    ),
    AgencyScheme.QD20_2020: (
        "QĐ 20/2020/QĐ-TTg (cấp 1 ở bên trái)",
        "Decision 20/2020/QĐ-TTg (level 1 on the left)",
    ),
}


class BodyType(_Labelled, enum.StrEnum):
    """The letter of a level-1 group: which kind of body heads the tree (only G, H, K verified)."""

    GOVERNMENT = "G"
    PEOPLES_COMMITTEE = "H"
    PEOPLES_COUNCIL = "K"
    OTHER = "?"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _BODY

    @classmethod
    def from_letter(cls, letter: str) -> BodyType:
        """The body type of a level-1 letter; letters not verified in a source give ``OTHER``."""
        for member in cls:
            if member.value == letter:
                return member
        return cls.OTHER


_BODY: Final[dict[object, tuple[str, str]]] = {
    BodyType.GOVERNMENT: (
        "Bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ",
        "Ministry or government body",
    ),
    BodyType.PEOPLES_COMMITTEE: (
        "Ủy ban nhân dân tỉnh, thành phố",
        "Provincial People's Committee",
    ),
    BodyType.PEOPLES_COUNCIL: ("Hội đồng nhân dân tỉnh, thành phố", "Provincial People's Council"),
    BodyType.OTHER: ("Nhóm cơ quan khác (chưa xác minh)", "Other group (letter not verified)"),
}


class UnitLevel(_Labelled, enum.StrEnum):
    """Level of an administrative unit (districts exist only before 1 July 2025)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _LEVEL


_LEVEL: Final[dict[object, tuple[str, str]]] = {
    UnitLevel.PROVINCE: ("Cấp tỉnh", "Province level"),
    UnitLevel.DISTRICT: ("Cấp huyện", "District level"),
    UnitLevel.COMMUNE: ("Cấp xã", "Commune level"),
}


class PhoneKind(_Labelled, enum.StrEnum):
    """Mobile or fixed-line number."""

    MOBILE = "mobile"
    FIXED = "fixed"

    @classmethod
    def _labels(cls) -> dict[object, tuple[str, str]]:
        return _PHONE


_PHONE: Final[dict[object, tuple[str, str]]] = {
    PhoneKind.MOBILE: ("Di động", "Mobile"),
    PhoneKind.FIXED: ("Cố định", "Fixed line"),
}
