"""Client of the provincial LGSP "Trục liên thông" gateway (WSO2 API Manager), sync and async.

Two credentials: an OAuth2 client-credentials token for the gateway (:class:`LgspTokenAuth`,
cached and refreshed shortly before it expires, one refresh shared by all concurrent callers) and
the agency's own secret, sent with every document call in the ``secret`` header.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from os import PathLike
from typing import Final, Literal
from urllib.parse import quote

import httpx

from qnegov._i18n import tr
from qnegov.errors import AuthError, BadResponse, RemoteError
from qnegov.exchange import _models as m
from qnegov.exchange._core import (
    AsyncClosingClient,
    AsyncRunner,
    AuditHook,
    Call,
    ClosingClient,
    RetryPolicy,
    SyncRunner,
    TlsConfig,
    client_options,
    next_offset,
    parse_model,
)
from qnegov.exchange._vdxp import MESSAGE_ID_HEADER, _decode_base64, read_packet

__all__ = ["AsyncLgspClient", "LgspClient", "LgspTokenAuth"]

API_PATH: Final = "/truclienthong/v1.0.0"
TOKEN_PATH: Final = "/token"  # noqa: S105 - a URL path, not a secret
AgencyScope = Literal["national", "qn"]


class LgspTokenAuth(httpx.Auth):
    """OAuth2 client credentials with a cached token.

    The token is fetched on first use and again ``refresh_margin`` seconds before it expires
    (at most half its lifetime early). Concurrent callers wait for one refresh instead of each
    asking for a token. A 401 answer drops the token (if nobody replaced it meanwhile), fetches a
    new one and replays the request once.
    """

    def __init__(
        self,
        token_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        refresh_margin: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._basic = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._thread_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        self.tokens_fetched = 0
        """How many tokens this object obtained (observability; tests use it too)."""

    def __repr__(self) -> str:
        return f"LgspTokenAuth(token_url={self.token_url!r})"

    def _current(self) -> str | None:
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        return None

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            headers={
                "Authorization": f"Basic {self._basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            content=b"grant_type=client_credentials",
        )

    def _accept(self, response: httpx.Response) -> str:
        if response.status_code in (400, 401, 403):
            raise AuthError(
                tr("token refused by the gateway (HTTP {status})", status=response.status_code)
            )
        if response.status_code >= 400:
            raise RemoteError(
                tr("token endpoint answered HTTP {status}", status=response.status_code),
                status_code=response.status_code,
            )
        token = parse_model("token", response, m.Token)
        lifetime = token.expires_in
        self._token = token.access_token
        self._refresh_at = self._clock() + lifetime - min(self.refresh_margin, lifetime / 2)
        self.tokens_fetched += 1
        return token.access_token

    def _drop(self, token: str) -> None:
        if self._token == token:
            self._token = None

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._current()
        if token is None:
            with self._thread_lock:
                token = self._current()
                if token is None:
                    answer = yield self._token_request()
                    answer.read()
                    token = self._accept(answer)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        response.read()
        with self._thread_lock:
            self._drop(token)
            fresh = self._current()
            if fresh is None:
                answer = yield self._token_request()
                answer.read()
                fresh = self._accept(answer)
        request.headers["Authorization"] = f"Bearer {fresh}"
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        lock = self._async_lock
        token = self._current()
        if token is None:
            async with lock:
                token = self._current()
                if token is None:
                    answer = yield self._token_request()
                    await answer.aread()
                    token = self._accept(answer)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        async with lock:
            self._drop(token)
            fresh = self._current()
            if fresh is None:
                answer = yield self._token_request()
                await answer.aread()
                fresh = self._accept(answer)
        request.headers["Authorization"] = f"Bearer {fresh}"
        yield request


def _check(operation: str, envelope: m.LgspEnvelope, status_code: int) -> None:
    code = "" if envelope.error_code is None else str(envelope.error_code)
    status = "" if envelope.status is None else str(envelope.status).upper()
    if code not in ("", "0") or status in ("FAIL", "ERROR", "FALSE"):
        raise RemoteError(
            tr(
                "{operation}: platform refused (code {code}): {desc}",
                operation=operation,
                code=code or "-",
                desc=envelope.error_desc or "",
            ),
            remote_code=code or None,
            status_code=status_code,
        )


class _LgspOperations:
    """Builds the :class:`Call` of each LGSP operation; shared by the sync and async clients."""

    def __init__(self, agency_secret: str) -> None:
        self._secret = agency_secret

    def _headers(self) -> dict[str, str]:
        return {"secret": self._secret}

    def inbox(self, offset: int = 0) -> Call[list[m.InboxItem]]:
        def parse(response: httpx.Response) -> list[m.InboxItem]:
            answer = parse_model("vanbansGet", response, m.LgspInboxResponse)
            _check("vanbansGet", answer, response.status_code)
            return [
                m.InboxItem.model_validate(
                    {
                        "docId": i.doc_id,
                        "serviceType": i.service_type,
                        "messageType": i.message_type,
                        "created_time": i.created_time,
                        "from": i.sender,
                        "to": i.to,
                        "status": i.status,
                        "status_desc": i.status_desc,
                    }
                )
                for i in answer.data
            ]

        params = {"offset": str(offset)} if offset else None
        return Call("vanbansGet", "GET", "vanbans", parse, headers=self._headers(), params=params)

    def fetch(self, doc_id: str) -> Call[bytes]:
        def parse(response: httpx.Response) -> bytes:
            answer = parse_model("vanbansDocIdGet", response, m.LgspGetResponse)
            _check("vanbansDocIdGet", answer, response.status_code)
            return _decode_base64("vanbansDocIdGet", answer.data)

        path = "vanbans/" + quote(doc_id, safe="")
        return Call("vanbansDocIdGet", "GET", path, parse, headers=self._headers())

    def send(self, packet: bytes, message_id: str | None, kind: str) -> Call[m.SentReceipt]:
        body = json.dumps(
            {"data": base64.b64encode(packet).decode("ascii"), "loaiVanBan": kind}
        ).encode("ascii")
        headers = self._headers() | {
            "Content-Type": "application/json",
            MESSAGE_ID_HEADER: message_id or uuid.uuid4().hex,
        }

        def parse(response: httpx.Response) -> m.SentReceipt:
            answer = parse_model("vanbansPost", response, m.LgspSendResponse)
            _check("vanbansPost", answer, response.status_code)
            if not answer.doc_id:
                raise BadResponse(
                    tr("{operation}: the answer has no DocId", operation="vanbansPost")
                )
            return m.SentReceipt(DocId=answer.doc_id, status="OK")

        return Call("vanbansPost", "POST", "vanbans", parse, headers=headers, content=body)

    def ack(self, doc_id: str, status: m.LgspAckStatus | str) -> Call[None]:
        body = json.dumps({"status": str(m.LgspAckStatus(str(status).upper()))}).encode()

        def parse(response: httpx.Response) -> None:
            answer = parse_model("vanbansDocIdPut", response, m.LgspEnvelope)
            _check("vanbansDocIdPut", answer, response.status_code)

        path = "vanbans/" + quote(doc_id, safe="")
        headers = self._headers() | {"Content-Type": "application/json"}
        return Call("vanbansDocIdPut", "PUT", path, parse, headers=headers, content=body)

    def agencies(self, scope: AgencyScope) -> Call[list[m.Agency]]:
        operation = "donvilienthongsQnGet" if scope == "qn" else "donvilienthongsGet"
        path = "donvilienthongs/qn" if scope == "qn" else "donvilienthongs"

        def parse(response: httpx.Response) -> list[m.Agency]:
            answer = parse_model(operation, response, m.LgspAgenciesResponse)
            _check(operation, answer, response.status_code)
            return [
                m.Agency(
                    id=a.id,
                    pid=a.pid or a.pcode,
                    code=a.code,
                    name=a.name,
                    mail=a.mail,
                    other_code=a.code102 or a.old_code,
                )
                for a in answer.data
            ]

        return Call(operation, "GET", path, parse, headers=self._headers())


def _urls(gateway: str, api_path: str) -> tuple[str, str]:
    base = gateway.rstrip("/")
    return base + api_path.rstrip("/") + "/", base + TOKEN_PATH


class LgspClient(ClosingClient):
    """Synchronous LGSP client: inbox, fetch, send, ack, agencies.

    ``gateway`` is the WSO2 gateway root (the token endpoint is ``<gateway>/token``, the API
    ``<gateway>/truclienthong/v1.0.0``); ``consumer_key``/``consumer_secret`` are the gateway
    application's credentials and ``agency_secret`` the agency's ``secretDonVi``.
    """

    def __init__(
        self,
        gateway: str,
        consumer_key: str,
        consumer_secret: str,
        agency_secret: str,
        *,
        api_path: str = API_PATH,
        refresh_margin: float = 30.0,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        tls: TlsConfig | None = None,
        audit: AuditHook | None = None,
    ) -> None:
        api, token_url = _urls(gateway, api_path)
        self._http = httpx.Client(**client_options(api, timeout, tls))
        self.auth = LgspTokenAuth(
            token_url, consumer_key, consumer_secret, refresh_margin=refresh_margin
        )
        self._ops = _LgspOperations(agency_secret)
        self._runner = SyncRunner(self._http, self.auth, retry or RetryPolicy(), audit)

    def inbox(self) -> list[m.InboxItem]:
        """Documents and status packets waiting for this agency (every page)."""
        items: list[m.InboxItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = self._runner.run(self._ops.inbox(offset))
            items += page
            offset = next_offset(page, offset, seen, lambda item: str(item.doc_id))
        return items

    def fetch(self, doc_id: str) -> bytes:
        """One received packet, decoded from base64."""
        return self._runner.run(self._ops.fetch(doc_id))

    def send(
        self,
        packet: bytes | str | PathLike[str],
        *,
        message_id: str | None = None,
        kind: str = "edoc",
    ) -> m.SentReceipt:
        """Send a packet (``kind`` is the gateway's ``loaiVanBan``: ``edoc`` or ``status``)."""
        return self._runner.run(self._ops.send(read_packet(packet), message_id, kind))

    def ack(self, doc_id: str, status: m.LgspAckStatus | str = m.LgspAckStatus.DONE) -> None:
        """Set the transport status: ``INITIAL``, ``PROCESSING``, ``DONE`` or ``FAIL``."""
        self._runner.run(self._ops.ack(doc_id, status))

    def agencies(self, scope: AgencyScope = "national") -> list[m.Agency]:
        """Connected agencies: the national list, or only the province's (``"qn"``)."""
        return self._runner.run(self._ops.agencies(scope))


class AsyncLgspClient(AsyncClosingClient):
    """Asynchronous twin of :class:`LgspClient` (same arguments, awaitable calls)."""

    def __init__(
        self,
        gateway: str,
        consumer_key: str,
        consumer_secret: str,
        agency_secret: str,
        *,
        api_path: str = API_PATH,
        refresh_margin: float = 30.0,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        tls: TlsConfig | None = None,
        audit: AuditHook | None = None,
    ) -> None:
        api, token_url = _urls(gateway, api_path)
        self._http = httpx.AsyncClient(**client_options(api, timeout, tls))
        self.auth = LgspTokenAuth(
            token_url, consumer_key, consumer_secret, refresh_margin=refresh_margin
        )
        self._ops = _LgspOperations(agency_secret)
        self._runner = AsyncRunner(self._http, self.auth, retry or RetryPolicy(), audit)

    async def inbox(self) -> list[m.InboxItem]:
        """See :meth:`LgspClient.inbox`."""
        items: list[m.InboxItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = await self._runner.run(self._ops.inbox(offset))
            items += page
            offset = next_offset(page, offset, seen, lambda item: str(item.doc_id))
        return items

    async def fetch(self, doc_id: str) -> bytes:
        """See :meth:`LgspClient.fetch`."""
        return await self._runner.run(self._ops.fetch(doc_id))

    async def send(
        self,
        packet: bytes | str | PathLike[str],
        *,
        message_id: str | None = None,
        kind: str = "edoc",
    ) -> m.SentReceipt:
        """See :meth:`LgspClient.send`."""
        return await self._runner.run(self._ops.send(read_packet(packet), message_id, kind))

    async def ack(self, doc_id: str, status: m.LgspAckStatus | str = m.LgspAckStatus.DONE) -> None:
        """See :meth:`LgspClient.ack`."""
        await self._runner.run(self._ops.ack(doc_id, status))

    async def agencies(self, scope: AgencyScope = "national") -> list[m.Agency]:
        """See :meth:`LgspClient.agencies`."""
        return await self._runner.run(self._ops.agencies(scope))
