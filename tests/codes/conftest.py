"""Each codes test starts in English and cannot leak a language switch (``--lang vi``) onward."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qnegov._i18n import language


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with language("en"):
        yield
