"""Clients for the national document exchange (VDXP) and the provincial LGSP, sync and async.

The reference hub that speaks both APIs lives in :mod:`qnegov.exchange.hub` (extra ``hub``);
this package never imports it, so clients need nothing beyond the core dependencies.
"""

from qnegov.exchange._core import DEFAULT_TIMEOUT, AuditHook, AuditRecord, RetryPolicy, TlsConfig
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
from qnegov.exchange._signing import hash_file
from qnegov.exchange._vdxp import AsyncDocumentExchangeClient, DocumentExchangeClient, VdxpAuth

__all__ = [
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
    "RetryPolicy",
    "RoutingInfo",
    "SentItem",
    "SentReceipt",
    "TlsConfig",
    "Token",
    "VdxpAuth",
    "hash_file",
    "routing_info",
]
