"""The reference hub as an ASGI app: the VDXP API, the LGSP API, an admin API, one SQLite store.

Routes are thin: authenticate the caller (VDXP HMAC headers, or LGSP bearer token plus agency
secret), read the operation's parameters, call the store in a worker thread, answer in the
platform's JSON shape. Packets are checked before they are stored (routing facts, optional edXML
validation and signature verification) and refused with the hub's error codes
(:data:`ERROR_CODES`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from qnegov.errors import QnegovError
from qnegov.exchange._packet import RoutingInfo, routing_info
from qnegov.exchange._signing import (
    HASH_HEADER,
    PREFIX,
    SIGN_HEADER,
    SignatureRefused,
    digest_matches,
    verify_headers,
)
from qnegov.exchange.hub._faults import Fault, FaultInjector
from qnegov.exchange.hub._limits import BodyBudget, Over, ReplayCache, Upload, receive_body
from qnegov.exchange.hub._openapi import openapi_document
from qnegov.exchange.hub._store import PAGE_MAX, AgencyRecord, Delivery, ReusedMessageId, Store

__all__ = ["ERROR_CODES", "HubConfig", "PacketCheck", "create_app"]

ERROR_CODES: Final = {
    "0": "success",
    "100": "internal error",
    "101": "authentication failed (unknown system id, bad HMAC, stale timestamp, bad secret)",
    "102": "invalid packet",
    "103": "unknown recipient",
    "104": "document not found for this agency",
    "105": "packet signature refused",
    "106": "bad request (missing or invalid parameter)",
    "107": "sender not allowed for these credentials",
    "108": "packet too large",
    "109": "hash-file does not match the body",
    "110": "agency already registered, secret in use, or not removable",
    "111": "message id already used by this sender for other content",
    "112": "hub busy (in-flight body bytes, connections or replay memory full): retry later",
}
"""The hub's own error codes (the national platform's codes are not documented publicly)."""

API_PREFIX: Final = "/truclienthong/v1.0.0"
PacketCheck = Callable[[bytes | Path, RoutingInfo | None], None]
"""A check of an incoming packet (edXML validation, signature) run before routing; it refuses
the packet by raising a :class:`QnegovError` (signature errors become code 105, others 102).
Large packets come as the :class:`Path` of a spooled temporary file, small ones as bytes."""


@dataclass(slots=True)
class HubConfig:
    """Everything the hub needs; secrets come from files or the environment, never argv."""

    db: Path
    admin_token: str
    token_ttl: float = 3600.0
    """Lifetime of LGSP gateway tokens, seconds."""
    max_clock_skew: float = 300.0
    """How far a VDXP request ``timestamp`` may be from the hub's clock, seconds."""
    max_packet_bytes: int = 64 * 1024 * 1024
    max_inflight_bytes: int = 96 * 1024 * 1024
    """Request-body bytes received or being checked at once, all requests together; past it the
    hub answers 503 with ``Retry-After`` (must be at least ``max_packet_bytes``)."""
    spool_threshold: int = 1024 * 1024
    """Bodies larger than this go to a temporary file while they are hashed and checked."""
    spool_dir: Path | None = None
    """Where spooled bodies go (default: the system temporary directory)."""
    require_body_hash: bool = False
    """Refuse a VDXP ``sendEdoc`` without ``hash-file`` (the SDK sends one; some peers do not)."""
    replay_capacity: int = 100_000
    """How many VDXP signatures the replay memory holds (window: twice the clock skew)."""
    allow_readable_db: bool = False
    """Open a database file that group or others may read (refused by default)."""
    header_timeout: float = 10.0
    """Seconds a connection may take to send a complete request head (idle ones included)."""
    body_timeout: float = 30.0
    """Seconds without a body byte while the hub waits for the body."""
    max_connections_per_client: int = 128
    """Open connections per client address; one more is answered 503 and closed."""
    enable_test_faults: bool = False
    """TESTING FEATURE: arm faults through ``POST /admin/faults`` (see ``_faults``)."""
    checks: list[PacketCheck] = field(default_factory=list)


class _HubError(Exception):
    def __init__(self, code: str, desc: str, http: int) -> None:
        self.code, self.desc, self.http = code, desc, http
        super().__init__(desc)


@dataclass(slots=True)
class _State:
    config: HubConfig
    store: Store
    faults: FaultInjector | None = None
    tokens: dict[str, float] = field(default_factory=dict)
    tokens_issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    budget: BodyBudget = field(default_factory=lambda: BodyBudget(0))
    replay: ReplayCache = field(default_factory=lambda: ReplayCache(600.0, 1))


Style = Literal["vdxp", "lgsp"]
Handler = Callable[[Request, _State], Awaitable[Response]]


def _fail(style: Style, err: _HubError) -> JSONResponse:
    if style == "vdxp":
        body = {"status": "FAIL", "ErrorCode": err.code, "ErrorDesc": err.desc}
    else:
        body = {"status": "FAIL", "errorCode": err.code, "errorDesc": err.desc}
    return JSONResponse(body, status_code=err.http)


def _ok(style: Style, **extra: Any) -> JSONResponse:
    if style == "vdxp":
        return JSONResponse({"status": "OK", "ErrorCode": "0", "ErrorDesc": ""} | extra)
    return JSONResponse({"status": "OK", "errorCode": "0", "errorDesc": ""} | extra)


def _endpoint(state: _State, style: Style, handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, state)
        except _HubError as err:
            return _fail(style, err)

    return endpoint


def _busy(desc: str) -> _HubError:
    return _HubError("112", desc, 503)


async def _receive(request: Request, state: _State, limit: int) -> Upload:
    """The body, hashed as it arrives and spooled past the threshold; counted in the budget."""
    declared = request.headers.get("content-length")
    try:
        return await receive_body(
            request.stream(),
            declared=int(declared) if declared is not None and declared.isdigit() else None,
            limit=limit,
            budget=state.budget,
            spool_threshold=state.config.spool_threshold,
            spool_dir=state.config.spool_dir,
        )
    except Over as over:
        if over.kind == "size":
            raise _HubError("108", f"packet larger than {limit} bytes", 413) from None
        raise _busy("too many request bytes in flight") from None


async def _release(state: _State, upload: Upload) -> None:
    state.budget.give(upload.reserved)
    if upload.path is not None:
        await run_in_threadpool(upload.discard)


async def _body(request: Request, state: _State, limit: int) -> bytes:
    """A small body (JSON, forms) in memory."""
    upload = await _receive(request, state, limit)
    try:
        return await run_in_threadpool(upload.read)
    finally:
        await _release(state, upload)


# authentication ---------------------------------------------------------------------------


async def _vdxp_caller(request: Request, state: _State) -> tuple[AgencyRecord, dict[str, str]]:
    """Check the SDK-style signature; return the calling agency and its signed parameters."""
    text = request.headers.get(SIGN_HEADER, "")
    try:
        system_id = str(json.loads(text).get(PREFIX + "systemid", "")) if text else ""
    except (ValueError, AttributeError):
        system_id = ""
    agency = await run_in_threadpool(state.store.agency, system_id) if system_id else None
    try:
        params = verify_headers(
            request.headers.get,
            lambda sid: agency.secret if agency is not None and sid == agency.code else None,
            now=datetime.now(UTC),
            max_skew=state.config.max_clock_skew,
        )
    except SignatureRefused as exc:
        raise _HubError("101", str(exc), 401) from None
    assert agency is not None
    try:
        fresh = state.replay.remember(agency.code + " " + request.headers.get(HASH_HEADER, ""))
    except Over:
        raise _busy("replay memory full") from None
    if not fresh:
        raise _HubError("101", "replayed request: this signature was already used", 401)
    return agency, params


def _wso2_fault(description: str) -> JSONResponse:
    body = {"fault": {"code": 900901, "message": "Invalid Credentials", "description": description}}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


class _TokenRefused(Exception):
    pass


def _check_bearer(request: Request, state: _State) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _TokenRefused("missing bearer token")
    with state.lock:
        expires = state.tokens.get(token)
    if expires is None:
        raise _TokenRefused("unknown or revoked token")
    if time.monotonic() >= expires:
        raise _TokenRefused("token expired")


async def _lgsp_caller(request: Request, state: _State) -> AgencyRecord:
    secret = request.headers.get("secret", "")
    agency = await run_in_threadpool(state.store.agency_by_secret, secret) if secret else None
    if agency is None:
        raise _HubError("101", "unknown agency secret", 403)
    return agency


def _lgsp(
    state: _State, handler: Callable[[Request, _State, AgencyRecord], Awaitable[Response]]
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            _check_bearer(request, state)
        except _TokenRefused as exc:
            return _wso2_fault(str(exc))
        try:
            caller = await _lgsp_caller(request, state)
            return await handler(request, state, caller)
        except _HubError as err:
            return _fail("lgsp", err)

    return endpoint


# packets ---------------------------------------------------------------------------------


def _inspect(state: _State, body: bytes | Path) -> RoutingInfo:
    try:
        for check in state.config.checks:
            check(body, None)
        info = routing_info(body, name="<packet>")
    except QnegovError as exc:
        code = "105" if exc.code.startswith(("signature", "certificate")) else "102"
        raise _HubError(code, f"{exc.code}: {exc}", 400) from None
    return info


async def _accept_packet(
    state: _State,
    caller: AgencyRecord,
    upload: Upload,
    *,
    message_type: str,
    message_id: str | None,
    only_to: list[str] | None,
) -> str:
    body = upload.source
    message_id = message_id or "sha256:" + upload.sha256.hex()
    if not upload.size:
        raise _HubError("102", "empty packet", 400)
    if message_type not in ("edoc", "status"):
        raise _HubError("106", f"unknown messagetype {message_type!r}", 400)
    if len(message_id) > 200:
        raise _HubError("106", "messageid longer than 200 characters", 400)
    info = await run_in_threadpool(_inspect, state, body)
    if info.is_status != (message_type == "status"):
        raise _HubError("102", f"messagetype {message_type} does not match the packet", 400)
    if info.sender != caller.code:
        owner = await run_in_threadpool(state.store.agency, info.sender)
        if owner is None or owner.pcode != caller.code:
            raise _HubError("107", f"{caller.code} may not send as {info.sender}", 400)
    recipients = list(info.recipients)
    if only_to:
        stray = [r for r in only_to if r not in recipients]
        if stray:
            raise _HubError("103", f"'to' lists agencies not in the packet: {stray}", 400)
        recipients = only_to
    for code in recipients:
        if await run_in_threadpool(state.store.agency, code) is None:
            raise _HubError("103", f"unknown recipient {code}", 400)
    store = state.store

    def accept() -> str:
        return store.accept(
            sender=info.sender,
            message_id=message_id,
            message_type=message_type,
            recipients=recipients,
            body=body,
            edxml_document_id=info.document_id,
            subject=info.subject,
            code=info.code,
            status_code=info.status_code,
            status_desc=info.subject if info.is_status else "",
            sha256=upload.sha256.hex(),
        ).doc_id

    try:
        return await run_in_threadpool(accept)
    except ReusedMessageId as exc:
        raise _HubError(
            "111",
            f"messageid {message_id!r} was used for other content (docId {exc.doc_id})",
            409,
        ) from None


def _vdxp_item(d: Delivery) -> dict[str, Any]:
    return {
        "docId": d.doc_id,
        "serviceType": "eDoc",
        "messageType": d.message_type,
        "created_time": d.created,
        "updated_time": d.updated,
        "from": d.sender,
        "to": d.recipient,
        "status": d.status,
        "status_desc": d.status_desc,
    }


def _sent_item(d: Delivery) -> dict[str, Any]:
    return {
        "serviceType": "eDoc",
        "senderDocId": d.doc_id,
        "receiverDocId": d.doc_id,
        "fromCode": d.sender,
        "toCode": d.recipient,
        "sendStatus": d.status,
        "sendStatusDesc": d.status_desc,
        "receiveStatus": d.receive_status,
        "receiveStatusDesc": d.receive_status_desc,
        "title": d.subject,
        "notation": d.code,
        "sentTime": d.created,
        "receivedTime": d.updated if d.status == "done" else None,
        "messageType": d.message_type,
    }


def _agency_json(a: AgencyRecord, form: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": a.code,
        "pid": a.pcode,
        "code": a.code,
        "name": a.name,
        "mail": a.mail,
    }
    if form == "qd20":
        return {
            "id": a.code,
            "code": a.other_code or a.code,
            "name": a.name,
            "mail": a.mail,
            "code102": a.code,
        }
    if form == "sync":
        return item | {
            "centerCode": a.pcode,
            "version": 1,
            "deleted": False,
            "modifyDate": None,
            "isAgency": True,
        }
    return item | {"oldCode": a.other_code}


# VDXP operations -------------------------------------------------------------------------


async def vdxp_send(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    claimed = params.get("hash-file")
    if not claimed and state.config.require_body_hash:
        raise _HubError("109", "hash-file is required by this hub", 400)
    upload = await _receive(request, state, state.config.max_packet_bytes)
    try:
        return await _vdxp_send(state, caller, params, upload)
    finally:
        await _release(state, upload)


async def _vdxp_send(
    state: _State, caller: AgencyRecord, params: dict[str, str], upload: Upload
) -> Response:
    claimed = params.get("hash-file")
    if claimed and not digest_matches(upload.sha256, claimed):
        raise _HubError("109", "hash-file does not match the body", 400)
    sender = params.get("from", caller.code)
    if sender != caller.code:
        owner = await run_in_threadpool(state.store.agency, sender)
        if owner is None or owner.pcode != caller.code:
            raise _HubError("107", f"{caller.code} may not send as {sender}", 400)
        caller = owner
    to = [c.strip() for c in params.get("to", "").split(",") if c.strip()] or None
    doc_id = await _accept_packet(
        state,
        caller,
        upload,
        message_type=params.get("messagetype", "edoc"),
        message_id=params.get("messageid"),
        only_to=to,
    )
    return _ok("vdxp", DocId=doc_id)


def _kind(params: Any) -> str:
    kind = str(params.get("messagetype", "edoc"))
    if kind not in ("edoc", "status"):
        raise _HubError("106", f"unknown messagetype {kind!r} (edoc or status)", 400)
    return kind


def _page(params: Any) -> tuple[int, int]:
    """``limit`` (1 to PAGE_MAX, default PAGE_MAX) and ``offset`` of a list call."""
    limit_text = str(params.get("limit", PAGE_MAX))
    offset_text = str(params.get("offset", 0))
    if not (limit_text.isascii() and limit_text.isdigit()) or not (
        offset_text.isascii() and offset_text.isdigit()
    ):
        raise _HubError("106", "limit and offset must be integers", 400)
    limit, offset = int(limit_text), int(offset_text)
    if not 1 <= limit <= PAGE_MAX or not 0 <= offset < 2**31:
        raise _HubError("106", f"limit must be 1 to {PAGE_MAX}, offset at least 0", 400)
    return limit, offset


async def vdxp_inbox(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    kind = _kind(params)
    limit, offset = _page(params)
    items = await run_in_threadpool(
        lambda: state.store.inbox(caller.code, kind, limit=limit, offset=offset)
    )
    return _ok("vdxp", data=[_vdxp_item(d) for d in items])


def _count(kind: str) -> Handler:
    async def handler(request: Request, state: _State) -> Response:
        caller, _ = await _vdxp_caller(request, state)
        count = await run_in_threadpool(state.store.inbox_count, caller.code, kind)
        return _ok("vdxp", count=count)

    return handler


def _doc_id(params: dict[str, str]) -> str:
    doc_id = params.get("docid", "")
    if not doc_id:
        raise _HubError("106", "missing docId", 400)
    return doc_id


async def _packet_for(state: _State, doc_id: str, agency: str) -> bytes:
    body = await run_in_threadpool(state.store.body_for, doc_id, agency)
    if body is None:
        raise _HubError("104", f"no document {doc_id} for {agency}", 404)
    return body


async def vdxp_get(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    body = await _packet_for(state, _doc_id(params), caller.code)
    return _ok("vdxp", data=base64.b64encode(body).decode("ascii"))


async def vdxp_download(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    body = await _packet_for(state, _doc_id(params), caller.code)
    return Response(body, media_type="application/xml")


async def vdxp_update_status(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    status = params.get("status", "")
    if status not in ("done", "fail", "processing"):
        raise _HubError("106", "status must be done, fail or processing", 400)
    doc_id = _doc_id(params)
    if not await run_in_threadpool(state.store.set_status, doc_id, caller.code, status):
        raise _HubError("104", f"no document {doc_id} for {caller.code}", 404)
    return _ok("vdxp")


async def vdxp_sent(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    kind = _kind(params)
    limit, offset = _page(params)
    rows = await run_in_threadpool(
        lambda: state.store.sent(caller.code, kind, params.get("docid"), limit=limit, offset=offset)
    )
    return _ok("vdxp", data=[_sent_item(d) for d in rows])


def _agencies(form: str) -> Handler:
    async def handler(request: Request, state: _State) -> Response:
        await _vdxp_caller(request, state)
        found = await run_in_threadpool(state.store.agencies)
        return _ok("vdxp", data=[_agency_json(a, form) for a in found])

    return handler


_AGENCY_TEXT = ("name", "secret", "other_code", "code102", "oldCode", "pcode", "mail")


def _registration(data: Any, parent: str | None) -> AgencyRecord:
    """The agency a request registers: under ``parent`` (the caller), or as given (admin)."""
    if not isinstance(data, dict) or not isinstance(data.get("code"), str) or not data["code"]:
        raise _HubError("106", "agency needs a 'code'", 400)
    if parent is not None and data.get("pcode") not in (None, "", parent):
        # an agency registers children of its own, never of another agency
        raise _HubError("110", f"{parent} may not register an agency under {data['pcode']!r}", 409)
    wrong = [k for k in _AGENCY_TEXT if k in data and not isinstance(data[k], str)]
    if "provincial" in data and not isinstance(data["provincial"], bool):
        wrong.append("provincial")
    if wrong:
        raise _HubError("106", f"agency fields of the wrong type: {wrong}", 400)

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return AgencyRecord(
        code=data["code"],
        secret=text("secret") or secrets.token_hex(32),
        name=text("name") or "",
        other_code=text("other_code") or text("code102") or text("oldCode"),
        pcode=text("pcode") or parent,
        mail=text("mail"),
        provincial=bool(data.get("provincial", False)),
    )


async def _json(request: Request, state: _State, limit: int = 1 << 20) -> Any:
    raw = await _body(request, state, limit)
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise _HubError("106", "body is not JSON", 400) from None


async def vdxp_register(request: Request, state: _State) -> Response:
    caller, _ = await _vdxp_caller(request, state)
    record = _registration(await _json(request, state), caller.code)
    if await run_in_threadpool(state.store.agency, record.code) is not None:
        raise _HubError("110", f"{record.code} is already registered", 409)
    await _put_agency(state, record)
    return _ok("vdxp", secret=record.secret)


async def vdxp_delete(request: Request, state: _State) -> Response:
    caller, params = await _vdxp_caller(request, state)
    code = params.get("agencycode", "")
    if not code:
        raise _HubError("106", "missing AgencyCode", 400)
    target = await run_in_threadpool(state.store.agency, code)
    if target is None or caller.code not in (target.code, target.pcode):
        raise _HubError("110", f"{caller.code} may not remove {code!r}", 409)
    await run_in_threadpool(state.store.delete_agency, code)
    return _ok("vdxp")


# LGSP operations -------------------------------------------------------------------------


async def lgsp_token(request: Request, state: _State) -> Response:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    raw = await _body(request, state, 1 << 16)
    form = parse_qs(raw.decode("latin-1"))
    if form.get("grant_type") != ["client_credentials"]:
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    try:
        key, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key, secret = "", ""
    known = await run_in_threadpool(state.store.gateway_client_secret, key) if key else None
    if scheme.lower() != "basic" or known is None or not hmac.compare_digest(known, secret):
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    token = secrets.token_urlsafe(32)
    with state.lock:
        now = time.monotonic()
        state.tokens = {t: e for t, e in state.tokens.items() if e > now}
        state.tokens[token] = now + state.config.token_ttl
        state.tokens_issued += 1
    return JSONResponse(
        {
            "access_token": token,
            "expires_in": state.config.token_ttl,
            "token_type": "Bearer",
            "scope": "default",
        }
    )


def _lgsp_item(d: Delivery) -> dict[str, Any]:
    return {
        "serviceType": "eDoc",
        "messageType": d.message_type,
        "statusDesc": d.status_desc,
        "docId": d.doc_id,
        "from": d.sender,
        "to": d.recipient,
        "status": d.status.upper(),
        "createdTime": d.created,
    }


async def lgsp_list(request: Request, state: _State, caller: AgencyRecord) -> Response:
    limit, offset = _page(request.query_params)
    items = await run_in_threadpool(
        lambda: state.store.inbox(caller.code, None, limit=limit, offset=offset)
    )
    return _ok("lgsp", data=[_lgsp_item(d) for d in items])


async def lgsp_send(request: Request, state: _State, caller: AgencyRecord) -> Response:
    """An LGSP send is base64 inside JSON, so it is parsed in memory: the request stays in the
    in-flight budget for the whole send and counts twice (the text, then its decoded packet)."""
    limit = state.config.max_packet_bytes * 4 // 3 + 4096
    received = await _receive(request, state, limit)
    try:
        state.budget.take(received.size)
    except Over:
        await _release(state, received)
        raise _busy("too many request bytes in flight") from None
    received.reserved += received.size
    try:
        return await _lgsp_send(request, state, caller, received)
    finally:
        await _release(state, received)


async def _lgsp_send(
    request: Request, state: _State, caller: AgencyRecord, received: Upload
) -> Response:
    try:
        data = json.loads(await run_in_threadpool(received.read) or b"null")
    except ValueError:
        raise _HubError("106", "body is not JSON", 400) from None
    await run_in_threadpool(received.discard)
    if not isinstance(data, dict) or not isinstance(data.get("data"), str):
        raise _HubError("106", 'body must be {"data": base64, "loaiVanBan": ...}', 400)
    try:
        body = base64.b64decode(data.pop("data"), validate=True)
    except (binascii.Error, ValueError):
        raise _HubError("102", "data is not valid base64", 400) from None
    kind = data.get("loaiVanBan", "edoc")
    if kind not in ("edoc", "status"):
        raise _HubError("106", f"unknown loaiVanBan {kind!r} (edoc or status)", 400)
    upload = Upload(len(body), hashlib.sha256(body).digest(), data=body)
    doc_id = await _accept_packet(
        state,
        caller,
        upload,
        message_type=kind,
        message_id=request.headers.get("messageid"),
        only_to=None,
    )
    return _ok("lgsp", docId=doc_id)


async def lgsp_get(request: Request, state: _State, caller: AgencyRecord) -> Response:
    body = await _packet_for(state, request.path_params["doc_id"], caller.code)
    return _ok("lgsp", data=base64.b64encode(body).decode("ascii"))


async def lgsp_put(request: Request, state: _State, caller: AgencyRecord) -> Response:
    data = await _json(request, state)
    status = data.get("status") if isinstance(data, dict) else None
    if status not in ("INITIAL", "PROCESSING", "DONE", "FAIL"):
        raise _HubError("106", "status must be INITIAL, PROCESSING, DONE or FAIL", 400)
    doc_id = request.path_params["doc_id"]
    if not await run_in_threadpool(
        state.store.set_status, doc_id, caller.code, str(status).lower()
    ):
        raise _HubError("104", f"no document {doc_id} for {caller.code}", 404)
    return _ok("lgsp")


def _lgsp_agencies(
    provincial_only: bool,
) -> Callable[[Request, _State, AgencyRecord], Awaitable[Response]]:
    async def handler(request: Request, state: _State, caller: AgencyRecord) -> Response:
        found = await run_in_threadpool(
            lambda: state.store.agencies(provincial_only=provincial_only)
        )
        data = [_agency_json(a, "qcvn102") | {"pcode": a.pcode, "code102": a.code} for a in found]
        return _ok("lgsp", data=data)

    return handler


async def lgsp_register(request: Request, state: _State, caller: AgencyRecord) -> Response:
    record = _registration(await _json(request, state), caller.code)
    if await run_in_threadpool(state.store.agency, record.code) is not None:
        raise _HubError("110", f"{record.code} is already registered", 409)
    await _put_agency(state, record)
    return _ok("lgsp", secret=record.secret)


async def lgsp_unregister(request: Request, state: _State, caller: AgencyRecord) -> Response:
    data = await _json(request, state)
    code = data.get("agencyCode") if isinstance(data, dict) else None
    if not isinstance(code, str):
        raise _HubError("106", 'body must be {"agencyCode": code}', 400)
    target = await run_in_threadpool(state.store.agency, code)
    if target is None or caller.code not in (target.code, target.pcode):
        raise _HubError("110", f"{caller.code} may not remove {code!r}", 409)
    await run_in_threadpool(state.store.delete_agency, code)
    return _ok("lgsp")


# admin -----------------------------------------------------------------------------------


def _admin(state: _State, handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), state.config.admin_token.encode()
        ):
            return JSONResponse({"error": "admin token required"}, status_code=401)
        try:
            return await handler(request, state)
        except _HubError as err:
            return JSONResponse({"error": err.desc, "code": err.code}, status_code=err.http)

    return endpoint


async def _put_agency(state: _State, record: AgencyRecord) -> None:
    try:
        await run_in_threadpool(state.store.put_agency, record)
    except sqlite3.IntegrityError:
        raise _HubError("110", "another agency already uses this secret", 409) from None


async def admin_put_agency(request: Request, state: _State) -> Response:
    record = _registration(await _json(request, state), None)
    await _put_agency(state, record)
    return JSONResponse({"code": record.code, "secret": record.secret})


async def admin_delete_agency(request: Request, state: _State) -> Response:
    code = request.path_params["code"]
    if not await run_in_threadpool(state.store.delete_agency, code):
        return JSONResponse({"error": f"no agency {code}", "removed": False}, status_code=404)
    return JSONResponse({"removed": True})


async def admin_put_client(request: Request, state: _State) -> Response:
    data = await _json(request, state)
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not data["key"]:
        raise _HubError("106", "client needs a 'key'", 400)
    if "secret" in data and not isinstance(data["secret"], str):
        raise _HubError("106", "'secret' must be a string", 400)
    secret = data.get("secret")
    secret = secret or secrets.token_urlsafe(24)
    await run_in_threadpool(state.store.put_gateway_client, data["key"], secret)
    return JSONResponse({"key": data["key"], "secret": secret})


async def admin_revoke_tokens(request: Request, state: _State) -> Response:
    with state.lock:
        revoked = len(state.tokens)
        state.tokens.clear()
    return JSONResponse({"revoked": revoked})


async def admin_stats(request: Request, state: _State) -> Response:
    counts = await run_in_threadpool(state.store.counts)
    requests = dict(state.faults.requests) if state.faults is not None else {}
    return JSONResponse(
        counts
        | {
            "tokens_issued": state.tokens_issued,
            "requests": requests,
            "inflight_body_bytes": state.budget.used,
            "inflight_body_peak": state.budget.peak,
            "busy_refusals": state.budget.refused,
            "replay_memory": len(state.replay),
        }
    )


async def admin_faults(request: Request, state: _State) -> Response:
    if state.faults is None or not state.faults.enabled:
        raise _HubError("106", "fault injection is off (start the hub with it enabled)", 403)
    if request.method == "DELETE":
        state.faults.clear()
        return JSONResponse({"cleared": True})
    data = await _json(request, state)
    if not isinstance(data, dict):
        raise _HubError("106", "fault must be an object", 400)
    kind = data.get("kind")
    if kind not in ("status", "drop", "drop_after_commit"):
        raise _HubError("106", "kind must be status, drop or drop_after_commit", 400)
    retry_after = data.get("retry_after")
    fault = Fault(
        path=str(data.get("path", "*")),
        kind=kind,
        count=int(data.get("count", 1)),
        status=int(data.get("status", 503)),
        retry_after=None if retry_after is None else str(retry_after),
    )
    state.faults.arm(fault)
    return JSONResponse({"armed": True})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "OK"})


def _routes(table: list[tuple[str, str, Callable[[Request], Any]]]) -> list[Route]:
    """One route per path dispatching on the method, so a wrong method is a 405 whose
    ``Allow`` lists every method of the path (as the OpenAPI document does)."""
    by_path: dict[str, dict[str, Callable[[Request], Any]]] = {}
    for path, method, endpoint in table:
        by_path.setdefault(path, {})[method] = endpoint
    routes = []
    for path, methods in by_path.items():

        async def dispatch(
            request: Request, methods: dict[str, Callable[[Request], Any]] = methods
        ) -> Response:
            answer: Response = await methods[request.method](request)
            return answer

        route = Route(path, dispatch, methods=list(methods))
        route.methods = set(methods)  # no implicit HEAD: the document lists none
        routes.append(route)
    return routes


def create_app(config: HubConfig) -> FaultInjector:
    """The hub ASGI app (wrapped in the fault injector, which is inert unless enabled)."""
    if config.max_inflight_bytes < config.max_packet_bytes:
        raise ValueError("max_inflight_bytes must be at least max_packet_bytes")
    state = _State(
        config=config,
        store=Store(config.db, allow_readable=config.allow_readable_db),
        budget=BodyBudget(config.max_inflight_bytes),
        replay=ReplayCache(2 * config.max_clock_skew, config.replay_capacity),
    )
    vdxp: list[tuple[str, str, Handler]] = [
        ("/sendEdoc", "POST", vdxp_send),
        ("/getReceivedEdocList", "POST", vdxp_inbox),
        ("/getEdoc", "POST", vdxp_get),
        ("/downloadEdoc", "GET", vdxp_download),
        ("/updateStatus", "POST", vdxp_update_status),
        ("/getSentEdocList", "POST", vdxp_sent),
        ("/countReceiveEdoc", "GET", _count("edoc")),
        ("/countReceiveStatus", "GET", _count("status")),
        ("/getAgenciesList", "POST", _agencies("qcvn102")),
        ("/getAgenciesListQD20", "POST", _agencies("qd20")),
        ("/getSynchronizeUnit", "POST", _agencies("sync")),
        ("/registerAgency", "POST", vdxp_register),
        ("/deleteAgency", "POST", vdxp_delete),
    ]
    document = openapi_document()

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    table: list[tuple[str, str, Callable[[Request], Any]]] = [
        (p, m, _endpoint(state, "vdxp", h)) for p, m, h in vdxp
    ]
    table += [
        ("/token", "POST", _endpoint(state, "lgsp", lgsp_token)),
        (API_PREFIX + "/vanbans", "GET", _lgsp(state, lgsp_list)),
        (API_PREFIX + "/vanbans", "POST", _lgsp(state, lgsp_send)),
        (API_PREFIX + "/vanbans/{doc_id}", "GET", _lgsp(state, lgsp_get)),
        (API_PREFIX + "/vanbans/{doc_id}", "PUT", _lgsp(state, lgsp_put)),
        (API_PREFIX + "/donvilienthongs", "GET", _lgsp(state, _lgsp_agencies(False))),
        (API_PREFIX + "/donvilienthongs/qn", "GET", _lgsp(state, _lgsp_agencies(True))),
        (API_PREFIX + "/donvilienthongs", "POST", _lgsp(state, lgsp_register)),
        (API_PREFIX + "/donvilienthongs", "PUT", _lgsp(state, lgsp_unregister)),
        ("/admin/agencies", "POST", _admin(state, admin_put_agency)),
        ("/admin/agencies/{code}", "DELETE", _admin(state, admin_delete_agency)),
        ("/admin/clients", "POST", _admin(state, admin_put_client)),
        ("/admin/tokens/revoke", "POST", _admin(state, admin_revoke_tokens)),
        ("/admin/stats", "GET", _admin(state, admin_stats)),
        ("/admin/faults", "POST", _admin(state, admin_faults)),
        ("/admin/faults", "DELETE", _admin(state, admin_faults)),
        ("/health", "GET", health),
        ("/openapi.json", "GET", openapi),
    ]
    routes = _routes(table)

    async def internal_error(request: Request, exc: Exception) -> Response:
        body = {"status": "FAIL", "ErrorCode": "100", "ErrorDesc": "internal error"}
        return JSONResponse(body, status_code=500)

    app = Starlette(routes=routes, exception_handlers={Exception: internal_error})
    app.state.hub = state

    def template(scope: Scope) -> str:
        """The route a request maps to, so per-path counts stay bounded whatever paths arrive."""
        for route in routes:
            if route.matches(scope)[0] is not Match.NONE:
                return route.path
        return "(no route)"

    injector = FaultInjector(app, enabled=config.enable_test_faults, classify=template)
    state.faults = injector
    return injector
