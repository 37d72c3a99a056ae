"""schemathesis hooks (``SCHEMATHESIS_HOOKS``): authenticate every generated call like a client.

VDXP operations are signed as the SDK signs them, over the ``XroadVnpt-`` operation headers
schemathesis generated; LGSP operations get a gateway token (fetched once from ``/token``) and
the agency ``secret``; admin operations the admin token. Credentials come from the environment
the conformance test sets. schemathesis's own ``ignored_auth`` check then replays calls without
them, so each operation is exercised authenticated and not.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx
import schemathesis

from qnegov.exchange._signing import (
    HASH_HEADER,
    KEY_HEADER,
    PREFIX,
    SIGN_HEADER,
    format_timestamp,
    sign_headers,
)

_SIGNING = {n.lower() for n in (HASH_HEADER, KEY_HEADER, SIGN_HEADER)} | {
    (PREFIX + n).lower() for n in ("systemid", "timestamp")
}


def _env(name: str) -> str:
    return os.environ["QNEGOV_ST_" + name]


@schemathesis.auth()
class HubAuth:
    def get(self, case: Any, ctx: Any) -> str:
        basic = base64.b64encode(f"{_env('CLIENT_KEY')}:{_env('CLIENT_SECRET')}".encode())
        answer = httpx.post(
            _env("URL") + "/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + basic.decode()},
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def set(self, case: Any, data: str, ctx: Any) -> None:
        from datetime import UTC, datetime

        path = case.operation.path
        headers = dict(case.headers or {})
        if path.startswith("/truclienthong"):
            headers["Authorization"] = "Bearer " + data
            headers["secret"] = _env("SECRET")
        elif path.startswith("/admin"):
            headers["Authorization"] = "Bearer " + _env("ADMIN")
        elif path == "/token":
            basic = base64.b64encode(f"{_env('CLIENT_KEY')}:{_env('CLIENT_SECRET')}".encode())
            headers["Authorization"] = "Basic " + basic.decode()
        elif path not in ("/health", "/openapi.json"):
            operation = {
                "systemid": _env("SYSTEM"),
                "timestamp": format_timestamp(datetime.now(UTC)),
            }
            for name, value in list(headers.items()):
                if name.lower() in _SIGNING:
                    del headers[name]
                elif name.lower().startswith(PREFIX.lower()):
                    operation[name[len(PREFIX) :]] = str(value)
                    del headers[name]
            headers.update(sign_headers(operation, _env("SECRET")))
        case.headers = headers
