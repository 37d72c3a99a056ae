"""Checks the hub runs on every incoming packet before it accepts it.

Routing facts are always read (a packet without ``From``/``To`` cannot be delivered). The checks
here add what the edXML and signing layers offer, when they are installed in this build.
"""

from __future__ import annotations

from qnegov.exchange.hub._app import PacketCheck

__all__ = ["default_checks"]


def default_checks() -> list[PacketCheck]:
    """The checks of a hub without a trust store."""
    return []
