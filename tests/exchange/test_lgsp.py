"""The LGSP client against the real hub: tokens (cache, expiry, revocation, one refresh for many
concurrent callers), agency secrets, documents and transport statuses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qnegov.errors import AuthError
from qnegov.exchange import AsyncLgspClient, LgspClient
from qnegov.exchange._sample import sample_document, sample_status

from .conftest import Hub

A, B = "000.00.00.H47", "000.00.00.H48"


@pytest.fixture(scope="module")
def short_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub whose gateway tokens live two seconds."""
    running = Hub(db=tmp_path_factory.mktemp("lgsp") / "hub.sqlite", extra=["--token-ttl", "2"])
    running.start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture(scope="module")
def creds(short_hub: Hub) -> dict[str, str]:
    return {
        A: short_hub.agency(A, provincial=True),
        B: short_hub.agency(B),
        "app": short_hub.client("app"),
    }


def lgsp(hub: Hub, creds: dict[str, str], agency: str, **kw: float) -> LgspClient:
    return LgspClient(hub.url, "app", creds["app"], creds[agency], **kw)


def tokens(hub: Hub) -> int:
    return int(str(hub.stats()["tokens_issued"]))


def test_send_inbox_fetch_ack_with_lgsp_statuses(short_hub: Hub, creds: dict[str, str]) -> None:
    packet = sample_document(A, [B], number="lgsp-1")
    with lgsp(short_hub, creds, A) as a, lgsp(short_hub, creds, B) as b:
        receipt = a.send(packet)
        (item,) = [i for i in b.inbox() if i.doc_id == receipt.doc_id]
        assert (item.status, item.sender) == ("INITIAL", A)
        assert b.fetch(receipt.doc_id) == packet
        b.ack(receipt.doc_id, "PROCESSING")
        assert [i.status for i in b.inbox() if i.doc_id == receipt.doc_id] == ["PROCESSING"]
        status = sample_status(B, A, f"{A},2026/11/27,lgsp-1/UBND-VP", code="lgsp-1/UBND-VP")
        b.send(status, kind="status")
        b.ack(receipt.doc_id, "DONE")
        assert receipt.doc_id not in {i.doc_id for i in b.inbox()}
        assert [i.message_type for i in a.inbox()] == ["status"]
        assert [x.code for x in a.agencies("qn")] == [A]
        assert {x.code for x in a.agencies()} == {A, B}


def test_token_is_cached(short_hub: Hub, creds: dict[str, str]) -> None:
    before = tokens(short_hub)
    with lgsp(short_hub, creds, A, refresh_margin=0.1) as a:
        for _ in range(5):
            a.inbox()
        assert a.auth.tokens_fetched == 1
    assert tokens(short_hub) - before == 1


def test_token_is_refreshed_before_it_expires(short_hub: Hub, creds: dict[str, str]) -> None:
    """The client's clock is injected: no sleep, so the hub's real 2 s expiry is never near."""
    now = [1000.0]
    with lgsp(short_hub, creds, A, refresh_margin=0.5) as a:
        a.auth._clock = lambda: now[0]
        a.inbox()  # token valid for 2 s: refreshed at 1.5 s by the client's clock
        now[0] += 1.4
        a.inbox()
        assert a.auth.tokens_fetched == 1  # still inside the margin
        now[0] += 0.2  # 1.6 s: past 2 s - 0.5 s margin
        before_401 = short_hub.stats()["requests"]
        a.inbox()
        assert a.auth.tokens_fetched == 2
        after = short_hub.stats()["requests"]
    assert isinstance(before_401, dict) and isinstance(after, dict)
    path = "/truclienthong/v1.0.0/vanbans"
    assert after[path] - before_401[path] == 1  # no 401 round trip: refreshed in advance


def test_expired_token_is_replaced_and_the_call_replayed(
    short_hub: Hub, creds: dict[str, str]
) -> None:
    with lgsp(short_hub, creds, A, refresh_margin=0.0) as a:
        a.inbox()
        time.sleep(2.1)  # the hub expired it; the client, with no margin, still believes in it
        a.auth._refresh_at = time.monotonic() + 60  # and keeps believing: only a 401 tells
        a.inbox()
        assert a.auth.tokens_fetched == 2


def test_revoked_token_is_replaced_once(short_hub: Hub, creds: dict[str, str]) -> None:
    with lgsp(short_hub, creds, A) as a:
        a.inbox()
        short_hub.admin("POST", "/admin/tokens/revoke")
        a.inbox()
        assert a.auth.tokens_fetched == 2


def test_many_concurrent_callers_share_one_token_request(
    short_hub: Hub, creds: dict[str, str]
) -> None:
    before = tokens(short_hub)

    async def run() -> int:
        async with AsyncLgspClient(short_hub.url, "app", creds["app"], creds[A]) as a:
            await asyncio.gather(*(a.inbox() for _ in range(30)))
            return a.auth.tokens_fetched

    assert asyncio.run(run()) == 1
    assert tokens(short_hub) - before == 1


def test_wrong_consumer_secret_is_an_auth_error(short_hub: Hub, creds: dict[str, str]) -> None:
    with LgspClient(short_hub.url, "app", "wrong", creds[A]) as a, pytest.raises(AuthError):
        a.inbox()


def test_wrong_agency_secret_is_an_auth_error(short_hub: Hub, creds: dict[str, str]) -> None:
    with (
        LgspClient(short_hub.url, "app", creds["app"], "f" * 64) as a,
        pytest.raises(AuthError, match="101"),
    ):
        a.inbox()


def test_send_from_file_path(short_hub: Hub, creds: dict[str, str], tmp_path: Path) -> None:
    packet = tmp_path / "p.edxml"
    packet.write_bytes(sample_document(A, [B], number="file"))
    with lgsp(short_hub, creds, A) as a:
        assert a.send(packet).doc_id


def test_threads_sharing_a_sync_client_share_one_token_request(
    short_hub: Hub, creds: dict[str, str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    before = tokens(short_hub)
    with lgsp(short_hub, creds, A) as a, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: a.inbox(), range(16)))
        assert a.auth.tokens_fetched == 1
    assert tokens(short_hub) - before == 1
