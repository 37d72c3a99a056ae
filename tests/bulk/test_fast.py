"""The fast path's switch and fall-backs: same issues with it, without it, and when the
schema or the file is outside what it handles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from qnegov.bulk import generate, iter_issues
from qnegov.bulk._fast import _ATTR_ASCII, _TEXT_ASCII, ATTR_BYTE, TEXT_BYTE
from qnegov.bulk._schema import RecordSchema
from qnegov.cli import main

DATA = Path(__file__).parent / "data"


def test_cli_no_fast_path_gives_the_same_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.xml"
    generate(path, schema="citizen", records=400, error_rate=0.05, seed=3)
    capsys.readouterr()
    outputs = []
    for extra in ([], ["--no-fast-path"]):
        code = main(["validate", str(path), "--schema", "citizen", "--format", "json", *extra])
        assert code == 1
        lines = capsys.readouterr().out.splitlines()
        outputs.append([line for line in lines if '"type": "issue"' in line])
    assert outputs[0] == outputs[1] and outputs[0]


def test_unsupported_schema_falls_back_with_the_same_output(tmp_path: Path) -> None:
    xsd = tmp_path / "token.xsd"
    xsd.write_text(
        (DATA / "parcels.xsd")
        .read_text(encoding="utf-8")
        .replace('name="Owner" type="xs:string"', 'name="Owner" type="xs:token"'),
        encoding="utf-8",
    )
    schema = RecordSchema.load(xsd, root="{urn:test:parcels}Parcels")
    acceptor, reason = schema.acceptor({"p": "urn:test:parcels"}, "p")
    assert acceptor is None and reason == "xs:token"
    doc = tmp_path / "p.xml"
    doc.write_text(
        '<p:Parcels xmlns:p="urn:test:parcels"><p:Source>s</p:Source>\n'
        '<p:Parcel kind="urban"><p:Id>1</p:Id><p:Area>x</p:Area></p:Parcel>\n'
        '<p:Parcel kind="rural"><p:Id>2</p:Id><p:Area>2</p:Area><p:Owner> a  b </p:Owner>'
        "</p:Parcel>\n</p:Parcels>\n",
        encoding="utf-8",
    )
    fast = [repr(i) for i in iter_issues(doc, xsd)]
    assert fast == [repr(i) for i in iter_issues(doc, xsd, fast=False)]
    assert len(fast) == 1 and "Area" in fast[0]


def test_single_byte_encoding_takes_the_libxml2_path(tmp_path: Path) -> None:
    doc = tmp_path / "latin.xml"
    doc.write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<p:Parcels xmlns:p="urn:test:parcels"><p:Source>s</p:Source>\n'
        b'<p:Parcel kind="urban"><p:Id>1</p:Id><p:Area>1</p:Area><p:Owner>Jos\xe9</p:Owner>'
        b"</p:Parcel>\n"
        b'<p:Parcel kind="urban"><p:Id>0</p:Id><p:Area>1</p:Area></p:Parcel>\n</p:Parcels>\n'
    )
    xsd = DATA / "parcels.xsd"
    fast = [repr(i) for i in iter_issues(doc, xsd)]
    assert fast == [repr(i) for i in iter_issues(doc, xsd, fast=False)]
    assert len(fast) == 1 and "Id" in fast[0]


def test_issue_order_does_not_depend_on_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema errors and rule findings of a record stay together in record order, wherever
    batches and ranges are cut (they used to follow the batch: schema errors first)."""
    from qnegov.bulk import _batch, _engine

    # ranges of a quarter (1 job) or an eighth (2 jobs) of the file: different cut points
    monkeypatch.setattr(_batch, "BATCH_BYTES", 16384)
    monkeypatch.setattr(_engine, "_TASK_MIN", 16 * 1024)
    monkeypatch.setattr(_engine, "_TASK_MAX", 1 << 20)
    path = tmp_path / "h.xml"
    generate(path, schema="household", records=1200, error_rate=0.2, seed=8)
    runs = [
        [repr(i) for i in iter_issues(path, "household", jobs=jobs, fast=fast)]
        for jobs in (1, 2)
        for fast in (True, False)
    ]
    assert all(run == runs[0] for run in runs) and runs[0]


@pytest.mark.parametrize("rules", [True, False])
def test_a_stretch_of_unproven_batches_tries_the_fast_path_less_with_the_same_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: bool
) -> None:
    """Where nearly every batch holds an invalid record and rules run, the fast path is tried
    on one batch in four after four misses in a row (it would cost more than it saves); the
    issues are those of the libxml2-only path."""
    from qnegov.bulk import _batch

    monkeypatch.setattr(_batch, "BATCH_BYTES", 8192)
    asked: list[bool] = []
    real = _batch._Range.fast_worth_trying

    def spy(self: _batch._Range) -> bool:
        asked.append(real(self))
        return asked[-1]

    monkeypatch.setattr(_batch._Range, "fast_worth_trying", spy)
    path = tmp_path / "c.xml"
    generate(path, records=1500, error_rate=0.3, seed=5)
    fast = [repr(i) for i in iter_issues(path, "citizen", builtin_rules=rules)]
    assert fast == [repr(i) for i in iter_issues(path, "citizen", builtin_rules=rules, fast=False)]
    assert any("bulk_schema" in i for i in fast)
    skipped = asked.count(False)
    if rules:  # an unproven record sends a batch with rules to the ordinary path
        assert skipped > len(asked) / 2, (skipped, len(asked))
        assert asked[: _batch._RETRY] == [True] * _batch._RETRY
    else:  # XSD only, the blanked copy serves those batches: the fast path never misses
        assert skipped == 0


_VALUES_XSD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:test:values"
  targetNamespace="urn:test:values" elementFormDefault="qualified">
  <xs:element name="R"><xs:complexType><xs:sequence>
    <xs:element ref="t:V" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="V"><xs:complexType><xs:sequence>
    <xs:element name="Wide"><xs:simpleType><xs:restriction base="xs:string">
      <xs:pattern value="[!-~]{1,5}"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Word"><xs:simpleType><xs:restriction base="xs:string">
      <xs:pattern value="[a-z]+"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Pick"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="x&amp;y"/><xs:enumeration value="ok"/></xs:restriction>
      </xs:simpleType></xs:element>
    <xs:element name="Any"><xs:simpleType><xs:restriction base="xs:string">
      <xs:pattern value=".{0,3}"/></xs:restriction></xs:simpleType></xs:element>
  </xs:sequence>
  <xs:attribute name="a"><xs:simpleType><xs:restriction base="xs:string">
    <xs:pattern value="\\s?[a-z]"/></xs:restriction></xs:simpleType></xs:attribute>
  </xs:complexType></xs:element>
</xs:schema>
"""


@pytest.mark.parametrize(
    ("wide", "word", "pick", "any_", "attribute", "accepted"),
    [
        ("ab", "abc", "ok", "xy", ' a="b"', True),
        ("a&lt;", "abc", "ok", "", "", False),  # a reference: libxml2's to judge
        ("a>b", "abc", "ok", "", "", False),  # '>' in text is never accepted
        ("ab", "ab1", "ok", "", "", False),
        ("ab", "abc", "x&amp;y", "", "", False),
        ("ab", "abc", "ok", "a\tb", "", True),
        ("ab", "abc", "ok", "a\nb", "", False),  # '.' does not match a line feed
        ("ab", "abc", "ok", "", ' a="&#9;b"', False),
        ("ab", "abc", "ok", "", ' a=" b"', True),
    ],
)
def test_a_value_is_read_once_only_where_its_pattern_cannot_match_markup(
    tmp_path: Path, wide: str, word: str, pick: str, any_: str, attribute: str, accepted: bool
) -> None:
    """A pattern whose characters are all allowed in the value consumes the value itself;
    one whose range covers '<', '&', '>' or a quote (or, in an attribute, TAB or LF) is only
    a lookahead before the value's own scan. Either way, what is accepted is valid."""
    for allowed, cls in ((_TEXT_ASCII, TEXT_BYTE), (_ATTR_ASCII, ATTR_BYTE)):
        assert {b for b in range(128) if re.fullmatch(cls, bytes([b]))} == allowed
        assert not allowed & {0x26, 0x3C, 0x3E, 0x0D}
    xsd = tmp_path / "values.xsd"
    xsd.write_text(_VALUES_XSD, encoding="utf-8")
    schema = RecordSchema.load(xsd, root="{urn:test:values}R")
    acceptor, reason = schema.acceptor({"t": "urn:test:values"}, "t")
    assert acceptor is not None, reason
    assert b"(?:(?:[a-z]+))</t:Word" in acceptor.pattern  # direct
    assert rb"(?=(?:(?:[!-\~]{1,5}))</)" in acceptor.pattern  # lookahead, then the scan
    record = (
        f"<t:V{attribute}><t:Wide>{wide}</t:Wide><t:Word>{word}</t:Word>"
        f"<t:Pick>{pick}</t:Pick><t:Any>{any_}</t:Any></t:V>"
    )
    matched = re.compile(acceptor.pattern).fullmatch(record.encode()) is not None
    assert matched is accepted
    document = f'<t:R xmlns:t="urn:test:values">{record}</t:R>'
    valid = etree.XMLSchema(etree.parse(str(xsd))).validate(etree.fromstring(document))
    assert valid or not matched
