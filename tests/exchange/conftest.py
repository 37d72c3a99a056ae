"""A real hub process on a free loopback port for every test module that asks for one.

The hub binds port 0 itself and prints the port the kernel gave it; the fixture reads it back
from the log, so no other process can take the port between choosing and binding it.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

DATA = Path(__file__).parent / "data"
LOOPBACK = "127.0.0.1"


_SERVING = re.compile(rb"serving on https?://[^:]+:(\d+) ")


def unused_port() -> int:
    """A port nothing listens on right now: only for tests of an unreachable platform."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def spawn_hub(
    args: list[str],
    log: Path,
    env: dict[str, str],
    timeout: float = 20.0,
    command: tuple[str, ...] = ("qnegov.exchange.hub",),
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``hub serve ARGS --port 0`` and return the process and the port it bound
    (``command=("qnegov", "hub")`` goes through the CLI instead)."""
    cmd = [sys.executable, "-m", *command, "serve", "--port", "0", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _SERVING.search(log.read_bytes())
        if found is not None:
            return process, int(found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"hub exited: {log.read_text()}")
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"hub did not bind a port: {log.read_text()}")


@dataclass
class Hub:
    """A hub subprocess; ``start``/``kill`` can be repeated on the same database."""

    db: Path
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    extra: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    starts: int = 0
    faults: bool = True

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": self.admin_token}
        self.starts += 1
        self.log = self.db.with_suffix(f".{self.starts}.log")
        args = ["--db", str(self.db), "--host", LOOPBACK, *self.extra]
        if self.faults:
            args.append("--enable-test-faults")
        self.process, self.port = spawn_hub(args, self.log, env, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("hub did not become ready")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def admin(self, method: str, path: str, **kw: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        response = httpx.request(method, self.url + path, headers=headers, timeout=10, **kw)
        response.raise_for_status()
        return response

    def agency(self, code: str, **extra: object) -> str:
        """Register ``code`` and return its secret."""
        body = {"code": code, "name": f"Agency {code}"} | extra
        return str(self.admin("POST", "/admin/agencies", json=body).json()["secret"])

    def client(self, key: str) -> str:
        return str(self.admin("POST", "/admin/clients", json={"key": key}).json()["secret"])

    def fault(self, path: str, kind: str, count: int = 1, **extra: object) -> None:
        self.admin(
            "POST", "/admin/faults", json={"path": path, "kind": kind, "count": count, **extra}
        )

    def stats(self) -> dict[str, object]:
        return dict(self.admin("GET", "/admin/stats").json())


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    running = Hub(db=tmp_path_factory.mktemp("hub") / "hub.sqlite")
    running.start()
    try:
        yield running
    finally:
        running.kill()
