"""Message translation: English source strings, a Vietnamese catalogue, one switch.

Messages are written in English in the code and looked up, by their exact English template, in
JSON catalogues under ``qnegov/locale/<lang>/`` (one file per area, so areas do not collide).
The language comes from :func:`set_language`, the ``--lang`` CLI option, or ``QNEGOV_LANG``;
English is the fallback for any template the catalogue lacks. Templates use ``str.format``
fields, and the translation must use the same fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date as _date
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Final

__all__ = ["LANGUAGES", "catalogue", "get_language", "language", "set_language", "tr"]

LANGUAGES: Final = ("en", "vi")
_ENV: Final = "QNEGOV_LANG"


def _initial() -> str:
    value = os.environ.get(_ENV, "en").strip().lower()[:2]
    return value if value in LANGUAGES else "en"


_current: ContextVar[str] = ContextVar("qnegov_lang", default=_initial())  # noqa: B039 (a str)


def get_language() -> str:
    """The language messages are produced in right now (``"en"`` or ``"vi"``)."""
    return _current.get()


def set_language(lang: str) -> None:
    """Switch the message language for the current context; unknown languages are refused."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    _current.set(lang)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Produce messages in ``lang`` inside the ``with`` block only."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All templates of ``lang``, merged from every area file (English has none: it is the key)."""
    merged: dict[str, str] = {}
    if lang == "en":
        return merged
    # a plain path: importlib.resources costs a tenth of the CLI's start-up, for a folder that
    # is always a real directory of the installed package (wheel or editable)
    folder = Path(__file__).with_name("locale") / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


def tr(template: str, /, **params: Any) -> str:
    """Translate ``template`` into the current language and fill in ``params``."""
    lang = _current.get()
    text = catalogue(lang).get(template, template) if lang != "en" else template
    if not params:
        return text
    return text.format(**{k: _plain(v) for k, v in params.items()})


def _plain(value: Any) -> Any:
    """Values as people write them: ``{x!r}`` of a code quotes ``'12/UBND-VP'``, never shows
    ``DocumentId('12/UBND-VP')``; numbers, dates and enums keep their format specs."""
    if value is None or isinstance(value, str | int | float | _date | Enum):
        return value
    return str(value)
