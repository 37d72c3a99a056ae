"""The batch forms of the built-in rules find exactly what the row-by-row forms find.

``check_columns`` proves most rows at C speed (a regular expression over joined rows, a set of
known-good address triples); these tests pin that the shortcut never hides a finding and never
invents one, on rows built to sit next to every boundary the checks draw.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from qnegov.bulk._batch import _column_text, _lines_at
from qnegov.bulk._builtin import AddressInCatalogue, CitizenIdConsistency, cccd_provinces
from qnegov.bulk._rules import Finding


def _row_findings(rule: CitizenIdConsistency, rows: list[tuple[str | None, ...]]) -> list[Any]:
    found = []
    for index, (number, birth, sex) in enumerate(rows):
        if number is None or len(number) != 12 or birth is None:
            continue
        found.extend((index, f) for f in rule.findings(number, birth, sex))
    return found


_PREFIXES = sorted(cccd_provinces())


@st.composite
def _cccd_rows(draw: st.DrawFn) -> tuple[str | None, str | None, str | None]:
    prefix = draw(st.sampled_from([*_PREFIXES, "000", "099", "100", "0a1"]))
    digit = draw(st.sampled_from("0123456789x"))
    year = draw(st.text("0123456789", min_size=2, max_size=2))
    tail = draw(st.text("0123456789", min_size=5, max_size=7))
    number = draw(st.sampled_from([prefix + digit + year + tail, None, ""]))
    century = draw(st.sampled_from(["19", "20", "21", "22", "23", "18", "2O"]))
    year_b = draw(st.sampled_from([year, "00", "99", year[::-1]]))
    birth = draw(
        st.sampled_from([f"{century}{year_b}-05-06", f"{century}{year_b}", " 1990-01-01", None])
    )
    sex = draw(st.sampled_from(["M", "F", "", "X", "MF", "m", None]))
    return number, birth, sex


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_cccd_rows(), max_size=40))
def test_citizen_id_batch_check_equals_row_check(
    rows: list[tuple[str | None, str | None, str | None]],
) -> None:
    rule = CitizenIdConsistency()
    columns = {f: [row[n] for row in rows] for n, f in enumerate(rule.fields)}
    batch = [(i, f.code, f.message, f.field) for i, f in rule.check_columns(columns, len(rows))]
    one = [(i, f.code, f.message, f.field) for i, f in _row_findings(rule, rows)]
    assert batch == one


@st.composite
def _address_rows(draw: st.DrawFn) -> tuple[str, str, str]:
    pairs = [("01", "00001"), ("01", "00004"), ("79", "26734"), ("01", "26734"), ("99", "00001")]
    province, commune = draw(st.sampled_from(pairs))
    when = draw(st.sampled_from(["2020-01-01", "2025-06-30", "2025-07-01", "2026-02-03T10:00"]))
    return province, commune, when


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_address_rows(), max_size=30), repeat=st.integers(1, 3))
def test_address_batch_check_equals_row_check(
    rows: list[tuple[str, str, str]], repeat: int
) -> None:
    rule = AddressInCatalogue()
    fresh = AddressInCatalogue()
    columns = {f: [row[n] for row in rows] for n, f in enumerate(rule.fields)}
    for _ in range(repeat):  # later rounds hit the verdict cache the first one filled
        batch = [(i, f.code, f.message) for i, f in rule.check_columns(columns, len(rows))]
        one = [
            (i, f.code, f.message)
            for i, row in enumerate(rows)
            for f in fresh.findings(row[0], row[1], row[2])
        ]
        assert batch == one


def test_citizen_id_checks_every_row_after_a_broken_one() -> None:
    rule = CitizenIdConsistency()
    good = ("001090000001", "1990-01-01", "M")
    sexless = ("001190000001", "1990-01-01", "M")  # digit 1: a woman born in the 1900s
    rows = [good, sexless, good, sexless, sexless, good]
    columns = {f: [row[n] for row in rows] for n, f in enumerate(rule.fields)}
    found = [(i, f.code) for i, f in rule.check_columns(columns, len(rows))]
    assert found == [
        (1, "bulk_citizen_id_sex"),
        (3, "bulk_citizen_id_sex"),
        (4, "bulk_citizen_id_sex"),
    ]
    assert isinstance(next(iter(rule.findings(*sexless))), Finding)


def test_column_text_refuses_whitespace_only_values_and_keeps_the_rest() -> None:
    assert _column_text([b"a", b" b ", b"\xc3\xa1"]) == ["a", " b ", "á"]
    assert _column_text([b"a", b" \n\t"]) is None
    assert _column_text([b"\n", b"a"]) is None
    assert _column_text([b"a", None, b"c"]) == ["a", None, "c"]
    assert _column_text([b"a", None, b"  "]) is None
    assert _column_text([b" \xc2\xa0"]) == [" \u00a0"]  # not XML white space: libxml2 keeps it


def test_lines_at_counts_from_the_base() -> None:
    data = b"a\nb\n\nc\nd"
    offsets = [0, 2, 5, 7]
    assert _lines_at(data, offsets, 1) == [1, 2, 4, 5]
    assert _lines_at(data, [-1, 2, 7], 1) == [0, 2, 5]


@st.composite
def _consistent_row(draw: st.DrawFn) -> tuple[str | None, str | None, str | None]:
    digit = draw(st.integers(0, 9))
    year = draw(st.integers(0, 99))
    number = (
        f"{draw(st.sampled_from(_PREFIXES))}{digit}{year:02d}{draw(st.integers(0, 999999)):06d}"
    )
    century = ("19", "20", "21", "22", "23")[digit // 2]
    return number, f"{century}{year:02d}-03-04", "F" if digit % 2 else "M"


_SLIPS = [
    lambda n, b, s: (n, b, "F" if s == "M" else "M"),  # the other sex
    lambda n, b, s: (n, b, "X"),  # neither: no finding
    lambda n, b, s: (n, f"{int(b[:4]) + 100}{b[4:]}", s),  # a century off
    lambda n, b, s: (n, f"{b[:2]}{(int(b[2:4]) + 1) % 100:02d}{b[4:]}", s),  # a year off
    lambda n, b, s: ("099" + n[3:], b, s),  # no such province
    lambda n, b, s: (n[:4], b, s),  # too short to check
    lambda n, b, s: (n, None, s),
    lambda n, b, s: (n, b[:3], s),
]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(_consistent_row(), min_size=1, max_size=60),
    slip=st.none() | st.tuples(st.integers(0, 59), st.sampled_from(range(len(_SLIPS)))),
)
def test_citizen_id_batch_check_of_a_nearly_clean_batch_equals_row_check(
    rows: list[tuple[str | None, str | None, str | None]], slip: tuple[int, int] | None
) -> None:
    """Real batches are clean but for a row or none: the C-level proof of a clean batch must
    step aside for any single slip, and never report what the rows do not."""
    if slip is not None:
        at = slip[0] % len(rows)
        rows[at] = _SLIPS[slip[1]](*rows[at])  # type: ignore[no-untyped-call]
    rule = CitizenIdConsistency()
    columns = {f: [row[n] for row in rows] for n, f in enumerate(rule.fields)}
    batch = [(i, f.code, f.message, f.field) for i, f in rule.check_columns(columns, len(rows))]
    one = [(i, f.code, f.message, f.field) for i, f in _row_findings(rule, rows)]
    assert batch == one
    if slip is None:
        assert batch == []
