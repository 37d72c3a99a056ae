"""Hypothesis strategies for qnegov's public types, for your own property-based tests.

Needs the ``testing`` extra (``pip install "qnegov[testing]"``). Each area keeps its strategies
in its own module here and re-exports them below.
"""

from __future__ import annotations

__all__: list[str] = []
