"""A foreign platform that answers badly: typed errors, never crashes.

The misbehaving platform is a boundary we do not own, so it is an ``httpx.MockTransport`` here;
everything about our own hub is tested against the real server.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from qnegov.errors import BadResponse, RemoteError
from qnegov.exchange import DocumentExchangeClient, RetryPolicy

Answer = Callable[[httpx.Request], httpx.Response]


def platform(answer: Answer) -> DocumentExchangeClient:
    return DocumentExchangeClient(
        "http://platform.invalid",
        "000.00.00.H47",
        "secret",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(attempts=1),
    )


def json_answer(body: object, status: int = 200) -> Answer:
    return lambda _r: httpx.Response(status, content=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("answer", "call"),
    [
        (lambda _r: httpx.Response(200, text="<html>Gateway</html>"), "inbox"),
        (json_answer({"status": "OK", "ErrorCode": "0"}), "send"),  # no DocId
        (json_answer({"status": "OK", "ErrorCode": "0", "data": "not base64!"}), "fetch"),
        (json_answer({"status": "OK", "ErrorCode": "0", "data": [{"from": "x"}]}), "inbox"),
        (json_answer({"status": "OK", "data": {"docId": 1}}), "inbox"),
        (json_answer([1, 2, 3]), "sent"),
        (json_answer({"ErrorCode": "0"}), "ack"),  # no status
        (json_answer({"status": "OK", "ErrorCode": "0", "data": [{"name": "x"}]}), "agencies"),
    ],
)
def test_malformed_answers_are_bad_response(answer: Answer, call: str) -> None:
    with platform(answer) as client, pytest.raises(BadResponse):
        if call == "send":
            client.send(b"<edXML/>")
        elif call in ("fetch", "ack"):
            getattr(client, call)("doc")
        else:
            getattr(client, call)()


def test_platform_failure_carries_its_error_code() -> None:
    answer = json_answer({"status": "FAIL", "ErrorCode": "42", "ErrorDesc": "Không hợp lệ"})
    with platform(answer) as client, pytest.raises(RemoteError) as err:
        client.inbox()
    assert err.value.remote_code == "42" and "Không hợp lệ" in str(err.value)
    assert not isinstance(err.value, BadResponse)


def test_signature_headers_reach_the_platform() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "OK", "ErrorCode": "0", "DocId": "d1"})

    with platform(answer) as client:
        assert client.send(b"<edXML/>", to=["000.00.00.H48"]).doc_id == "d1"
    headers = seen[0].headers
    assert headers["XroadVnpt-from"] == "000.00.00.H47"
    assert headers["XroadVnpt-to"] == "000.00.00.H48"
    assert headers["XroadVnpt-messagetype"] == "edoc"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"
    assert len(headers["XroadVnpt-hash-header"]) == 64


def test_retry_after_in_both_forms() -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    from qnegov.exchange._core import retry_after_seconds

    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds(httpx.Response(503, headers={"Retry-After": later}))
    assert seconds is not None and 25 <= seconds <= 30
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(503)) is None
