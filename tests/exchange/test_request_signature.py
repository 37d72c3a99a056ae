"""The hub's check of a VDXP request signature (``verify_headers``), one refusal at a time.

Each case changes one thing of a correctly signed request and expects the matching refusal,
so a check that is weakened (a skipped comparison, a looser skew) fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from qnegov.exchange._signing import (
    HASH_HEADER,
    KEY_HEADER,
    SIGN_HEADER,
    SignatureRefused,
    format_timestamp,
    sign_headers,
    verify_headers,
)

NOW = datetime(2026, 11, 27, 2, 0, 0, tzinfo=UTC)
SYSTEM, SECRET = "000.00.00.H47", "s3cret"


def signed(**extra: str) -> dict[str, str]:
    operation = {"systemid": SYSTEM, "timestamp": format_timestamp(NOW)} | {
        "docId": "abc",
        "Content-Type": "application/json",
    }
    return sign_headers(operation | extra, SECRET)


def reader(wire: dict[str, str]) -> Callable[[str], str | None]:
    lowered = {k.lower(): v for k, v in wire.items()}
    return lambda name: lowered.get(name.lower())


def check(wire: dict[str, str], *, now: datetime = NOW, skew: float = 300.0) -> dict[str, str]:
    return verify_headers(
        reader(wire),
        lambda sid: SECRET if sid == SYSTEM else None,
        now=now,
        max_skew=skew,
    )


def test_a_correct_request_gives_its_operation_headers_lowercased() -> None:
    params = check(signed())
    assert params == {
        "systemid": SYSTEM,
        "timestamp": format_timestamp(NOW),
        "docid": "abc",
        "content-type": "application/json",
    }


@pytest.mark.parametrize("missing", [SIGN_HEADER, HASH_HEADER, KEY_HEADER])
def test_each_signature_header_is_required(missing: str) -> None:
    wire = signed()
    del wire[missing]
    with pytest.raises(SignatureRefused, match=r"^missing XroadVnpt signature headers$"):
        check(wire)


def test_an_empty_key_list_is_not_a_missing_one() -> None:
    wire = signed()
    wire[KEY_HEADER] = ""
    with pytest.raises(SignatureRefused, match="does not list the signed headers"):
        check(wire)


def test_the_sign_header_must_be_json() -> None:
    wire = signed()
    wire[SIGN_HEADER] = "{not json"
    with pytest.raises(SignatureRefused, match=r"^XroadVnpt-sign-header is not JSON$"):
        check(wire)


@pytest.mark.parametrize(
    "payload",
    [
        ["XroadVnpt-systemid"],
        {"XroadVnpt-systemid": 7},
        {"systemid": SYSTEM},
        {"XroadVnpt-a": "x", "b": "y"},
        {"XroadVnpt-a": "x", "XroadVnpt-b": ["y"]},
    ],
)
def test_the_sign_header_must_be_a_flat_object_of_prefixed_strings(payload: object) -> None:
    wire = signed()
    wire[SIGN_HEADER] = json.dumps(payload)
    with pytest.raises(
        SignatureRefused, match=r"^XroadVnpt-sign-header is not a flat object of strings$"
    ):
        check(wire)


@pytest.mark.parametrize(
    "keys",
    [
        "systemid;timestamp;docId",  # one left out
        "systemid;timestamp;docId;Content-Type;extra",  # one too many
        "timestamp;systemid;docId;Content-Type",  # another order
    ],
)
def test_the_key_list_names_exactly_the_signed_headers_in_order(keys: str) -> None:
    wire = signed()
    wire[KEY_HEADER] = keys
    with pytest.raises(SignatureRefused, match=r"^XroadVnpt-sign-header-key does not list"):
        check(wire)


def test_the_key_list_compares_names_case_insensitively() -> None:
    wire = signed()
    wire[KEY_HEADER] = wire[KEY_HEADER].upper()
    assert check(wire)["docid"] == "abc"


def test_an_unknown_system_is_refused_by_name() -> None:
    wire = sign_headers({"systemid": "000.00.00.H99", "timestamp": format_timestamp(NOW)}, SECRET)
    with pytest.raises(SignatureRefused, match=r"^unknown systemid '000\.00\.00\.H99'$"):
        check(wire)


def test_a_request_without_a_system_id_is_refused_as_unknown() -> None:
    wire = sign_headers({"timestamp": format_timestamp(NOW)}, SECRET)
    with pytest.raises(SignatureRefused, match=r"^unknown systemid ''$"):
        check(wire)


def test_a_wrong_secret_is_a_bad_hmac() -> None:
    wire = sign_headers({"systemid": SYSTEM, "timestamp": format_timestamp(NOW)}, "other")
    with pytest.raises(SignatureRefused, match=r"^XroadVnpt-hash-header does not match \(bad"):
        check(wire)


def test_the_hmac_is_compared_case_insensitively() -> None:
    wire = signed()
    wire[HASH_HEADER] = wire[HASH_HEADER].upper()
    assert check(wire)["systemid"] == SYSTEM


def test_a_sent_header_that_differs_from_its_signed_value_is_refused() -> None:
    wire = signed()
    wire["XroadVnpt-docId"] = "another"
    with pytest.raises(SignatureRefused, match=r"^header XroadVnpt-docId differs from its signed"):
        check(wire)
    del wire["XroadVnpt-docId"]
    with pytest.raises(SignatureRefused, match="differs from its signed value"):
        check(wire)


@pytest.mark.parametrize("stamp", ["", "27112026T090000", "27112026T090000+12345", "yesterday"])
def test_a_missing_or_malformed_timestamp_is_refused(stamp: str) -> None:
    wire = sign_headers({"systemid": SYSTEM, "timestamp": stamp}, SECRET)
    with pytest.raises(SignatureRefused, match=r"^missing or malformed timestamp$"):
        check(wire)


def test_a_request_without_a_timestamp_is_refused() -> None:
    wire = sign_headers({"systemid": SYSTEM}, SECRET)
    with pytest.raises(SignatureRefused, match=r"^missing or malformed timestamp$"):
        check(wire)


@pytest.mark.parametrize("offset", [-301.0, 301.0, -3600.0, 86400.0])
def test_a_timestamp_outside_the_skew_is_refused_both_ways(offset: float) -> None:
    with pytest.raises(SignatureRefused, match=r"^timestamp outside the accepted clock skew$"):
        check(signed(), now=NOW + timedelta(seconds=offset))


@pytest.mark.parametrize("offset", [-300.0, -299.0, 0.0, 299.0, 300.0])
def test_a_timestamp_within_the_skew_is_accepted(offset: float) -> None:
    assert check(signed(), now=NOW + timedelta(seconds=offset))["docid"] == "abc"
