"""Retries against the real hub with injected faults: 429, 5xx, dropped connections."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from qnegov.errors import RemoteError, TransportError
from qnegov.exchange import (
    AsyncDocumentExchangeClient,
    AuditRecord,
    DocumentExchangeClient,
    RetryPolicy,
)
from qnegov.exchange._sample import sample_document

from .conftest import Hub

A, B = "000.00.00.H47", "000.00.00.H48"
FAST = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.05)


@pytest.fixture(scope="module")
def keys(hub: Hub) -> dict[str, str]:
    return {A: hub.agency(A), B: hub.agency(B)}


@pytest.fixture(autouse=True)
def no_leftover_faults(hub: Hub) -> None:
    hub.admin("DELETE", "/admin/faults")


def sends(hub: Hub) -> int:
    requests = hub.stats()["requests"]
    assert isinstance(requests, dict)
    return int(requests.get("/sendEdoc", 0))


def inbox_ids(hub: Hub, keys: dict[str, str]) -> list[str]:
    with DocumentExchangeClient(hub.url, B, keys[B]) as b:
        return [i.doc_id for i in b.inbox()]


def test_429_waits_for_retry_after(hub: Hub, keys: dict[str, str]) -> None:
    hub.fault("/sendEdoc", "status", count=1, status=429, retry_after=1)
    before = sends(hub)
    with DocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
        started = time.monotonic()
        receipt = a.send(sample_document(A, [B], number="429"))
        waited = time.monotonic() - started
    assert waited >= 1.0  # the hub's Retry-After, not the 10 ms backoff
    assert sends(hub) - before == 2
    assert inbox_ids(hub, keys).count(receipt.doc_id) == 1


def test_5xx_then_success(hub: Hub, keys: dict[str, str]) -> None:
    hub.fault("/sendEdoc", "status", count=2, status=503)
    before = sends(hub)
    with DocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
        receipt = a.send(sample_document(A, [B], number="503"))
    assert sends(hub) - before == 3
    assert inbox_ids(hub, keys).count(receipt.doc_id) == 1


def test_persistent_5xx_is_a_remote_error_after_all_attempts(
    hub: Hub, keys: dict[str, str]
) -> None:
    hub.fault("/getReceivedEdocList", "status", count=10, status=500)
    with (
        DocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a,
        pytest.raises(RemoteError) as err,
    ):
        a.inbox()
    assert err.value.status_code == 500


def test_connection_dropped_after_commit_creates_no_duplicate(
    hub: Hub, keys: dict[str, str]
) -> None:
    hub.fault("/sendEdoc", "drop_after_commit", count=1)
    before_messages = int(str(hub.stats()["messages"]))
    before = sends(hub)
    with DocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
        receipt = a.send(sample_document(A, [B], number="drop"))
    assert sends(hub) - before == 2  # the first answer was cut, the retry found the stored copy
    assert inbox_ids(hub, keys).count(receipt.doc_id) == 1
    assert int(str(hub.stats()["messages"])) == before_messages + 1


def test_connection_dropped_before_the_app_is_retried(hub: Hub, keys: dict[str, str]) -> None:
    hub.fault("/sendEdoc", "drop", count=2)
    with DocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
        assert a.send(sample_document(A, [B], number="drop-before")).doc_id


def test_unreachable_platform_is_a_transport_error() -> None:
    from .conftest import unused_port

    url = f"http://127.0.0.1:{unused_port()}"
    with DocumentExchangeClient(url, A, "x", retry=FAST) as a, pytest.raises(TransportError):
        a.inbox()


def test_async_client_retries_the_same_way(hub: Hub, keys: dict[str, str]) -> None:
    hub.fault("/sendEdoc", "drop_after_commit", count=3)

    async def run() -> list[str]:
        async with AsyncDocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
            receipts = await asyncio.gather(
                *(a.send(sample_document(A, [B], number=f"async-drop-{i}")) for i in range(5))
            )
            return [r.doc_id for r in receipts]

    ids = asyncio.run(run())
    waiting = inbox_ids(hub, keys)
    assert all(waiting.count(i) == 1 for i in ids)


def test_file_is_streamed_and_reopened_on_retry(
    hub: Hub, keys: dict[str, str], tmp_path: Path
) -> None:
    packet = tmp_path / "lon.edxml"
    packet.write_bytes(sample_document(A, [B], number="big", padding=3_000_000))
    records: list[AuditRecord] = []
    hub.fault("/sendEdoc", "drop_after_commit", count=1)
    with DocumentExchangeClient(hub.url, A, keys[A], retry=FAST, audit=records.append) as a:
        receipt = a.send(packet)
    assert [r.attempt for r in records] == [1, 2]
    assert all(r.request.endswith(b"\r\n\r\n<streamed>") for r in records)  # never in memory
    with DocumentExchangeClient(hub.url, B, keys[B]) as b:
        assert b.fetch(receipt.doc_id) == packet.read_bytes()

    async def run() -> str:
        async with AsyncDocumentExchangeClient(hub.url, A, keys[A], retry=FAST) as a:
            hub.fault("/sendEdoc", "drop", count=1)
            return (await a.send(packet, message_id="async-file")).doc_id

    doc_id = asyncio.run(run())
    with DocumentExchangeClient(hub.url, B, keys[B]) as b:
        assert b.fetch(doc_id) == packet.read_bytes()
