"""Load on the reference hub: N concurrent async clients sending 100 KB packets on loopback.

The hub runs as its own process (``python -m qnegov.exchange.hub serve``, SQLite WAL with
``synchronous=FULL``: every acknowledged send is on disk). For each client count the benchmark
sends a bounded number of packets (and stops dispatching after ``--max-seconds``), then checks
that every acknowledged message is in the recipient's inbox exactly once ("lost" counts the
ones that are not). Baseline, same run and same client count: ``GET /health``, an HTTP round trip
that touches neither authentication nor the database.

    python benchmarks/exchange_load.py [--clients 1,10,100] [--size 100000]
        [--big-clients 100 --big-mb 60] [--inbox-stored 0,1000,10000]

"hub RSS MB" is the hub process's peak resident memory during the level (``VmHWM``, reset
before each level through ``/proc/PID/clear_refs``). ``--big-clients N --big-mb M``: N clients
at once each send one M MB packet (streamed from one file on disk; a 503 from the hub's
in-flight body budget is retried after its ``Retry-After``), target: peak hub RSS < 300 MB for
100 x 60 MB. ``--inbox-stored``: with that many 100 KB messages stored for one agency (all but
the newest 50 acknowledged), the p50 of ``countReceiveEdoc`` and of ``getReceivedEdocList``;
target: flat within 2x from 0 to 10,000.

Clients and hub share the machine's cores, so figures are a floor for a real deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from qnegov.errors import ExchangeError
from qnegov.exchange import (
    AsyncDocumentExchangeClient,
    DocumentExchangeClient,
    RetryPolicy,
    VdxpAuth,
)
from qnegov.exchange._sample import sample_document

SENDER, RECIPIENT, INBOX = "000.00.00.H47", "000.00.00.H48", "000.00.00.H49"


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    acked: dict[str, str] = field(default_factory=dict)

    def row(self) -> tuple[float, float, float]:
        ok = len(self.latencies)
        rate = ok / self.seconds if self.seconds else 0.0
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return rate, p50, p99


def start_hub(db: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": token}
    log = db.with_suffix(".log")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qnegov.exchange.hub",
            "serve",
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 30
    while not (found := re.search(rb"serving on (http://[^ ]+)", log.read_bytes())):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("hub did not start: " + log.read_text())
        time.sleep(0.05)
    url = found.group(1).decode()
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("hub did not start")


async def drive(
    clients: int,
    total: int,
    max_seconds: float,
    make: Callable[[int], Awaitable[float | None]],
) -> Result:
    """``clients`` workers share ``total`` jobs; each job returns its latency or None (error)."""
    result = Result()
    jobs = iter(range(total))
    started = time.perf_counter()

    async def worker() -> None:
        for job in jobs:
            if time.perf_counter() - started > max_seconds:
                return
            latency = await make(job)
            if latency is None:
                result.errors += 1
            else:
                result.latencies.append(latency)

    await asyncio.gather(*(worker() for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


async def level(
    url: str, secret: str, clients: int, total: int, size: int, max_seconds: float, tag: str
) -> tuple[Result, Result]:
    limits = {"limits": httpx.Limits(max_connections=1)}
    pool = [
        AsyncDocumentExchangeClient(
            url, SENDER, secret, retry=RetryPolicy(attempts=1), timeout=60.0, **limits
        )
        for _ in range(clients)
    ]
    plain = [
        httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits["limits"])
        for _ in range(clients)
    ]
    packets = [
        sample_document(SENDER, [RECIPIENT], number=f"{tag}-{i}", padding=size)
        for i in range(total)
    ]
    sends = Result()

    async def health(job: int) -> float | None:
        t = time.perf_counter()
        try:
            response = await plain[job % clients].get("/health")
        except httpx.HTTPError:
            return None
        return time.perf_counter() - t if response.status_code == 200 else None

    async def send(job: int) -> float | None:
        t = time.perf_counter()
        try:
            receipt = await pool[job % clients].send(packets[job], message_id=f"{tag}-{job}")
        except ExchangeError:
            return None
        sends.acked[f"{tag}-{job}"] = receipt.doc_id
        return time.perf_counter() - t

    try:
        baseline = await drive(clients, total, max_seconds, health)
        measured = await drive(clients, total, max_seconds, send)
    finally:
        for c in pool:
            await c.aclose()
        for p in plain:
            await p.aclose()
    measured.acked = sends.acked
    return baseline, measured


def lost(url: str, secret: str, acked: dict[str, str]) -> int:
    with DocumentExchangeClient(url, RECIPIENT, secret) as receiver:
        waiting = [item.doc_id for item in receiver.inbox()]
    counts = {doc_id: waiting.count(doc_id) for doc_id in set(waiting)}
    return sum(1 for doc_id in acked.values() if counts.get(doc_id) != 1)


def reset_peak_rss(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set since the last reset (Linux ``VmHWM``), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


async def big_sends(url: str, secret: str, clients: int, packet: Path) -> Result:
    """``clients`` concurrent sends of one large packet file, retrying the hub's 503s."""
    patient = RetryPolicy(attempts=10_000, backoff=0.5, max_backoff=2.0, max_retry_after=5.0)
    result = Result()
    started = time.perf_counter()

    async def one(n: int) -> None:
        async with AsyncDocumentExchangeClient(
            url, SENDER, secret, retry=patient, timeout=600.0
        ) as client:
            t = time.perf_counter()
            try:
                receipt = await client.send(packet, message_id=f"big-{n}")
            except ExchangeError:
                result.errors += 1
                return
            result.latencies.append(time.perf_counter() - t)
            result.acked[f"big-{n}"] = receipt.doc_id

    await asyncio.gather(*(one(n) for n in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def stock_inbox(db: Path, recipient: str, upto: int, have: int, size: int) -> None:
    """Store messages for ``recipient`` directly until it has ``upto``; all but the newest 50
    acknowledged ``done`` (fsync off for the filling only: the hub's own writes keep FULL)."""
    from qnegov.exchange.hub import Store

    store = Store(db)
    try:
        store._conn().execute("PRAGMA synchronous=OFF")
        for n in range(have, upto):
            body = sample_document(SENDER, [recipient], number=f"stock-{n}", padding=size)
            store.accept(
                sender=SENDER,
                message_id=f"stock-{n}",
                message_type="edoc",
                recipients=[recipient],
                body=body,
            )
        store._conn().execute(
            "UPDATE deliveries SET status = 'done' WHERE recipient = ? AND seq NOT IN"
            " (SELECT seq FROM deliveries WHERE recipient = ? ORDER BY seq DESC LIMIT 50)",
            (recipient, recipient),
        )
    finally:
        store.close()


def inbox_p50(url: str, code: str, secret: str, calls: int = 50) -> tuple[float, float, int]:
    """p50 ms of countReceiveEdoc and getReceivedEdocList, and the count answered."""
    count_ms, inbox_ms = [], []
    count = 0
    with httpx.Client(base_url=url, timeout=60) as http:
        for _ in range(calls):
            for op, into in (("countReceiveEdoc", count_ms), ("getReceivedEdocList", inbox_ms)):
                request = http.build_request(
                    "GET" if op.startswith("count") else "POST",
                    "/" + op,
                    headers={"servicetype": "eDoc", "messagetype": "edoc"},
                )
                t = time.perf_counter()
                response = http.send(request, auth=VdxpAuth(code, secret))
                into.append(time.perf_counter() - t)
                if op.startswith("count"):
                    count = int(response.json()["count"])
    return statistics.median(count_ms) * 1000, statistics.median(inbox_ms) * 1000, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,10,100")
    parser.add_argument("--size", type=int, default=100_000, help="packet size in bytes")
    parser.add_argument(
        "--sends", type=int, default=0, help="sends per level (default: max(100, 4 x clients))"
    )
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--big-clients", type=int, default=100)
    parser.add_argument("--big-mb", type=float, default=60.0, help="0 skips the large sends")
    parser.add_argument("--inbox-stored", default="0,1000,10000", help="'' skips the inbox")
    args = parser.parse_args()
    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="qnegov-bench-") as tmp:
        process, url = start_hub(Path(tmp) / "hub.sqlite", token)
        try:
            admin = {"Authorization": f"Bearer {token}"}
            keys = {
                code: httpx.post(
                    url + "/admin/agencies", json={"code": code}, headers=admin
                ).json()["secret"]
                for code in (SENDER, RECIPIENT, INBOX)
            }
            print(
                f"reference hub, SQLite WAL synchronous=FULL, {args.size // 1000} KB packets, "
                f"loopback, {os.cpu_count()} CPUs shared by clients and hub"
            )
            header = (
                f"{'clients':>7} {'sends':>6} {'ok':>6} {'errors':>6} {'lost':>5} "
                f"{'sends/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'hub RSS MB':>10} | "
                f"{'baseline req/s':>14} {'p50 ms':>7} {'p99 ms':>7}"
            )
            print(header)
            print("-" * len(header))
            for clients in (int(c) for c in args.clients.split(",")):
                total = args.sends or max(100, 4 * clients)
                reset_peak_rss(process.pid)
                baseline, measured = asyncio.run(
                    level(
                        url,
                        keys[SENDER],
                        clients,
                        total,
                        args.size,
                        args.max_seconds,
                        tag=f"c{clients}",
                    )
                )
                missing = lost(url, keys[RECIPIENT], measured.acked)
                rate, p50, p99 = measured.row()
                b_rate, b50, b99 = baseline.row()
                print(
                    f"{clients:>7} {total:>6} {len(measured.latencies):>6} "
                    f"{measured.errors:>6} {missing:>5} {rate:>8.1f} {p50:>8.1f} {p99:>8.1f} "
                    f"{peak_rss_mb(process.pid):>10.1f} | "
                    f"{b_rate:>14.1f} {b50:>7.1f} {b99:>7.1f}"
                )
                with DocumentExchangeClient(url, RECIPIENT, keys[RECIPIENT]) as receiver:
                    for doc_id in measured.acked.values():
                        receiver.ack(doc_id, "done")
            if args.big_mb > 0 and args.big_clients > 0:
                packet = Path(tmp) / "big.edxml"
                packet.write_bytes(
                    sample_document(
                        SENDER, [RECIPIENT], number="big", padding=int(args.big_mb * 1e6)
                    )
                )
                reset_peak_rss(process.pid)
                big = asyncio.run(big_sends(url, keys[SENDER], args.big_clients, packet))
                missing = lost(url, keys[RECIPIENT], big.acked)
                rate, p50, p99 = big.row()
                print(
                    f"\nlarge sends: {args.big_clients} clients x {args.big_mb:g} MB at once: "
                    f"ok {len(big.latencies)}, errors {big.errors}, lost {missing}, "
                    f"{big.seconds:.1f} s, p50 {p50 / 1000:.1f} s, "
                    f"peak hub RSS {peak_rss_mb(process.pid):.1f} MB (target < 300)"
                )
                with DocumentExchangeClient(url, RECIPIENT, keys[RECIPIENT]) as receiver:
                    for doc_id in big.acked.values():
                        receiver.ack(doc_id, "done")
            if args.inbox_stored:
                print(f"\n{'stored':>7} {'count':>6} {'count p50 ms':>12} {'inbox p50 ms':>12}")
                have = 0
                first: tuple[float, float] | None = None
                for upto in (int(n) for n in args.inbox_stored.split(",")):
                    stock_inbox(Path(tmp) / "hub.sqlite", INBOX, upto, have, args.size)
                    have = max(have, upto)
                    count_p50, list_p50, count = inbox_p50(url, INBOX, keys[INBOX])
                    first = first or (count_p50, list_p50)
                    print(
                        f"{upto:>7} {count:>6} {count_p50:>12.2f} {list_p50:>12.2f}"
                        f"  (x{count_p50 / first[0]:.2f}, x{list_p50 / first[1]:.2f} of the first;"
                        " target within 2x)"
                    )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
