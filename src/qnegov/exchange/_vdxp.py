"""Client of the national document exchange (VDXP) REST API, sync and async.

Parameters travel as HTTP headers and every request is signed as the national SDK 2.0.1 signs it
(:class:`VdxpAuth`). Sends carry a ``messageid`` header that stays the same across retries: an
exchange that honours it (the reference hub does) never stores a retried send twice.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Generator, Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Final, Literal

import httpx

from qnegov._i18n import tr
from qnegov.errors import BadResponse, InputError, RemoteError
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
from qnegov.exchange._signing import format_timestamp, hash_file, sign_headers

__all__ = ["AsyncDocumentExchangeClient", "DocumentExchangeClient", "VdxpAuth"]

_UNSIGNED: Final = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
        "content-length",
        "transfer-encoding",
    }
)
SERVICE_TYPE: Final = "eDoc"
MESSAGE_ID_HEADER: Final = "messageid"

AgencyForm = Literal["qcvn102", "qd20"]


class VdxpAuth(httpx.Auth):
    """Signs a request the way the VDXP SDK does: mirrored headers, their JSON, an HMAC.

    Every header the caller set (besides transport headers such as ``Host``) is treated as an
    operation header: it is moved to ``XroadVnpt-<name>``, listed in the signed JSON, and covered
    by the HMAC-SHA256 under ``secret``. ``systemid`` and a fresh ``timestamp`` come first.
    """

    def __init__(
        self,
        system_id: str,
        secret: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.system_id = system_id
        self._secret = secret
        self._clock = clock

    def __repr__(self) -> str:  # never show the secret
        return f"VdxpAuth(system_id={self.system_id!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        operation: dict[str, str] = {
            "systemid": self.system_id,
            "timestamp": format_timestamp(self._clock()),
        }
        plain: list[str] = []
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1")
            if name.lower() in _UNSIGNED or name.lower() in ("systemid", "timestamp"):
                continue
            operation[name] = raw_value.decode("latin-1")
            plain.append(name)
        for name in plain:
            del request.headers[name]
        request.headers.update(sign_headers(operation, self._secret))
        yield request


def _check(operation: str, envelope: m.VdxpEnvelope, status_code: int) -> None:
    if envelope.status.upper() != "OK" or envelope.error_code not in ("0", ""):
        raise RemoteError(
            tr(
                "{operation}: platform refused (code {code}): {desc}",
                operation=operation,
                code=envelope.error_code,
                desc=envelope.error_desc or "",
            ),
            remote_code=envelope.error_code,
            status_code=status_code,
        )


def _inbox_key(item: m.InboxItem) -> str:
    return str(item.doc_id)


def _sent_key(item: m.SentItem) -> str:
    return f"{item.sender_doc_id}|{item.to_code}"


def _decode_base64(operation: str, data: str | None) -> bytes:
    if not data:
        raise BadResponse(tr("{operation}: the answer carries no document", operation=operation))
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadResponse(
            tr("{operation}: the document in the answer is not valid base64", operation=operation)
        ) from None


def read_packet(packet: bytes | str | PathLike[str]) -> bytes:
    """The bytes to send: given directly, or read from a file path."""
    if isinstance(packet, bytes):
        return packet
    try:
        return Path(packet).read_bytes()
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=str(packet)
        ) from exc


def packet_source(packet: bytes | str | PathLike[str]) -> bytes | Path:
    """Bytes as they are; a path checked readable, to be streamed (never loaded whole)."""
    if isinstance(packet, bytes):
        return packet
    path = Path(packet)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=str(packet)
        ) from exc
    return path


class _VdxpOperations:
    """Builds the :class:`Call` of each VDXP operation; shared by the sync and async clients."""

    def __init__(self, agency_code: str, sdk_hash_quirk: bool) -> None:
        self.agency_code = agency_code
        self.sdk_hash_quirk = sdk_hash_quirk

    def send(
        self,
        packet: bytes | Path,
        *,
        message_type: m.MessageType | str,
        to: Sequence[str] | None,
        message_id: str | None,
    ) -> Call[m.SentReceipt]:
        headers = {
            "Content-Type": "application/octet-stream",
            "from": self.agency_code,
            "servicetype": SERVICE_TYPE,
            "messagetype": str(m.MessageType(message_type)),
            "hash-file": hash_file(packet, sdk_quirk=self.sdk_hash_quirk),
            MESSAGE_ID_HEADER: message_id or uuid.uuid4().hex,
        }
        if to:
            headers["to"] = ",".join(to)
        if isinstance(packet, Path):
            headers["Content-Length"] = str(packet.stat().st_size)

        def parse(response: httpx.Response) -> m.SentReceipt:
            answer = parse_model("sendEdoc", response, m.VdxpSendResponse)
            _check("sendEdoc", answer, response.status_code)
            if not answer.doc_id:
                raise BadResponse(tr("{operation}: the answer has no DocId", operation="sendEdoc"))
            return m.SentReceipt(DocId=answer.doc_id, status=answer.status)

        if isinstance(packet, Path):
            return Call("sendEdoc", "POST", "sendEdoc", parse, headers=headers, upload=packet)
        return Call("sendEdoc", "POST", "sendEdoc", parse, headers=headers, content=packet)

    def inbox(self, message_type: m.MessageType | str, offset: int = 0) -> Call[list[m.InboxItem]]:
        headers = {
            "Content-Type": "application/json",
            "servicetype": SERVICE_TYPE,
            "messagetype": str(m.MessageType(message_type)),
        }
        if offset:
            headers["offset"] = str(offset)

        def parse(response: httpx.Response) -> list[m.InboxItem]:
            answer = parse_model("getReceivedEdocList", response, m.VdxpInboxResponse)
            _check("getReceivedEdocList", answer, response.status_code)
            return list(answer.data)

        return Call("getReceivedEdocList", "POST", "getReceivedEdocList", parse, headers=headers)

    def fetch(self, doc_id: str) -> Call[bytes]:
        headers = {"Content-Type": "application/json", "docId": doc_id}

        def parse(response: httpx.Response) -> bytes:
            answer = parse_model("getEdoc", response, m.VdxpGetResponse)
            _check("getEdoc", answer, response.status_code)
            return _decode_base64("getEdoc", answer.data)

        return Call("getEdoc", "POST", "getEdoc", parse, headers=headers)

    def download(self, doc_id: str, target: Path) -> Call[Path]:
        headers = {"Content-Type": "application/json", "docId": doc_id}
        return Call(
            "downloadEdoc",
            "GET",
            "downloadEdoc",
            lambda _r: target,
            headers=headers,
            stream_to=target,
        )

    def ack(self, doc_id: str, status: m.AckStatus | str) -> Call[None]:
        headers = {
            "Content-Type": "application/json",
            "docId": doc_id,
            "status": str(m.AckStatus(status)),
        }

        def parse(response: httpx.Response) -> None:
            answer = parse_model("updateStatus", response, m.VdxpEnvelope)
            _check("updateStatus", answer, response.status_code)

        return Call("updateStatus", "POST", "updateStatus", parse, headers=headers)

    def sent(
        self, message_type: m.MessageType | str, doc_id: str | None, offset: int = 0
    ) -> Call[list[m.SentItem]]:
        headers = {
            "Content-Type": "application/json",
            "servicetype": SERVICE_TYPE,
            "messagetype": str(m.MessageType(message_type)),
        }
        if doc_id:
            headers["docId"] = doc_id
        if offset:
            headers["offset"] = str(offset)

        def parse(response: httpx.Response) -> list[m.SentItem]:
            answer = parse_model("getSentEdocList", response, m.VdxpSentResponse)
            _check("getSentEdocList", answer, response.status_code)
            return list(answer.data)

        return Call("getSentEdocList", "POST", "getSentEdocList", parse, headers=headers)

    def agencies(self, form: AgencyForm) -> Call[list[m.Agency]]:
        operation = "getAgenciesListQD20" if form == "qd20" else "getAgenciesList"

        def parse(response: httpx.Response) -> list[m.Agency]:
            answer = parse_model(operation, response, m.VdxpAgenciesResponse)
            _check(operation, answer, response.status_code)
            return [
                m.Agency(
                    id=a.id,
                    pid=a.pid,
                    code=a.code,
                    name=a.name,
                    mail=a.mail,
                    other_code=a.code102 if form == "qd20" else a.old_code,
                )
                for a in answer.data
            ]

        return Call(
            operation, "POST", operation, parse, headers={"Content-Type": "application/json"}
        )


class DocumentExchangeClient(ClosingClient):
    """Synchronous VDXP client: send, inbox, fetch, download, ack, sent, agencies.

    ``system_id`` and ``secret`` are the credentials issued by the exchange; ``agency_code`` is
    the sender code put in the ``from`` header (defaults to ``system_id``). Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        system_id: str,
        secret: str,
        *,
        agency_code: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        tls: TlsConfig | None = None,
        audit: AuditHook | None = None,
        sdk_hash_quirk: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        extra = {"transport": transport} if transport is not None else None
        self._http = httpx.Client(**client_options(base_url, timeout, tls, extra))
        self.auth = VdxpAuth(system_id, secret)
        self._ops = _VdxpOperations(agency_code or system_id, sdk_hash_quirk)
        self._runner = SyncRunner(self._http, self.auth, retry or RetryPolicy(), audit)

    def send(
        self,
        packet: bytes | str | PathLike[str],
        *,
        message_type: m.MessageType | str = m.MessageType.EDOC,
        to: Sequence[str] | None = None,
        message_id: str | None = None,
    ) -> m.SentReceipt:
        """Send an edXML packet (bytes, or a file streamed from disk); recipients come from its
        ``To`` elements."""
        call = self._ops.send(
            packet_source(packet), message_type=message_type, to=to, message_id=message_id
        )
        return self._runner.run(call)

    def inbox(self, message_type: m.MessageType | str = m.MessageType.EDOC) -> list[m.InboxItem]:
        """Messages waiting for this agency (documents, or status packets), every page."""
        items: list[m.InboxItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = self._runner.run(self._ops.inbox(message_type, offset))
            items += page
            offset = next_offset(page, offset, seen, _inbox_key)
        return items

    def fetch(self, doc_id: str) -> bytes:
        """One received packet, decoded from the platform's base64."""
        return self._runner.run(self._ops.fetch(doc_id))

    def download(self, doc_id: str, target: str | PathLike[str]) -> Path:
        """Stream one received packet into ``target`` (written whole or not at all)."""
        return self._runner.run(self._ops.download(doc_id, Path(target)))

    def ack(self, doc_id: str, status: m.AckStatus | str = m.AckStatus.DONE) -> None:
        """Acknowledge a downloaded message: ``done``, ``fail`` or ``processing``."""
        self._runner.run(self._ops.ack(doc_id, status))

    def sent(
        self, message_type: m.MessageType | str = m.MessageType.EDOC, doc_id: str | None = None
    ) -> list[m.SentItem]:
        """What this agency sent, one row per recipient, with delivery statuses (every page)."""
        rows: list[m.SentItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = self._runner.run(self._ops.sent(message_type, doc_id, offset))
            rows += page
            offset = next_offset(page, offset, seen, _sent_key)
        return rows

    def agencies(self, form: AgencyForm = "qcvn102") -> list[m.Agency]:
        """Registered agencies, with codes in the QCVN 102 (default) or QĐ 20/2020 form."""
        return self._runner.run(self._ops.agencies(form))


class AsyncDocumentExchangeClient(AsyncClosingClient):
    """Asynchronous twin of :class:`DocumentExchangeClient` (same arguments, awaitable calls)."""

    def __init__(
        self,
        base_url: str,
        system_id: str,
        secret: str,
        *,
        agency_code: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        tls: TlsConfig | None = None,
        audit: AuditHook | None = None,
        sdk_hash_quirk: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        extra: dict[str, object] = {}
        if transport is not None:
            extra["transport"] = transport
        if limits is not None:
            extra["limits"] = limits
        self._http = httpx.AsyncClient(**client_options(base_url, timeout, tls, extra))
        self.auth = VdxpAuth(system_id, secret)
        self._ops = _VdxpOperations(agency_code or system_id, sdk_hash_quirk)
        self._runner = AsyncRunner(self._http, self.auth, retry or RetryPolicy(), audit)

    async def send(
        self,
        packet: bytes | str | PathLike[str],
        *,
        message_type: m.MessageType | str = m.MessageType.EDOC,
        to: Sequence[str] | None = None,
        message_id: str | None = None,
    ) -> m.SentReceipt:
        """See :meth:`DocumentExchangeClient.send`."""
        call = self._ops.send(
            packet_source(packet), message_type=message_type, to=to, message_id=message_id
        )
        return await self._runner.run(call)

    async def inbox(
        self, message_type: m.MessageType | str = m.MessageType.EDOC
    ) -> list[m.InboxItem]:
        """See :meth:`DocumentExchangeClient.inbox`."""
        items: list[m.InboxItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = await self._runner.run(self._ops.inbox(message_type, offset))
            items += page
            offset = next_offset(page, offset, seen, _inbox_key)
        return items

    async def fetch(self, doc_id: str) -> bytes:
        """See :meth:`DocumentExchangeClient.fetch`."""
        return await self._runner.run(self._ops.fetch(doc_id))

    async def download(self, doc_id: str, target: str | PathLike[str]) -> Path:
        """See :meth:`DocumentExchangeClient.download`."""
        return await self._runner.run(self._ops.download(doc_id, Path(target)))

    async def ack(self, doc_id: str, status: m.AckStatus | str = m.AckStatus.DONE) -> None:
        """See :meth:`DocumentExchangeClient.ack`."""
        await self._runner.run(self._ops.ack(doc_id, status))

    async def sent(
        self, message_type: m.MessageType | str = m.MessageType.EDOC, doc_id: str | None = None
    ) -> list[m.SentItem]:
        """See :meth:`DocumentExchangeClient.sent`."""
        rows: list[m.SentItem] = []
        seen: set[str] = set()
        offset = 0
        while offset >= 0:
            page = await self._runner.run(self._ops.sent(message_type, doc_id, offset))
            rows += page
            offset = next_offset(page, offset, seen, _sent_key)
        return rows

    async def agencies(self, form: AgencyForm = "qcvn102") -> list[m.Agency]:
        """See :meth:`DocumentExchangeClient.agencies`."""
        return await self._runner.run(self._ops.agencies(form))
