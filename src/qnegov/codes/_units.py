"""Administrative units with time: the pre-2025 codes (QĐ 124/2004) and the 2025 ones (QĐ 19/2025).

A code names a unit only *at a date*: ``48`` was the old Đà Nẵng until 30 June 2025 and is the
merged Đà Nẵng since; ``49`` (Quảng Nam) resolves on 2024-01-01 and has ``48`` as successor. The
catalogue is package data built by ``scripts/build_units_catalogue.py`` from published sources
(provenance and data version inside the file); it is loaded once, lazily, on first use.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, ClassVar, Final, Self

from qnegov._i18n import tr
from qnegov.codes._base import (
    CODE_NOT_CANONICAL,
    CODE_UNKNOWN_ENTRY,
    CodeType,
    Findings,
    fail,
    nfc,
    prepare,
)
from qnegov.codes._enums import UnitLevel
from qnegov.report import Issue, issue_code

__all__ = [
    "CURRENT_FROM",
    "LEGACY_UNTIL",
    "AdministrativeUnit",
    "UnitCatalogue",
    "catalogue",
]

CODE_UNIT_NOT_IN_FORCE = issue_code(
    "code_unit_not_in_force",
    "An administrative-unit code that exists, but not on the date it is read for.",
    area="codes",
)

LEGACY_UNTIL: Final = date(2025, 6, 30)
"""Last day of the QĐ 124/2004 code table (provinces, districts, communes)."""
CURRENT_FROM: Final = date(2025, 7, 1)
"""First day of the QĐ 19/2025 code table (34 provinces, communes; no districts)."""

_LEVELS: Final = {"P": UnitLevel.PROVINCE, "D": UnitLevel.DISTRICT, "C": UnitLevel.COMMUNE}
_WIDTH: Final = {2: UnitLevel.PROVINCE, 3: UnitLevel.DISTRICT, 5: UnitLevel.COMMUNE}


@dataclass(frozen=True, slots=True)
class AdministrativeUnit(CodeType):
    """One administrative unit in one era of the code table.

    ``valid_from``/``valid_to`` are inclusive; ``None`` means "not known" (before the pre-2025
    snapshot) or "still in force". ``successor_codes`` name the units of the next era that took
    this one over, the main successor first (a commune split between several lists them all).
    """

    code: str
    level: UnitLevel
    name: str
    valid_from: date | None
    valid_to: date | None
    parent_code: str | None = None
    successor_codes: tuple[str, ...] = ()

    KIND: ClassVar[str] = "administrative unit code"
    JSON_PATTERN: ClassVar[str | None] = r"^(?:\d{2}|\d{3}|\d{5})$"
    JSON_DESCRIPTION: ClassVar[str] = (
        "Administrative-unit code (GSO): province 2 digits, district 3 digits (before "
        "2025-07-01 only), commune 5 digits; resolved at a date."
    )
    JSON_EXAMPLES: ClassVar[tuple[str, ...]] = ("48", "20335")

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return (
            f"AdministrativeUnit({self.code!r}, {self.name!r}, {self.valid_from}..{self.valid_to})"
        )

    @property
    def successor(self) -> str | None:
        """Code of the main successor unit, ``None`` when the unit is in force or abolished."""
        return self.successor_codes[0] if self.successor_codes else None

    def valid_on(self, when: date) -> bool:
        """Whether the unit exists on ``when``."""
        return (self.valid_from is None or self.valid_from <= when) and (
            self.valid_to is None or when <= self.valid_to
        )

    def parent(self) -> AdministrativeUnit | None:
        """The unit this one belongs to, in the same era."""
        if self.parent_code is None:
            return None
        return catalogue().at(self.parent_code, self._era_date())

    def successors(self) -> list[AdministrativeUnit]:
        """The units of the next era that took this one over (main successor first)."""
        if self.valid_to is None:
            return []
        after = date.fromordinal(self.valid_to.toordinal() + 1)
        found = (catalogue().at(code, after) for code in self.successor_codes)
        return [u for u in found if u is not None]

    def current(self, on: date | None = None) -> AdministrativeUnit | None:
        """The unit in force on ``on`` (today by default) that this one became, if any."""
        when = on or date.today()
        node: AdministrativeUnit | None = self
        while node is not None and not node.valid_on(when):
            if node.valid_from is not None and when < node.valid_from:
                return None
            nexts = node.successors()
            node = nexts[0] if nexts else None
        return node

    def _era_date(self) -> date:
        return self.valid_to or self.valid_from or date.today()

    # ---- parsing ------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, *, strict: bool = True, on: date | None = None) -> Self:
        """The unit whose code is ``text`` on ``on`` (today by default).

        Strict mode refuses codes not in force on that date; raises
        :class:`~qnegov.errors.InvalidCode` for unknown codes.
        """
        findings = Findings(strict=strict)
        return cls._read_on(prepare(text, cls.KIND, findings), findings, on or date.today())

    @classmethod
    def parse_lenient(cls, text: str, *, on: date | None = None) -> tuple[Self, list[Issue]]:
        """Like :meth:`parse`, accepting unpadded codes and codes of another era, with warnings."""
        findings = Findings(strict=False)
        unit = cls._read_on(prepare(text, cls.KIND, findings), findings, on or date.today())
        return unit, findings.issues

    @classmethod
    def _read(cls, text: str, findings: Findings) -> Self:
        return cls._read_on(text, findings, date.today())

    @classmethod
    def _read_on(cls, text: str, findings: Findings, when: date) -> Self:
        if not text.isdigit() or not text.isascii() or len(text) > 5:
            raise fail(
                tr(
                    "administrative unit code {value!r} is not valid: expected 2 digits "
                    "(province), 3 (district, before 2025-07-01) or 5 (commune)",
                    value=text,
                )
            )
        code = text
        if len(text) in (1, 4):
            code = text.zfill(len(text) + 1)
            findings.deviation(
                CODE_NOT_CANONICAL,
                tr(
                    "administrative unit code {value!r} lost its leading zero: read as {code}",
                    value=text,
                    code=code,
                ),
            )
        book = catalogue()
        versions = book.history(code)
        if not versions:
            raise fail(
                tr(
                    "administrative unit code {code} is not in the catalogue (data version "
                    "{version})",
                    code=code,
                    version=book.data_version,
                ),
                reason=CODE_UNKNOWN_ENTRY,
            )
        for unit in versions:
            if unit.valid_on(when):
                return unit  # type: ignore[return-value]
        nearest = versions[-1] if when > (versions[-1].valid_to or when) else versions[0]
        findings.deviation(
            CODE_UNIT_NOT_IN_FORCE,
            tr(
                "administrative unit {code} ({name}) is not in force on {date}: valid "
                "{start} to {end}{successor}",
                code=code,
                name=nearest.name,
                date=when.isoformat(),
                start=nearest.valid_from.isoformat() if nearest.valid_from else "…",
                end=nearest.valid_to.isoformat() if nearest.valid_to else "…",
                successor=(
                    tr(", successor {code}", code=nearest.successor) if nearest.successor else ""
                ),
            ),
        )
        return nearest  # type: ignore[return-value]


class UnitCatalogue:
    """Every unit of both eras, indexed by code; see :func:`catalogue` for the shipped one."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data_version: str = data["data_version"]
        self.provenance: dict[str, str] = data["provenance"]
        self.counts: dict[str, Any] = data["counts"]
        self._eras = [
            (
                date.fromisoformat(e["valid_from"]) if e["valid_from"] else None,
                date.fromisoformat(e["valid_to"]) if e["valid_to"] else None,
            )
            for e in data["eras"]
        ]
        # Rows stay as parsed JSON until a code is asked for: building 14,000 frozen objects up
        # front would triple the load time, and most programs look up a handful of codes.
        self._rows: dict[str, list[list[Any]]] = {}
        for row in data["units"]:
            self._rows.setdefault(row[0], []).append(row)
        self._made: dict[str, list[AdministrativeUnit]] = {}
        self._area_codes: dict[str, str] = data["area_codes"]
        self._children: dict[tuple[str, date | None], list[AdministrativeUnit]] | None = None
        self._predecessors: dict[str, list[AdministrativeUnit]] | None = None
        self._names: dict[str, list[str]] | None = None

    def _versions(self, code: str) -> list[AdministrativeUnit]:
        made = self._made.get(code)
        if made is None:
            rows = self._rows.get(code)
            if rows is None:  # unknown codes are not cached: bad input must not grow memory
                return []
            made = []
            for _code, level, name, parent, era, successors in rows:
                start, end = self._eras[era]
                made.append(
                    AdministrativeUnit(
                        code, _LEVELS[level], name, start, end, parent, tuple(successors)
                    )
                )
            self._made[code] = made
        return made

    def __len__(self) -> int:
        return sum(len(v) for v in self._rows.values())

    def __iter__(self) -> Iterator[AdministrativeUnit]:
        for code in self._rows:
            yield from self._versions(code)

    def history(self, code: str) -> list[AdministrativeUnit]:
        """Every unit that carried ``code``, oldest first."""
        return list(self._versions(code))

    def at(self, code: str, on: date | None = None) -> AdministrativeUnit | None:
        """The unit carrying ``code`` on ``on`` (today by default), or ``None``."""
        when = on or date.today()
        for unit in self._versions(code):
            if unit.valid_on(when):
                return unit
        return None

    def units(
        self, *, on: date | None = None, level: UnitLevel | None = None
    ) -> list[AdministrativeUnit]:
        """Units in force on ``on`` (today by default), optionally of one level, by code."""
        when = on or date.today()
        found = [u for u in self if u.valid_on(when) and (level is None or u.level is level)]
        return sorted(found, key=lambda u: u.code)

    def provinces(self, on: date | None = None) -> list[AdministrativeUnit]:
        """Province-level units in force on ``on``."""
        return self.units(on=on, level=UnitLevel.PROVINCE)

    def children(self, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
        """Units directly under ``unit`` in its era."""
        if self._children is None:
            index: dict[tuple[str, date | None], list[AdministrativeUnit]] = {}
            for u in self:
                if u.parent_code is not None:
                    index.setdefault((u.parent_code, u.valid_to), []).append(u)
            self._children = index
        return sorted(self._children.get((unit.code, unit.valid_to), []), key=lambda u: u.code)

    def predecessors(self, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
        """Units of the previous era that ``unit`` took over (wholly or in part)."""
        if unit.valid_from is None:
            return []
        if self._predecessors is None:
            index: dict[str, list[AdministrativeUnit]] = {}
            for u in self:
                for code in u.successor_codes:
                    index.setdefault(code, []).append(u)
            self._predecessors = index
        start = unit.valid_from
        return [
            u
            for u in self._predecessors.get(unit.code, [])
            if u.valid_to is not None and u.valid_to < start
        ]

    def find(
        self, name: str, *, on: date | None = None, level: UnitLevel | None = None
    ) -> list[AdministrativeUnit]:
        """Every unit whose name is ``name``, each with its validity dates; only those in force
        on ``on`` when a date is given.

        Tolerates what people type: case, NFC or NFD, either tone-mark placement (``hoà`` /
        ``hòa``, ``thuỷ`` / ``thủy``), hyphens with or without spaces (``Văn Miếu - Quốc Tử
        Giám``, ``Văn Miếu-Quốc Tử Giám``), apostrophes, and the unit type present or not
        (``Phường``, ``Xã``, ``Đặc khu``, ``Tỉnh``...). Sorted by code, then by era.
        """
        if self._names is None:
            index: dict[str, list[str]] = {}
            for code, rows in self._rows.items():
                for row in rows:
                    for key in _name_keys(row[2]):
                        codes = index.setdefault(key, [])
                        if code not in codes:
                            codes.append(code)
            self._names = index
        key = _fold(name)
        typed = len(_name_keys(name)) > 1  # the query names the unit type: it must match too
        found = [
            unit
            for code in self._names.get(key, ())
            for unit in self._versions(code)
            if (_fold(unit.name) == key if typed else key in _name_keys(unit.name))
            and (on is None or unit.valid_on(on))
            and (level is None or unit.level is level)
        ]
        return sorted(found, key=lambda u: (u.code, u.valid_from or date.min))

    def province_of_area_code(self, area_code: str) -> AdministrativeUnit | None:
        """The pre-2025 province a fixed-line area code (``"235"``) belongs to."""
        code = self._area_codes.get(area_code)
        return None if code is None else self.at(code, LEGACY_UNTIL)

    @property
    def area_codes(self) -> dict[str, str]:
        """Fixed-line area code → pre-2025 province code."""
        return dict(self._area_codes)


_TYPE_WORDS: Final = (
    "thành phố",
    "tỉnh",
    "quận",
    "huyện",
    "thị xã",
    "thị trấn",
    "phường",
    "xã",
    "đặc khu",
)


_TONE_MARKS: Final = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_APOSTROPHES: Final = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u2013": "-", "\u2014": "-"}
)


def _fold(name: str) -> str:
    """A name as a lookup key: case-folded, one space between words, hyphens spaced the same
    way, and each syllable's tone mark moved to the end of the syllable, so that the old and
    the new placement rules (``hoà`` / ``hòa``, ``thuỷ`` / ``thủy``) give the same key."""
    text = nfc(name).casefold().translate(_APOSTROPHES)
    text = " - ".join(" ".join(part.split()) for part in text.split("-"))
    syllables = []
    for syllable in text.split(" "):
        decomposed = unicodedata.normalize("NFD", syllable)
        marks = [ch for ch in decomposed if ch in _TONE_MARKS]
        base = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
        syllables.append(unicodedata.normalize("NFC", base) + "".join(marks))
    return " ".join(syllables)


def _name_keys(name: str) -> set[str]:
    """A unit name folded, with and without its leading type word ("tỉnh quảng nam", ...)."""
    folded = _fold(name)
    keys = {folded}
    for word in _TYPE_KEYS:
        if folded.startswith(word + " "):
            keys.add(folded[len(word) + 1 :])
            break
    return keys


_TYPE_KEYS: Final = tuple(_fold(w) for w in _TYPE_WORDS)


@cache
def catalogue() -> UnitCatalogue:
    """The shipped catalogue (loaded on first call, then shared)."""
    raw = resources.files("qnegov.codes").joinpath("data/units.json").read_bytes()
    return UnitCatalogue(json.loads(raw))


def level_of(code: str) -> UnitLevel | None:
    """The level a code's width stands for (2 province, 3 district, 5 commune)."""
    return _WIDTH.get(len(code)) if code.isdigit() else None
