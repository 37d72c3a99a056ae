"""The hub under abuse, live on loopback: reused ids, big and slow bodies, replays, stray paths,
secrets at rest, unreadable packets, and what the inbox queries read."""

from __future__ import annotations

import socket
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qnegov.errors import AuthError, MessageIdConflict, RemoteError
from qnegov.exchange import DocumentExchangeClient, RetryPolicy, VdxpAuth
from qnegov.exchange._core import PAGE_SIZE, next_offset
from qnegov.exchange._sample import sample_document
from qnegov.exchange.hub import Store

from .conftest import LOOPBACK, Hub

A, B, C = "000.00.00.H47", "000.00.00.H48", "000.00.00.H49"
ONCE = RetryPolicy(attempts=1)


@pytest.fixture(scope="module")
def keys(hub: Hub) -> dict[str, str]:
    return {code: hub.agency(code) for code in (A, B, C)}


def signed(url: str, code: str, secret: str, op: str, body: bytes = b"", **headers: str) -> dict:
    """The signed header set a VDXP client would send (to replay or hand-craft requests)."""
    request = httpx.Request("POST", url + "/" + op, headers=headers, content=body)
    flow = VdxpAuth(code, secret).auth_flow(request)
    return dict(next(flow).headers)


def test_same_message_id_other_content_is_a_conflict(hub: Hub, keys: dict[str, str]) -> None:
    with DocumentExchangeClient(hub.url, A, keys[A], retry=ONCE) as a:
        packet = sample_document(A, [B, C], number="conflict-1")
        first = a.send(packet, message_id="reused-1").doc_id
        assert a.send(packet, message_id="reused-1").doc_id == first  # idempotent
        other = sample_document(A, [B, C], number="conflict-2")
        with pytest.raises(MessageIdConflict) as err:
            a.send(other, message_id="reused-1")
        assert err.value.status_code == 409 and err.value.remote_code == "111"
        assert first in str(err.value)
        with pytest.raises(MessageIdConflict):  # same bytes, narrower 'to'
            a.send(packet, message_id="reused-1", to=[B])


def test_replayed_signature_is_refused(hub: Hub, keys: dict[str, str]) -> None:
    headers = signed(hub.url, A, keys[A], "countReceiveEdoc")
    assert httpx.get(hub.url + "/countReceiveEdoc", headers=headers).status_code == 200
    again = httpx.get(hub.url + "/countReceiveEdoc", headers=headers)
    assert again.status_code == 401 and "replayed" in again.json()["ErrorDesc"]


def test_unknown_messagetype_is_400_and_count_is_exact(hub: Hub, keys: dict[str, str]) -> None:
    headers = signed(hub.url, B, keys[B], "getReceivedEdocList", messagetype="memo")
    refused = httpx.post(hub.url + "/getReceivedEdocList", headers=headers)
    assert refused.status_code == 400 and refused.json()["ErrorCode"] == "106"
    with DocumentExchangeClient(hub.url, A, keys[A], retry=ONCE) as a:
        sent = a.send(sample_document(A, [C], number="own-copy")).doc_id
        assert b"own-copy" in a.fetch(sent)  # a sender may fetch what it sent
    pending = signed(hub.url, C, keys[C], "countReceiveEdoc")
    count = httpx.get(hub.url + "/countReceiveEdoc", headers=pending).json()["count"]
    with DocumentExchangeClient(hub.url, C, keys[C], retry=ONCE) as c:
        assert count == len(c.inbox()) >= 1


def test_inbox_pages(hub: Hub, keys: dict[str, str]) -> None:
    with DocumentExchangeClient(hub.url, A, keys[A], retry=ONCE) as a:
        for n in range(3):
            a.send(sample_document(A, [B], number=f"page-{n}"))
    pages = []
    for offset in (0, 2):
        headers = signed(hub.url, B, keys[B], "getReceivedEdocList", limit="2", offset=str(offset))
        pages.append(httpx.post(hub.url + "/getReceivedEdocList", headers=headers).json()["data"])
    assert len(pages[0]) == 2 and len(pages[1]) >= 1
    assert not {d["docId"] for d in pages[0]} & {d["docId"] for d in pages[1]}
    bad = signed(hub.url, B, keys[B], "getReceivedEdocList", limit="0")
    assert httpx.post(hub.url + "/getReceivedEdocList", headers=bad).status_code == 400


def test_stats_count_route_templates_not_raw_paths(hub: Hub) -> None:
    with httpx.Client(base_url=hub.url) as http:
        for n in range(20):
            http.get(f"/{'x' * 8000}{n}")
            http.get(f"/truclienthong/v1.0.0/vanbans/doc-{n}")
    requests = hub.stats()["requests"]
    assert isinstance(requests, dict)
    assert requests["(no route)"] >= 20
    assert requests["/truclienthong/v1.0.0/vanbans/{doc_id}"] >= 20
    assert all(len(path) < 100 for path in requests)


@pytest.mark.slow
def test_database_is_owner_only_and_readable_db_is_refused(tmp_path: Path) -> None:
    running = Hub(db=tmp_path / "hub.sqlite")
    running.start()
    try:
        secret = running.agency(A)
        running.agency(B)
        with DocumentExchangeClient(running.url, A, secret, retry=ONCE) as a:
            a.send(sample_document(A, [B], number="perm"))
        for name in ("hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        running.kill()
    (tmp_path / "hub.sqlite").chmod(0o644)
    with pytest.raises(RuntimeError, match="accessible to other users"):
        running.start()
    Store(tmp_path / "hub.sqlite", allow_readable=True).close()  # --allow-readable-db


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub started with --require-body-hash and --accept-invalid-packets."""
    running = Hub(
        db=tmp_path_factory.mktemp("flagged") / "hub.sqlite",
        extra=["--require-body-hash", "--accept-invalid-packets"],
    )
    running.start()
    try:
        yield running
    finally:
        running.kill()


def test_require_body_hash(flagged: Hub) -> None:
    secret = flagged.agency(A)
    flagged.agency(B)
    packet = sample_document(A, [B], number="hash")
    headers = signed(flagged.url, A, secret, "sendEdoc", packet, messagetype="edoc")
    refused = httpx.post(flagged.url + "/sendEdoc", headers=headers, content=packet)
    assert refused.status_code == 400 and refused.json()["ErrorCode"] == "109"
    with DocumentExchangeClient(flagged.url, A, secret, retry=ONCE) as a:
        assert a.send(packet).doc_id  # the client always sends hash-file


def test_accept_invalid_packets_still_refuses_unreadable_ones(flagged: Hub) -> None:
    secret = flagged.agency(A)
    flagged.agency(B)
    before = flagged.stats()["messages"]
    packet = sample_document(A, [B], number="cut")
    with DocumentExchangeClient(flagged.url, A, secret, retry=ONCE) as a:
        with pytest.raises(RemoteError) as err:
            a.send(packet[: len(packet) * 2 // 3])
        assert err.value.remote_code == "102" and "edxml_malformed" in str(err.value)
    assert flagged.stats()["messages"] == before


@pytest.fixture(scope="module")
def tight_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("tight")
    spool = tmp / "spool"
    spool.mkdir()
    running = Hub(
        db=tmp / "hub.sqlite",
        extra=[
            "--max-packet-mb=2",
            "--max-inflight-mb=2",
            f"--spool-dir={spool}",
            "--header-timeout=0.6",
            "--body-timeout=0.6",
            "--max-connections-per-client=6",
        ],
    )
    running.start()
    try:
        yield running
    finally:
        running.kill()


def _raw(hub: Hub) -> socket.socket:
    return socket.create_connection((LOOPBACK, hub.port), timeout=5)


def _closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the hub sent before closing ``sock``; fails if it is still open after ``seconds``."""
    sock.settimeout(seconds)
    data = b""
    started = time.monotonic()
    while chunk := sock.recv(4096):
        data += chunk
        assert time.monotonic() - started < seconds
    return data


@pytest.mark.slow
def test_big_bodies_spool_and_the_budget_answers_503(tight_hub: Hub) -> None:
    spool = tight_hub.db.parent / "spool"
    secret = tight_hub.agency(A)
    tight_hub.agency(B)
    packet = sample_document(A, [B], number="big", padding=1024 * 1024 + 300_000)
    headers = signed(tight_hub.url, A, secret, "sendEdoc", packet, messagetype="edoc")
    held = _raw(tight_hub)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "host")
    held.sendall(f"POST /sendEdoc HTTP/1.1\r\nHost: hub\r\n{head}\r\n".encode())
    held.sendall(packet[: len(packet) - 1000])
    deadline = time.monotonic() + 5
    while not list(spool.iterdir()):  # past 1 MB: on disk, not in memory
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with (
        DocumentExchangeClient(tight_hub.url, A, secret, retry=ONCE) as a,
        pytest.raises(RemoteError) as err,
    ):
        a.send(packet)
    assert err.value.status_code == 503 and err.value.remote_code == "112"
    held.sendall(packet[len(packet) - 1000 :])
    answer = held.recv(65536)
    assert b" 200 " in answer.split(b"\r\n")[0]
    held.close()
    assert not list(spool.iterdir())  # the spooled copy is gone
    with DocumentExchangeClient(tight_hub.url, A, secret) as a:
        doc_id = a.send(packet).doc_id  # budget released: accepted now
        assert a.fetch(doc_id) == packet
    stats = tight_hub.stats()
    assert stats["inflight_body_bytes"] == 0 and int(str(stats["busy_refusals"])) >= 1


@pytest.mark.slow
def test_slow_clients_are_cut_and_the_hub_stays_responsive(tight_hub: Hub) -> None:
    idle, partial, trickle = _raw(tight_hub), _raw(tight_hub), _raw(tight_hub)
    partial.sendall(b"GET /health HTTP/1.1\r\nHost: h")
    trickle.sendall(b"POST /admin/clients HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n{")
    started = time.monotonic()
    assert httpx.get(tight_hub.url + "/health", timeout=2).status_code == 200
    assert b"408" in _closed_within(idle, 3)
    assert b"408" in _closed_within(partial, 3)
    _closed_within(trickle, 3)
    assert time.monotonic() - started < 3
    crowd = [_raw(tight_hub) for _ in range(6)]
    time.sleep(0.1)
    extra = _raw(tight_hub)
    assert b"503" in _closed_within(extra, 3)
    for sock in crowd:
        sock.close()
    time.sleep(0.1)
    assert httpx.get(tight_hub.url + "/health", timeout=2).status_code == 200


def test_inbox_and_count_read_only_indexes_and_metadata(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    try:
        for n in range(40):
            store.accept(
                sender=A,
                message_id=str(n),
                message_type="edoc",
                recipients=[B],
                body=b"<x>" + b"y" * 100_000 + b"</x>",
            )
        assert store.inbox_count(B, "edoc") == 40
        assert [d.doc_id for d in store.inbox(B, "edoc", limit=10, offset=35)] == [
            d.doc_id for d in store.inbox(B, "edoc")[35:]
        ]
        conn = sqlite3.connect(tmp_path / "s.sqlite")
        for sql in (
            "SELECT count(*) FROM deliveries d" + store._inbox_where("edoc"),  # noqa: S608
            store._DELIVERY_SQL + store._inbox_where("edoc") + " ORDER BY d.seq LIMIT 10",
        ):
            plan = " ".join(
                str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, [B, "edoc"])
            )
            assert "deliveries_inbox" in plan and "bodies" not in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # no sort of the whole inbox
        conn.close()
    finally:
        store.close()
    assert stat.S_IMODE((tmp_path / "s.sqlite").stat().st_mode) == 0o600


def test_refused_credentials_are_still_auth_errors(hub: Hub, keys: dict[str, str]) -> None:
    with DocumentExchangeClient(hub.url, A, "wrong", retry=ONCE) as a, pytest.raises(AuthError):
        a.inbox()


def test_clients_walk_every_page(flagged: Hub) -> None:
    secret = flagged.agency(C)
    flagged.agency(A)
    store = Store(flagged.db)
    store._conn().execute("PRAGMA synchronous=OFF")  # seeding only
    for n in range(PAGE_SIZE + 5):
        store.accept(
            sender=A, message_id=f"p{n}", message_type="edoc", recipients=[C], body=b"<x/>"
        )
    store.close()
    calls: list[str] = []
    with DocumentExchangeClient(
        flagged.url, C, secret, audit=lambda r: calls.append(r.operation)
    ) as c:
        items = c.inbox()
    assert len({i.doc_id for i in items}) == len(items) == PAGE_SIZE + 5
    assert calls.count("getReceivedEdocList") == 2


def test_a_platform_ignoring_offset_does_not_loop() -> None:
    page = [str(n) for n in range(PAGE_SIZE)]
    seen: set[str] = set()
    assert next_offset(page, 0, seen, str) == PAGE_SIZE
    assert next_offset(page, PAGE_SIZE, seen, str) == -1  # the same rows again: stop
    assert next_offset(page[:10], 0, set(), str) == -1  # a short page is the last


def test_a_v1_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    path.touch(mode=0o600)
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE messages (doc_id TEXT PRIMARY KEY, sender TEXT NOT NULL,
            message_id TEXT NOT NULL, message_type TEXT NOT NULL,
            edxml_document_id TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',
            code TEXT NOT NULL DEFAULT '', status_code TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL, sha256 TEXT NOT NULL, body BLOB NOT NULL,
            created TEXT NOT NULL, UNIQUE (sender, message_id));
        CREATE TABLE deliveries (doc_id TEXT NOT NULL REFERENCES messages(doc_id),
            recipient TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'initial',
            status_desc TEXT NOT NULL DEFAULT '', updated TEXT NOT NULL,
            receive_status TEXT NOT NULL DEFAULT '', receive_status_desc TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (doc_id, recipient));
        CREATE INDEX deliveries_by_recipient ON deliveries (recipient, status);
        INSERT INTO messages VALUES ('d1', 'S', 'm1', 'edoc', '', 'subj', '', '', 4, 'x',
            X'3c612f3e', '2026-01-01T00:00:00.000+00:00');
        INSERT INTO deliveries (doc_id, recipient, updated) VALUES ('d1', 'R', 'now');
        """
    )
    conn.close()
    store = Store(path)
    try:
        assert [d.doc_id for d in store.inbox("R", "edoc")] == ["d1"]
        assert store.body_for("d1", "R") == b"<a/>"
        assert store.inbox_count("R", "edoc") == 1
    finally:
        store.close()
