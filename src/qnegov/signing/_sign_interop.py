"""Signing in the e-invoice shape: under a named element, covering named Ids, with a signed
signing time in the signature's own ``Object``; beside signatures already there.

A Vietnamese e-invoice is signed by the seller (``HDon/DSCKS/NBan``, covering ``DLHDon``) and
later by the tax authority (``HDon/DSCKS/CQT``, covering ``DLHDon`` and ``MCCQT``): the second
signature must not break the first, so it may not be placed inside anything the first covers.
Digests come from the same canonicalisation code the verifier uses.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from qnegov._i18n import tr
from qnegov._location import element_path
from qnegov.errors import AmbiguousSignature, PolicyViolation, SignatureError
from qnegov.signing._algorithms import DSIG_NS, Transform
from qnegov.signing._c14n import canonicalize
from qnegov.signing._interop import _inside, canonical_reference, id_index, resolve_id
from qnegov.signing._keys import Signer
from qnegov.signing._policy import SignaturePolicy

__all__ = ["find_or_make", "sign_interop_tree"]

_DS = f"{{{DSIG_NS}}}"


def _ds(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _DS + name, attrs)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def find_or_make(root: etree._Element, path: str) -> etree._Element:
    """The element at ``path`` (``/``-separated local names below the document element),
    created where missing (in its parent's namespace), refused where ambiguous."""
    node = root
    for step in (s for s in path.strip("/").split("/") if s):
        matches = [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == step]
        if len(matches) > 1:
            raise AmbiguousSignature(
                tr(
                    "--under {path}: {count} elements {name} here",
                    path=path,
                    count=len(matches),
                    name=step,
                )
            )
        if matches:
            node = matches[0]
            continue
        ns = etree.QName(node).namespace
        node = etree.SubElement(node, f"{{{ns}}}{step}" if ns else step)
    return node


def _check_existing(root: etree._Element, host: etree._Element, policy: SignaturePolicy) -> None:
    """Refuse to put the new signature inside content an existing signature covers."""
    index = None
    for sig in root.iter(_DS + "Signature"):
        info = sig.find(_DS + "SignedInfo")
        refs = [] if info is None else info.findall(_DS + "Reference")
        for ref in refs:
            uri = ref.get("URI")
            if uri is None:
                continue
            if uri == "":
                covered: etree._Element = root
            elif uri.startswith("#"):
                if index is None:
                    index = id_index(root, policy.id_attributes)
                try:
                    covered = resolve_id(index, uri[1:], policy.id_attributes)
                except SignatureError:
                    continue
            else:
                continue
            if _inside(host, covered) and not _inside(host, sig):
                raise AmbiguousSignature(
                    tr(
                        "the new signature would sit inside {uri}, which the existing signature "
                        "at {path} covers: it would break that signature (sign under another "
                        "element)",
                        uri=uri or '""',
                        path=element_path(sig),
                    )
                )


def sign_interop_tree(
    tree: etree._ElementTree,
    signer: Signer,
    *,
    policy: SignaturePolicy,
    method_name: str,
    under: str | None,
    references: Sequence[str],
    signing_time: datetime | None,
    signature_id: str | None,
) -> etree._Element:
    """Add one signature to ``tree`` in place; returns it. See :func:`qnegov.signing.sign`."""
    from qnegov.signing._algorithms import SignatureMethod

    method = SignatureMethod[method_name]
    root = tree.getroot()
    host = find_or_make(root, under) if under else root
    _check_existing(root, host, policy)
    c14n = policy.sign_c14n
    digest = policy.sign_digest
    index = id_index(root, policy.id_attributes)
    targets = [resolve_id(index, name, policy.id_attributes) for name in references]
    sig_id = signature_id or _fresh_id(index, "sig")
    if sig_id in index:
        raise AmbiguousSignature(
            tr("the signature Id {id!r} is already used in the document", id=sig_id)
        )
    sig = etree.SubElement(host, _DS + "Signature", {"Id": sig_id}, nsmap={"ds": DSIG_NS})
    signed_info = _ds(sig, "SignedInfo")
    _ds(signed_info, "CanonicalizationMethod", Algorithm=c14n.value)
    _ds(signed_info, "SignatureMethod", Algorithm=method.value)
    value = _ds(sig, "SignatureValue")
    x509_data = _ds(_ds(sig, "KeyInfo"), "X509Data")
    for cert in (signer.certificate, *signer.chain):
        _ds(x509_data, "X509Certificate").text = _b64(cert.public_bytes(Encoding.DER))
    plan: list[tuple[str, etree._Element | None, bool]] = []
    if not references:
        plan.append(("", None, True))
    plan += [(f"#{name}", target, True) for name, target in zip(references, targets, strict=True)]
    if signing_time is not None:
        time_id = _fresh_id(index, f"{sig_id}-signing-time")
        obj = _ds(sig, "Object", Id=time_id)
        prop = _ds(_ds(obj, "SignatureProperties"), "SignatureProperty", Target=f"#{sig_id}")
        etree.SubElement(prop, "SigningTime").text = signing_time.isoformat(timespec="seconds")
        plan.append((f"#{time_id}", obj, False))
    for uri, target, enveloped in plan:
        reference = _ds(signed_info, "Reference", URI=uri)
        transforms = _ds(reference, "Transforms")
        if enveloped:
            _ds(transforms, "Transform", Algorithm=Transform.ENVELOPED.value)
        _ds(transforms, "Transform", Algorithm=c14n.value)
        _ds(reference, "DigestMethod", Algorithm=digest.value)
        digest_value = _ds(reference, "DigestValue")
        content = canonical_reference(tree, sig, target, enveloped=enveloped, c14n=c14n)
        digest_value.text = _b64(digest.digest(content))
    value.text = _b64(signer.sign(canonicalize(signed_info, c14n), method))
    return sig


def _fresh_id(index: Mapping[str, object], base: str) -> str:
    if base not in index:
        return base
    n = 2
    while f"{base}-{n}" in index:
        n += 1
    return f"{base}-{n}"


def refuse_non_interop(policy: SignaturePolicy) -> None:
    """References by Id and placement under a path are for the interop profile only."""
    if not policy.interop:
        raise PolicyViolation(
            tr(
                "signing under a named element or by Id needs the interop policy (the {policy} "
                "policy verifies only one whole-document signature)",
                policy=policy.name,
            )
        )
