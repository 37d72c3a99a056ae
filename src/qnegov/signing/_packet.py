"""The edXML convenience: where peers put the packet signature, and checking it is there.

QCVN 102 peers put one enveloped XML-DSig as the **last child of** ``edXMLHeader`` (see
``shared/spec/edxml.md`` §1.4). Its ``URI=""`` reference covers the whole packet, attachments
in ``AttachmentEncoded`` included. This module knows only those element names; the packet
models live in :mod:`qnegov.edxml`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import PacketError, PolicyViolation
from qnegov.signing._keys import Signer
from qnegov.signing._policy import STRICT, SignaturePolicy
from qnegov.signing._sign import serialize, sign_tree
from qnegov.signing._structure import find_signature, line_of
from qnegov.signing._trust import TrustStore
from qnegov.signing._verify import (
    SignedInput,
    VerifiedDocument,
    input_label,
    load_tree,
    verify_tree,
)

__all__ = [
    "EDXML_NS",
    "find_header",
    "is_packet",
    "sign_packet",
    "strip_signature",
    "verify_packet",
]

EDXML_NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
_HEADER: Final = f"{{{EDXML_NS}}}edXMLHeader"
_ENVELOPE: Final = f"{{{EDXML_NS}}}edXMLEnvelope"
_PLACEHOLDER: Final = f"{{{EDXML_NS}}}DigitalSignature"


def is_packet(root: etree._Element) -> bool:
    """Whether ``root`` is an edXML packet's document element."""
    return root.tag == f"{{{EDXML_NS}}}edXML"


def find_header(root: etree._Element) -> etree._Element:
    """``edXML/edXMLEnvelope/edXMLHeader``; :class:`PacketError` when the packet lacks it."""
    if not is_packet(root):
        raise PacketError(tr("not an edXML packet: the document element is {tag}", tag=root.tag))
    headers = [h for env in root.findall(_ENVELOPE) for h in env.findall(_HEADER)]
    if len(headers) != 1:
        raise PacketError(
            tr(
                "an edXML packet needs exactly one edXMLEnvelope/edXMLHeader, found {count}",
                count=len(headers),
            )
        )
    return headers[0]


def _check_placement(sig: etree._Element) -> None:
    parent = sig.getparent()
    root = sig.getroottree().getroot()
    header = find_header(root)
    last = next((c for c in reversed(header) if isinstance(c.tag, str)), None)
    if parent is not header or last is not sig:
        raise PolicyViolation(
            tr(
                "the packet signature must be the last child of edXMLHeader, found it under {tag}",
                tag=parent.tag if parent is not None else "-",
            ),
            line=line_of(sig),
        )


def sign_packet(
    packet: SignedInput,
    signer: Signer,
    *,
    policy: SignaturePolicy = STRICT,
    name: str | None = None,
) -> bytes:
    """Sign an edXML packet where peers expect it: last child of ``edXMLHeader``.

    The signature covers the whole packet, attachments included. An empty
    ``edXML:DigitalSignature`` placeholder (written by some emitters) is removed first; a packet
    that already carries a signature is refused (see :func:`strip_signature`).
    """
    tree = load_tree(packet, name=name)
    header = find_header(tree.getroot())
    for placeholder in header.findall(_PLACEHOLDER):
        if len(placeholder) == 0 and not (placeholder.text or "").strip():
            _remove_keeping_tail(placeholder)
    sign_tree(tree, signer, policy=policy, parent=lambda _root: header)
    return serialize(tree)


def verify_packet(
    packet: SignedInput,
    *,
    trust: TrustStore,
    policy: SignaturePolicy = STRICT,
    at: datetime | None = None,
    name: str | None = None,
) -> VerifiedDocument:
    """:func:`~qnegov.signing.verify` plus the packet rule: the signature closes ``edXMLHeader``."""
    tree = load_tree(packet, name=name)
    find_header(tree.getroot())
    return verify_tree(
        tree,
        trust=trust,
        policy=policy,
        at=at,
        label=input_label(packet, name),
        placement=_check_placement,
    )


def strip_signature(xml: SignedInput, *, name: str | None = None) -> bytes:
    """The document without its signature (either shape): to re-sign, or to read as unsigned."""
    tree = load_tree(xml, name=name)
    sig = find_signature(tree.getroot(), accept_unnamespaced=True)
    _remove_keeping_tail(sig, drop_tail=True)
    return serialize(tree)


def _remove_keeping_tail(el: etree._Element, *, drop_tail: bool = False) -> None:
    """Remove ``el``; its tail joins the previous node, or replaces its tail if ``drop_tail``."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    el.tail = None
    prev = el.getprevious()
    if drop_tail:  # the closing tag keeps the indentation the signature had
        if prev is not None:
            prev.tail = tail
        else:
            parent.text = tail
    elif tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
