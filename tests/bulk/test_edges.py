"""Edge shapes of register files: no records, huge records, truncation, emptiness."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnegov.bulk import UniqueKey, generate, validate_file

PARCELS_XSD = (Path(__file__).parent / "data" / "parcels.xsd").read_text(encoding="utf-8")


def _xsd(tmp_path: Path) -> Path:
    xsd = tmp_path / "parcels.xsd"
    xsd.write_text(PARCELS_XSD, encoding="utf-8")
    return xsd


def test_a_register_without_records(tmp_path: Path) -> None:
    path = tmp_path / "none.xml"
    generate(path, records=0)
    assert validate_file(str(path), "citizen").issues == []
    text = path.read_text(encoding="utf-8").replace("<RecordCount>0<", "<RecordCount>2<")
    path.write_text(text, encoding="utf-8")
    assert [i.code for i in validate_file(str(path), "citizen").issues] == ["bulk_record_count"]


def test_records_larger_than_a_read_block(tmp_path: Path) -> None:
    xsd = _xsd(tmp_path)
    owner = "Nguyễn " * 400_000  # ~3.2 MB of text in one record
    rows = [
        '<?xml version="1.0"?>',
        '<p:Parcels xmlns:p="urn:test:parcels">',
        "<p:Source>x</p:Source>",
    ]
    for n in range(1, 40):
        area = "bad" if n in (2, 39) else "1"
        extra = f"<p:Owner>{owner}</p:Owner>" if n in (1, 20) else ""
        rows.append(
            f'<p:Parcel kind="urban">\n<p:Id>{n}</p:Id>\n<p:Area>{area}</p:Area>{extra}</p:Parcel>'
        )
    rows.append("</p:Parcels>")
    path = tmp_path / "big-records.xml"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    want = [n + 1 for n, row in enumerate(lines) if "<p:Area>bad" in row]
    for jobs in (1, 2):
        issues = validate_file(str(path), xsd, jobs=jobs).issues
        assert [(i.line, i.record) for i in issues] == [(want[0], 1), (want[1], 38)]


def test_a_truncated_file_reports_instead_of_crashing(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    generate(path, records=100, seed=5)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = validate_file(str(path), "citizen")
    assert not report.valid
    assert {i.code for i in report.issues} <= {"bulk_malformed", "bulk_schema"}
    assert report.by_code["bulk_malformed"] >= 1


def test_an_empty_file_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    report = validate_file(str(path), "citizen")
    assert report.exit_code == 3


def test_key_values_with_separator_characters(tmp_path: Path) -> None:
    """A key value holding TAB, a line separator, a CR or a backslash is still one value
    (spilled values are joined by NUL, which XML text cannot hold), and ``C<TAB>D`` never
    collides with ``C\\tD``."""
    path = tmp_path / "keys.xml"
    generate(path, records=8, seed=3)
    text = path.read_text(encoding="utf-8")
    names = iter(
        ["A&#x2028;B", "A&#x2028;B", "C&#9;D", "C\\tD", "E\\F", "E\\F", "G&#13;H", "G&#13;H"]
    )
    own = "\n    <FullName>"  # the citizen's own name, not a parent's (indented deeper)
    parts = text.split(own)
    rebuilt = parts[0] + "".join(
        own + next(names) + part[part.index("</FullName>") :] for part in parts[1:]
    )
    path.write_text(rebuilt, encoding="utf-8")
    for fast in (True, False):
        for jobs in (1, 2):
            issues = validate_file(
                str(path),
                "citizen",
                jobs=jobs,
                fast=fast,
                builtin_rules=False,
                rules=[UniqueKey("unique-name", "FullName")],
            ).issues
            repeats = [(i.record, i.message) for i in issues]
            assert [r for r, _ in repeats] == [1, 5, 7], (fast, jobs, repeats)
            assert "A\u2028B" in repeats[0][1] and "E\\F" in repeats[1][1]


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_small_key_buckets_give_the_same_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Keys split over many buckets and spilled a few at a time (as in a file of many GB)
    give the issues of one bucket held whole, in the same order."""
    path = tmp_path / "dups.xml"
    generate(path, records=3000, error_rate=0.03, seed=21, kinds=["duplicate_id"])
    want = [i.to_dict() for i in validate_file(str(path), "citizen", jobs=jobs).issues]
    assert sum(i["code"] == "bulk_duplicate_key" for i in want) >= 20
    monkeypatch.setattr("qnegov.bulk._engine._KEY_BUCKET_BYTES", 16 * 1024)
    monkeypatch.setattr("qnegov.bulk._keys.KEYS_IN_MEMORY", 97)
    got = [i.to_dict() for i in validate_file(str(path), "citizen", jobs=jobs).issues]
    assert got == want
