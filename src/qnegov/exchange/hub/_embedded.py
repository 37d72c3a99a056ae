"""A hub inside the current process, on a free loopback port, for demos and integrators' tests.

``with EmbeddedHub(db) as hub:`` serves the full hub on ``hub.url`` from a background thread
and stops it on exit. The listening socket is bound before the server starts, so there is no
race for the port.
"""

from __future__ import annotations

import secrets
import threading
import time
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from qnegov.exchange.hub._app import HubConfig, PacketCheck, create_app
from qnegov.exchange.hub._checks import default_checks
from qnegov.exchange.hub._store import AgencyRecord

__all__ = ["EmbeddedHub"]


class EmbeddedHub:
    """The reference hub on ``127.0.0.1`` in a thread; ``url`` is set once it is serving."""

    def __init__(
        self,
        db: str | PathLike[str],
        *,
        checks: list[PacketCheck] | None = None,
        token_ttl: float = 3600.0,
    ) -> None:
        import uvicorn

        from qnegov.exchange.hub._serve import listen, uvicorn_config

        self.admin_token = secrets.token_urlsafe(24)
        config = HubConfig(
            db=Path(db),
            admin_token=self.admin_token,
            token_ttl=token_ttl,
            checks=default_checks() if checks is None else checks,
        )
        self.app = create_app(config)
        self._store = self.app.app.state.hub.store  # type: ignore[attr-defined]
        self._socket = listen("127.0.0.1", 0)
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn_config(self.app, config, log_level="error", lifespan="off")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def register(
        self,
        code: str,
        name: str = "",
        *,
        other_code: str | None = None,
        pcode: str | None = None,
        provincial: bool = False,
    ) -> str:
        """Register an agency directly in the store; returns its new secret."""
        secret = secrets.token_hex(32)
        record = AgencyRecord(
            code=code,
            secret=secret,
            name=name,
            other_code=other_code,
            pcode=pcode,
            provincial=provincial,
        )
        self._store.put_agency(record)
        return secret

    def register_client(self, key: str) -> str:
        """Register an LGSP gateway client; returns its consumer secret."""
        secret = secrets.token_urlsafe(24)
        self._store.put_gateway_client(key, secret)
        return secret

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("embedded hub did not start")
            time.sleep(0.01)
        httpx.get(self.url + "/health", timeout=5).raise_for_status()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        self._store.close()
