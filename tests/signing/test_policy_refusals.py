"""``check_policy``'s refusals and warnings, exactly: the message, the line and the warning
codes a verifier reports for each shape a policy refuses or tolerates.

A signed packet is parsed once; each case changes one field of the parsed signature, so every
refusal is reached on its own (the whole verifier stops at the first). The mutation run
(docs/mutation.md, group ``signing``) showed these details unpinned.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from qnegov.errors import PolicyViolation, SignatureInvalid
from qnegov.signing import LEGACY_PEER, STRICT, sign, verify
from qnegov.signing._policy import INTEROP, SignaturePolicy
from qnegov.signing._structure import (
    C14NMethod,
    DigestMethod,
    ParsedSignature,
    SignatureMethod,
    Transform,
    parse_signature,
)
from qnegov.signing._verify import (
    LEGACY_C14N_URI,
    LEGACY_NAMESPACE,
    SHA1_USED,
    check_policy,
)

from .conftest import PKI

DSIG = "{http://www.w3.org/2000/09/xmldsig#}Signature"


@pytest.fixture(scope="module")
def parsed(pki: PKI, packet: bytes) -> ParsedSignature:
    signed = sign(packet, pki.rsa)
    root = etree.fromstring(signed)
    element = root.find(f".//{DSIG}")
    assert element is not None
    return parse_signature(element)


def _refused(parsed: ParsedSignature, policy: SignaturePolicy = STRICT) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as caught:
        check_policy(parsed, policy)
    assert caught.value.line == parsed.element.sourceline  # the signature's own line
    return caught.value


def test_a_clean_strict_signature_passes_without_warnings(parsed: ParsedSignature) -> None:
    assert check_policy(parsed, STRICT) == ()


def test_a_signature_method_outside_the_policy_is_named(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, method=SignatureMethod.RSA_SHA1))
    assert error.message == "signature method RSA_SHA1 is not allowed by the strict policy"


def test_a_digest_method_outside_the_policy_is_named(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, digest_method=DigestMethod.SHA1))
    assert error.message == "digest method SHA1 is not allowed by the strict policy"


@pytest.mark.parametrize("field", ["c14n", "reference_c14n"])
def test_a_canonicalisation_outside_the_policy_is_named(
    parsed: ParsedSignature, field: str
) -> None:
    method = C14NMethod.EXC_C14N_LEGACY_URI
    error = _refused(replace(parsed, **{field: method}))  # type: ignore[arg-type]
    assert error.message == f"canonicalisation {method.value} is not allowed by the strict policy"


def test_a_whole_document_reference_needs_transforms(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, reference_uri="", transforms=()))
    assert error.message == (
        "the Reference has no Transforms; the enveloped-signature transform is required"
    )


def test_the_enveloped_transform_must_come_first(parsed: ParsedSignature) -> None:
    moved = replace(
        parsed, reference_uri="", transforms=(C14NMethod.EXC_C14N.value, Transform.ENVELOPED.value)
    )
    error = _refused(moved)
    assert error.message == "the first transform must be the enveloped-signature transform"


def test_a_strict_policy_wants_the_whole_document(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, reference_uri="#doc"))
    assert error.message == (
        "the reference URI '#doc' does not cover the whole document (URI=\"\" required)"
    )


def test_an_id_reference_must_be_a_bare_name(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, reference_uri="#xpointer(/)"), INTEROP)
    assert error.message == (
        "only same-document references by Id (#name) are supported, not '#xpointer(/)'"
    )


def test_key_info_must_carry_the_signer_certificate(parsed: ParsedSignature) -> None:
    error = _refused(replace(parsed, certificates=()))
    assert error.message == "KeyInfo must carry the signer's certificate (X509Data/X509Certificate)"


SHA1 = (SHA1_USED, "the signature uses SHA-1 (legacy peers only)")
EXC_URI = (
    LEGACY_C14N_URI,
    "the transform URI http://www.w3.org/TR/xml-exc-c14n# was read as exclusive C14N",
)
UNNAMESPACED = (
    LEGACY_NAMESPACE,
    "the Signature element is not in the XML-DSig namespace (legacy shape)",
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"method": SignatureMethod.RSA_SHA1}, [SHA1]),
        ({"digest_method": DigestMethod.SHA1}, [SHA1]),
        ({"method": SignatureMethod.RSA_SHA1, "digest_method": DigestMethod.SHA1}, [SHA1]),
        ({"c14n": C14NMethod.EXC_C14N_LEGACY_URI}, [EXC_URI]),
        ({"reference_c14n": C14NMethod.EXC_C14N_LEGACY_URI}, [EXC_URI]),
        ({"namespace": None}, [UNNAMESPACED]),
        (
            {
                "namespace": None,
                "c14n": C14NMethod.EXC_C14N_LEGACY_URI,
                "method": SignatureMethod.RSA_SHA1,
            },
            [UNNAMESPACED, EXC_URI, SHA1],
        ),
    ],
)
def test_the_legacy_policy_reports_each_tolerated_trait(
    parsed: ParsedSignature, changes: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    found = check_policy(replace(parsed, **changes), LEGACY_PEER)  # type: ignore[arg-type]
    assert [(issue.code, issue.message) for issue in found] == expected
    assert all(issue.line == parsed.element.sourceline for issue in found)
    assert all(issue.severity.value == "warning" and issue.rule == "legacy" for issue in found)


def test_a_changed_document_fails_its_digest_at_the_signature_s_line(
    pki: PKI, packet: bytes
) -> None:
    signed = sign(packet, pki.rsa)
    line = etree.fromstring(signed).find(f".//{DSIG}").sourceline  # type: ignore[union-attr]
    changed = signed.replace(b"</edXML:edXMLHeader>", b"<!-- x --></edXML:edXMLHeader>", 1)
    changed = changed.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1)
    assert changed != signed
    with pytest.raises(SignatureInvalid) as caught:
        verify(changed, trust=pki.trust)
    assert caught.value.message == (
        "the digest of the signed content does not match: the document was changed after signing"
    )
    assert caught.value.line == line


def test_a_signature_as_the_document_element_is_refused_by_policy_name(
    pki: PKI, parsed: ParsedSignature
) -> None:
    alone = etree.tostring(parsed.element)
    for policy in (STRICT, LEGACY_PEER):
        with pytest.raises(PolicyViolation) as caught:
            verify(alone, trust=pki.trust, policy=policy)
        assert caught.value.message == (
            "the signature is the document element (an enveloping signature); the "
            f"{policy.name} policy accepts only enveloped signatures"
        )
        assert caught.value.line == 1


def test_an_element_is_verified_on_a_copy_and_left_as_it_was(pki: PKI, packet: bytes) -> None:
    root = etree.fromstring(sign(packet, pki.rsa))
    before = etree.tostring(root)
    result = verify(root, trust=pki.trust)
    assert result.digest_method is DigestMethod.SHA256
    assert result.c14n is C14NMethod.EXC_C14N
    assert etree.tostring(root) == before
    verify(root.getroottree(), trust=pki.trust)
    assert etree.tostring(root) == before
