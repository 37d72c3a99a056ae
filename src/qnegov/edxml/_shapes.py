"""Shape checks for the identifiers an edXML packet carries (agency codes, DocumentId, numbers).

These are the patterns of ``spec/identifiers.md`` §2 and ``spec/edxml.md`` §1.2.5, applied
leniently: the reader reports a mismatch and keeps the text as it came.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Final, NamedTuple

from qnegov.edxml._dates import parse_date

__all__ = ["CommaId", "is_agency_code", "is_code_number", "split_document_id"]

_LEGACY: Final = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_QD20: Final = re.compile(r"^[A-Z]\d{2}(\.[A-Z0-9]+)*$")
_NUMBER: Final = re.compile(r"^\d+$")


def is_agency_code(text: str) -> bool:
    """Legacy QCVN 102 form (``000.00.00.G22``) or QĐ 20/2020 form (``H47.01``), at most 35."""
    return len(text) <= 35 and bool(_LEGACY.match(text) or _QD20.match(text))


def is_code_number(text: str) -> bool:
    """A document number (``số``) is digits only."""
    return bool(_NUMBER.match(text))


class CommaId(NamedTuple):
    """The parts of a comma-form DocumentId; ``when`` is None if the date part is no date."""

    organ_id: str
    date_text: str
    when: date | None
    code: str


def split_document_id(text: str) -> CommaId | uuid.UUID | None:
    """The comma form split into parts, a UUID, or None when it is neither."""
    parts = text.split(",")
    if len(parts) == 3 and all(p.strip() for p in parts):
        found = parse_date(parts[1])
        return CommaId(
            parts[0].strip(), parts[1].strip(), found[0] if found else None, parts[2].strip()
        )
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None
