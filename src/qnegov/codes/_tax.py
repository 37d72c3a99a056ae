"""Tax codes (mã số thuế): 10 digits with a check digit, branches as ``0100109106-001``.

The check digit is ``stdnum.vn.mst``'s rule (weights 31 29 23 19 17 13 7 5 3), ``10 - (Σ mod 11)``:
when the sum is divisible by 11 that yields ``"10"``, which no single digit equals, so those nine
digits have no valid tax code at all (implementations that write 0 there are wrong).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.codes._base import CODE_NOT_CANONICAL, CodeType, Findings, fail
from qnegov.report import issue_code

__all__ = ["TaxCode", "tax_check_digit"]

CODE_CHECK_DIGIT = issue_code(
    "code_check_digit", "The check digit does not match the other digits.", area="codes"
)

_STRICT = re.compile(r"(\d{10})(?:-(\d{3}))?", re.ASCII)


_WEIGHTS: Final = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_check_digit(first9: str) -> str | None:
    """The check digit of nine digits, or ``None`` when no digit can be valid (Σ mod 11 = 0).

    Computed here rather than by ``stdnum.vn.mst`` (whose import pulls in ``pydoc`` and
    ``ssl``, a third of ``codes explain``'s start-up); a test holds the two equal.
    """
    digit = 10 - sum(w * int(d) for w, d in zip(_WEIGHTS, first9, strict=True)) % 11
    return str(digit) if digit < 10 else None


@dataclass(frozen=True, slots=True)
class TaxCode(CodeType):
    """A tax code: ``base`` is the 10-digit code, ``branch`` the 3-digit dependent-unit suffix."""

    base: str
    branch: str | None = None

    KIND: ClassVar[str] = "tax code"
    JSON_PATTERN: ClassVar[str | None] = r"^\d{10}(?:-\d{3})?$"
    JSON_DESCRIPTION: ClassVar[str] = (
        "Vietnamese tax code (mã số thuế): 10 digits with check digit, or 13 for a dependent "
        "unit written 0100109106-001."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("0100109106", "0100109106-001")

    def __str__(self) -> str:
        return self.base if self.branch is None else f"{self.base}-{self.branch}"

    def __repr__(self) -> str:
        return f"TaxCode({str(self)!r})"

    @property
    def province_code(self) -> str:
        """The two leading digits: where the taxpayer first registered (kept on relocation)."""
        return self.base[:2]

    @property
    def sequence(self) -> str:
        """Digits 3-9, the sequence number within the province."""
        return self.base[2:9]

    @property
    def check_digit(self) -> str:
        """Digit 10."""
        return self.base[9]

    @property
    def is_branch(self) -> bool:
        """Whether this is a dependent unit's 13-digit code."""
        return self.branch is not None

    def parent(self) -> Self | None:
        """The enterprise's own code for a branch; ``None`` for a 10-digit code."""
        return None if self.branch is None else type(self)(self.base)

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        match = _STRICT.fullmatch(text)
        if match is None:
            compact = re.sub(r"[\s.\-]", "", text)
            if not (compact.isascii() and compact.isdigit() and len(compact) in (10, 13)):
                raise fail(
                    tr(
                        "tax code {value!r} is not valid: expected 10 digits, or 13 written "
                        "as 0100109106-001 for a dependent unit",
                        value=text,
                    )
                )
            fixed = compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr("tax code {value!r} written as {fixed}", value=text, fixed=fixed),
            )
            match = _STRICT.fullmatch(fixed)
            assert match is not None  # built to match
        base, branch = match[1], match[2]
        if base[2:9] == "0000000":
            raise fail(
                tr("tax code {value!r} is not valid: sequence 0000000 is never issued", value=text)
            )
        if branch == "000":
            raise fail(
                tr("tax code {value!r} is not valid: branch 000 is never issued", value=text)
            )
        expected = tax_check_digit(base[:9])
        if expected is None:
            raise fail(
                tr(
                    "tax code {value!r} is not valid: no check digit exists for {first9} "
                    "(weighted sum divisible by 11)",
                    value=text,
                    first9=base[:9],
                ),
                reason=CODE_CHECK_DIGIT,
            )
        if base[9] != expected:
            raise fail(
                tr(
                    "tax code {value!r} is not valid: check digit is {found}, expected {expected}",
                    value=text,
                    found=base[9],
                    expected=expected,
                ),
                reason=CODE_CHECK_DIGIT,
            )
        return cls(base, branch)
