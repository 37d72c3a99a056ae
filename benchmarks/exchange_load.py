"""Load on the reference hub: N concurrent async clients sending 100 KB packets on loopback.

The hub runs as its own process (``python -m qnegov.exchange.hub serve``, SQLite WAL with
``synchronous=FULL``: every acknowledged send is on disk). For each client count the benchmark
sends a bounded number of packets (and stops dispatching after ``--max-seconds``), then checks
that every acknowledged message is in the recipient's inbox exactly once ("lost" counts the
ones that are not). Baseline, same run and same client count: ``GET /health``, an HTTP round trip
that touches neither authentication nor the database.

    python benchmarks/exchange_load.py [--clients 1,10,100] [--size 100000]

Clients and hub share the machine's cores, so figures are a floor for a real deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
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
from qnegov.exchange import AsyncDocumentExchangeClient, DocumentExchangeClient, RetryPolicy
from qnegov.exchange._sample import sample_document

SENDER, RECIPIENT = "000.00.00.H47", "000.00.00.H48"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_hub(db: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": token}
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
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,10,100")
    parser.add_argument("--size", type=int, default=100_000, help="packet size in bytes")
    parser.add_argument(
        "--sends", type=int, default=0, help="sends per level (default: max(100, 4 x clients))"
    )
    parser.add_argument("--max-seconds", type=float, default=60.0)
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
                for code in (SENDER, RECIPIENT)
            }
            print(
                f"reference hub, SQLite WAL synchronous=FULL, {args.size // 1000} KB packets, "
                f"loopback, {os.cpu_count()} CPUs shared by clients and hub"
            )
            header = (
                f"{'clients':>7} {'sends':>6} {'ok':>6} {'errors':>6} {'lost':>5} "
                f"{'sends/s':>8} {'p50 ms':>8} {'p99 ms':>8} | {'baseline req/s':>14} "
                f"{'p50 ms':>7} {'p99 ms':>7}"
            )
            print(header)
            print("-" * len(header))
            for clients in (int(c) for c in args.clients.split(",")):
                total = args.sends or max(100, 4 * clients)
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
                    f"{measured.errors:>6} {missing:>5} {rate:>8.1f} {p50:>8.1f} {p99:>8.1f} | "
                    f"{b_rate:>14.1f} {b50:>7.1f} {b99:>7.1f}"
                )
                with DocumentExchangeClient(url, RECIPIENT, keys[RECIPIENT]) as receiver:
                    for doc_id in measured.acked.values():
                        receiver.ack(doc_id, "done")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
