"""The VDXP client against the real hub on loopback: every operation and every refusal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from qnegov.errors import AuthError, RemoteError
from qnegov.exchange import (
    AsyncDocumentExchangeClient,
    DocumentExchangeClient,
    RetryPolicy,
    VdxpAuth,
)
from qnegov.exchange._sample import sample_document, sample_status

from .conftest import DATA, Hub

SAMPLE = DATA / "dc0bdef0-c7a3-4aaf-b717-777303442973.edxml"
SENDER, RECIPIENTS = "000.00.00.G22", ("000.00.00.H41", "000.00.00.H14", "000.00.00.G17")


@pytest.fixture(scope="module")
def secrets_(hub: Hub) -> dict[str, str]:
    codes = (SENDER, *RECIPIENTS, "000.00.00.H47", "000.00.00.H48")
    return {code: hub.agency(code, other_code="H" + code[-2:]) for code in codes}


def client(hub: Hub, secrets_: dict[str, str], code: str, **kw: object) -> DocumentExchangeClient:
    return DocumentExchangeClient(hub.url, code, secrets_[code], **kw)  # type: ignore[arg-type]


def test_real_sample_is_routed_to_each_to_and_acknowledged(
    hub: Hub, secrets_: dict[str, str], tmp_path: Path
) -> None:
    with client(hub, secrets_, SENDER) as sender:
        receipt = sender.send(SAMPLE)
        rows = sender.sent(doc_id=receipt.doc_id)
    assert sorted(r.to_code for r in rows) == sorted(RECIPIENTS)
    for code in RECIPIENTS:
        with client(hub, secrets_, code) as recipient:
            waiting = [i for i in recipient.inbox() if i.doc_id == receipt.doc_id]
            assert len(waiting) == 1 and waiting[0].sender == SENDER
            assert recipient.fetch(receipt.doc_id) == SAMPLE.read_bytes()
            target = recipient.download(receipt.doc_id, tmp_path / f"{code}.edxml")
            assert target.read_bytes() == SAMPLE.read_bytes()
            recipient.ack(receipt.doc_id, "processing")
            assert [i.status for i in recipient.inbox() if i.doc_id == receipt.doc_id] == [
                "processing"
            ]
            recipient.ack(receipt.doc_id, "done")
            assert receipt.doc_id not in {i.doc_id for i in recipient.inbox()}


def test_status_packet_returns_to_the_sender_and_marks_the_sent_list(
    hub: Hub, secrets_: dict[str, str]
) -> None:
    packet = sample_document("000.00.00.H47", ["000.00.00.H48"], number="77")
    with client(hub, secrets_, "000.00.00.H47") as a, client(hub, secrets_, "000.00.00.H48") as b:
        doc = a.send(packet)
        assert [i.doc_id for i in b.inbox()] == [doc.doc_id]
        status = sample_status(
            "000.00.00.H48",
            "000.00.00.H47",
            "000.00.00.H47,2026/11/27,77/UBND-VP",
            status_code="03",
            description="Đã tiếp nhận",
        )
        b.send(status, message_type="status")
        b.ack(doc.doc_id, "done")
        answers = a.inbox("status")
        assert len(answers) == 1 and answers[0].sender == "000.00.00.H48"
        assert b"<edXML:StatusCode>03</edXML:StatusCode>" in a.fetch(answers[0].doc_id)
        (row,) = a.sent(doc_id=doc.doc_id)
        assert (row.receive_status, row.send_status) == ("03", "done")
        assert a.inbox() == []  # documents inbox of the sender is untouched


def test_real_status_sample_is_accepted_as_a_status(hub: Hub, secrets_: dict[str, str]) -> None:
    with client(hub, secrets_, "000.00.00.H41") as responder:
        responder.send(DATA / "status_inbox_01.edxml", message_type="status")
    with client(hub, secrets_, SENDER) as original:
        assert any(i.sender == "000.00.00.H41" for i in original.inbox("status"))


def test_same_message_id_is_stored_once(hub: Hub, secrets_: dict[str, str]) -> None:
    packet = sample_document("000.00.00.H47", ["000.00.00.H48"], number="idem")
    with client(hub, secrets_, "000.00.00.H47") as a:
        first = a.send(packet, message_id="msg-0001")
        again = a.send(packet, message_id="msg-0001")
        other = a.send(packet, message_id="msg-0002")
    assert first.doc_id == again.doc_id != other.doc_id


def test_agencies_in_both_code_forms(hub: Hub, secrets_: dict[str, str]) -> None:
    with client(hub, secrets_, SENDER) as c:
        legacy = {a.code: a.other_code for a in c.agencies()}
        qd20 = {a.code: a.other_code for a in c.agencies("qd20")}
    assert legacy["000.00.00.H47"] == "H47"
    assert qd20["H47"] == "000.00.00.H47"


def test_bad_hmac_is_rejected_by_the_hub(hub: Hub, secrets_: dict[str, str]) -> None:
    with (
        DocumentExchangeClient(hub.url, SENDER, "not-the-secret") as c,
        pytest.raises(AuthError, match="bad HMAC"),
    ):
        c.inbox()


def test_header_changed_after_signing_is_rejected(hub: Hub, secrets_: dict[str, str]) -> None:
    auth = VdxpAuth(SENDER, secrets_[SENDER])
    request = httpx.Request("POST", hub.url + "/getEdoc", headers={"docId": "a"})
    signed = next(auth.auth_flow(request))
    signed.headers["XroadVnpt-docId"] = "b"
    response = httpx.Client().send(signed)
    assert response.status_code == 401 and response.json()["ErrorCode"] == "101"


def test_stale_timestamp_is_rejected(hub: Hub, secrets_: dict[str, str]) -> None:
    old = datetime.now(UTC) - timedelta(hours=1)
    auth = VdxpAuth(SENDER, secrets_[SENDER], clock=lambda: old)
    response = httpx.post(hub.url + "/getReceivedEdocList", auth=auth)
    assert response.status_code == 401 and "clock skew" in response.json()["ErrorDesc"]


def test_refusals_carry_the_hub_error_codes(hub: Hub, secrets_: dict[str, str]) -> None:
    with client(hub, secrets_, "000.00.00.H47", retry=RetryPolicy(attempts=1)) as c:
        with pytest.raises(RemoteError) as unknown:
            c.send(sample_document("000.00.00.H47", ["000.00.00.Z99"]))
        assert unknown.value.remote_code == "103"
        with pytest.raises(RemoteError) as broken:
            c.send(b"<edXML><not-closed>")
        assert broken.value.remote_code == "102"
        with pytest.raises(RemoteError) as impostor:
            c.send(sample_document("000.00.00.H48", ["000.00.00.H47"]))
        assert impostor.value.remote_code == "107"
        with pytest.raises(RemoteError) as wrong_kind:
            c.send(sample_document("000.00.00.H47", ["000.00.00.H48"]), message_type="status")
        assert wrong_kind.value.remote_code == "102"
        with pytest.raises(RemoteError) as missing:
            c.fetch("no-such-document")
        assert (missing.value.remote_code, missing.value.status_code) == ("104", 404)


def test_sdk_hash_file_quirk_is_accepted(hub: Hub, secrets_: dict[str, str]) -> None:
    packet = sample_document("000.00.00.H47", ["000.00.00.H48"], number="quirk")
    with client(hub, secrets_, "000.00.00.H47", sdk_hash_quirk=True) as c:
        assert c.send(packet).doc_id


def test_async_client_sends_concurrently(hub: Hub, secrets_: dict[str, str]) -> None:
    async def run() -> set[str]:
        async with AsyncDocumentExchangeClient(
            hub.url, "000.00.00.H47", secrets_["000.00.00.H47"]
        ) as c:
            receipts = await asyncio.gather(
                *(
                    c.send(sample_document("000.00.00.H47", ["000.00.00.H48"], number=f"a{i}"))
                    for i in range(20)
                )
            )
            return {r.doc_id for r in receipts}

    ids = asyncio.run(run())
    assert len(ids) == 20
    with client(hub, secrets_, "000.00.00.H48") as b:
        assert ids <= {i.doc_id for i in b.inbox()}


def test_send_without_message_id_is_keyed_by_content(hub: Hub, secrets_: dict[str, str]) -> None:
    """An SDK-style client sends no messageid: the same bytes twice are one message."""
    packet = sample_document("000.00.00.H47", ["000.00.00.H48"], number="no-id")
    auth = VdxpAuth("000.00.00.H47", secrets_["000.00.00.H47"])
    headers = {"from": "000.00.00.H47", "servicetype": "eDoc", "messagetype": "edoc"}
    first = httpx.post(hub.url + "/sendEdoc", content=packet, headers=headers, auth=auth)
    again = httpx.post(hub.url + "/sendEdoc", content=packet, headers=headers, auth=auth)
    assert first.json()["DocId"] == again.json()["DocId"]
