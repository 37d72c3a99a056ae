"""Every CLI verb, in-process, on mutated input: the exit-code contract, no traceback, nothing
written outside the output folder, each case within the time bound."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ._harness import (
    CLI_EXIT_CODES,
    EDXML_SEEDS,
    XML_SEEDS,
    Workspace,
    check_outcome,
    csv_files,
    descriptions,
    fuzz_settings,
    mutated,
    run_cli,
    write_input,
)

pytestmark = pytest.mark.slow  # the bounded fuzz run: about a minute in all

READ_CODES = frozenset({0, 1, 3})


@fuzz_settings(120)
@given(data=mutated(XML_SEEDS), strict=st.booleans())
def test_validate(workspace: Workspace, data: bytes, strict: bool) -> None:
    with workspace.case() as case:
        path = write_input(case, "packet.edxml", data)
        outcome = run_cli(["validate", str(path), *(["--strict"] if strict else [])])
        check_outcome(outcome, READ_CODES, data, ".edxml")


@fuzz_settings(80)
@given(data=mutated(EDXML_SEEDS), fmt=st.sampled_from(["text", "json"]))
def test_inspect(workspace: Workspace, data: bytes, fmt: str) -> None:
    with workspace.case() as case:
        path = write_input(case, "packet.edxml", data)
        check_outcome(run_cli(["inspect", str(path), "--format", fmt]), READ_CODES, data, ".edxml")


@fuzz_settings(80)
@given(data=mutated(EDXML_SEEDS))
def test_attachments_extract(workspace: Workspace, data: bytes) -> None:
    with workspace.case() as case:
        path = write_input(case, "packet.edxml", data)
        outcome = run_cli(["attachments", "extract", str(path), "-o", str(case / "out" / "files")])
        check_outcome(outcome, READ_CODES, data, ".edxml")


@fuzz_settings(80)
@given(data=descriptions())
def test_build(workspace: Workspace, data: bytes) -> None:
    with workspace.case() as case:
        path = write_input(case, "packet.json", data)
        outcome = run_cli(["build", "--from", str(path), "-o", str(case / "out" / "p.edxml")])
        check_outcome(outcome, READ_CODES, data, ".json")


@fuzz_settings(80)
@given(data=csv_files(), kind=st.sampled_from(["citizen", "tax", "agency", "phone"]))
def test_codes_check(workspace: Workspace, data: bytes, kind: str) -> None:
    with workspace.case() as case:
        path = write_input(case, "export.csv", data)
        argv = ["codes", "check", str(path), "--column", "2", "--kind", kind]
        if kind == "citizen":
            argv += ["--birth-date-column", "3", "--sex-column", "4"]
        # 2: a mutated file may have fewer columns than asked for, a usage error (issue 15)
        check_outcome(run_cli(argv), READ_CODES | {2}, data, ".csv")


@fuzz_settings(80)
@given(
    value=st.text(min_size=1, max_size=40),
    kind=st.sampled_from([None, "agency", "citizen", "tax", "document", "docid", "unit", "phone"]),
)
def test_codes_explain(value: str, kind: str | None) -> None:
    argv = (
        ["codes", "explain", "--", value]
        if kind is None
        else ["codes", "explain", "--kind", kind, "--", value]
    )
    outcome = run_cli(argv)
    check_outcome(outcome, frozenset({0, 1, 2}), value.encode("utf-8", "replace"), ".txt")


@fuzz_settings(60)
@given(data=st.data())
def test_bulk_validate(workspace: Workspace, register_seed: bytes, data: st.DataObject) -> None:
    raw = data.draw(mutated([register_seed]))
    with workspace.case() as case:
        path = write_input(case, "register.xml", raw)
        outcome = run_cli(["validate", str(path), "--schema", "citizen", "--jobs", "1"])
        check_outcome(outcome, READ_CODES, raw, ".xml")


@fuzz_settings(6)
@given(data=st.data())
def test_bulk_validate_in_worker_processes(
    workspace: Workspace, register_seed: bytes, data: st.DataObject
) -> None:
    """``--jobs 2``: what a worker meets must come back as an issue, never break the pool."""
    raw = data.draw(mutated([register_seed]))
    with workspace.case() as case:
        path = write_input(case, "register.xml", raw)
        outcome = run_cli(["validate", str(path), "--schema", "citizen", "--jobs", "2"])
        check_outcome(outcome, READ_CODES, raw, ".xml")


@fuzz_settings(60)
@given(data=st.data(), explain=st.booleans())
def test_verify(
    workspace: Workspace, pki: Path, signed_seeds: list[bytes], data: st.DataObject, explain: bool
) -> None:
    raw = data.draw(mutated(signed_seeds))
    with workspace.case() as case:
        path = write_input(case, "signed.xml", raw)
        argv = ["verify", "--trust", str(pki / "ca.pem"), str(path), str(path)]
        outcome = run_cli([*argv, *(["--explain"] if explain else [])])
        check_outcome(outcome, READ_CODES, raw, ".xml")


@fuzz_settings(40)
@given(data=mutated(XML_SEEDS))
def test_sign(workspace: Workspace, pki: Path, data: bytes) -> None:
    with workspace.case() as case:
        path = write_input(case, "doc.xml", data)
        argv = [
            "sign",
            str(path),
            "--key",
            str(pki / "signer.key"),
            "--cert",
            str(pki / "signer.pem"),
        ]
        outcome = run_cli([*argv, "-o", str(case / "out" / "signed.xml")])
        check_outcome(outcome, READ_CODES, data, ".xml")


@fuzz_settings(20)
@given(
    target=st.sampled_from(["missing/x.out", "existing-folder", "existing-file", "ok.out"]),
    verb=st.sampled_from(["build", "bulk", "extract", "sign"]),
)
def test_output_paths(workspace: Workspace, pki: Path, target: str, verb: str) -> None:
    """Each ``-o`` case (missing folder, existing folder, existing file) ends cleanly."""
    with workspace.case() as case:
        out = case / "out"
        (out / "existing-folder").mkdir()
        (out / "existing-file").write_bytes(b"old")
        packet = write_input(case, "p.edxml", EDXML_SEEDS[0])
        description = write_input(case, "p.json", b'{"header": {}}')
        key = ["--key", str(pki / "signer.key"), "--cert", str(pki / "signer.pem")]
        argv = {
            "build": ["build", "--from", str(description), "-o"],
            "bulk": ["bulk", "generate", "--records", "2", "-o"],
            "extract": ["attachments", "extract", str(packet), "-o"],
            "sign": ["sign", str(packet), *key, "-o"],
        }[verb]
        outcome = run_cli([*argv, str(out / target)])
        check_outcome(outcome, CLI_EXIT_CODES, b"", ".txt")
