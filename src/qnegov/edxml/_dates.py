"""edXML dates: ``yyyy/MM/dd`` and ``yyyy/MM/dd HH:mm:ss`` out, three peer formats in."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Final

__all__ = ["DateForm", "format_date", "format_timestamp", "parse_date", "parse_timestamp"]


class DateForm(enum.StrEnum):
    """Which written form a date arrived in; the reader reports anything but the standard one."""

    DATE = "yyyy/MM/dd"
    DATETIME = "yyyy/MM/dd HH:mm:ss"
    DMY = "dd/MM/yyyy"
    DMY_TIME = "dd/MM/yyyy HH:mm:ss"


_YMD: Final = re.compile(r"^(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$")
_DMY: Final = re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?: (\d{2}):(\d{2}):(\d{2}))?$")


def _split(text: str) -> tuple[datetime, DateForm] | None:
    """The moment ``text`` names and its form, or None if it is no edXML-style date at all."""
    value = text.strip()
    if m := _YMD.match(value):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        form = DateForm.DATETIME if m[4] else DateForm.DATE
    elif m := _DMY.match(value):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        form = DateForm.DMY_TIME if m[4] else DateForm.DMY
    else:
        return None
    h, mi, s = (int(m[4]), int(m[5]), int(m[6])) if m[4] else (0, 0, 0)
    try:
        return datetime(y, mo, d, h, mi, s), form
    except ValueError:
        return None


def parse_date(text: str) -> tuple[date, DateForm] | None:
    """A calendar date from any of the forms peers write (time of day, if any, is dropped)."""
    found = _split(text)
    return None if found is None else (found[0].date(), found[1])


def parse_timestamp(text: str) -> tuple[datetime, DateForm] | None:
    """A local timestamp (no zone: edXML carries Vietnamese local time) from any peer form."""
    return _split(text)


def format_date(value: date) -> str:
    """The standard ``yyyy/MM/dd`` form."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: datetime) -> str:
    """The standard ``yyyy/MM/dd HH:mm:ss`` form (seconds precision, zone dropped)."""
    return f"{format_date(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"
