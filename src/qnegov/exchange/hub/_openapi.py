"""The OpenAPI 3 description of the hub: VDXP, LGSP and admin operations, served at /openapi.json.

Written by hand from the same facts the routes implement (VDXP parameters are signed
``XroadVnpt-`` headers; LGSP calls carry a bearer token and the agency ``secret`` header).
"""

from __future__ import annotations

from typing import Any

from qnegov._version import __version__

__all__ = ["openapi_document"]

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
    "properties": {
        "status": {"type": "string"},
        "errorCode": {"type": "string"},
        "errorDesc": {"type": "string"},
    },
}
_SIGNED = [
    {"name": n, "in": "header", "required": True, "schema": {"type": "string"}, "description": d}
    for n, d in (
        ("XroadVnpt-systemid", "system id issued by the exchange (the agency code on the hub)"),
        ("XroadVnpt-timestamp", "ddMMyyyy'T'HHmmss+SSSS, Vietnam time"),
        ("XroadVnpt-sign-header", "compact JSON of all XroadVnpt- operation headers"),
        ("XroadVnpt-sign-header-key", "plain header names joined by ';'"),
        ("XroadVnpt-hash-header", "hex HMAC-SHA256 of sign-header under the agency secret"),
    )
]


def _header(name: str, description: str, required: bool = True) -> dict[str, Any]:
    return {
        "name": "XroadVnpt-" + name,
        "in": "header",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


def _vdxp(
    summary: str, extra: list[dict[str, Any]], data: dict[str, Any] | None, body: str | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"allOf": [{"$ref": "#/components/schemas/VdxpEnvelope"}]}
    if data:
        schema["allOf"].append({"type": "object", "properties": data})
    op: dict[str, Any] = {
        "tags": ["VDXP"],
        "summary": summary,
        "security": [{"vdxpHmac": []}],
        "parameters": _SIGNED + extra,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "400": {"description": "refused packet or parameter"},
            "401": {"description": "signature refused (ErrorCode 101)"},
            "404": {"description": "no such document for this agency (ErrorCode 104)"},
        },
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {body: {"schema": {"type": "string", "format": "binary"}}},
        }
    return op


def _lgsp(summary: str, data: dict[str, Any] | None = None, body: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"allOf": [{"$ref": "#/components/schemas/LgspEnvelope"}]}
    if data:
        schema["allOf"].append({"type": "object", "properties": data})
    op: dict[str, Any] = {
        "tags": ["LGSP"],
        "summary": summary,
        "security": [{"lgspBearer": []}],
        "parameters": [
            {
                "name": "secret",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "agency secret",
            }
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "401": {"description": "token missing, expired or revoked (WSO2 fault 900901)"},
            "403": {"description": "unknown agency secret (errorCode 101)"},
        },
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return op


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    doc_list = {"data": {"type": "array", "items": {"type": "object"}}}
    doc_id = [_header("docId", "the hub's document id")]
    kind = [_header("servicetype", "eDoc"), _header("messagetype", "edoc or status")]
    lgsp_doc = {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}
    paths: dict[str, Any] = {
        "/sendEdoc": {
            "post": _vdxp(
                "Send an edXML packet; recipients come from its To elements",
                [
                    _header("from", "sender agency code"),
                    *kind,
                    _header("to", "comma-separated subset of the To codes", False),
                    _header(
                        "hash-file", "SHA-256 hex of the body (SDK unpadded form accepted)", False
                    ),
                    _header(
                        "messageid",
                        "idempotency key: a retried send returns the first DocId",
                        False,
                    ),
                ],
                {"DocId": {"type": "string"}},
                "application/octet-stream",
            )
        },
        "/getReceivedEdocList": {
            "post": _vdxp("Inbox: messages not yet acknowledged done", kind, doc_list)
        },
        "/getEdoc": {
            "post": _vdxp(
                "One received packet, base64 in data",
                doc_id,
                {"data": {"type": "string", "format": "byte"}},
            )
        },
        "/downloadEdoc": {
            "get": {
                **_vdxp("One received packet, raw", doc_id, None),
                "responses": {
                    "200": {"description": "the edXML bytes", "content": {"application/xml": {}}}
                },
            }
        },
        "/updateStatus": {
            "post": _vdxp(
                "Acknowledge: done, fail or processing",
                [*doc_id, _header("status", "done|fail|processing")],
                None,
            )
        },
        "/getSentEdocList": {
            "post": _vdxp("What this agency sent, one row per recipient", kind, doc_list)
        },
        "/countReceiveEdoc": {
            "get": _vdxp("Inbox size (documents)", [], {"count": {"type": "integer"}})
        },
        "/countReceiveStatus": {
            "get": _vdxp("Inbox size (status packets)", [], {"count": {"type": "integer"}})
        },
        "/getAgenciesList": {
            "post": _vdxp("Agencies, QCVN 102 codes (oldCode: other form)", [], doc_list)
        },
        "/getAgenciesListQD20": {
            "post": _vdxp("Agencies, QĐ 20/2020 codes (code102)", [], doc_list)
        },
        "/getSynchronizeUnit": {"post": _vdxp("Agencies for synchronisation", [], doc_list)},
        "/registerAgency": {
            "post": _vdxp(
                "Register a child agency; answers its secret",
                [],
                {"secret": {"type": "string"}},
                "application/json",
            )
        },
        "/deleteAgency": {"post": _vdxp("Remove an agency", [_header("AgencyCode", "code")], None)},
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
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "access_token": {"type": "string"},
                                        "expires_in": {"type": "number"},
                                        "token_type": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "401": {"description": "invalid client"},
                },
            }
        },
        "/truclienthong/v1.0.0/vanbans": {
            "get": _lgsp("vanbansGet: inbox", doc_list),
            "post": _lgsp(
                "vanbansPost: send {data: base64, loaiVanBan}",
                {"docId": {"type": "string"}},
                body=True,
            ),
        },
        "/truclienthong/v1.0.0/vanbans/{doc_id}": {
            "get": {
                **_lgsp(
                    "vanbansDocIdGet: one packet, base64",
                    {"data": {"type": "string", "format": "byte"}},
                )
            },
            "put": _lgsp("vanbansDocIdPut: {status: INITIAL|PROCESSING|DONE|FAIL}", body=True),
        },
        "/truclienthong/v1.0.0/donvilienthongs": {
            "get": _lgsp("donvilienthongsGet: national list", doc_list),
            "post": _lgsp("donvilienthongsPost: register", body=True),
            "put": _lgsp("donvilienthongsPut: unregister {agencyCode}", body=True),
        },
        "/truclienthong/v1.0.0/donvilienthongs/qn": {
            "get": _lgsp("donvilienthongsQnGet: provincial list", doc_list)
        },
        "/admin/agencies": {
            "post": {
                "tags": ["admin"],
                "summary": "Register or update an agency",
                "security": [{"adminBearer": []}],
                "responses": {"200": {"description": "code and secret"}},
            }
        },
        "/admin/clients": {
            "post": {
                "tags": ["admin"],
                "summary": "Register a gateway client",
                "security": [{"adminBearer": []}],
                "responses": {"200": {"description": "key and secret"}},
            }
        },
        "/admin/stats": {
            "get": {
                "tags": ["admin"],
                "summary": "Counts",
                "security": [{"adminBearer": []}],
                "responses": {"200": {"description": "counts"}},
            }
        },
        "/admin/faults": {
            "post": {
                "tags": ["admin"],
                "summary": "TESTING: arm an injected fault",
                "security": [{"adminBearer": []}],
                "responses": {"200": {"description": "armed"}},
            }
        },
    }
    for path in ("/truclienthong/v1.0.0/vanbans/{doc_id}",):
        for op in paths[path].values():
            op["parameters"] = [*op["parameters"], lgsp_doc]
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
            "schemas": {"VdxpEnvelope": _VDXP_ENVELOPE, "LgspEnvelope": _LGSP_ENVELOPE},
            "securitySchemes": {
                "vdxpHmac": {"type": "apiKey", "in": "header", "name": "XroadVnpt-hash-header"},
                "lgspBearer": {"type": "http", "scheme": "bearer"},
                "lgspClient": {"type": "http", "scheme": "basic"},
                "adminBearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
