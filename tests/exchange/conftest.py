"""A real hub process on a free loopback port for every test module that asks for one."""

from __future__ import annotations

import os
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    """A hub subprocess; ``start``/``kill`` can be repeated on the same database."""

    db: Path
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    extra: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        self.port = free_port()
        env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": self.admin_token}
        self.log = self.db.with_suffix(f".{self.port}.log")
        out = self.log.open("wb")
        cmd = [
            sys.executable,
            "-m",
            "qnegov.exchange.hub",
            "serve",
            "--db",
            str(self.db),
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--enable-test-faults",
            *self.extra,
        ]
        self.process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
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
