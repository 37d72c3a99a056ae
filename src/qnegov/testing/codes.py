"""Hypothesis strategies for :mod:`qnegov.codes`: valid values of every type, near-miss texts.

Valid strategies produce *values* (``AgencyCode``...), so a test can check ``parse(str(x)) == x``.
The ``near_miss_*`` strategies produce *texts* one small slip away from a valid code (a digit
too many, lower case, a broken check digit...), every one of which strict parsing must refuse.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import cache

from hypothesis import strategies as st

from qnegov.codes import (
    LEGACY_UNTIL,
    OLD_MOBILE_PREFIXES,
    AdministrativeUnit,
    AgencyCode,
    AgencyScheme,
    CitizenId,
    Confidentiality,
    DocumentCode,
    DocumentId,
    DocumentType,
    PhoneNumber,
    Priority,
    SignerAuthority,
    TaxCode,
    UnitLevel,
    catalogue,
    tax_check_digit,
)
from qnegov.errors import InvalidCode

__all__ = [
    "administrative_units",
    "agency_codes",
    "citizen_ids",
    "confidentialities",
    "document_codes",
    "document_ids",
    "document_types",
    "near_miss_agency_codes",
    "near_miss_citizen_ids",
    "near_miss_document_codes",
    "near_miss_phone_numbers",
    "near_miss_tax_codes",
    "phone_numbers",
    "priorities",
    "signer_authorities",
    "tax_codes",
]

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
_PLACEHOLDERS = frozenset({"77", "777", "99", "999"})


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(_DIGITS, min_size=count, max_size=count)


@st.composite
def _legacy_agency(draw: st.DrawFn) -> AgencyCode:
    level1 = draw(st.sampled_from(_UPPER)) + draw(_digits(2))
    level = draw(st.integers(1, 4))
    groups = [level1]
    for index, width in enumerate((2, 2, 3), start=2):
        if index <= level:
            number = draw(st.integers(1, 10**width - 1))
            text = f"{number:0{width}d}"
            if text in _PLACEHOLDERS:  # 77, 999...: what the sandbox heuristic flags
                text = f"{number - 1:0{width}d}"
            groups.append(text)
        else:
            groups.append("0" * width)
    code = AgencyCode(AgencyScheme.QCVN102_2016, tuple(groups))
    if code.is_test:  # e.g. 000.00.00.A80 from the sandbox list
        code = AgencyCode(AgencyScheme.QCVN102_2016, ("H47", *groups[1:]))
    return code


@st.composite
def _qd20_agency(draw: st.DrawFn) -> AgencyCode:
    level1 = draw(st.sampled_from(_UPPER)) + draw(_digits(2))
    lower = draw(
        st.lists(st.text(_DIGITS + _UPPER, min_size=1, max_size=4), min_size=0, max_size=6)
    )
    groups = [level1]
    for group in lower:
        if len(".".join([*groups, group])) > 35:
            break
        groups.append(group)
    return AgencyCode(AgencyScheme.QD20_2020, tuple(groups))


def agency_codes(scheme: AgencyScheme | None = None) -> st.SearchStrategy[AgencyCode]:
    """Strict-valid agency codes of either scheme (or the one asked for); never sandbox codes."""
    enterprise = _digits(10).map(lambda d: AgencyCode(AgencyScheme.QD20_2020, (d,)))
    if scheme is AgencyScheme.QCVN102_2016:
        return _legacy_agency()
    if scheme is AgencyScheme.QD20_2020:
        return st.one_of(_qd20_agency(), enterprise)
    return st.one_of(_legacy_agency(), _qd20_agency(), enterprise)


@st.composite
def near_miss_agency_codes(draw: st.DrawFn) -> str:
    """Texts a slip away from a valid agency code; strict parsing refuses every one."""
    legacy = str(draw(_legacy_agency()))
    qd20 = str(draw(_qd20_agency()))
    groups = legacy.split(".")
    slip = draw(st.integers(0, 5))
    if slip == 0:  # a numeric group one digit too long or too short
        index = draw(st.integers(0, 2))
        groups[index] = groups[index] + "0" if draw(st.booleans()) else groups[index][:-1] or "00"
        if ".".join(groups) == legacy:
            groups[index] += "0"
        return ".".join(groups)
    if slip == 1:  # level-1 group without its second digit
        return ".".join([*groups[:3], groups[3][:2]])
    if slip == 2:  # a separator that is not a dot
        return legacy.replace(".", draw(st.sampled_from(["-", "/", "_", ","])), 1)
    if slip == 3:  # lower case
        return legacy.lower()
    if slip == 4:  # QĐ 20 form over 35 characters
        return (qd20 + ".A" * 18)[:40]
    return draw(st.sampled_from(sorted(["777.77.04.D77", "28.22.H17", "99.99.99.G21"])))


@cache
def _birth_provinces() -> tuple[str, ...]:
    return tuple("0" + u.code for u in catalogue().provinces(LEGACY_UNTIL))


@st.composite
def citizen_ids(draw: st.DrawFn) -> CitizenId:
    """Strict-valid 12-digit identification numbers born in the 20th or 21st century (to date)."""
    province = draw(st.sampled_from(_birth_provinces()))
    century = draw(st.integers(0, 1))
    sex = draw(st.integers(0, 1))
    top = 99 if century == 0 else date.today().year % 100
    year = draw(st.integers(0, top))
    return CitizenId(f"{province}{2 * century + sex}{year:02d}{draw(_digits(6))}")


@st.composite
def near_miss_citizen_ids(draw: st.DrawFn) -> str:
    """Texts a slip away from a valid identification number; strict parsing refuses them."""
    valid = str(draw(citizen_ids()))
    slip = draw(st.integers(0, 4))
    if slip == 0:  # one digit missing or extra
        return valid[:-1] if draw(st.booleans()) else valid + draw(_digits(1))
    if slip == 1:  # unknown province prefix
        unknown = sorted({f"{n:03d}" for n in range(1000)} - set(_birth_provinces()))
        return draw(st.sampled_from(unknown)) + valid[3:]
    if slip == 2:  # a letter in place of a digit
        index = draw(st.integers(0, 11))
        return valid[:index] + draw(st.sampled_from("OlIA")) + valid[index + 1 :]
    if slip == 3:  # the 9-digit legacy CMND form
        return draw(_digits(9))
    return valid[:3] + "299" + valid[6:]  # born in 2099: in the future


@st.composite
def tax_codes(draw: st.DrawFn, branches: bool = True) -> TaxCode:
    """Strict-valid tax codes (with a check digit), some with a branch suffix."""
    while True:
        first9 = draw(_digits(2)) + f"{draw(st.integers(1, 9_999_999)):07d}"
        check = tax_check_digit(first9)
        if check is not None:
            break
    branch = None
    if branches and draw(st.booleans()):
        branch = f"{draw(st.integers(1, 999)):03d}"
    return TaxCode(first9 + check, branch)


@st.composite
def near_miss_tax_codes(draw: st.DrawFn) -> str:
    """Texts a slip away from a valid tax code: wrong check digit, impossible nine digits..."""
    valid = draw(tax_codes(branches=False))
    slip = draw(st.integers(0, 3))
    if slip == 0:  # any other check digit
        wrong = draw(st.sampled_from([d for d in _DIGITS if d != valid.check_digit]))
        return valid.base[:9] + wrong
    if slip == 1:  # nine digits whose weighted sum is divisible by 11: no check digit exists
        while True:
            first9 = draw(_digits(2)) + f"{draw(st.integers(1, 9_999_999)):07d}"
            if tax_check_digit(first9) is None:
                return first9 + draw(_digits(1))
    if slip == 2:  # branch 000
        return f"{valid.base}-000"
    return valid.base[:-1]  # one digit short


_ISSUERS = ("UBND", "HĐND", "VPCP", "TTg", "CP", "BTTTT", "SNV", "STTTT", "VP", "TTĐT")
_UNITS = (*_ISSUERS, "QH15", "TCCB", "KT")


def _misspelt_type(group: str) -> bool:
    """Whether a first notation group reads as a type abbreviation once case or Đ is fixed."""
    for candidate in (group, group.replace("D", "Đ")):
        found = DocumentType.from_abbreviation(candidate, ignore_case=True)
        if found is not None and found.value != group:
            return True
    return False


@st.composite
def document_codes(draw: st.DrawFn) -> DocumentCode:
    """Strict-valid document numbers: typed (12/QĐ-UBND), công văn (123/UBND-VP), normative."""
    number = f"{draw(st.integers(1, 99_999)):02d}"
    year = draw(st.none() | st.integers(1900, 2099))
    issuer_text = st.text("ABCDEGHKLMNPQRSTVXYĐ", min_size=2, max_size=6)
    issuer = draw(st.sampled_from(_ISSUERS) | issuer_text)
    units = draw(st.lists(st.sampled_from(_UNITS) | issuer_text, max_size=2))
    doc_type = draw(st.sampled_from(list(DocumentType)))
    if doc_type is DocumentType.OFFICIAL_LETTER:
        if _misspelt_type(issuer):
            issuer = "UBND"
        notation = (issuer, *(units or ["VP"]))
    else:
        notation = (doc_type.value, issuer, *units)
    return DocumentCode(number, tuple(notation), year)


@st.composite
def near_miss_document_codes(draw: st.DrawFn) -> str:
    """Texts a slip away from a valid document number; strict parsing refuses them."""
    valid = draw(document_codes())
    text = str(valid)
    slip = draw(st.integers(0, 5))
    if slip == 0:  # no slash before the notation
        head, _, tail = text.rpartition("/")
        return head + tail
    if slip == 1:  # number zero
        return "00/" + text.split("/", 1)[1]
    if slip == 2:  # number below 10 without padding, or padded too much
        return ("5/" if draw(st.booleans()) else "0012/") + text.split("/", 1)[1]
    if slip == 3:  # single notation group
        return f"{valid.number}/{valid.notation[0]}"
    if slip == 4:  # spaces around the separators
        return text.replace("/", " / ", 1)
    return f"{valid.number}/{valid.code_notation.lower()}"  # lower-case notation


def document_ids() -> st.SearchStrategy[DocumentId]:
    """Strict-valid edXML document identifiers, comma form or UUID."""
    comma = st.builds(
        DocumentId.of,
        agency_codes(),
        st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
        document_codes(),
    )
    uuids = st.uuids().map(lambda u: DocumentId(uuid=uuid.UUID(str(u))))
    return st.one_of(comma, uuids)


_MOBILE_PREFIXES = (
    *(f"3{d}" for d in "23456789"),
    "56", "58", "59", "70", "76", "77", "78", "79",
    *(f"8{d}" for d in "1234589"),
    *(f"9{d}" for d in "0134678"),
)  # fmt: skip


def _is_valid_phone(text: str) -> bool:
    try:
        PhoneNumber.parse(text)
    except InvalidCode:
        return False
    return True


@st.composite
def _phone_text(draw: st.DrawFn, mobile: bool) -> str:
    if mobile:
        return "0" + draw(st.sampled_from(_MOBILE_PREFIXES)) + draw(_digits(7))
    area = draw(st.sampled_from(sorted(catalogue().area_codes)))
    first = draw(st.sampled_from("23456789"))
    return "0" + area + first + draw(_digits(9 - len(area)))


def phone_numbers(kind: str | None = None) -> st.SearchStrategy[PhoneNumber]:
    """Strict-valid phone numbers (``kind`` ``"mobile"``/``"fixed"`` to restrict)."""
    texts = {
        "mobile": _phone_text(True),
        "fixed": _phone_text(False),
        None: st.one_of(_phone_text(True), _phone_text(False)),
    }[kind]
    return texts.filter(_is_valid_phone).map(PhoneNumber.parse)


@st.composite
def near_miss_phone_numbers(draw: st.DrawFn) -> str:
    """Texts a slip away from a valid phone number; strict parsing refuses them."""
    valid = draw(phone_numbers()).national
    slip = draw(st.integers(0, 3))
    if slip == 0:
        return valid[:-1]
    if slip == 1:
        return valid + draw(_digits(1))
    if slip == 2:  # an 11-digit mobile number of before 2018
        return "0" + draw(st.sampled_from(sorted(OLD_MOBILE_PREFIXES))) + draw(_digits(7))
    return "1" + valid[1:]  # no leading 0 or +84


def administrative_units(
    on: date | None = None, level: UnitLevel | None = None
) -> st.SearchStrategy[AdministrativeUnit]:
    """Units of the shipped catalogue: in force on ``on`` if given, else of any era."""
    book = catalogue()
    if on is not None:
        pool = book.units(on=on, level=level)
    else:
        pool = sorted(
            (u for u in book if level is None or u.level is level),
            key=lambda u: (u.code, u.valid_to or date.max),
        )
    return st.sampled_from(pool)


def priorities() -> st.SearchStrategy[Priority]:
    """Any urgency level."""
    return st.sampled_from(Priority)


def confidentialities() -> st.SearchStrategy[Confidentiality]:
    """Any secrecy mark."""
    return st.sampled_from(Confidentiality)


def signer_authorities() -> st.SearchStrategy[SignerAuthority]:
    """Any signer-authority prefix."""
    return st.sampled_from(SignerAuthority)


def document_types() -> st.SearchStrategy[DocumentType]:
    """Any document type (including công văn, which has no abbreviation)."""
    return st.sampled_from(DocumentType)
