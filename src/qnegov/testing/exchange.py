"""Hypothesis strategies for the exchange: agency codes, signed-header sets, platform answers.

``platform_answers()`` produces JSON values shaped like, and unlike, what the platforms send:
feed them to a client through ``httpx.MockTransport`` to check that your code only ever sees
results or :class:`~qnegov.errors.ExchangeError`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from qnegov.codes import AgencyScheme
from qnegov.exchange import Agency, InboxItem, SentReceipt
from qnegov.testing import codes as codes_strategies

__all__ = [
    "agencies",
    "inbox_items",
    "operation_headers",
    "platform_answers",
    "sent_receipts",
]

_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOKEN = _UPPER + _UPPER.lower() + _DIGITS + "-"
_RESERVED = {
    "host",
    "accept",
    "accept-encoding",
    "connection",
    "user-agent",
    "content-length",
    "transfer-encoding",
    "systemid",
    "timestamp",
}


def _agency_texts() -> st.SearchStrategy[str]:
    """Agency codes as the platform sends them: the QCVN 102:2016 form ``000.00.00.H47``."""
    return codes_strategies.agency_codes(AgencyScheme.QCVN102_2016).map(str)


def operation_headers() -> st.SearchStrategy[dict[str, str]]:
    """VDXP operation headers (names unique case-insensitively, printable ASCII values)."""
    names = st.text(_TOKEN, min_size=1, max_size=20).filter(
        lambda n: (
            n.lower() not in _RESERVED
            and not n.lower().startswith("xroadvnpt")
            and not n.startswith("-")
        )
    )
    values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
    return st.dictionaries(names, values, max_size=6).filter(
        lambda d: len({k.lower() for k in d}) == len(d)
    )


def inbox_items() -> st.SearchStrategy[InboxItem]:
    """Inbox entries as the clients return them."""
    return st.builds(
        lambda doc_id, kind, sender, to, status: InboxItem.model_validate(
            {"docId": doc_id, "messageType": kind, "from": sender, "to": to, "status": status}
        ),
        st.uuids().map(str),
        st.sampled_from(["edoc", "status"]),
        _agency_texts(),
        _agency_texts(),
        st.sampled_from(["initial", "processing", "done", "fail"]),
    )


def sent_receipts() -> st.SearchStrategy[SentReceipt]:
    return st.uuids().map(lambda u: SentReceipt(DocId=str(u)))


def agencies() -> st.SearchStrategy[Agency]:
    return st.builds(
        Agency,
        code=_agency_texts(),
        name=st.text(max_size=30),
        other_code=st.none() | _agency_texts(),
    )


def platform_answers() -> st.SearchStrategy[Any]:
    """JSON values: well-formed envelopes, envelopes with wrong types, and arbitrary JSON."""
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    anything = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=10,
    )
    envelope = st.fixed_dictionaries(
        {
            "status": st.sampled_from(["OK", "FAIL"]) | anything,
            "ErrorCode": st.sampled_from(["0", "100"]) | anything,
        },
        optional={"ErrorDesc": anything, "DocId": anything, "data": anything},
    )
    return envelope | anything
