"""The fast path's acceptor never accepts a record libxml2 rejects (the property that makes
it safe), and the validator's output is byte-identical with and without it.

Valid records of every shipped and test schema are mutated by hypothesis — values swapped for
tricky lexical forms (leap days, decimal forms, whitespace, references, CDATA, control and
non-ASCII characters), children dropped, repeated, swapped and renamed, attributes added,
dropped and changed, prefixes and namespaces changed, bytes flipped — and every record the
acceptor accepts must be valid for libxml2 in the same batch wrapper. The normal run tries a
few thousand cases; ``QNEGOV_SOUNDNESS_EXAMPLES=N`` (``nox -s soundness``) tries N per schema.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from qnegov import _xml
from qnegov._resources import schema_path
from qnegov.bulk import generate, iter_issues
from qnegov.bulk._fast import WS, plain_utf8
from qnegov.bulk._schema import BATCH_ELEMENT, RecordSchema
from qnegov.errors import XMLSyntaxError

DATA = Path(__file__).parent / "data"
EXAMPLES = int(os.environ.get("QNEGOV_SOUNDNESS_EXAMPLES", "400"))

F = 'xmlns:f="urn:test:fast"'
FAST_RECORDS = [
    '<f:Item id="1"><f:Code>AB-123</f:Code><f:Name>Hà</f:Name><f:When>2024-02-29</f:When>'
    "<f:Amount>-12.50</f:Amount><f:Count>-3</f:Count><f:Qty>0</f:Qty><f:Rank>7</f:Rank>"
    "<f:Flag>true</f:Flag><f:Level>high</f:Level><f:Phone>0123</f:Phone></f:Item>",
    '<f:Item kind="b" id="12" ver="1">\n  <f:Code>X42</f:Code>\n  <f:Name>Ngọc</f:Name>\n'
    "  <f:Note>ab</f:Note>\n  <f:When>2000-02-29Z</f:When>\n"
    "  <f:At>2023-12-31T23:59:59.5+07:00</f:At>\n  <f:Amount>+0.5</f:Amount>\n"
    "  <f:Count>12</f:Count>\n  <f:Qty>+4</f:Qty>\n  <f:Rank>0009</f:Rank>\n"
    "  <f:Flag>0</f:Flag>\n  <f:Level>low</f:Level>\n  <f:Email>a.b@cd</f:Email>\n"
    "  <f:Phone>0999</f:Phone>\n  <f:Tag>ab</f:Tag>\n  <f:Tag>đê</f:Tag>\n"
    '  <f:Part unit="kg">1.5</f:Part>\n'
    '  <f:Fixed>v1</f:Fixed>\n  <f:Empty on="false"></f:Empty>\n</f:Item>',
    '<f:Item id="3"><f:Code>ZZ-000.9</f:Code><f:Name>ab</f:Name><f:When>1999-12-01</f:When>'
    "<f:Amount>7</f:Amount><f:Count>0</f:Count><f:Qty>10</f:Qty><f:Rank>1</f:Rank>"
    "<f:Flag>false</f:Flag><f:Level></f:Level><f:Email>x@y</f:Email><f:Tag>xy</f:Tag>"
    "<f:Empty></f:Empty></f:Item>",
]
PARCEL_RECORDS = [
    '<p:Parcel kind="urban"><p:Id>1</p:Id><p:Area>12.5</p:Area></p:Parcel>',
    '<p:Parcel kind="rural">\n <p:Id>002</p:Id>\n <p:Area>-0.75</p:Area>\n'
    " <p:Owner>Lê Văn Tám</p:Owner>\n</p:Parcel>",
]

TRICKY = [
    "",
    " ",
    "0",
    "1",
    "-0",
    "+1",
    "1.",
    ".5",
    "-.5",
    "1.5e3",
    "١٢",
    "1 ",
    " 1",
    "\t2",
    "2\n",
    "00",
    "007",
    "12345678901234567890",
    "2023-02-29",
    "2024-02-29",
    "1900-02-29",
    "2000-02-29",
    "2100-02-29",
    "0000-01-01",
    "2024-13-01",
    "2024-04-31",
    "2024-06-30",
    "2024-01-01Z",
    "2024-01-01+14:00",
    "2024-01-01+15:00",
    "2024-01-01T24:00:00",
    "2024-01-01T23:59:60",
    "2024-1-01",
    "12024-01-01",
    "true",
    "false",
    "TRUE",
    "yes",
    "M",
    "F",
    "m",
    "VN",
    "vn",
    "48",
    "123456789012",
    "12345678901",
    "0912345678",
    "09123456789",
    "&amp;",
    "&#48;",
    "&#x30;",
    "<![CDATA[1]]>",
    "<!-- c -->1",
    "<?pi x?>",
    "]]>",
    "a\rb",
    "\x01",
    "\x7f",
    "ab\u00a0",
    "x" * 101,
    "đ" * 100,
    "đ" * 101,
    "ẻ" * 60,
    "\ufffd",
    "AB-123",
    "X1",
    "X١",
    "ab",
    "a.b@cd",
    "low",
    "high",
    "urban",
    "kg",
    "v1",
    "v1 ",
]


@dataclass(frozen=True)
class Case:
    """A record schema with its batch wrapper (as the engine builds it) and valid records."""

    name: str
    xsd: str
    root: str
    decls: str
    records: tuple[str, ...]


@cache
def _citizen_records(schema: str) -> tuple[str, ...]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xml"
        generate(path, schema=schema, records=40, seed=11)
        text = path.read_text(encoding="utf-8")
    tag = "Citizen" if schema == "citizen" else "Household"
    return tuple(re.findall(rf"<{tag}>.*?</{tag}>", text, flags=re.S))


def _prefixed(record: str, prefix: str) -> str:
    return re.sub(r"<(/?)([A-Za-z])", rf"<\1{prefix}:\2", record)


def cases() -> list[Case]:
    citizen_ns = "urn:qnegov:records:citizen:1"
    household_ns = "urn:qnegov:records:household:1"
    citizens = _citizen_records("citizen")
    households = _citizen_records("household")
    return [
        Case(
            "citizen",
            str(schema_path("records/citizen.xsd")),
            f"{{{citizen_ns}}}CitizenRegister",
            f'xmlns="{citizen_ns}"',
            citizens,
        ),
        Case(
            "citizen-prefixed",
            str(schema_path("records/citizen.xsd")),
            f"{{{citizen_ns}}}CitizenRegister",
            f'xmlns:c="{citizen_ns}" xmlns:o="urn:other"',
            tuple(_prefixed(r, "c") for r in citizens[:15]),
        ),
        Case(
            "household",
            str(schema_path("records/household.xsd")),
            f"{{{household_ns}}}HouseholdRegister",
            f'xmlns="{household_ns}"',
            households,
        ),
        Case(
            "parcels",
            str(DATA / "parcels.xsd"),
            "{urn:test:parcels}Parcels",
            'xmlns:p="urn:test:parcels"',
            tuple(PARCEL_RECORDS),
        ),
        Case(
            "fasttypes", str(DATA / "fasttypes.xsd"), "{urn:test:fast}Items", F, tuple(FAST_RECORDS)
        ),
    ]


@dataclass
class Judge:
    """The acceptor and libxml2 side by side, as the engine runs them on one batch."""

    accept: Callable[[bytes], bool]
    valid: Callable[[bytes], bool]


@cache
def judge(case: Case) -> Judge:
    schema = RecordSchema.load(case.xsd, root=case.root)
    root = etree.fromstring(f"<r {case.decls}/>")
    prefix = re.match(r"<(?:(\w+):)?", case.records[0])
    fields = (
        "CitizenId",
        "BirthDate",
        "Sex",
        "PermanentAddress/ProvinceCode",
        "PermanentAddress/CommuneCode",
        "RegisteredOn",
        "HouseholdId",
        "Address/ProvinceCode",
    )
    acceptor, reason = schema.acceptor(
        dict(root.nsmap), prefix.group(1) if prefix else None, fields
    )
    assert acceptor is not None, reason
    run = acceptor.compile()
    # the capturing twin (what the fast path runs when built-in rules read fields) must
    # accept exactly what the plain expression accepts
    extract = re.compile(WS + acceptor.extract) if acceptor.extract else None
    space = re.compile(WS)
    batch = schema.compile_batch()
    opening = (
        f'<qnegovbatch:{BATCH_ELEMENT} xmlns:qnegovbatch="{schema.batch_ns}" {case.decls}>'
    ).encode()
    closing = f"</qnegovbatch:{BATCH_ELEMENT}>".encode()

    def accept(record: bytes) -> bool:
        if not plain_utf8(record):
            return False
        end = run.match(record).end()  # type: ignore[union-attr]
        end = space.match(record, end).end()  # type: ignore[union-attr]
        accepted = end == len(record) and record.count(acceptor.end_tag) >= 1
        if extract is not None:
            pos = 0
            while (match := extract.match(record, pos)) is not None:
                pos = match.end()
            pos = space.match(record, pos).end()  # type: ignore[union-attr]
            assert (pos == len(record) and pos > 0) == accepted or not record.strip()
        return accepted

    def valid(record: bytes) -> bool:
        try:
            tree = _xml.parse_bytes(opening + record + closing, name="case", lean=True)
        except XMLSyntaxError:
            return False
        return bool(batch.validate(tree))

    return Judge(accept, valid)


CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_unmutated_records_are_accepted(case: Case) -> None:
    """Not vacuous: the acceptor proves the plain valid records (else nothing is tested)."""
    verdict = judge(case)
    for record in case.records:
        data = record.encode()
        assert verdict.valid(data), record
        assert verdict.accept(data), record


_TEXT = re.compile(rb">([^<]*)<")
_ATTR = re.compile(rb'="([^"]*)"')
_TAG = re.compile(rb"<(/?)([\w.:-]+)")
_CHILD = re.compile(rb"<([\w:.-]+)[^>]*>[^<]*</\1>")


def _values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY),
        st.text(alphabet="0123456789-+.:TZ eE", max_size=12),
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x10FFFF),
            max_size=6,
        ),
    )


@st.composite
def mutated(draw: st.DrawFn, records: tuple[str, ...]) -> bytes:
    data = draw(st.sampled_from(records)).encode()
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(draw, data)
    return data


MUTATIONS = (
    *("text", "text", "text", "attr", "add-attr", "drop-attr", "drop", "repeat"),
    *("swap", "rename", "prefix", "space", "byte", "cut", "nest", "twice"),
)


def _mutate(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "text" or kind == "attr":
        slots = list((_TEXT if kind == "text" else _ATTR).finditer(data))
        if not slots:
            return data
        slot = draw(st.sampled_from(slots))
        value = draw(_values()).encode("utf-8", "surrogatepass")
        return data[: slot.start(1)] + value + data[slot.end(1) :]
    if kind == "add-attr":
        ends = [m.end(2) for m in _TAG.finditer(data) if not m.group(1)]
        if not ends:
            return data
        at = draw(st.sampled_from(ends))
        name = draw(st.sampled_from([b"id", b"kind", b"ver", b"unit", b"on", b"x", b"xsi:nil"]))
        value = draw(_values()).encode("utf-8", "surrogatepass")
        quote = draw(st.sampled_from([b'"', b"'"]))
        return data[:at] + b" " + name + b"=" + quote + value + quote + data[at:]
    if kind == "drop-attr":
        attrs = list(re.finditer(rb'\s[\w:]+="[^"]*"', data))
        if not attrs:
            return data
        hit = draw(st.sampled_from(attrs))
        return data[: hit.start()] + data[hit.end() :]
    if kind in ("drop", "repeat", "nest"):
        children = list(_CHILD.finditer(data))
        if not children:
            return data
        hit = draw(st.sampled_from(children))
        if kind == "drop":
            return data[: hit.start()] + data[hit.end() :]
        if kind == "nest":
            inner = hit.group(0)
            return data[: hit.start()] + inner.replace(b"</", inner + b"</", 1) + data[hit.end() :]
        return data[: hit.end()] + hit.group(0) + data[hit.end() :]
    if kind == "swap":
        children = list(_CHILD.finditer(data))
        if len(children) < 2:
            return data
        i = draw(st.integers(0, len(children) - 2))
        a, b = children[i], children[i + 1]
        return (
            data[: a.start()]
            + b.group(0)
            + data[a.end() : b.start()]
            + a.group(0)
            + data[b.end() :]
        )
    if kind == "rename":
        tags = list(_TAG.finditer(data))
        if not tags:
            return data
        hit = draw(st.sampled_from(tags))
        name = hit.group(2)
        new = draw(
            st.sampled_from(
                [name + b"x", name.lower(), name[:-1], b"Id", b"Name", b"Phone", b"Tag"]
            )
        )
        if b":" in name and b":" not in new:
            new = name.split(b":")[0] + b":" + new
        return data[: hit.start(2)] + new + data[hit.end(2) :]
    if kind == "prefix":
        tags = list(_TAG.finditer(data))
        if not tags:
            return data
        hit = draw(st.sampled_from(tags))
        local = hit.group(2).split(b":")[-1]
        prefix = draw(st.sampled_from([b"", b"c:", b"o:", b"p:", b"f:", b"h:", b"xml:"]))
        return data[: hit.start(2)] + prefix + local + data[hit.end(2) :]
    if kind == "space":
        at = draw(st.integers(0, len(data)))
        space = draw(st.sampled_from([b" ", b"\n", b"\t", b"\r\n", b"\r", b"  \n  ", b"\x0c"]))
        return data[:at] + space + data[at:]
    if kind == "byte":
        at = draw(st.integers(0, max(0, len(data) - 1)))
        byte = bytes([draw(st.integers(0, 255))])
        how = draw(st.sampled_from(["insert", "replace", "delete"]))
        if how == "insert":
            return data[:at] + byte + data[at:]
        if how == "replace":
            return data[:at] + byte + data[at + 1 :]
        return data[:at] + data[at + 1 :]
    if kind == "cut":
        at = draw(st.integers(0, len(data)))
        return data[:at]
    return data + b"\n" + data  # twice: two records in a row


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_acceptor_never_accepts_what_libxml2_rejects(case: Case) -> None:
    verdict = judge(case)
    seen = {"accepted": 0, "total": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(case.records))
    def check(record: bytes) -> None:
        seen["total"] += 1
        if verdict.accept(record):
            seen["accepted"] += 1
            assert verdict.valid(record), record

    check()
    assert seen["accepted"] > 0  # some mutations keep a record valid (e.g. a valid new value)


def _write(path: Path, decls: str, root: str, body: list[str], head: str = "") -> Path:
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {decls}>{head}\n'
    text += "\n".join(body) + f"\n</{root.split()[0]}>\n"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("schema", ["citizen", "household"])
def test_output_identical_to_libxml2_only_path(tmp_path: Path, schema: str) -> None:
    path = tmp_path / "r.xml"
    generate(path, schema=schema, records=1500, error_rate=0.05, seed=4)
    for builtin in (True, False):
        fast = [repr(i) for i in iter_issues(path, schema, builtin_rules=builtin)]
        slow = [repr(i) for i in iter_issues(path, schema, builtin_rules=builtin, fast=False)]
        assert fast == slow
        assert any("bulk_schema" in i for i in fast)


@given(st.data())
@settings(max_examples=25, deadline=None, database=None)
def test_output_identical_on_mutated_files(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Mutated records in one file, several per line, comments between, CRLF: same issues."""
    case = CASES[4]  # fasttypes: every type and shape
    records = [data.draw(mutated(case.records)).decode("utf-8", "replace") for _ in range(6)]
    records += list(case.records)
    data.draw(st.randoms()).shuffle(records)
    joiner = data.draw(st.sampled_from(["\n", "", "\r\n", "<!-- c -->", " "]))
    path = tmp_path_factory.mktemp("m") / "m.xml"
    _write(path, F, "f:Items", [joiner.join(records)])
    xsd = DATA / "fasttypes.xsd"
    fast = [repr(i) for i in iter_issues(path, xsd)]
    slow = [repr(i) for i in iter_issues(path, xsd, fast=False)]
    assert fast == slow
