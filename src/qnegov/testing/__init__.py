"""Hypothesis strategies for qnegov's public types, for your own property-based tests.

Needs the ``testing`` extra (``pip install "qnegov[testing]"``). Each area keeps its strategies
in its own module here and re-exports them below.
"""

from __future__ import annotations

from qnegov.testing.exchange import (
    agencies,
    agency_codes,
    inbox_items,
    operation_headers,
    platform_answers,
    sent_receipts,
)
from qnegov.testing.signing import signable_packets, xml_documents, xml_text

__all__ = [
    "agencies",
    "agency_codes",
    "inbox_items",
    "operation_headers",
    "platform_answers",
    "sent_receipts",
    "signable_packets",
    "xml_documents",
    "xml_text",
]
