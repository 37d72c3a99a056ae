"""Hypothesis strategies for qnegov's public types, for your own property-based tests.

Needs the ``testing`` extra (``pip install "qnegov[testing]"``). Each area keeps its strategies
in its own module here and re-exports them below.
"""

from __future__ import annotations

from qnegov.testing.signing import signable_packets, xml_documents, xml_text

__all__: list[str] = ["signable_packets", "xml_documents", "xml_text"]
