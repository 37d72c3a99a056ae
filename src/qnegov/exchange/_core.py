"""The shared core of the platform clients: calls, retries, audit, errors; sync and async runners.

Each API describes its operations once as :class:`Call` objects (method, path, headers, body, and
how to read the answer). Two small runners execute them, one on ``httpx.Client`` and one on
``httpx.AsyncClient``; everything that decides — whether to retry, how long to wait, which error
to raise, what the audit hook sees — lives in plain functions both runners call, so the sync and
async clients cannot drift apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Generic, Self, TypeVar

import httpx
import pydantic

from qnegov._i18n import tr
from qnegov.errors import (
    AuthError,
    BadResponse,
    ExchangeError,
    MessageIdConflict,
    RemoteError,
    TransportError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "PAGE_SIZE",
    "AsyncClosingClient",
    "AsyncRunner",
    "AuditHook",
    "AuditRecord",
    "Call",
    "ClosingClient",
    "RetryPolicy",
    "SyncRunner",
    "TlsConfig",
    "parse_model",
]

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""Every call has a bound: 10 s to connect, 30 s for each read, write and pool wait."""

RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
_SEND_OPERATIONS: Final = frozenset({"sendEdoc", "vanbansPost"})
PAGE_SIZE: Final = 1000
"""Rows per list page on the reference hub; a full page means "ask for the next one"."""


def next_offset(page: Sequence[Any], taken: int, seen: set[str], key: Callable[[Any], str]) -> int:
    """The offset of the next page after ``page``, or -1 when the list is complete.

    A platform that ignores ``offset`` answers the same rows again: a page whose first row was
    already seen ends the walk instead of looping.
    """
    if len(page) != PAGE_SIZE or (page and key(page[0]) in seen):
        return -1
    seen.update(key(row) for row in page)
    return taken + len(page)


REDACTED: Final = "[REDACTED]"
SECRET_HEADERS: Final = frozenset({"authorization", "secret", "proxy-authorization", "cookie"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry connection errors, 429 and 5xx answers.

    Waits grow as ``backoff * 2**n`` up to ``max_backoff``, each spread by up to ``jitter`` of
    itself so many clients do not retry in lockstep; a ``Retry-After`` answer overrides the
    computed wait (bounded by ``max_retry_after``).
    """

    attempts: int = 4
    backoff: float = 0.25
    max_backoff: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        base = min(self.backoff * (2.0 ** (retry - 1)), self.max_backoff)
        return float(base * (1.0 + self.jitter * random.random()))


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Server verification and optional client certificate (mutual TLS)."""

    ca_file: str | None = None
    """Trust these CAs instead of the system store."""
    client_cert: str | None = None
    """PEM certificate (chain) presented to the server."""
    client_key: str | None = None
    verify: bool = True

    def context(self) -> ssl.SSLContext | bool:
        """What ``httpx`` takes as ``verify``."""
        if not self.verify:
            return False
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if self.client_cert:
            ctx.load_cert_chain(self.client_cert, self.client_key)
        return ctx


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One HTTP exchange as bytes, secrets redacted: what was sent and what came back."""

    operation: str
    attempt: int
    request: bytes
    response: bytes | None
    error: str | None
    elapsed: float


AuditHook = Callable[[AuditRecord], None]


@dataclass(slots=True)
class Call(Generic[T]):
    """One API operation, described independently of sync or async execution."""

    operation: str
    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    params: dict[str, str] | None = None
    stream_to: Path | None = None
    """Download the body into this file instead of reading it into memory."""
    upload: Path | None = None
    """Stream the body from this file (reopened for every attempt) instead of ``content``."""
    redact_body_keys: tuple[str, ...] = ()
    """JSON keys whose values the audit record hides (tokens in a response)."""


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (both the delta and the HTTP-date forms), if present."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _redact_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    out = []
    for raw_name, raw_value in headers.raw:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        out.append((name, REDACTED if name.lower() in SECRET_HEADERS else value))
    return out


def _redact_body(body: bytes, keys: tuple[str, ...]) -> bytes:
    if not keys or not body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict):
        for key in keys:
            if key in data:
                data[key] = REDACTED
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    return body


def request_bytes(request: httpx.Request) -> bytes:
    """The request as it went on the wire (HTTP/1.1 form), secrets redacted."""
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1"]
    lines += [f"{n}: {v}" for n, v in _redact_headers(request.headers)]
    try:
        body = request.content
    except httpx.RequestNotRead:
        body = b"<streamed>"
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def response_bytes(response: httpx.Response, keys: tuple[str, ...], body: bytes | None) -> bytes:
    """The response status line, headers and body (or a note for a streamed body)."""
    lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    lines += [f"{n}: {v}" for n, v in _redact_headers(response.headers)]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if body is None:
        return head + b"<streamed to file>"
    return head + _redact_body(body, keys)


def emit_audit(
    hook: AuditHook | None,
    call: Call[Any],
    attempt: int,
    response: httpx.Response | None,
    error: BaseException | None,
    request: httpx.Request | None,
    started: float,
) -> None:
    """Hand every request of this attempt (auth-flow ones included) to the audit hook."""
    if hook is None:
        return
    elapsed = time.monotonic() - started
    if response is not None:
        for earlier in response.history:
            hook(
                AuditRecord(
                    operation=call.operation,
                    attempt=attempt,
                    request=request_bytes(earlier.request),
                    response=response_bytes(earlier, ("access_token",), earlier.content),
                    error=None,
                    elapsed=elapsed,
                )
            )
        body = None if call.stream_to is not None else response.content
        hook(
            AuditRecord(
                operation=call.operation,
                attempt=attempt,
                request=request_bytes(response.request),
                response=response_bytes(response, call.redact_body_keys, body),
                error=None,
                elapsed=elapsed,
            )
        )
    else:
        hook(
            AuditRecord(
                operation=call.operation,
                attempt=attempt,
                request=request_bytes(request) if request is not None else b"",
                response=None,
                error=repr(error),
                elapsed=elapsed,
            )
        )


def _remote_code(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("ErrorCode", "errorCode"):
        if key in data and data[key] is not None:
            return str(data[key])
    fault = data.get("fault")
    if isinstance(fault, dict) and "code" in fault:
        return str(fault["code"])
    return None


def _remote_desc(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        for key in ("ErrorDesc", "errorDesc", "error_description", "message"):
            if isinstance(data.get(key), str):
                return str(data[key])
        fault = data.get("fault")
        if isinstance(fault, dict):
            return str(fault.get("description") or fault.get("message") or "")
    return ""


def error_for_status(call: Call[Any], response: httpx.Response) -> ExchangeError:
    """The typed error for an HTTP error answer that will not be retried."""
    code = _remote_code(response)
    desc = _remote_desc(response)
    if response.status_code in (401, 403):
        return AuthError(
            tr(
                "{operation}: credentials refused (HTTP {status}, code {code}): {desc}",
                operation=call.operation,
                status=response.status_code,
                code=code or "-",
                desc=desc,
            )
        )
    if response.status_code == 409 and call.operation in _SEND_OPERATIONS:
        return MessageIdConflict(
            tr(
                "{operation}: message id already used for other content (HTTP 409, code {code}):"
                " {desc}",
                operation=call.operation,
                code=code or "-",
                desc=desc,
            ),
            remote_code=code,
            status_code=409,
        )
    return RemoteError(
        tr(
            "{operation}: platform answered HTTP {status} (code {code}): {desc}",
            operation=call.operation,
            status=response.status_code,
            code=code or "-",
            desc=desc,
        ),
        remote_code=code,
        status_code=response.status_code,
    )


def parse_model(call: str, response: httpx.Response, model: type[M]) -> M:
    """Validate a JSON answer against ``model``; anything else is :class:`BadResponse`."""
    try:
        data = response.json()
    except ValueError:
        raise BadResponse(
            tr("{operation}: the platform's answer is not JSON", operation=call),
            status_code=response.status_code,
        ) from None
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise BadResponse(
            tr(
                "{operation}: unexpected answer from the platform at {where}: {problem}",
                operation=call,
                where=where,
                problem=first["msg"],
            ),
            status_code=response.status_code,
        ) from None


def _transport_error(call: Call[Any], exc: BaseException, attempts: int) -> TransportError:
    return TransportError(
        tr(
            "{operation}: platform unreachable after {attempts} attempts: {reason}",
            operation=call.operation,
            attempts=attempts,
            reason=type(exc).__name__ + (f": {exc}" if str(exc) else ""),
        )
    )


async def _file_chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    """A file as an async byte stream; reads run in a worker thread."""
    stream = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(stream.read, size):
            yield chunk
    finally:
        stream.close()


def _partial_path(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    os.close(fd)
    return Path(name)


class SyncRunner:
    """Runs :class:`Call` objects on an ``httpx.Client`` with retries and audit."""

    def __init__(
        self,
        client: httpx.Client,
        auth: httpx.Auth | None,
        retry: RetryPolicy,
        audit: AuditHook | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.auth = auth
        self.retry = retry
        self.audit = audit
        self.sleep = sleep

    def run(self, call: Call[T]) -> T:
        for attempt in range(1, self.retry.attempts + 1):
            started = time.monotonic()
            with contextlib.ExitStack() as stack:
                body = stack.enter_context(call.upload.open("rb")) if call.upload else call.content
                request = self.client.build_request(
                    call.method, call.path, headers=call.headers, content=body, params=call.params
                )
                try:
                    response = self._send(call, request)
                except httpx.TransportError as exc:
                    emit_audit(self.audit, call, attempt, None, exc, request, started)
                    if attempt == self.retry.attempts:
                        raise _transport_error(call, exc, attempt) from exc
                    self.sleep(self.retry.delay(attempt))
                    continue
            emit_audit(self.audit, call, attempt, response, None, request, started)
            if response.status_code in RETRY_STATUSES and attempt < self.retry.attempts:
                self.sleep(self.retry.delay(attempt, retry_after_seconds(response)))
                continue
            if response.status_code >= 400:
                raise error_for_status(call, response)
            return call.parse(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, call: Call[Any], request: httpx.Request) -> httpx.Response:
        auth = self.auth if self.auth is not None else httpx.USE_CLIENT_DEFAULT
        if call.stream_to is None:
            return self.client.send(request, auth=auth)
        response = self.client.send(request, auth=auth, stream=True)
        try:
            if response.status_code != 200:
                response.read()
                return response
            partial = _partial_path(call.stream_to)
            try:
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 16):
                        out.write(chunk)
                partial.replace(call.stream_to)
            finally:
                partial.unlink(missing_ok=True)
            return response
        finally:
            response.close()


class AsyncRunner:
    """Runs :class:`Call` objects on an ``httpx.AsyncClient`` with retries and audit."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        auth: httpx.Auth | None,
        retry: RetryPolicy,
        audit: AuditHook | None,
    ) -> None:
        self.client = client
        self.auth = auth
        self.retry = retry
        self.audit = audit

    async def run(self, call: Call[T]) -> T:
        for attempt in range(1, self.retry.attempts + 1):
            started = time.monotonic()
            body = _file_chunks(call.upload) if call.upload else call.content
            request = self.client.build_request(
                call.method, call.path, headers=call.headers, content=body, params=call.params
            )
            try:
                response = await self._send(call, request)
            except httpx.TransportError as exc:
                emit_audit(self.audit, call, attempt, None, exc, request, started)
                if attempt == self.retry.attempts:
                    raise _transport_error(call, exc, attempt) from exc
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            emit_audit(self.audit, call, attempt, response, None, request, started)
            if response.status_code in RETRY_STATUSES and attempt < self.retry.attempts:
                await asyncio.sleep(self.retry.delay(attempt, retry_after_seconds(response)))
                continue
            if response.status_code >= 400:
                raise error_for_status(call, response)
            return call.parse(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, call: Call[Any], request: httpx.Request) -> httpx.Response:
        auth = self.auth if self.auth is not None else httpx.USE_CLIENT_DEFAULT
        if call.stream_to is None:
            return await self.client.send(request, auth=auth)
        response = await self.client.send(request, auth=auth, stream=True)
        try:
            if response.status_code != 200:
                await response.aread()
                return response
            partial = _partial_path(call.stream_to)
            try:
                with partial.open("wb") as out:
                    async for chunk in response.aiter_bytes(1 << 16):
                        out.write(chunk)
                partial.replace(call.stream_to)
            finally:
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)
            return response
        finally:
            await response.aclose()


def client_options(
    base_url: str,
    timeout: httpx.Timeout | float | None,
    tls: TlsConfig | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments shared by the sync and async ``httpx`` clients."""
    options: dict[str, Any] = {
        "base_url": base_url,
        "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
        "follow_redirects": False,
        "trust_env": False,
    }
    if tls is not None:
        options["verify"] = tls.context()
    if extra:
        options.update(extra)
    return options


class ClosingClient:
    """``close()`` and ``with`` support for the synchronous clients (they own ``_http``)."""

    _http: httpx.Client

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClosingClient:
    """``aclose()`` and ``async with`` support for the asynchronous clients."""

    _http: httpx.AsyncClient

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
