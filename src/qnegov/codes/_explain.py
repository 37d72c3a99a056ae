"""Say what a value is: guess its kind, read it strictly and leniently, decode its fields.

This is the library side of ``qnegov codes explain`` and ``qnegov codes check``: it returns
plain JSON-ready data and :class:`~qnegov.report.Issue` objects, and prints nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from qnegov.codes._agency import AgencyCode
from qnegov.codes._base import CodeType, Findings, prepare
from qnegov.codes._citizen import CitizenId
from qnegov.codes._document import DocumentCode, DocumentId
from qnegov.codes._phone import PhoneNumber
from qnegov.codes._tax import TaxCode
from qnegov.codes._units import AdministrativeUnit, catalogue
from qnegov.errors import InvalidCode
from qnegov.report import Issue, Severity

__all__ = ["KINDS", "Explanation", "explain", "guess_kinds", "read_code"]

KINDS: Final[dict[str, type[CodeType]]] = {
    "agency": AgencyCode,
    "citizen": CitizenId,
    "tax": TaxCode,
    "document": DocumentCode,
    "docid": DocumentId,
    "unit": AdministrativeUnit,
    "phone": PhoneNumber,
}
"""The ``--kind`` names of the CLI and the class each one reads."""

_SPECIFICITY: Final[dict[str, int]] = {
    "tax": 0,  # a check digit
    "docid": 1,
    "document": 1,
    "agency": 1,
    "citizen": 2,  # province, century-and-sex and year fields, no check digit
    "unit": 3,  # any listed number of a few digits
    "phone": 4,  # any number of the right length with an assigned prefix
}
"""How rarely a random value of the right shape is valid as each kind (lower: rarer)."""

_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


def guess_kinds(text: str) -> list[str]:
    """Plausible kinds for ``text``, most likely first (shape only; nothing is validated)."""
    value = text.strip()
    if "," in value or _UUID.fullmatch(value):
        return ["docid"]
    if "/" in value:
        return ["document"]
    if any(c.isalpha() for c in value):
        return ["agency", "document"]
    digits = re.sub(r"[\s.\-()]", "", value)
    if value.startswith("+"):
        return ["phone"]
    if "." in value:
        return ["agency", "tax"]
    count = len(digits)
    if count in (1, 2, 3, 4, 5):
        return ["unit"]
    if count == 9:
        return ["citizen", "tax"]
    if count == 10:
        mobile = digits.startswith(("03", "05", "07", "08", "09"))
        return ["phone", "tax"] if mobile else ["tax", "phone"]
    if count == 11:
        return ["phone", "citizen"] if digits.startswith(("0", "84")) else ["citizen", "phone"]
    if count == 12:
        return ["citizen", "phone"]
    if count == 13:
        return ["tax"]
    return ["agency"]


def read_code(
    text: str, kind: str, *, on: date | None = None
) -> tuple[CodeType | None, bool, list[Issue]]:
    """Read ``text`` as ``kind``: the (repaired) value or ``None``, strict validity, issues.

    One lenient read decides both: strict parsing fails exactly when the lenient read reports
    a deviation (anything above ``info``). A value that cannot be read even leniently gives
    ``(None, False, [error issue])``.
    """
    cls = KINDS[kind]
    value: CodeType
    try:
        if cls is AdministrativeUnit:
            value, issues = AdministrativeUnit.parse_lenient(text, on=on)
        else:
            value, issues = cls.parse_lenient(text)
    except InvalidCode as err:
        issue = Issue(err.reason, Severity.ERROR, err.message, rule=err.reason)
        return None, False, [issue]
    valid = all(i.severity is Severity.INFO for i in issues)
    return value, valid, issues


@dataclass
class Explanation:
    """What ``explain`` found: JSON-ready through :meth:`to_dict`."""

    kind: str
    input: str
    valid: bool
    value: str | None
    issues: list[Issue]
    fields: dict[str, Any] = field(default_factory=dict)
    alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``kind``, ``valid``, ``value``, ``issues`` and the decoded fields, flat."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "input": self.input,
            "valid": self.valid,
            "value": self.value,
            "issues": [i.to_dict() for i in self.issues],
        }
        out.update(self.fields)
        out["alternatives"] = self.alternatives
        return out


def explain(text: str, *, kind: str | None = None, on: date | None = None) -> Explanation:
    """Explain ``text`` as ``kind`` (guessed when ``None``) at date ``on`` (for units)."""
    prepare(text, "code", Findings(strict=False))  # refuses non-text and empty input
    kinds = [kind] if kind is not None else guess_kinds(text)
    results = {k: read_code(text, k, on=on) for k in kinds}
    # a value valid as several kinds is the most specific of them: a tax code's check digit
    # passes one number in eleven, where every 10-digit number with a mobile prefix is a phone
    matches = sorted(
        (k for k in kinds if results[k][1]), key=lambda k: (_SPECIFICITY[k], kinds.index(k))
    )
    chosen = matches[0] if matches else None
    if chosen is None:
        chosen = next((k for k in kinds if results[k][0] is not None), kinds[0])
    value, valid, issues = results[chosen]
    others = [k for k in matches if k != chosen]
    decoded = _FIELDS[chosen](value, on) if value is not None else {}
    return Explanation(
        kind=chosen,
        input=text,
        valid=valid,
        value=None if value is None else str(value),
        issues=issues,
        fields=decoded,
        alternatives=others,
    )


def _agency(value: Any, on: date | None) -> dict[str, Any]:
    code: AgencyCode = value
    qd20 = qcvn = None
    with contextlib.suppress(InvalidCode):  # no such form defined for this code
        qd20 = str(code.to_qd20())
    with contextlib.suppress(InvalidCode):
        qcvn = str(code.to_qcvn102())
    parent = code.parent()
    return {
        "scheme": code.scheme.value,
        "scheme_label": code.scheme.label(),
        "level": code.level,
        "level1": code.level1,
        "body_type": code.body_type.value,
        "body_type_label": code.body_type.label(),
        "level1_name": code.level1_name,
        "parent": None if parent is None else str(parent),
        "is_test": code.is_test,
        "qd20_form": qd20,
        "qcvn102_form": qcvn,
    }


def _citizen(value: Any, on: date | None) -> dict[str, Any]:
    cid: CitizenId = value
    return {
        "legacy_cmnd": cid.is_legacy,
        "province_code": cid.province_code,
        "province_name": cid.province_name,
        "sex": None if cid.sex is None else cid.sex.value,
        "sex_label": None if cid.sex is None else cid.sex.label(),
        "century": cid.century,
        "birth_year": cid.birth_year,
    }


def _tax(value: Any, on: date | None) -> dict[str, Any]:
    code: TaxCode = value
    parent = code.parent()
    return {
        "province_code": code.province_code,
        "sequence": code.sequence,
        "check_digit": code.check_digit,
        "branch": code.branch,
        "parent": None if parent is None else str(parent),
    }


def _document(value: Any, on: date | None) -> dict[str, Any]:
    code: DocumentCode = value
    return {
        "number": code.number,
        "year": code.year,
        "document_type": code.document_type.abbreviation,
        "document_type_label": code.document_type.label(),
        "issuer": code.issuer,
        "units": list(code.units),
        "code_number": code.code_number,
        "code_notation": code.code_notation,
    }


def _docid(value: Any, on: date | None) -> dict[str, Any]:
    doc_id: DocumentId = value
    if doc_id.uuid is not None:
        return {"form": "uuid", "uuid": str(doc_id.uuid)}
    when = doc_id.promulgation_date
    return {
        "form": "comma",
        "agency": str(doc_id.agency),
        "promulgation_date": None if when is None else when.isoformat(),
        "document": str(doc_id.code),
    }


def _unit(value: Any, on: date | None) -> dict[str, Any]:
    unit: AdministrativeUnit = value
    current = unit.current()  # what the unit is today, whatever date it was read at
    parent = unit.parent()
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level.value,
        "level_label": unit.level.label(),
        "valid_from": None if unit.valid_from is None else unit.valid_from.isoformat(),
        "valid_to": None if unit.valid_to is None else unit.valid_to.isoformat(),
        "successor": unit.successor,
        "successors": list(unit.successor_codes),
        "parent": None if parent is None else parent.code,
        "parent_name": None if parent is None else parent.name,
        "current": None if current is None else current.code,
        "current_name": None if current is None else current.name,
        "data_version": catalogue().data_version,
    }


def _phone(value: Any, on: date | None) -> dict[str, Any]:
    phone: PhoneNumber = value
    return {
        "phone_kind": phone.kind.value,
        "phone_kind_label": phone.kind.label(),
        "e164": phone.e164,
        "national": phone.national,
        "area_code": phone.area_code,
        "province_name": phone.province_name,
    }


_FIELDS: Final[dict[str, Callable[[Any, date | None], dict[str, Any]]]] = {
    "agency": _agency,
    "citizen": _citizen,
    "tax": _tax,
    "document": _document,
    "docid": _docid,
    "unit": _unit,
    "phone": _phone,
}
