"""The OpenAPI 3 description of the hub: VDXP, LGSP and admin operations, served at /openapi.json.

Written by hand from the same facts the routes implement, and held to them by schemathesis with
every check in the test suite (``tests/exchange/test_conformance.py``): every status an
operation can answer is listed with its body, parameters carry the enums and bounds the hub
enforces, and credentials are security schemes (VDXP: the signed ``XroadVnpt-`` header set;
LGSP: a bearer token plus the agency ``secret`` header; admin: the admin token).
"""

from __future__ import annotations

from typing import Any

from qnegov._version import __version__

__all__ = ["openapi_document"]

_REF = "#/components/schemas/"
_VDXP_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["status", "ErrorCode"],
    "properties": {
        "status": {"type": "string", "enum": ["OK", "FAIL"]},
        "ErrorCode": {"type": "string", "description": "'0' on success; see the hub error codes"},
        "ErrorDesc": {"type": "string"},
    },
}
_LGSP_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["status", "errorCode"],
    "properties": {
        "status": {"type": "string", "enum": ["OK", "FAIL"]},
        "errorCode": {"type": "string"},
        "errorDesc": {"type": "string"},
    },
}
_WSO2_FAULT: dict[str, Any] = {
    "type": "object",
    "required": ["fault"],
    "properties": {
        "fault": {
            "type": "object",
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "description": {"type": "string"},
            },
        }
    },
}
_PLAIN_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
}
_AGENCY_INPUT: dict[str, Any] = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "secret": {"type": "string"},
        "other_code": {"type": "string"},
        "code102": {"type": "string"},
        "oldCode": {"type": "string"},
        "pcode": {"type": "string"},
        "mail": {"type": "string"},
        "provincial": {"type": "boolean"},
    },
}
_ITEMS = {"type": "array", "items": {"type": "object"}}
_BUSY_HEADERS = {"Retry-After": {"schema": {"type": "string"}, "description": "seconds"}}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000}
_OFFSET = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _answer(description: str, schema: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": _json({"$ref": _REF + schema})} | extra


def _envelope(style: str, data: dict[str, Any] | None) -> dict[str, Any]:
    ref = {"$ref": _REF + ("VdxpEnvelope" if style == "vdxp" else "LgspEnvelope")}
    if not data:
        return ref
    return {"allOf": [ref, {"type": "object", "properties": data}]}


def _errors(style: str, codes: tuple[int, ...]) -> dict[str, Any]:
    envelope = "VdxpEnvelope" if style == "vdxp" else "LgspEnvelope"
    text = {
        400: "refused packet or parameter (ErrorCode 102, 103, 105, 106, 107, 109)",
        401: "signature refused or replayed (ErrorCode 101)",
        403: "unknown agency secret (errorCode 101)",
        404: "no such document for this agency (ErrorCode 104)",
        409: "message id reused for other content (111), or agency conflict (110)",
        413: "packet larger than the hub's limit (ErrorCode 108)",
        503: "hub busy (ErrorCode 112): retry after Retry-After seconds",
    }
    out: dict[str, Any] = {}
    for code in codes:
        if style == "lgsp" and code == 401:
            out["401"] = _answer("token missing, expired or revoked (WSO2 900901)", "Wso2Fault")
        elif code == 503:
            out["503"] = _answer(text[503], envelope, headers=_BUSY_HEADERS)
        else:
            out[str(code)] = _answer(text[code], envelope)
    return out


def _header(name: str, schema: dict[str, Any], description: str, required: bool = False) -> Any:
    return {
        "name": "XroadVnpt-" + name,
        "in": "header",
        "required": required,
        "schema": schema,
        "description": description,
    }


_TEXT = {"type": "string"}
_KIND = _header("messagetype", {"type": "string", "enum": ["edoc", "status"]}, "default edoc")
_SERVICE = _header("servicetype", _TEXT, "eDoc (not checked)")
_DOC_ID = _header("docId", {"type": "string", "minLength": 1}, "the hub's document id", True)
_PAGE = [
    _header("limit", _LIMIT, "page size (default and most: 1000)"),
    _header("offset", _OFFSET, "rows to skip"),
]


def _vdxp(
    summary: str,
    params: list[dict[str, Any]],
    data: dict[str, Any] | None,
    errors: tuple[int, ...] = (400, 401, 503),
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": ["VDXP"],
        "summary": summary,
        "security": [{"vdxpHmac": []}],
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": _json(_envelope("vdxp", data))},
            **_errors("vdxp", errors),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _lgsp(
    summary: str,
    data: dict[str, Any] | None = None,
    errors: tuple[int, ...] = (400, 401, 403, 503),
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": ["LGSP"],
        "summary": summary,
        "security": [{"lgspBearer": [], "lgspAgency": []}],
        "parameters": params or [],
        "responses": {
            "200": {"description": "OK", "content": _json(_envelope("lgsp", data))},
            **_errors("lgsp", errors),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": _json(body)}
    return op


def _admin(
    summary: str,
    answer: dict[str, Any],
    errors: tuple[int, ...] = (401, 503),
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    text = {
        400: "bad request",
        401: "admin token required",
        403: "fault injection is off",
        404: "no such agency",
        409: "secret already used by another agency",
        503: "hub busy",
    }
    responses: dict[str, Any] = {"200": {"description": "OK", "content": _json(answer)}}
    for code in errors:
        responses[str(code)] = _answer(text[code], "PlainError")
    op: dict[str, Any] = {
        "tags": ["admin"],
        "summary": summary,
        "security": [{"adminBearer": []}],
        "parameters": params or [],
        "responses": responses,
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": _json(body)}
    return op


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    doc_list = {"data": _ITEMS}
    lgsp_doc = {"name": "doc_id", "in": "path", "required": True, "schema": _TEXT}
    query_page = [
        {"name": "limit", "in": "query", "required": False, "schema": _LIMIT},
        {"name": "offset", "in": "query", "required": False, "schema": _OFFSET},
    ]
    registered = {"secret": {"type": "string"}}
    paths: dict[str, Any] = {
        "/sendEdoc": {
            "post": _vdxp(
                "Send an edXML packet; recipients come from its To elements",
                [
                    _header("from", _TEXT, "sender agency code (default: the caller)"),
                    _SERVICE,
                    _KIND,
                    _header("to", _TEXT, "comma-separated subset of the To codes"),
                    _header(
                        "hash-file",
                        _TEXT,
                        "SHA-256 hex of the body (SDK unpadded form accepted); required by a"
                        " hub started with --require-body-hash",
                    ),
                    _header(
                        "messageid",
                        {"type": "string", "maxLength": 200},
                        "idempotency key: the same id and content return the first DocId; the"
                        " same id with other content is 409 (ErrorCode 111)",
                    ),
                ],
                {"DocId": {"type": "string"}},
                (400, 401, 409, 413, 503),
                {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            )
        },
        "/getReceivedEdocList": {
            "post": _vdxp(
                "Inbox: messages not yet acknowledged done, oldest first, one page",
                [_SERVICE, _KIND, *_PAGE],
                doc_list,
            )
        },
        "/getEdoc": {
            "post": _vdxp(
                "One received (or own sent) packet, base64 in data",
                [_DOC_ID],
                {"data": {"type": "string", "format": "byte"}},
                (400, 401, 404, 503),
            )
        },
        "/downloadEdoc": {
            "get": {
                **_vdxp(
                    "One received (or own sent) packet, raw",
                    [_DOC_ID],
                    None,
                    (400, 401, 404, 503),
                ),
                "responses": {
                    "200": {
                        "description": "the edXML bytes",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **_errors("vdxp", (400, 401, 404, 503)),
                },
            }
        },
        "/updateStatus": {
            "post": _vdxp(
                "Acknowledge: done, fail or processing",
                [
                    _DOC_ID,
                    _header(
                        "status",
                        {"type": "string", "enum": ["done", "fail", "processing"]},
                        "",
                        True,
                    ),
                ],
                None,
                (400, 401, 404, 503),
            )
        },
        "/getSentEdocList": {
            "post": _vdxp(
                "What this agency sent, one row per recipient, one page",
                [_SERVICE, _KIND, _header("docId", _TEXT, "only this document"), *_PAGE],
                doc_list,
            )
        },
        "/countReceiveEdoc": {
            "get": _vdxp("Inbox size (documents)", [], {"count": {"type": "integer"}}, (401, 503))
        },
        "/countReceiveStatus": {
            "get": _vdxp(
                "Inbox size (status packets)", [], {"count": {"type": "integer"}}, (401, 503)
            )
        },
        "/getAgenciesList": {
            "post": _vdxp(
                "Agencies, QCVN 102 codes (oldCode: other form)", [], doc_list, (401, 503)
            )
        },
        "/getAgenciesListQD20": {
            "post": _vdxp("Agencies, QĐ 20/2020 codes (code102)", [], doc_list, (401, 503))
        },
        "/getSynchronizeUnit": {
            "post": _vdxp("Agencies for synchronisation", [], doc_list, (401, 503))
        },
        "/registerAgency": {
            "post": _vdxp(
                "Register a child agency; answers its secret",
                [],
                registered,
                (400, 401, 409, 503),
                _json({"$ref": _REF + "AgencyInput"}),
            )
        },
        "/deleteAgency": {
            "post": _vdxp(
                "Remove this agency or one of its children",
                [
                    _header(
                        "AgencyCode",
                        {"type": "string", "minLength": 1},
                        "code of the agency to remove",
                        True,
                    )
                ],
                None,
                (400, 401, 409, 503),
            )
        },
        "/token": {
            "post": {
                "tags": ["LGSP"],
                "summary": "OAuth2 client-credentials token (HTTP Basic consumer key:secret)",
                "security": [{"lgspClient": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["grant_type"],
                                "properties": {
                                    "grant_type": {"type": "string", "enum": ["client_credentials"]}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "token",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["access_token", "expires_in", "token_type"],
                                "properties": {
                                    "access_token": {"type": "string"},
                                    "expires_in": {"type": "number"},
                                    "token_type": {"type": "string"},
                                    "scope": {"type": "string"},
                                },
                            }
                        ),
                    },
                    "400": _answer("unsupported grant type", "PlainError"),
                    "401": _answer("invalid client", "PlainError"),
                    "503": _answer("hub busy", "LgspEnvelope", headers=_BUSY_HEADERS),
                },
            }
        },
        "/truclienthong/v1.0.0/vanbans": {
            "get": _lgsp("vanbansGet: inbox, one page", doc_list, params=query_page),
            "post": _lgsp(
                "vanbansPost: send {data: base64, loaiVanBan}",
                {"docId": {"type": "string"}},
                (400, 401, 403, 409, 413, 503),
                {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {"type": "string", "format": "byte"},
                        "loaiVanBan": {"type": "string", "enum": ["edoc", "status"]},
                    },
                },
                [
                    {
                        "name": "messageid",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                    }
                ],
            ),
        },
        "/truclienthong/v1.0.0/vanbans/{doc_id}": {
            "get": _lgsp(
                "vanbansDocIdGet: one packet, base64",
                {"data": {"type": "string", "format": "byte"}},
                (401, 403, 404, 503),
                params=[lgsp_doc],
            ),
            "put": _lgsp(
                "vanbansDocIdPut: acknowledge",
                None,
                (400, 401, 403, 404, 503),
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {
                            "type": "string",
                            "enum": ["INITIAL", "PROCESSING", "DONE", "FAIL"],
                        }
                    },
                },
                [lgsp_doc],
            ),
        },
        "/truclienthong/v1.0.0/donvilienthongs": {
            "get": _lgsp("donvilienthongsGet: national list", doc_list, (401, 403, 503)),
            "post": _lgsp(
                "donvilienthongsPost: register",
                registered,
                (400, 401, 403, 409, 503),
                {"$ref": _REF + "AgencyInput"},
            ),
            "put": _lgsp(
                "donvilienthongsPut: unregister {agencyCode}",
                None,
                (400, 401, 403, 409, 503),
                {
                    "type": "object",
                    "required": ["agencyCode"],
                    "properties": {"agencyCode": {"type": "string"}},
                },
            ),
        },
        "/truclienthong/v1.0.0/donvilienthongs/qn": {
            "get": _lgsp("donvilienthongsQnGet: provincial list", doc_list, (401, 403, 503))
        },
        "/admin/agencies": {
            "post": _admin(
                "Register or update an agency",
                {"type": "object", "properties": {"code": _TEXT, "secret": _TEXT}},
                (400, 401, 409, 503),
                {"$ref": _REF + "AgencyInput"},
            )
        },
        "/admin/agencies/{code}": {
            "delete": _admin(
                "Remove an agency",
                {"type": "object", "properties": {"removed": {"type": "boolean"}}},
                (401, 404),
                params=[{"name": "code", "in": "path", "required": True, "schema": _TEXT}],
            )
        },
        "/admin/clients": {
            "post": _admin(
                "Register a gateway client",
                {"type": "object", "properties": {"key": _TEXT, "secret": _TEXT}},
                (400, 401, 503),
                {
                    "type": "object",
                    "required": ["key"],
                    "properties": {"key": {"type": "string", "minLength": 1}, "secret": _TEXT},
                },
            )
        },
        "/admin/tokens/revoke": {
            "post": _admin(
                "Revoke every LGSP token",
                {"type": "object", "properties": {"revoked": {"type": "integer"}}},
                (401,),
            )
        },
        "/admin/stats": {
            "get": _admin(
                "Counts: stored rows, tokens, requests per route template, in-flight bytes",
                {"type": "object"},
                (401,),
            )
        },
        "/admin/faults": {
            "post": _admin(
                "TESTING: arm an injected fault (403 unless --enable-test-faults)",
                {"type": "object", "properties": {"armed": {"type": "boolean"}}},
                (400, 401, 403, 503),
                {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["status", "drop", "drop_after_commit"]},
                        "path": _TEXT,
                        "count": {"type": "integer", "minimum": 1, "maximum": 10000},
                        "status": {"type": "integer", "minimum": 200, "maximum": 599},
                        "retry_after": _TEXT,
                    },
                },
            ),
            "delete": _admin(
                "TESTING: disarm every fault",
                {"type": "object", "properties": {"cleared": {"type": "boolean"}}},
                (401, 403),
            ),
        },
        "/health": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {
                    "200": {
                        "description": "up",
                        "content": _json({"type": "object", "properties": {"status": _TEXT}}),
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qnegov reference exchange hub",
            "version": __version__,
            "description": "The national document exchange (VDXP) API and the provincial LGSP "
            "'Trục liên thông' API, as implemented by qnegov's reference hub.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {
                "VdxpEnvelope": _VDXP_ENVELOPE,
                "LgspEnvelope": _LGSP_ENVELOPE,
                "Wso2Fault": _WSO2_FAULT,
                "PlainError": _PLAIN_ERROR,
                "AgencyInput": _AGENCY_INPUT,
            },
            "securitySchemes": {
                "vdxpHmac": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "XroadVnpt-hash-header",
                    "description": "The SDK's signed header set: XroadVnpt-systemid, "
                    "XroadVnpt-timestamp (ddMMyyyy'T'HHmmss followed by a literal '+' and "
                    "four digits of milliseconds, Vietnam time; not a zone offset), "
                    "XroadVnpt-sign-header (compact JSON of every XroadVnpt- operation "
                    "header), XroadVnpt-sign-header-key (their plain names joined by ';') and "
                    "XroadVnpt-hash-header (hex HMAC-SHA256 of sign-header under the agency "
                    "secret). A signature is accepted once inside the clock-skew window.",
                },
                "lgspBearer": {"type": "http", "scheme": "bearer"},
                "lgspAgency": {"type": "apiKey", "in": "header", "name": "secret"},
                "lgspClient": {"type": "http", "scheme": "basic"},
                "adminBearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
