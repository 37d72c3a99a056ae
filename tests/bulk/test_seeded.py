"""The bulk validator reports exactly the seeded errors, whatever the job count."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnegov.bulk import iter_issues, validate_file
from qnegov.bulk._generate import generate


def _found(path: Path, schema: str, jobs: int) -> list[tuple[int, int, str]]:
    report = validate_file(str(path), schema, jobs=jobs)
    return sorted(
        (-1 if i.record is None else i.record, i.line or 0, i.code) for i in report.issues
    )


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    schema=st.sampled_from(["citizen", "household"]),
    records=st.integers(min_value=1, max_value=400),
    rate=st.sampled_from([0.0, 0.05, 0.3]),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_exactly_the_seeded_errors_for_every_job_count(
    tmp_path: Path, schema: str, records: int, rate: float, seed: int
) -> None:
    path = tmp_path / f"{schema}-{records}-{seed}.xml"
    seeded = generate(path, schema=schema, records=records, error_rate=rate, seed=seed)
    want = sorted((e.record, e.line, e.code) for e in seeded)
    assert _found(path, schema, 1) == want
    assert _found(path, schema, 2) == want


def test_many_ranges_give_the_same_output_as_one(tmp_path: Path) -> None:
    """A file large enough for several byte ranges: identical issue streams for jobs 1 and 3."""
    path = tmp_path / "big.xml"
    seeded = generate(path, records=12_000, error_rate=0.01, seed=7)
    one = [i.to_dict() for i in iter_issues(str(path), "citizen", jobs=1)]
    three = [i.to_dict() for i in iter_issues(str(path), "citizen", jobs=3)]
    assert one == three
    assert sorted((i["record"], i["line"], i["code"]) for i in one) == sorted(
        (e.record, e.line, e.code) for e in seeded
    )


def test_gzip_input_gives_the_same_issues(tmp_path: Path) -> None:
    plain = tmp_path / "c.xml"
    seeded = generate(plain, records=300, error_rate=0.1, seed=3)
    packed = tmp_path / "c.xml.gz"
    with plain.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    got = sorted((i.record, i.line, i.code) for i in validate_file(str(packed), "citizen").issues)
    assert got == sorted((e.record, e.line, e.code) for e in seeded)


def test_malformed_records_are_skipped_and_validation_resumes(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    seeded = generate(path, records=200, error_rate=0.2, seed=11, kinds=["malformed", "bad_sex"])
    report = validate_file(str(path), "citizen")
    assert {i.code for i in report.issues} == {"bulk_malformed", "bulk_schema"}
    assert sorted((i.record, i.line) for i in report.issues) == sorted(
        (e.record, e.line) for e in seeded
    )


def test_max_errors_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    generate(path, records=500, error_rate=0.5, seed=1)
    issues = list(iter_issues(str(path), "citizen", max_errors=5))
    assert len(issues) == 6
    assert issues[-1].code == "bulk_stopped"


def test_trailer_count_and_header_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "t.xml"
    generate(path, records=20, seed=2)
    text = path.read_text(encoding="utf-8")
    text = text.replace("<RecordCount>20</RecordCount>", "<RecordCount>21</RecordCount>")
    text = text.replace(
        "<ProvinceCode>48</ProvinceCode>\n    <CreatedAt>",
        "<ProvinceCode>4</ProvinceCode>\n    <CreatedAt>",
        1,
    )
    path.write_text(text, encoding="utf-8")
    report = validate_file(str(path), "citizen")
    codes = sorted(i.code for i in report.issues)
    assert codes == ["bulk_record_count", "bulk_schema"]
    lines = {i.code: i.line for i in report.issues}
    all_lines = text.splitlines()
    assert "RecordCount" in all_lines[lines["bulk_record_count"] - 1]
    assert "<ProvinceCode>4<" in all_lines[lines["bulk_schema"] - 1]
