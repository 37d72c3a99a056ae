"""Clients for the national document exchange (VDXP) and the provincial LGSP, sync and async.

The reference hub that speaks both APIs lives in :mod:`qnegov.exchange.hub` (extra ``hub``);
this package never imports it, so clients need nothing beyond the core dependencies.

Names are imported on first use (PEP 562): the CLI builds its parser, and reads
``_hub_arguments``, without loading httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qnegov.exchange._core import (
        DEFAULT_TIMEOUT,
        AuditHook,
        AuditRecord,
        RetryPolicy,
        TlsConfig,
    )
    from qnegov.exchange._lgsp import AsyncLgspClient, LgspClient, LgspTokenAuth
    from qnegov.exchange._models import (
        AckStatus,
        Agency,
        InboxItem,
        LgspAckStatus,
        MessageType,
        SentItem,
        SentReceipt,
        Token,
    )
    from qnegov.exchange._packet import RoutingInfo, routing_info
    from qnegov.exchange._profile import DEFAULT_PROFILE, Profile, load_profile
    from qnegov.exchange._signing import hash_file
    from qnegov.exchange._vdxp import AsyncDocumentExchangeClient, DocumentExchangeClient, VdxpAuth

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "AckStatus",
    "Agency",
    "AsyncDocumentExchangeClient",
    "AsyncLgspClient",
    "AuditHook",
    "AuditRecord",
    "DocumentExchangeClient",
    "InboxItem",
    "LgspAckStatus",
    "LgspClient",
    "LgspTokenAuth",
    "MessageType",
    "Profile",
    "RetryPolicy",
    "RoutingInfo",
    "SentItem",
    "SentReceipt",
    "TlsConfig",
    "Token",
    "VdxpAuth",
    "hash_file",
    "load_profile",
    "routing_info",
]

_LAZY: dict[str, str] = {
    "DEFAULT_PROFILE": "qnegov.exchange._profile",
    "Profile": "qnegov.exchange._profile",
    "load_profile": "qnegov.exchange._profile",
    "DEFAULT_TIMEOUT": "qnegov.exchange._core",
    "AuditHook": "qnegov.exchange._core",
    "AuditRecord": "qnegov.exchange._core",
    "RetryPolicy": "qnegov.exchange._core",
    "TlsConfig": "qnegov.exchange._core",
    "AsyncLgspClient": "qnegov.exchange._lgsp",
    "LgspClient": "qnegov.exchange._lgsp",
    "LgspTokenAuth": "qnegov.exchange._lgsp",
    "AckStatus": "qnegov.exchange._models",
    "Agency": "qnegov.exchange._models",
    "InboxItem": "qnegov.exchange._models",
    "LgspAckStatus": "qnegov.exchange._models",
    "MessageType": "qnegov.exchange._models",
    "SentItem": "qnegov.exchange._models",
    "SentReceipt": "qnegov.exchange._models",
    "Token": "qnegov.exchange._models",
    "RoutingInfo": "qnegov.exchange._packet",
    "routing_info": "qnegov.exchange._packet",
    "hash_file": "qnegov.exchange._signing",
    "AsyncDocumentExchangeClient": "qnegov.exchange._vdxp",
    "DocumentExchangeClient": "qnegov.exchange._vdxp",
    "VdxpAuth": "qnegov.exchange._vdxp",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its private module on first use, then keep it."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qnegov.exchange' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
