"""Identity constraints: on a local record declaration, and on the root over every record.

The batch schema must compile when the record element carries its own ``xs:unique``; the
root's ``xs:key``/``xs:unique``/``xs:keyref`` are checked across the whole file (across batches
and ranges, in every ``jobs`` setting), as ``xmllint`` and whole-document lxml validation do.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qnegov import _xml
from qnegov.bulk import _batch, _engine, iter_issues

DATA = Path(__file__).parent / "data"
KEYS = DATA / "keys.xsd"
GLOBAL = DATA / "keys-global.xsd"


def _register(path: Path, count: int, seed: int) -> Path:
    """A keys.xsd register with seeded duplicate ids/codes, absent ids, dangling refs."""
    rng = random.Random(seed)
    lines = ['<?xml version="1.0"?>', '<k:Book xmlns:k="urn:test:keys">']
    lines.append("  <k:Source>s</k:Source>")
    for n in range(count):
        ident = n if rng.random() > 0.01 else rng.randrange(max(1, n))
        code = f' code="c{n}"' if rng.random() > 0.01 else ' code="c0"'
        id_part = "" if rng.random() < 0.005 else f"<k:Id>{ident}</k:Id>"
        ref = rng.randrange(count + 50) if rng.random() < 0.3 else None
        ref_part = "" if ref is None else f"<k:Ref>{ref}</k:Ref>"
        tags = "<k:Tag>x</k:Tag><k:Tag>x</k:Tag>" if rng.random() < 0.005 else "<k:Tag>x</k:Tag>"
        lines.append(f"  <k:Entry{code}>{id_part}{ref_part}{tags}</k:Entry>")
    lines.append("</k:Book>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ours(path: Path, xsd: Path, jobs: int) -> list[tuple[int | None, str]]:
    return sorted((i.line, i.message) for i in iter_issues(path, xsd, jobs=jobs))


def _whole(path: Path, xsd: Path, ns: str) -> list[tuple[int | None, str]]:
    schema = _xml.load_xsd(xsd)
    schema.validate(_xml.parse(path))
    log: list = list(schema.error_log)  # type: ignore[arg-type]
    return sorted((e.line, e.message.replace("{" + ns + "}", "")) for e in log)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny batches and ranges, so a small file crosses many of both."""
    monkeypatch.setattr(_batch, "BATCH_BYTES", 2048)
    monkeypatch.setattr(_engine, "_TASK_MIN", 16 * 1024)
    monkeypatch.setattr(_engine, "_TASK_MAX", 16 * 1024)


@pytest.mark.parametrize("jobs", [1, 2])
def test_root_constraints_match_whole_document_validation(
    tmp_path: Path, small_batches: None, jobs: int
) -> None:
    doc = _register(tmp_path / "book.xml", 1500, seed=7)
    ours = _ours(doc, KEYS, jobs)
    assert ours == _whole(doc, KEYS, "urn:test:keys")
    kinds = " ".join(m for _l, m in ours)
    for expected in ("Duplicate key-sequence", "Not all fields", "No match found", "tagOnce"):
        assert expected in kinds


def test_xmllint_stream_agrees(tmp_path: Path, small_batches: None) -> None:
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        if os.environ.get("QNEGOV_REQUIRE_EXTERNAL"):
            pytest.fail("xmllint is required here (QNEGOV_REQUIRE_EXTERNAL is set) but missing")
        pytest.skip("xmllint not installed")
    doc = _register(tmp_path / "book.xml", 800, seed=3)
    run = subprocess.run(
        [xmllint, "--noout", "--stream", "--schema", str(KEYS), str(doc)],
        capture_output=True,
        text=True,
        check=False,
    )
    theirs = []
    for line in run.stderr.splitlines():
        match = re.match(r".*?:(\d+): Schemas validity error : (.*)$", line)
        if match:
            theirs.append(match.group(2).replace("{urn:test:keys}", ""))
    ours = [m for _l, m in _ours(doc, KEYS, 2)]
    assert theirs, run.stderr
    assert sorted(ours) == sorted(theirs)


def test_global_record_with_own_unique_and_multi_field_root_key(tmp_path: Path) -> None:
    doc = tmp_path / "g.xml"
    doc.write_text(
        '<?xml version="1.0"?>\n<Book xmlns="urn:test:gkeys">\n<Source>s</Source>\n'
        '<Entry series="a"><Id>1</Id><Part id="1" series="a"/><Part id="1"/></Entry>\n'
        '<Entry series="b"><Id>1</Id><Part id="2" series="b"/></Entry>\n'
        '<Entry series="a"><Id>1</Id><Tag>t</Tag></Entry>\n'
        '<Entry series="a"><Tag>t</Tag></Entry>\n'
        "</Book>\n",
        encoding="utf-8",
    )
    issues = list(iter_issues(doc, GLOBAL))
    warnings = [i for i in issues if i.code == "bulk_unchecked_feature"]
    assert len(warnings) == 1 and "anyTag" in warnings[0].message
    errors = sorted((i.line, i.message) for i in issues if i.code == "bulk_schema")
    whole = [
        e
        for e in _whole(doc, GLOBAL, "urn:test:gkeys")
        if "anyTag" not in e[1]  # the constraint named in the warning
    ]
    assert errors == whole
    assert any("partOnce" in m for _l, m in errors)
    assert any("No match found for key-sequence ['2', 'b']" in m for _l, m in errors)


def test_local_record_with_unique_compiles(tmp_path: Path) -> None:
    doc = tmp_path / "one.xml"
    doc.write_text(
        '<k:Book xmlns:k="urn:test:keys"><k:Source>s</k:Source>'
        "<k:Entry><k:Id>1</k:Id><k:Tag>a</k:Tag><k:Tag>a</k:Tag></k:Entry></k:Book>",
        encoding="utf-8",
    )
    messages = [i.message for i in iter_issues(doc, KEYS)]
    assert messages == [
        "Element 'Tag': Duplicate key-sequence ['a'] in unique identity-constraint 'tagOnce'."
    ]
