"""Shared fixtures: where the repository and its corpora are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
