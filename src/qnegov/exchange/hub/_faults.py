"""TESTING FEATURE: fault injection, so client retries are tested against the real hub.

Off unless the hub is started with ``enable_test_faults`` (``--enable-test-faults``). When on,
``POST /admin/faults`` arms a fault for the next ``count`` requests to a path (or ``*``):

- ``status``: answer ``status`` (e.g. 429 or 503) without touching the app, with ``Retry-After``
  when ``retry_after`` is given;
- ``drop``: do not pass the request to the app; cut the connection mid-answer;
- ``drop_after_commit``: let the app do its work (a send is committed), then cut the connection
  in the middle of the answer — the client sees a broken response to a request that succeeded.

The middleware also counts requests per route template (``classify``) for ``GET /admin/stats``:
raw paths would let any client grow the table without bound.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Fault", "FaultInjector", "FaultKind"]

FaultKind = Literal["status", "drop", "drop_after_commit"]


@dataclass(slots=True)
class Fault:
    path: str
    kind: FaultKind
    count: int
    status: int = 503
    retry_after: str | None = None


class FaultInjector:
    """ASGI middleware holding the armed faults and the per-path request counts."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        enabled: bool,
        classify: Callable[[Scope], str] = lambda scope: "(all)",
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.classify = classify
        self.requests: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.path in (path, "*"):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.requests[self.classify(scope)] += 1
        fault = self._take(path) if self.enabled and not path.startswith("/admin") else None
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            await _answer(send, fault)
        elif fault.kind == "drop":
            await _cut(send, [])
        else:
            captured: list[Message] = []

            async def capture(message: Message) -> None:
                captured.append(message)

            await self.app(scope, receive, capture)
            await _cut(send, captured)


async def _answer(send: Send, fault: Fault) -> None:
    body = json.dumps(
        {"status": "FAIL", "ErrorCode": str(fault.status), "ErrorDesc": "injected test fault"}
    ).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if fault.retry_after is not None:
        headers.append((b"retry-after", fault.retry_after.encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _cut(send: Send, captured: list[Message]) -> None:
    """Start an answer that promises more bytes than it sends, then return: the server closes."""
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
    }
    for message in captured:
        if message["type"] == "http.response.start":
            start["status"] = message["status"]
    await send(start)
    await send({"type": "http.response.body", "body": b'{"status": "O', "more_body": True})
