"""Opening a CSV export as text: the encodings spreadsheets in Vietnam really write.

Excel writes "CSV UTF-8" with a byte-order mark, "Unicode text" as UTF-16 with one, and plain
"CSV" in the machine's ANSI code page, which for Vietnamese Windows is windows-1258. Without a
mark the first 64 kB decide between UTF-8 and windows-1258; a wrong guess later in the file is
an :class:`~qnegov.errors.InputError` naming the line, never a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Generator
from pathlib import Path
from typing import IO, Final

from qnegov._i18n import tr
from qnegov.errors import InputError

__all__ = ["CSV_ENCODINGS", "detect_encoding", "read_rows"]

CSV_ENCODINGS: Final = ("auto", "utf-8", "utf-16", "windows-1258", "latin-1")
"""What ``--encoding`` accepts; ``auto`` looks at the byte-order mark, then the bytes."""

_SNIFF: Final = 1 << 16


def detect_encoding(head: bytes) -> str:
    """The Python codec for a CSV whose first bytes are ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 2 and head[1] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the sniffing bound
            return "cp1258"
    return "utf-8"


def _codec(path: Path, encoding: str) -> str:
    if encoding == "utf-8":
        return "utf-8-sig"
    if encoding != "auto":
        return encoding
    try:
        with path.open("rb") as handle:
            return detect_encoding(handle.read(_SNIFF))
    except OSError as err:
        raise InputError(
            tr("cannot read {file}: {reason}", file=path, reason=err.strerror or err), file=path
        ) from None


def read_rows(
    path: Path, *, delimiter: str = ",", encoding: str = "auto"
) -> Generator[tuple[int, list[str]], None, None]:
    """``(line, row)`` for every row of the CSV at ``path``; ``line`` is where the row ends."""
    codec = _codec(path, encoding)
    try:
        handle: IO[str] = path.open(encoding=codec, errors="strict", newline="")
    except (OSError, LookupError) as err:
        reason = getattr(err, "strerror", None) or err
        raise InputError(
            tr("cannot read {file}: {reason}", file=path, reason=reason), file=path
        ) from None
    with handle:
        rows = csv.reader(handle, delimiter=delimiter)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except UnicodeDecodeError as err:
                raise InputError(
                    tr(
                        "the file is not {encoding} text after line {line}; "
                        "name its encoding with --encoding",
                        encoding=codec,
                        line=rows.line_num,
                    ),
                    file=path,
                    line=rows.line_num + 1,
                ) from err
            except csv.Error as err:
                raise InputError(
                    tr("unreadable CSV: {reason}", reason=err), file=path, line=rows.line_num
                ) from None
            except OSError as err:
                raise InputError(
                    tr("cannot read {file}: {reason}", file=path, reason=err.strerror or err),
                    file=path,
                ) from None
            yield rows.line_num, row
