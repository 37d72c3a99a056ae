"""Every public read function on mutated input: it returns, or raises a typed qnegov error,
within the time bound; the validators never raise for bad input at all."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qnegov import _xml, edxml, signing
from qnegov.bulk import validate_file
from qnegov.errors import QnegovError
from qnegov.report import Report

from ._harness import (
    CASE_SECONDS,
    EDXML_SEEDS,
    XML_SEEDS,
    Workspace,
    fuzz_settings,
    kept_on_failure,
    mutated,
    write_input,
)

pytestmark = pytest.mark.slow  # the bounded fuzz run: about a minute in all


class _Target:
    """A parser target that keeps nothing: the form edXML reading streams through."""

    def __init__(self) -> None:
        self.line = 1
        self.elements = 0

    def start(self, tag: str, attrib: Any) -> None:
        self.elements += 1

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> int:
        return self.elements


def _typed(call: Callable[[], Any]) -> Any:
    """Run ``call``; a qnegov error is an answer, any other exception fails the case."""
    start = time.perf_counter()
    try:
        return call()
    except QnegovError as exc:
        return exc
    finally:
        assert time.perf_counter() - start < CASE_SECONDS


PARSERS: dict[str, Callable[[bytes], Any]] = {
    "parse": lambda d: _xml.parse(d),
    "parse_large_text": lambda d: _xml.parse(d, large_text=True),
    "parse_bytes": lambda d: _xml.parse_bytes(d),
    "parse_bytes_lean": lambda d: _xml.parse_bytes(d, lean=True),
    "iterparse": lambda d: sum(1 for _ in _xml.iterparse(d, events=("start", "end"))),
    "target": lambda d: _xml.parse_with_target(d, _Target()),
    "target_lines": lambda d: _xml.parse_with_target(d, _Target(), track_lines=True),
    "target_recover": lambda d: _xml.parse_with_target(d, _Target(), recover=True),
}


@fuzz_settings(240)
@given(data=mutated(XML_SEEDS), form=st.sampled_from(sorted(PARSERS)))
def test_safe_parser_forms(data: bytes, form: str) -> None:
    with kept_on_failure(data, ".xml"):
        _typed(lambda: PARSERS[form](data))


@fuzz_settings(120)
@given(data=mutated(EDXML_SEEDS), strict=st.booleans())
def test_edxml_read_and_validate(data: bytes, strict: bool) -> None:
    with kept_on_failure(data, ".edxml"):
        _typed(lambda: edxml.read(data, strict=strict))
        report = edxml.validate(data, strict=strict)  # never raises
        assert isinstance(report, Report)
        per_code: dict[str, int] = {}
        for issue in report.issues:
            per_code[issue.code] = per_code.get(issue.code, 0) + 1
        assert max(per_code.values(), default=0) <= 1000


@fuzz_settings(40)
@given(data=st.data())
def test_edxml_read_into_a_folder(workspace: Workspace, data: st.DataObject) -> None:
    raw = data.draw(mutated(EDXML_SEEDS))
    with workspace.case() as case, kept_on_failure(raw, ".edxml"):
        _typed(lambda: edxml.read(raw, attachment_dir=case / "out"))


@fuzz_settings(50)
@given(data=st.data())
def test_bulk_validate_file(
    workspace: Workspace, register_seed: bytes, data: st.DataObject
) -> None:
    raw = data.draw(mutated([register_seed]))
    with workspace.case() as case, kept_on_failure(raw, ".xml"):
        path = write_input(case, "register.xml", raw)
        assert isinstance(validate_file(path, "citizen"), Report)  # never raises


@fuzz_settings(80)
@given(data=st.data())
def test_signing_verify_and_explain(
    pki: Path, signed_seeds: list[bytes], data: st.DataObject
) -> None:
    raw = data.draw(mutated(signed_seeds))
    trust = signing.TrustStore.from_paths(pki / "ca.pem")
    with kept_on_failure(raw, ".xml"):
        _typed(lambda: signing.verify(raw, trust=trust))
        _typed(lambda: signing.verify_packet(raw, trust=trust))
        _typed(lambda: signing.explain(raw))
