"""The SDK request signature, byte for byte, and the hash-file quirk."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx

from qnegov.exchange import VdxpAuth, hash_file
from qnegov.exchange._signing import format_timestamp, hash_file_matches, parse_timestamp


def test_timestamp_is_the_sdk_pattern_in_vietnam_time() -> None:
    moment = datetime(2026, 11, 27, 2, 3, 4, 56_000, tzinfo=UTC)
    assert format_timestamp(moment) == "27112026T090304+0056"
    assert parse_timestamp("27112026T090304+0056") == moment


def test_auth_mirrors_headers_and_signs_their_json() -> None:
    moment = datetime(2026, 11, 27, 2, 0, 0, tzinfo=UTC)
    auth = VdxpAuth("000.00.00.H47", "s3cret", clock=lambda: moment)
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/getEdoc",
        headers={"Content-Type": "application/json", "docId": "abc"},
    )
    signed = next(auth.auth_flow(request))
    text = signed.headers["XroadVnpt-sign-header"]
    assert json.loads(text) == {
        "XroadVnpt-systemid": "000.00.00.H47",
        "XroadVnpt-timestamp": "27112026T090000+0000",
        "XroadVnpt-Content-Type": "application/json",
        "XroadVnpt-docId": "abc",
    }
    assert text.startswith('{"XroadVnpt-systemid":"000.00.00.H47",')  # compact, SDK order
    assert signed.headers["XroadVnpt-sign-header-key"] == "systemid;timestamp;Content-Type;docId"
    expected = hmac.new(b"s3cret", text.encode(), hashlib.sha256).hexdigest()
    assert signed.headers["XroadVnpt-hash-header"] == expected
    assert signed.headers["XroadVnpt-version"] == "3.0.201608"
    assert signed.headers["XroadVnpt-docId"] == "abc"
    assert "docId" not in {k for k, _ in signed.headers.raw}  # only the mirrored form travels
    assert signed.headers["Content-Type"] == "application/json"
    assert "s3cret" not in repr(auth)


def test_hash_file_standard_and_sdk_quirk() -> None:
    content = b"edXML"
    digest = hashlib.sha256(content).digest()
    assert hash_file(content) == digest.hex()
    quirk = hash_file(content, sdk_quirk=True)
    assert quirk == "".join(f"{b:x}" for b in digest)
    # Find a body whose digest has a byte below 0x10, where the two forms differ.
    body = next(
        bytes([i]) for i in range(256) if any(b < 16 for b in hashlib.sha256(bytes([i])).digest())
    )
    assert hash_file(body, sdk_quirk=True) != hash_file(body)
    assert len(hash_file(body, sdk_quirk=True)) < 64
    assert hash_file_matches(body, hash_file(body)) and hash_file_matches(
        body, hash_file(body, sdk_quirk=True)
    )
    assert not hash_file_matches(body + b"x", hash_file(body))
