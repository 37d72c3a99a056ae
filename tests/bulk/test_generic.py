"""Any XSD and record element: local declarations, prefixes, auto-detection, user rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from qnegov.bulk import Finding, Record, UniqueKey, iter_issues, record_rule, validate_file
from qnegov.bulk._schema import RecordSchema
from qnegov.errors import SchemaError

# A land-parcel register whose record element is declared locally, with an anonymous type.
PARCELS_XSD = (Path(__file__).parent / "data" / "parcels.xsd").read_text(encoding="utf-8")


def _parcels(tmp_path: Path, body: str, prefix: str = "p") -> Path:
    xsd = tmp_path / "parcels.xsd"
    xsd.write_text(PARCELS_XSD, encoding="utf-8")
    doc = tmp_path / "parcels.xml"
    decl = f'xmlns:{prefix}="urn:test:parcels"' if prefix else 'xmlns="urn:test:parcels"'
    q = f"{prefix}:" if prefix else ""
    text = f'<?xml version="1.0"?>\n<{q}Parcels {decl}>\n  <{q}Source>Sở TN&amp;MT</{q}Source>\n'
    text += textwrap.dedent(body).replace("q:", q) + f"</{q}Parcels>\n"
    doc.write_text(text, encoding="utf-8")
    return doc


BODY = """\
  <q:Parcel kind="urban"><q:Id>1</q:Id><q:Area>12.5</q:Area></q:Parcel>
  <!-- a comment between records, and one inside: <q:Parcel kind="x"> -->
  <q:Parcel kind="rural"><q:Id>2</q:Id><q:Area>abc</q:Area></q:Parcel>
  <q:Parcel kind="forest"><q:Id>3</q:Id><q:Area>1</q:Area><q:Owner>Lê Văn Tám</q:Owner></q:Parcel>
  <q:Parcel kind="rural"><q:Id>1</q:Id><q:Area>7</q:Area></q:Parcel>
"""


@pytest.mark.parametrize("prefix", ["p", ""])
def test_local_record_declaration_is_detected_and_validated(tmp_path: Path, prefix: str) -> None:
    doc = _parcels(tmp_path, BODY, prefix)
    issues = list(iter_issues(str(doc), tmp_path / "parcels.xsd"))
    assert [(i.code, i.line, i.record) for i in issues] == [
        ("bulk_schema", 6, 1),
        ("bulk_schema", 7, 2),
    ]
    q = f"{prefix}:" if prefix else ""
    assert issues[0].path == f"/{q}Parcels/{q}Parcel[2]/{q}Area"  # names as the file writes them


def test_user_rules_and_unique_keys(tmp_path: Path) -> None:
    doc = _parcels(tmp_path, BODY)

    @record_rule("area-positive")
    def area_positive(record: Record) -> list[Finding]:
        area = record.text("Area")
        if area is not None and float(area) > 10:
            return [Finding("parcel_large", "area over 10", "Area")]
        return []

    issues = list(
        iter_issues(
            str(doc),
            tmp_path / "parcels.xsd",
            record="{urn:test:parcels}Parcel",
            rules=[area_positive, UniqueKey("unique-id", "Id", code="parcel_duplicate")],
        )
    )
    codes = [(i.code, i.line, i.record, i.rule) for i in issues]
    assert ("parcel_large", 4, 0, "area-positive") in codes
    assert ("parcel_duplicate", 8, 3, "unique-id") in codes


def test_rules_module_by_path_runs_in_workers(tmp_path: Path) -> None:
    doc = _parcels(tmp_path, BODY)
    module = tmp_path / "my_rules.py"
    module.write_text(
        textwrap.dedent(
            """
            from qnegov.bulk import Finding, record_rule

            @record_rule("owner-required")
            def owner(record):
                if record.text("Owner") is None:
                    yield Finding("parcel_no_owner", "no owner", None)

            RULES = [owner]
            """
        ),
        encoding="utf-8",
    )
    one = [
        i.to_dict()
        for i in iter_issues(str(doc), tmp_path / "parcels.xsd", rules=[str(module)], jobs=1)
    ]
    two = [
        i.to_dict()
        for i in iter_issues(str(doc), tmp_path / "parcels.xsd", rules=[str(module)], jobs=2)
    ]
    assert one == two
    assert [i["record"] for i in one if i["code"] == "parcel_no_owner"] == [0, 3]


def test_a_crashing_rule_is_reported_not_fatal(tmp_path: Path) -> None:
    doc = _parcels(tmp_path, BODY)

    @record_rule("boom")
    def boom(record: Record) -> list[Finding]:
        raise RuntimeError("bug")

    report = validate_file(str(doc), tmp_path / "parcels.xsd", rules=[boom])
    assert report.by_code["bulk_rule_crashed"] == 2  # the two schema-valid records


def test_unknown_record_name_is_a_schema_error(tmp_path: Path) -> None:
    _parcels(tmp_path, BODY)
    with pytest.raises(SchemaError):
        RecordSchema.load(tmp_path / "parcels.xsd", "Nope")


def test_hostile_file_is_refused_as_fatal(tmp_path: Path) -> None:
    doc = tmp_path / "xxe.xml"
    doc.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<CitizenRegister xmlns="urn:qnegov:records:citizen:1">&x;</CitizenRegister>\n',
        encoding="utf-8",
    )
    report = validate_file(str(doc), "citizen")
    assert [i.code for i in report.issues] == ["unsafe_xml"]
    assert report.exit_code == 3


def test_single_byte_encoding_is_honoured(tmp_path: Path) -> None:
    doc = _parcels(
        tmp_path,
        """\
  <q:Parcel kind="urban"><q:Id>1</q:Id><q:Area>1</q:Area><q:Owner>Ngô</q:Owner></q:Parcel>
""",
    )
    text = doc.read_text(encoding="utf-8").replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>'
    )
    text = text.replace("Sở TN&amp;MT", "Sé").replace("Ngô", "Nô")
    doc.write_bytes(text.encode("latin-1"))
    assert validate_file(str(doc), tmp_path / "parcels.xsd").issues == []


@pytest.mark.parametrize("prefix", ["p", ""])
@pytest.mark.parametrize("fast", [True, False])
def test_rule_and_key_issue_paths_name_elements_as_written(
    tmp_path: Path, prefix: str, fast: bool
) -> None:
    doc = _parcels(tmp_path, BODY, prefix)

    @record_rule("area-positive")
    def area_positive(record: Record) -> list[Finding]:
        area = record.text("Area")
        if area is not None and float(area) > 10:
            return [Finding("parcel_large", "area over 10", "Area")]
        return []

    issues = list(
        iter_issues(
            str(doc),
            tmp_path / "parcels.xsd",
            rules=[area_positive, UniqueKey("unique-id", "Id", code="parcel_duplicate")],
            fast=fast,
        )
    )
    q = f"{prefix}:" if prefix else ""
    paths = {i.code: i.path for i in issues}
    assert paths["parcel_large"] == f"/{q}Parcels/{q}Parcel[1]/{q}Area"
    assert paths["parcel_duplicate"] == f"/{q}Parcels/{q}Parcel[4]/{q}Id"


def test_a_lone_record_gets_no_index(tmp_path: Path) -> None:
    body = '  <q:Parcel kind="urban"><q:Id>1</q:Id><q:Area>x</q:Area></q:Parcel>\n'
    doc = _parcels(tmp_path, body)
    issues = list(iter_issues(str(doc), tmp_path / "parcels.xsd"))
    assert [i.path for i in issues] == ["/p:Parcels/p:Parcel/p:Area"]


def test_header_issue_paths_come_from_the_file(tmp_path: Path) -> None:
    doc = _parcels(tmp_path, BODY)
    text = doc.read_text(encoding="utf-8").replace("<p:Source>", '<p:Source bad="1">')
    doc.write_text(text, encoding="utf-8")
    issues = [i for i in iter_issues(str(doc), tmp_path / "parcels.xsd") if i.record is None]
    assert [i.path for i in issues] == ["/p:Parcels/p:Source"]
