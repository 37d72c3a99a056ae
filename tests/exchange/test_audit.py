"""The audit hook sees the raw bytes of every exchange, with secrets redacted."""

from __future__ import annotations

import pytest

from qnegov.exchange import AuditRecord, DocumentExchangeClient, LgspClient, RetryPolicy
from qnegov.exchange._sample import sample_document

from .conftest import Hub

A, B = "000.00.00.H47", "000.00.00.H48"


@pytest.fixture(scope="module")
def creds(hub: Hub) -> dict[str, str]:
    return {A: hub.agency(A), B: hub.agency(B), "app": hub.client("audit-app")}


def test_vdxp_exchange_is_captured(hub: Hub, creds: dict[str, str]) -> None:
    records: list[AuditRecord] = []
    packet = sample_document(A, [B], number="audit")
    with DocumentExchangeClient(hub.url, A, creds[A], audit=records.append) as a:
        receipt = a.send(packet)
    (record,) = records
    assert record.operation == "sendEdoc" and record.attempt == 1
    assert record.request.startswith(b"POST /sendEdoc HTTP/1.1\r\n")
    assert record.request.endswith(packet)
    assert b"XroadVnpt-hash-header" in record.request
    assert record.response is not None and receipt.doc_id.encode() in record.response
    assert creds[A].encode() not in record.request + record.response


def test_lgsp_secrets_and_tokens_are_redacted(hub: Hub, creds: dict[str, str]) -> None:
    records: list[AuditRecord] = []
    with LgspClient(hub.url, "audit-app", creds["app"], creds[A], audit=records.append) as a:
        a.inbox()
    everything = b"".join(r.request + (r.response or b"") for r in records)
    assert b"POST /token" in everything  # the token exchange is audited too
    assert b"[REDACTED]" in everything
    assert b'"access_token": "[REDACTED]"' in everything
    for secret in (creds[A], creds["app"]):
        assert secret.encode() not in everything
    assert b"Bearer " not in everything and b"Basic " not in everything


def test_failed_attempts_are_audited(hub: Hub, creds: dict[str, str]) -> None:
    hub.fault("/getReceivedEdocList", "drop", count=1)
    records: list[AuditRecord] = []
    retry = RetryPolicy(attempts=2, backoff=0.01)
    with DocumentExchangeClient(hub.url, A, creds[A], audit=records.append, retry=retry) as a:
        a.inbox()
    assert [r.attempt for r in records] == [1, 2]
    assert records[0].response is None and records[0].error is not None
