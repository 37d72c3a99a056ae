"""The hub's HTTP server: uvicorn's h11 protocol with the deadlines uvicorn does not have.

uvicorn closes idle keep-alive connections, but a connection that never completes its request
head, or trickles its body, is held for ever. :func:`guarded_protocol` subclasses uvicorn's h11
protocol with, per connection, a watchdog that closes it when

- the request head (request line and headers) is not complete ``header_timeout`` seconds after
  the connection opened or its previous answer ended (idle connections included);
- no body byte arrives for ``body_timeout`` seconds while the hub is waiting for the body
  (not while the hub itself paused reading to apply back-pressure);

and a cap of ``max_per_client`` open connections per client address: one more is answered 503
(``Retry-After: 1``) and closed at once. Everything stays in the event loop: no thread per
connection, and the hub keeps answering other clients meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionLimits", "guarded_protocol"]

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: 76\r\n\r\n"
    b'{"status": "FAIL", "ErrorCode": "112", "ErrorDesc": "too many connections"}\n'
)
_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_per_client: int = 128


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """An h11 protocol class enforcing ``limits``; one class per server (it holds the counts)."""
    open_by_client: Counter[str] = Counter()
    tick = max(0.05, min(1.0, limits.header_timeout / 4, limits.body_timeout / 4))

    class GuardedH11Protocol(H11Protocol):
        _address: str | None = None
        _watch: asyncio.TimerHandle | None = None
        _idle_since = 0.0
        _last_data = 0.0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            # asyncio sets TCP_NODELAY only on sockets made with proto=IPPROTO_TCP, and the hub's
            # pre-bound listening socket is not: without it a keep-alive answer (head, then body)
            # waits for the client's delayed ACK, about 40 ms per request
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)
            address = self.client[0] if self.client else "?"
            if open_by_client[address] >= limits.max_per_client:
                self.transport.write(_BUSY)
                self.transport.close()
                return
            open_by_client[address] += 1
            self._address = address
            self._idle_since = self._last_data = time.monotonic()
            self._watch = self.loop.call_later(tick, self._check)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._address is not None:
                open_by_client[self._address] -= 1
                if open_by_client[self._address] <= 0:
                    del open_by_client[self._address]
                self._address = None
            if self._watch is not None:
                self._watch.cancel()
                self._watch = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            self._last_data = time.monotonic()
            super().data_received(data)

        def on_response_complete(self) -> None:
            self._idle_since = time.monotonic()
            super().on_response_complete()

        def _expire(self, answer: bytes) -> None:
            if self.conn.our_state is h11.IDLE:
                self.transport.write(answer)
            self.transport.close()

        def _check(self) -> None:
            self._watch = None
            if self.transport.is_closing():
                return
            now = time.monotonic()
            state: Any = self.conn.their_state
            if state is h11.IDLE and now - self._idle_since > limits.header_timeout:
                self._expire(_TIMEOUT)
                return
            if state is h11.SEND_BODY:
                if self.flow.read_paused:
                    self._last_data = now
                elif now - self._last_data > limits.body_timeout:
                    self._expire(_TIMEOUT)
                    return
            self._watch = self.loop.call_later(tick, self._check)

    return GuardedH11Protocol
