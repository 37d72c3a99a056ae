"""Checks the hub runs on every incoming packet before it accepts it.

Validation uses :func:`qnegov.edxml.validate` (compat level, the shape real peers send); a
packet with errors is refused with code 102 unless the hub only refuses unreadable packets
(fatal problems, and bytes that are not well-formed XML even if lenient reading repaired them).
With a trust store, every packet must carry a valid signature under the chosen policy
(:func:`qnegov.signing.verify_packet`), else it is refused with code 105.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from qnegov._i18n import tr
from qnegov.edxml import validate
from qnegov.errors import PacketError
from qnegov.exchange._packet import RoutingInfo
from qnegov.exchange.hub._app import PacketCheck
from qnegov.report import Severity
from qnegov.signing import STRICT, SignaturePolicy, TrustStore, verify_packet

__all__ = ["UNREADABLE", "Refuse", "default_checks", "edxml_check", "signature_check"]

Refuse = Literal["errors", "fatal"]


UNREADABLE: Final = frozenset({"edxml_malformed"})
"""Issue codes that mean the bytes are not well-formed XML: lenient reading repaired them, but
the hub would store bytes no peer can parse, so they are refused in every mode."""


def edxml_check(refuse: Refuse = "errors") -> PacketCheck:
    """Refuse packets whose validation report has errors, or (``"fatal"``) only unreadable ones:
    fatal problems and markup that is not well-formed (a truncated body, say)."""

    def check(body: bytes | Path, info: RoutingInfo | None) -> None:
        report = validate(body, name="<packet>")
        blocking = [
            i
            for i in report.issues
            if i.severity is Severity.FATAL
            or i.code in UNREADABLE
            or (refuse == "errors" and i.severity.blocks)
        ]
        if blocking:
            first = blocking[0]
            raise PacketError(
                tr(
                    "packet refused: {count} problems, first {code} at line {line}: {message}",
                    count=len(blocking),
                    code=first.code,
                    line=first.line if first.line is not None else "-",
                    message=first.message,
                )
            )

    return check


def signature_check(trust: TrustStore, policy: SignaturePolicy = STRICT) -> PacketCheck:
    """Require a valid packet signature chaining to ``trust`` under ``policy``."""

    def check(body: bytes | Path, info: RoutingInfo | None) -> None:
        verify_packet(body, trust=trust, policy=policy, name="<packet>")

    return check


def default_checks(
    refuse: Refuse = "errors",
    trust: TrustStore | None = None,
    policy: SignaturePolicy = STRICT,
) -> list[PacketCheck]:
    """Validation, then (with a trust store) signature verification."""
    checks = [edxml_check(refuse)]
    if trust is not None:
        checks.append(signature_check(trust, policy))
    return checks
