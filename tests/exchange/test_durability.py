"""Kill -9 in the middle of a load: every acknowledged send survives, exactly once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
from pathlib import Path

import pytest

from qnegov.errors import ExchangeError
from qnegov.exchange import AsyncDocumentExchangeClient, DocumentExchangeClient, RetryPolicy
from qnegov.exchange._sample import sample_document

from .conftest import Hub

A, B = "000.00.00.H47", "000.00.00.H48"
TOTAL, CONCURRENCY, KILL_AFTER = 400, 40, 120
NUMBER = re.compile(rb"<edXML:CodeNumber>(n\d+)</edXML:CodeNumber>")


async def load(hub: Hub, secret: str) -> tuple[dict[str, str], int]:
    """Send TOTAL packets, SIGKILL the hub once KILL_AFTER were acknowledged."""
    acked: dict[str, str] = {}
    failed = 0
    killed = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(TOTAL):
        queue.put_nowait(i)
    assert hub.process is not None
    pid = hub.process.pid

    async with AsyncDocumentExchangeClient(
        hub.url, A, secret, retry=RetryPolicy(attempts=1), timeout=5.0
    ) as client:

        async def worker() -> None:
            nonlocal failed
            while not queue.empty():
                i = queue.get_nowait()
                packet = sample_document(A, [B], number=f"n{i}", padding=4096)
                try:
                    receipt = await client.send(packet, message_id=f"m{i}")
                except ExchangeError:
                    failed += 1
                    continue
                acked[f"n{i}"] = receipt.doc_id
                if len(acked) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    os.kill(pid, signal.SIGKILL)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return acked, failed


def delivered(hub: Hub, secret: str) -> dict[str, list[str]]:
    """Packet number -> the hub doc ids that carry it, as the recipient sees its inbox."""
    seen: dict[str, list[str]] = {}
    with DocumentExchangeClient(hub.url, B, secret) as b:
        for item in b.inbox():
            match = NUMBER.search(b.fetch(item.doc_id))
            assert match is not None
            seen.setdefault(match.group(1).decode(), []).append(item.doc_id)
    return seen


@pytest.mark.slow
def test_sigkill_mid_load_loses_no_acknowledged_message(tmp_path: Path) -> None:
    hub = Hub(db=tmp_path / "hub.sqlite")
    hub.start()
    try:
        secrets = {A: hub.agency(A), B: hub.agency(B)}
        acked, failed = asyncio.run(load(hub, secrets[A]))
        assert hub.process is not None
        assert hub.process.wait(timeout=10) == -signal.SIGKILL
        assert len(acked) >= KILL_AFTER and failed > 0  # the kill really hit a running load
        hub.process = None

        hub.start()  # same database, new process
        seen = delivered(hub, secrets[B])
        for number, doc_id in acked.items():
            assert seen.get(number) == [doc_id], number  # there, exactly once, same id
        assert all(len(ids) == 1 for ids in seen.values())  # nothing stored twice

        # Senders resend whatever they did not get an answer for, with the same message ids:
        # the acknowledged ones come back with their first doc id, the rest are stored once.
        with DocumentExchangeClient(hub.url, A, secrets[A]) as a:
            for i in range(TOTAL):
                packet = sample_document(A, [B], number=f"n{i}", padding=4096)
                receipt = a.send(packet, message_id=f"m{i}")
                if f"n{i}" in acked:
                    assert receipt.doc_id == acked[f"n{i}"]
        seen = delivered(hub, secrets[B])
        assert sorted(seen) == sorted(f"n{i}" for i in range(TOTAL))
        assert all(len(ids) == 1 for ids in seen.values())
    finally:
        hub.kill()
    with sqlite3.connect(hub.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
