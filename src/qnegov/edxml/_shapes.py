"""Splitting a comma-form DocumentId into its parts, for the cross-field consistency rule.

Whether each part is a valid code is :mod:`qnegov.codes`' business; this only takes the text
apart (``spec/edxml.md`` §1.2.5) so that the rule can compare it with From, date and Code.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import NamedTuple

from qnegov.edxml._dates import parse_date

__all__ = ["CommaId", "split_document_id"]


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
