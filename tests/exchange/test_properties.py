"""Invariants: sign -> verify holds, any change fails; any platform answer is a result or a typed
error; retry waits stay within their bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnegov.errors import ExchangeError
from qnegov.exchange import DocumentExchangeClient, RetryPolicy, VdxpAuth
from qnegov.exchange._signing import SignatureRefused, verify_headers
from qnegov.testing import agency_codes, operation_headers, platform_answers

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def signed(system_id: str, secret: str, ops: dict[str, str]) -> httpx.Headers:
    request = httpx.Request("POST", "http://127.0.0.1/x", headers=ops)
    return next(VdxpAuth(system_id, secret, clock=lambda: NOW).auth_flow(request)).headers


@settings(max_examples=60, deadline=None)
@given(agency_codes().map(str), st.text(min_size=1, max_size=30), operation_headers())
def test_sign_then_verify_returns_the_operation_headers(
    system_id: str, secret: str, ops: dict[str, str]
) -> None:
    headers = signed(system_id, secret, ops)
    params = verify_headers(headers.get, {system_id: secret}.get, now=NOW, max_skew=300)
    assert params == {"systemid": system_id, "timestamp": params["timestamp"]} | {
        k.lower(): v for k, v in ops.items()
    }


@settings(max_examples=60, deadline=None)
@given(agency_codes().map(str), st.text(min_size=1, max_size=30), operation_headers(), st.data())
def test_any_change_to_a_signed_request_is_refused(
    system_id: str, secret: str, ops: dict[str, str], data: st.DataObject
) -> None:
    headers = signed(system_id, secret, ops)
    mirrored = [
        k
        for k in headers
        if k.startswith("xroadvnpt-")
        and k
        not in (
            "xroadvnpt-sign-header",
            "xroadvnpt-sign-header-key",
            "xroadvnpt-hash-header",
            "xroadvnpt-version",
        )
    ]
    name = data.draw(st.sampled_from(mirrored))
    headers[name] = headers[name] + "x"
    with pytest.raises(SignatureRefused):
        verify_headers(headers.get, {system_id: secret}.get, now=NOW, max_skew=300)
    untouched = signed(system_id, secret, ops)
    with pytest.raises(SignatureRefused):
        verify_headers(untouched.get, {system_id: secret + "!"}.get, now=NOW, max_skew=300)


@settings(max_examples=80, deadline=None)
@given(platform_answers(), st.sampled_from(["send", "inbox", "fetch", "ack", "sent", "agencies"]))
def test_any_platform_answer_is_a_result_or_an_exchange_error(answer: Any, call: str) -> None:
    transport = httpx.MockTransport(
        lambda _r: httpx.Response(200, content=json.dumps(answer).encode())
    )
    with DocumentExchangeClient(
        "http://platform.invalid",
        "000.00.00.H47",
        "s",
        transport=transport,
        retry=RetryPolicy(attempts=1),
    ) as client:
        try:
            if call == "send":
                client.send(b"<edXML/>")
            elif call in ("fetch", "ack"):
                getattr(client, call)("doc")
            else:
                getattr(client, call)()
        except ExchangeError:
            pass


@given(st.integers(1, 10), st.none() | st.floats(0, 1000))
def test_retry_delay_is_bounded(retry: int, retry_after: float | None) -> None:
    policy = RetryPolicy(backoff=0.25, max_backoff=8.0, jitter=0.5, max_retry_after=60.0)
    delay = policy.delay(retry, retry_after)
    if retry_after is not None:
        assert delay == min(retry_after, 60.0)
    else:
        base = min(0.25 * 2 ** (retry - 1), 8.0)
        assert base <= delay <= base * 1.5
