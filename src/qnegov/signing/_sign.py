"""Enveloped signing of any XML document: whole-document reference, exclusive C14N.

The canonical bytes come from lxml's C14N and the signature from the :class:`Signer` (via
:mod:`cryptography` for software keys); signxml's signer produces the same bytes for this
profile, which the test-suite checks, but copies the document in Python and costs up to twice
as much on 1 MB packets (see ``benchmarks/signing.py``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import AmbiguousSignature, PolicyViolation, SignatureMissing
from qnegov.signing._algorithms import DSIG_NS, SignatureMethod, Transform
from qnegov.signing._c14n import canonicalize
from qnegov.signing._keys import Signer
from qnegov.signing._policy import STRICT, SignaturePolicy
from qnegov.signing._structure import find_signature
from qnegov.signing._verify import SignedInput, load_tree

__all__ = ["serialize", "sign", "sign_tree", "signing_method"]

_DS = f"{{{DSIG_NS}}}"


def _ds(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _DS + name, attrs)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _refuse_existing(root: etree._Element) -> None:
    try:
        find_signature(root, accept_unnamespaced=True)
    except SignatureMissing:
        return
    except (AmbiguousSignature, PolicyViolation):
        pass
    raise AmbiguousSignature(
        tr(
            "the document is already signed; remove the existing signature first "
            "(a second signature would make verification refuse it)"
        )
    )


def signing_method(signer: Signer, policy: SignaturePolicy) -> SignatureMethod:
    """The method ``signer``'s key signs with under ``policy``, or the typed refusal."""
    try:
        method = policy.allows_signing(signer.key_type)
    except ValueError:
        raise PolicyViolation(
            tr(
                "the {policy} policy cannot sign with a {kind} key",
                policy=policy.name,
                kind=signer.key_type,
            )
        ) from None
    floor = policy.min_rsa_bits if signer.key_type == "rsa" else policy.min_ec_bits
    if signer.key_size < floor:
        raise PolicyViolation(
            tr(
                "the signer's {kind} key has {bits} bits; the {policy} policy requires {floor}",
                kind=signer.key_type,
                bits=signer.key_size,
                policy=policy.name,
                floor=floor,
            )
        )
    return method


def sign_tree(
    tree: etree._ElementTree,
    signer: Signer,
    *,
    policy: SignaturePolicy = STRICT,
    parent: Callable[[etree._Element], etree._Element] | None = None,
) -> etree._Element:
    """Sign ``tree`` in place; the signature becomes the last child of ``parent(root)``.

    Returns the new ``Signature`` element. ``parent`` defaults to the document element.
    """
    if not isinstance(signer, Signer):
        raise TypeError("signer must implement qnegov.signing.Signer (e.g. a KeySigner)")
    root = tree.getroot()
    _refuse_existing(root)
    method = signing_method(signer, policy)
    c14n = policy.sign_c14n
    digest = policy.sign_digest.digest(canonicalize(tree, c14n))
    host = parent(root) if parent is not None else root
    sig = etree.SubElement(host, _DS + "Signature", nsmap={"ds": DSIG_NS})
    signed_info = _ds(sig, "SignedInfo")
    _ds(signed_info, "CanonicalizationMethod", Algorithm=c14n.value)
    _ds(signed_info, "SignatureMethod", Algorithm=method.value)
    reference = _ds(signed_info, "Reference", URI="")
    transforms = _ds(reference, "Transforms")
    _ds(transforms, "Transform", Algorithm=Transform.ENVELOPED.value)
    _ds(transforms, "Transform", Algorithm=c14n.value)
    _ds(reference, "DigestMethod", Algorithm=policy.sign_digest.value)
    _ds(reference, "DigestValue").text = _b64(digest)
    value = _ds(sig, "SignatureValue")
    x509_data = _ds(_ds(sig, "KeyInfo"), "X509Data")
    for cert in (signer.certificate, *signer.chain):
        _ds(x509_data, "X509Certificate").text = _b64(cert.public_bytes(Encoding.DER))
    value.text = _b64(signer.sign(canonicalize(signed_info, c14n), method))
    return sig


def serialize(tree: etree._ElementTree) -> bytes:
    """UTF-8 bytes with an XML declaration (signatures survive any faithful serialisation)."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def sign(
    xml: SignedInput,
    signer: Signer,
    *,
    policy: SignaturePolicy = STRICT,
    name: str | None = None,
    under: str | None = None,
    references: Sequence[str] = (),
    signing_time: datetime | None = None,
    signature_id: str | None = None,
) -> bytes:
    """Sign any XML document: an enveloped signature, last child of the document element.

    The one reference is ``URI=""`` (the whole document, comments excluded); ``policy`` picks
    the digest (SHA-256 under ``STRICT``). The input is read through the safe parser; a tree is
    copied, never modified. A document that already holds a signature is refused.

    Under an interop policy (:data:`~qnegov.signing.INTEROP`) the e-invoice shape is available:
    the signature goes under ``under`` (``"DSCKS/NBan"``: local names below the document
    element, created if missing), covers the elements whose Ids are ``references`` (the whole
    document when empty) and, with ``signing_time``, a ``SignatureProperty`` holding it in the
    signature's own ``Object``. Existing signatures stay valid: placing the new one inside
    content they cover is refused.
    """
    tree = load_tree(xml, name=name)
    if policy.interop or under or references or signing_time or signature_id:
        from qnegov.signing._sign_interop import refuse_non_interop, sign_interop_tree

        refuse_non_interop(policy)
        if not isinstance(signer, Signer):
            raise TypeError("signer must implement qnegov.signing.Signer (e.g. a KeySigner)")
        method = signing_method(signer, policy)
        sign_interop_tree(
            tree,
            signer,
            policy=policy,
            method_name=method.name,
            under=under,
            references=references,
            signing_time=signing_time,
            signature_id=signature_id,
        )
    else:
        sign_tree(tree, signer, policy=policy)
    return serialize(tree)
