"""National identifiers and code lists as types: parse, validate, explain, round-trip.

Every code class is a frozen value with ``parse(text, *, strict=True)`` (raises
:class:`~qnegov.errors.InvalidCode`, a ``ValueError``), ``parse_lenient(text)`` returning the value
and warning :class:`~qnegov.report.Issue` objects, ``str()`` giving the canonical text, and pydantic
v2 support (use the class as a field type; JSON Schema carries a pattern and a description).
Nothing here knows XML.
"""

from qnegov.codes._agency import LEVEL1_NAMES, SANDBOX_AGENCY_CODES, AgencyCode
from qnegov.codes._base import CodeType, Lenient, nfc
from qnegov.codes._citizen import CitizenId, read_birth
from qnegov.codes._document import DocumentCode, DocumentId
from qnegov.codes._enums import (
    AgencyScheme,
    BodyType,
    Confidentiality,
    DocumentType,
    PhoneKind,
    Priority,
    Sex,
    SignerAuthority,
    UnitLevel,
)
from qnegov.codes._explain import KINDS, Explanation, explain, guess_kinds, read_code
from qnegov.codes._phone import OLD_MOBILE_PREFIXES, PhoneNumber
from qnegov.codes._tax import TaxCode, tax_check_digit
from qnegov.codes._units import (
    CURRENT_FROM,
    LEGACY_UNTIL,
    AdministrativeUnit,
    UnitCatalogue,
    catalogue,
)

__all__ = [
    "CURRENT_FROM",
    "KINDS",
    "LEGACY_UNTIL",
    "LEVEL1_NAMES",
    "OLD_MOBILE_PREFIXES",
    "SANDBOX_AGENCY_CODES",
    "AdministrativeUnit",
    "AgencyCode",
    "AgencyScheme",
    "BodyType",
    "CitizenId",
    "CodeType",
    "Confidentiality",
    "DocumentCode",
    "DocumentId",
    "DocumentType",
    "Explanation",
    "Lenient",
    "PhoneKind",
    "PhoneNumber",
    "Priority",
    "Sex",
    "SignerAuthority",
    "TaxCode",
    "UnitCatalogue",
    "UnitLevel",
    "catalogue",
    "explain",
    "guess_kinds",
    "nfc",
    "read_birth",
    "read_code",
    "tax_check_digit",
]
