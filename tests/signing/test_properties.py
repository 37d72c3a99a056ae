"""Properties: sign → verify holds, and any single-byte change of signed content is caught.

The oracle for "did the change alter the content?" is independent of the code under test: both
documents are parsed, their signature removed, and compared with lxml's C14N 2.0 writer
(``etree.canonicalize``, a different implementation from the libxml2 C14N that signing uses).
Changes that do not alter content (a space turned into a tab between attributes, say) must
still verify; every other change must fail with a qnegov error.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from qnegov import _xml
from qnegov.edxml import build
from qnegov.errors import QnegovError
from qnegov.signing import DSIG_NS, sign, sign_packet, verify, verify_packet
from qnegov.testing import packets, xml_documents

from .conftest import PKI

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _content_c14n(data: bytes) -> str:
    tree = _xml.parse(data)
    for sig in tree.getroot().iter(f"{{{DSIG_NS}}}Signature"):
        parent = sig.getparent()
        assert parent is not None
        previous = sig.getprevious()
        if sig.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + sig.tail
            else:
                parent.text = (parent.text or "") + sig.tail
        parent.remove(sig)
        break
    return etree.canonicalize(tree)


def _signed_region(signed: bytes) -> list[int]:
    """Byte offsets of the document proper: after the declaration, outside the Signature."""
    start = signed.index(b"?>") + 2
    sig_start = signed.index(b"<ds:Signature")
    sig_end = signed.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    return [*range(start, sig_start), *range(sig_end, len(signed))]


@SETTINGS
@given(packet=packets().map(build), data=st.data())
def test_packet_sign_verify_and_every_flip_is_caught(
    pki: PKI, packet: bytes, data: st.DataObject
) -> None:
    signed = sign_packet(packet, pki.rsa)
    assert verify_packet(signed, trust=pki.trust).signed_bytes
    _flip_and_check(signed, data, lambda b: verify_packet(b, trust=pki.trust))


@SETTINGS
@given(doc=xml_documents(), data=st.data())
def test_any_document_sign_verify_and_every_flip_is_caught(
    pki: PKI, doc: bytes, data: st.DataObject
) -> None:
    signed = sign(doc, pki.ec)
    assert verify(signed, trust=pki.trust).signed_bytes
    _flip_and_check(signed, data, lambda b: verify(b, trust=pki.trust))


def _flip_and_check(signed: bytes, data: st.DataObject, check: object) -> None:
    region = _signed_region(signed)
    pos = data.draw(st.sampled_from(region), label="position")
    mask = data.draw(st.integers(1, 255), label="xor")
    mutated = signed[:pos] + bytes([signed[pos] ^ mask]) + signed[pos + 1 :]
    try:
        same = _content_c14n(mutated) == _content_c14n(signed)
    except QnegovError:
        same = False  # no longer parses: verification must fail too
    assert callable(check)
    event("content unchanged" if same else "content changed")
    if same:
        check(mutated)  # an insignificant change (e.g. whitespace inside a tag) still verifies
    else:
        with pytest.raises(QnegovError):
            check(mutated)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(packet=packets())
def test_edxml_reads_the_signed_content_as_the_packet_that_was_signed(
    pki: PKI, packet: object
) -> None:
    """build → sign → verify → read(signed content) gives back the packet read from build."""
    from qnegov.edxml import read

    raw = build(packet)  # type: ignore[arg-type]
    signed = sign_packet(raw, pki.rsa)
    assert read(verify_packet(signed, trust=pki.trust).signed_bytes) == read(raw)
    seen = read(signed, strict=True)  # our signature is no deviation, even in strict mode
    assert seen.signature is not None
