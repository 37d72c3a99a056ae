"""Typed records stream both ways: write → iterate is identity, in constant memory."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnegov.bulk import validate_file
from qnegov.bulk._records import CitizenRecord, HouseholdRecord, iter_records, write_records
from qnegov.testing.bulk import citizen_records, household_records


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(citizen_records(), max_size=8))
def test_citizen_write_then_iterate_is_identity(
    tmp_path: Path, records: list[CitizenRecord]
) -> None:
    path = tmp_path / "c.xml"
    write_records(path, records, kind=CitizenRecord)
    assert list(iter_records(path, CitizenRecord)) == records
    assert not [i for i in validate_file(str(path), "citizen", builtin_rules=False).issues]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(household_records(), max_size=6))
def test_household_write_then_iterate_is_identity(
    tmp_path: Path, records: list[HouseholdRecord]
) -> None:
    path = tmp_path / "h.xml.gz"
    write_records(path, records, kind=HouseholdRecord)
    assert list(iter_records(path, HouseholdRecord)) == records
    assert not validate_file(str(path), "household", builtin_rules=False).issues


def test_write_records_takes_any_iterable_lazily(tmp_path: Path) -> None:
    from qnegov.bulk._generate import generate

    source = tmp_path / "src.xml"
    generate(source, records=50, seed=4)
    copy = tmp_path / "copy.xml"
    count = write_records(copy, itertools.islice(iter_records(source, CitizenRecord), 30))
    assert count == 30
    assert len(list(iter_records(copy, CitizenRecord))) == 30
