"""The VDXP request signature: mirrored ``XroadVnpt-`` headers, their JSON, and its HMAC-SHA256.

Shared by the client (which signs) and the reference hub (which checks), so both sides agree on
one definition. As the national SDK 2.0.1 does it: every operation header ``h`` travels as
``XroadVnpt-h``; ``XroadVnpt-sign-header`` is the compact JSON object of those mirrored headers,
``XroadVnpt-sign-header-key`` the plain names joined by ``;``, and ``XroadVnpt-hash-header`` the
lowercase hex HMAC-SHA256 of the JSON's UTF-8 bytes under the agency secret. Only
``Content-Type`` is also sent under its plain name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Final

__all__ = [
    "HASH_HEADER",
    "KEY_HEADER",
    "PREFIX",
    "SDK_USER_AGENT",
    "SDK_VERSION",
    "SIGN_HEADER",
    "VERSION_HEADER",
    "VIETNAM",
    "SignatureRefused",
    "digest_matches",
    "format_timestamp",
    "hash_file",
    "hash_file_matches",
    "parse_timestamp",
    "sign_headers",
    "signature",
    "verify_headers",
]

PREFIX: Final = "XroadVnpt-"
SIGN_HEADER: Final = "XroadVnpt-sign-header"
KEY_HEADER: Final = "XroadVnpt-sign-header-key"
HASH_HEADER: Final = "XroadVnpt-hash-header"
VERSION_HEADER: Final = "XroadVnpt-version"
SDK_VERSION: Final = "3.0.201608"
SDK_USER_AGENT: Final = "JAVASDKAgent/1.0.0 XRoad/VPCP"
VIETNAM: Final = timezone(timedelta(hours=7))
"""Vietnam has no daylight saving: a fixed +07:00 offset is exact."""


def format_timestamp(moment: datetime) -> str:
    """The SDK's ``ddMMyyyy'T'HHmmss+SSSS`` (milliseconds in four digits) in Vietnam time."""
    local = moment.astimezone(VIETNAM)
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def parse_timestamp(text: str) -> datetime:
    """Inverse of :func:`format_timestamp`; ``ValueError`` for anything else."""
    stamp, sep, millis = text.partition("+")
    if not sep or not millis.isdigit() or len(millis) > 4:
        raise ValueError(text)
    moment = datetime.strptime(stamp, "%d%m%YT%H%M%S").replace(tzinfo=VIETNAM)
    return moment + timedelta(milliseconds=int(millis))


def hash_file(content: bytes | Path, *, sdk_quirk: bool = False) -> str:
    """SHA-256 of ``content`` (bytes, or a file read in chunks) in hex; ``sdk_quirk`` drops each
    byte's leading zero like the SDK."""
    if isinstance(content, Path):
        with content.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").digest()
    else:
        digest = hashlib.sha256(content).digest()
    if sdk_quirk:
        return "".join(format(b, "x") for b in digest)
    return digest.hex()


def hash_file_matches(content: bytes, claimed: str) -> bool:
    """Whether ``claimed`` is the standard or the SDK-quirk hash of ``content``."""
    return digest_matches(hashlib.sha256(content).digest(), claimed)


def digest_matches(digest: bytes, claimed: str) -> bool:
    """Whether ``claimed`` is the standard or the SDK-quirk hex form of a SHA-256 ``digest``."""
    return any(
        hmac.compare_digest(claimed.lower(), form)
        for form in (digest.hex(), "".join(format(b, "x") for b in digest))
    )


def sign_json(headers: Mapping[str, str]) -> str:
    """Compact JSON of the mirrored headers, in the given order (the SDK's Gson output shape)."""
    mirrored = {PREFIX + name: value for name, value in headers.items()}
    return json.dumps(mirrored, ensure_ascii=False, separators=(",", ":"))


def signature(secret: str, sign_json_text: str) -> str:
    """Lowercase hex HMAC-SHA256 of the sign-header JSON under ``secret``."""
    mac = hmac.new(secret.encode("utf-8"), sign_json_text.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()


def sign_headers(headers: Mapping[str, str], secret: str) -> dict[str, str]:
    """Every header to put on the wire for the operation ``headers`` signed with ``secret``."""
    text = sign_json(headers)
    wire = {PREFIX + name: value for name, value in headers.items()}
    for name, value in headers.items():
        if name.lower() == "content-type":
            wire["Content-Type"] = value
    wire[KEY_HEADER] = ";".join(headers)
    wire[SIGN_HEADER] = text
    wire[HASH_HEADER] = signature(secret, text)
    wire["User-Agent"] = SDK_USER_AGENT
    wire[VERSION_HEADER] = SDK_VERSION
    return wire


class SignatureRefused(ValueError):
    """Why a signed request is refused (the hub turns it into error code 101)."""


def verify_headers(
    headers: Callable[[str], str | None],
    secret_for: Callable[[str], str | None],
    *,
    now: datetime,
    max_skew: float,
) -> dict[str, str]:
    """Check a request signed by :func:`sign_headers`; return its operation headers.

    ``headers(name)`` reads a request header (case-insensitively), ``secret_for(system_id)`` the
    secret of a system (``None`` if unknown). Names in the result are lowercased and unprefixed.
    Every signed value must equal the header actually sent, the key list must name exactly the
    signed headers, and the timestamp must be within ``max_skew`` seconds of ``now``.
    """
    text, claimed, keys = headers(SIGN_HEADER), headers(HASH_HEADER), headers(KEY_HEADER)
    if not text or not claimed or keys is None:
        raise SignatureRefused("missing XroadVnpt signature headers")
    try:
        signed = json.loads(text)
    except ValueError:
        raise SignatureRefused("XroadVnpt-sign-header is not JSON") from None
    if not isinstance(signed, dict) or not all(
        isinstance(k, str) and k.startswith(PREFIX) and isinstance(v, str)
        for k, v in signed.items()
    ):
        raise SignatureRefused("XroadVnpt-sign-header is not a flat object of strings")
    names = [k[len(PREFIX) :] for k in signed]
    if [k.lower() for k in keys.split(";")] != [n.lower() for n in names]:
        raise SignatureRefused("XroadVnpt-sign-header-key does not list the signed headers")
    params = {n.lower(): v for n, v in zip(names, signed.values(), strict=True)}
    system_id = params.get("systemid", "")
    secret = secret_for(system_id)
    if secret is None:
        raise SignatureRefused(f"unknown systemid {system_id!r}")
    if not hmac.compare_digest(signature(secret, text), claimed.lower()):
        raise SignatureRefused("XroadVnpt-hash-header does not match (bad HMAC)")
    for name, value in signed.items():
        if headers(name) != value:
            raise SignatureRefused(f"header {name} differs from its signed value")
    try:
        moment = parse_timestamp(params.get("timestamp", ""))
    except ValueError:
        raise SignatureRefused("missing or malformed timestamp") from None
    if abs((now - moment).total_seconds()) > max_skew:
        raise SignatureRefused("timestamp outside the accepted clock skew")
    return params
