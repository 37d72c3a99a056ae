"""The general path: one reference to an element by Id, verified by signxml.

Only reached when a policy sets ``require_whole_document=False``. Before signxml runs, the
reference must resolve to exactly one element (duplicated ids are the classic wrapping trick),
the signature must be namespaced, and algorithms, trust and key have been checked by the caller.
signxml then resolves the reference, applies the transforms, compares the digest and checks the
signature value; what it returns as signed becomes the result, so callers see only that element.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import DigestAlgorithm
from signxml.algorithms import SignatureMethod as SignxmlMethod
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

from qnegov._i18n import tr
from qnegov.errors import AmbiguousSignature, PolicyViolation, SignatureInvalid
from qnegov.report import Issue
from qnegov.signing._policy import SignaturePolicy
from qnegov.signing._structure import ParsedSignature
from qnegov.signing._verify import VerifiedDocument

__all__ = ["verify_reference_by_id"]

_ID_NAMES: Final = frozenset({"Id", "ID", "id"})


def _holders(root: etree._Element, value: str) -> list[tuple[etree._Element, str]]:
    """Every (element, attribute local name) whose Id-like attribute equals ``value``."""
    found: list[tuple[etree._Element, str]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, attr_value in el.attrib.items():
            local = etree.QName(name).localname
            if local in _ID_NAMES and attr_value == value:
                found.append((el, local))
    return found


def verify_reference_by_id(
    tree: etree._ElementTree,
    parsed: ParsedSignature,
    leaf: x509.Certificate,
    *,
    chain: tuple[x509.Certificate, ...],
    policy: SignaturePolicy,
    warnings: tuple[Issue, ...],
    at: datetime | None = None,
) -> VerifiedDocument:
    """Verify a ``#id`` reference; the result's signed content is the referenced element."""
    if parsed.legacy_namespace:
        raise PolicyViolation(
            tr("references by Id are verified only for signatures in the XML-DSig namespace")
        )
    target = parsed.reference_uri[1:]
    holders = _holders(tree.getroot(), target)
    if len(holders) != 1:
        raise AmbiguousSignature(
            tr(
                "the reference #{id} matches {count} elements; exactly one is accepted",
                id=target,
                count=len(holders),
            )
        )
    # qnegov has already checked the whole chain at ``at`` with the policy's clock skew; signxml
    # checks the leaf again at its own verification time (now, by default, without skew), so it
    # is given a moment inside the leaf's validity: the nearest one to ``at``.
    when = (at or datetime.now(UTC)).astimezone(UTC)
    when = min(max(when, leaf.not_valid_before_utc), leaf.not_valid_after_utc)
    config = SignatureConfiguration(
        require_x509=True,
        verification_time=when,
        expect_references=1,
        signature_methods=frozenset(SignxmlMethod(m.value) for m in policy.signature_methods),
        digest_algorithms=frozenset(DigestAlgorithm(d.value) for d in policy.digest_methods),
    )
    try:
        result = XMLVerifier().verify(
            tree.getroot(),
            x509_cert=leaf.public_bytes(Encoding.PEM).decode("ascii"),
            id_attribute=holders[0][1],
            expect_config=config,
        )
    except InvalidDigest:
        raise SignatureInvalid(
            tr(
                "the digest of the signed content does not match: the document was changed "
                "after signing"
            )
        ) from None
    except InvalidSignature as exc:
        raise SignatureInvalid(tr("signxml refused the signature: {reason}", reason=exc)) from None
    except InvalidInput as exc:
        raise PolicyViolation(tr("signxml refused the signature: {reason}", reason=exc)) from None
    if not isinstance(result, VerifyResult):  # a list only when expect_references > 1
        raise AmbiguousSignature(
            tr("the signature holds {count} references; exactly one is accepted", count=len(result))
        )
    return VerifiedDocument(
        signed_bytes=result.signed_data,
        certificate=leaf,
        chain=chain,
        signature_method=parsed.method,
        digest_method=parsed.digest_method,
        c14n=parsed.reference_c14n,
        policy=policy,
        warnings=warnings,
    )
