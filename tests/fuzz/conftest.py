"""Session fixtures of the fuzz harness: a workspace, a throwaway PKI, and generated seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main

from ._harness import DESCRIPTION, Workspace, run_cli


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("fuzz-workspace"))


@pytest.fixture(scope="session")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-seeds")


@pytest.fixture(scope="session")
def pki(seeds_dir: Path) -> Path:
    folder = seeds_dir / "pki"
    assert run_cli(["keys", "new", "--out", str(folder)]).code == 0
    return folder


@pytest.fixture(scope="session")
def register_seed(seeds_dir: Path) -> bytes:
    """A small citizen register with seeded errors, as the bulk validator reads it."""
    path = seeds_dir / "register.xml"
    assert (
        main(["bulk", "generate", "--records", "6", "--error-rate", "0.3", "-o", str(path), "-q"])
        == 0
    )
    return path.read_bytes()


@pytest.fixture(scope="session")
def signed_seeds(seeds_dir: Path, pki: Path) -> list[bytes]:
    """A signed plain XML document and a signed edXML packet built from the description."""
    plain = seeds_dir / "plain.xml"
    plain.write_bytes(b'<doc id="1"><a>m\xe1\xbb\x99t</a><b x="2"/></doc>')
    source = seeds_dir / "d.json"
    source.write_text(json.dumps(DESCRIPTION, ensure_ascii=False), encoding="utf-8")
    packet = seeds_dir / "p.edxml"
    assert main(["build", "--from", str(source), "-o", str(packet), "-q"]) == 0
    found = []
    for path in (plain, packet):
        out = path.with_suffix(".signed.xml")
        argv = ["sign", str(path), "--key", str(pki / "signer.key"), "--cert"]
        assert main([*argv, str(pki / "signer.pem"), "-o", str(out), "-q"]) == 0
        found.append(out.read_bytes())
    return found
