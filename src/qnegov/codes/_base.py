"""Machinery shared by every code type: NFC text, strict/lenient parsing, pydantic hooks.

Each code class implements one reader, ``_read(text, findings)``. A reader raises
:class:`~qnegov.errors.InvalidCode` for input it cannot interpret at all, and reports every
*deviation* it can repair (lower case, a test code, a legacy form...) to ``findings``. In strict
mode the first deviation raises; in lenient mode it becomes a warning :class:`Issue`. One reader
thus serves both modes and they cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.errors import InvalidCode
from qnegov.report import Issue, Severity, issue_code

if TYPE_CHECKING:  # pydantic is imported only when a model uses these types
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

__all__ = [
    "CODE_LEGACY_FORM",
    "CODE_NOT_CANONICAL",
    "CODE_SYNTAX",
    "CODE_TEST_VALUE",
    "CODE_UNKNOWN_ENTRY",
    "CodeType",
    "Findings",
    "Lenient",
    "kind_label",
    "nfc",
]

AREA = "codes"

CODE_SYNTAX = issue_code(
    "code_syntax", "The value does not have the shape of the expected code.", area=AREA
)
CODE_NOT_CANONICAL = issue_code(
    "code_not_canonical",
    "The value was accepted after normalisation (case, spaces, separators, padding).",
    area=AREA,
)
CODE_TEST_VALUE = issue_code(
    "code_test_value", "A test or sandbox value seen in SDK samples, not a real code.", area=AREA
)
CODE_UNKNOWN_ENTRY = issue_code(
    "code_unknown_entry",
    "A well-formed value whose component is not in the code table (province, unit, prefix).",
    area=AREA,
)
CODE_LEGACY_FORM = issue_code(
    "code_legacy_form",
    "A superseded form (9-digit CMND, 11-digit mobile number...) that is recognised.",
    area=AREA,
)


def nfc(text: str) -> str:
    """Unicode NFC (TCVN 6909 text is precomposed): composed and decomposed input compare equal."""
    return unicodedata.normalize("NFC", text)


class Findings:
    """Deviations met while reading one value; strict mode turns the first one into an error."""

    __slots__ = ("issues", "strict")

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.issues: list[Issue] = []

    def deviation(self, code: str, message: str, *, severity: Severity = Severity.WARNING) -> None:
        """Record a repairable deviation (raises at once in strict mode)."""
        if self.strict:
            raise InvalidCode(message, reason=code)
        self.issues.append(Issue(code=code, severity=severity, message=message, rule=code))

    def note(self, code: str, message: str) -> None:
        """Record an informational remark that is not a deviation (never raises)."""
        self.issues.append(Issue(code=code, severity=Severity.INFO, message=message, rule=code))


def fail(message: str, *, reason: str = CODE_SYNTAX) -> InvalidCode:
    """An :class:`InvalidCode` to raise for input that cannot be read in any mode."""
    return InvalidCode(message, reason=reason)


_KIND_LABELS: Final[dict[str, Callable[[], str]]] = {
    "code": lambda: tr("code"),
    "agency code": lambda: tr("agency code"),
    "identification number": lambda: tr("identification number"),
    "tax code": lambda: tr("tax code"),
    "document number": lambda: tr("document number"),
    "document identifier": lambda: tr("document identifier"),
    "administrative unit code": lambda: tr("administrative unit code"),
    "phone number": lambda: tr("phone number"),
}


def kind_label(kind: str) -> str:
    """The name of a code kind (``CodeType.KIND``) in the current language."""
    label = _KIND_LABELS.get(kind)
    return label() if label is not None else kind


def prepare(text: object, kind: str, findings: Findings) -> str:
    """NFC, stripped text; non-strings are refused and surrounding blanks are a deviation."""
    kind = kind_label(kind)
    if not isinstance(text, str):
        raise fail(tr("expected text for {kind}, got {type}", kind=kind, type=type(text).__name__))
    text = nfc(text)
    stripped = text.strip()
    if stripped != text:
        findings.deviation(
            CODE_NOT_CANONICAL, tr("{kind} {value!r} has surrounding blanks", kind=kind, value=text)
        )
    if not stripped:
        raise fail(tr("{kind} is empty", kind=kind))
    return stripped


class CodeType:
    """Base of the code value classes: ``parse``, ``parse_lenient``, pydantic integration.

    Subclasses are frozen dataclasses whose ``__str__`` is the canonical text, so that
    ``parse(str(x)) == x`` for every valid ``x``.
    """

    __slots__ = ()

    KIND: ClassVar[str] = "code"
    JSON_PATTERN: ClassVar[str | None] = None
    JSON_DESCRIPTION: ClassVar[str] = ""
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str, *, strict: bool = True) -> Self:
        """Read ``text``; strict mode refuses any deviation from the canonical form.

        Raises :class:`~qnegov.errors.InvalidCode` (a ``ValueError``) saying what was expected.
        """
        findings = Findings(strict=strict)
        return cls._read(prepare(text, cls.KIND, findings), findings)

    @classmethod
    def parse_lenient(cls, text: str) -> tuple[Self, list[Issue]]:
        """Read ``text`` accepting repairable deviations; returns the value and the warnings.

        Still raises :class:`~qnegov.errors.InvalidCode` for text that is no such code at all.
        """
        findings = Findings(strict=False)
        value = cls._read(prepare(text, cls.KIND, findings), findings)
        return value, findings.issues

    @classmethod
    def _pydantic_validate(cls, value: Any) -> Self:
        if isinstance(value, cls):
            return value
        return cls.parse(value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        from_text = core_schema.no_info_plain_validator_function(cls._pydantic_validate)
        return core_schema.json_or_python_schema(
            json_schema=core_schema.chain_schema([core_schema.str_schema(), from_text]),
            python_schema=from_text,
            serialization=core_schema.to_string_ser_schema(),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out: dict[str, Any] = {"type": "string", "title": cls.__name__}
        if cls.JSON_PATTERN is not None:
            out["pattern"] = cls.JSON_PATTERN
        if cls.JSON_DESCRIPTION:
            out["description"] = cls.JSON_DESCRIPTION
        if cls.JSON_EXAMPLES:
            out["examples"] = list(cls.JSON_EXAMPLES)
        return out


class Lenient:
    """Pydantic marker: ``Annotated[AgencyCode, Lenient()]`` reads fields with ``parse_lenient``.

    For models of data received from peers, where a repairable deviation should not reject
    the whole record; the warnings are dropped (validate the raw text when they matter).
    """

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: type[CodeType], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        def read(value: Any) -> CodeType:
            if isinstance(value, source):
                return value
            if not isinstance(value, str):
                raise InvalidCode(
                    tr(
                        "expected text for {kind}, got {type}",
                        kind=kind_label(source.KIND),
                        type=type(value).__name__,
                    )
                )
            return source.parse_lenient(value)[0]

        from pydantic_core import core_schema

        from_text = core_schema.no_info_plain_validator_function(read)
        described = {"title": source.__name__, "description": source.JSON_DESCRIPTION}
        # No pattern here: lenient input is by definition allowed to miss the canonical one.
        return core_schema.json_or_python_schema(
            json_schema=core_schema.chain_schema([core_schema.str_schema(), from_text]),
            python_schema=from_text,
            serialization=core_schema.to_string_ser_schema(),
            metadata={"pydantic_js_updates": described},
        )
