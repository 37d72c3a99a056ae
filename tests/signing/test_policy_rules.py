"""Signature policies hold together: a policy must verify what it signs, key floors have a
minimum, and the interop profile's options are checked and named when wrong."""

from __future__ import annotations

import pytest

from qnegov.signing._policy import (
    INTEROP,
    LEGACY_PEER,
    QUIRK_ENVELOPED_OBJECT,
    STRICT,
    SignaturePolicy,
    interop_policy,
    policy_by_name,
)
from qnegov.signing._structure import C14NMethod, DigestMethod, SignatureMethod


def test_a_policy_must_accept_the_digest_it_signs_with() -> None:
    with pytest.raises(ValueError) as caught:
        SignaturePolicy(name="p", sign_digest=DigestMethod.SHA1)
    assert str(caught.value) == "policy 'p' signs with a digest it does not accept"


def test_a_policy_must_accept_the_canonicalisation_it_signs_with() -> None:
    with pytest.raises(ValueError) as caught:
        SignaturePolicy(name="p", sign_c14n=C14NMethod.EXC_C14N_LEGACY_URI)
    assert str(caught.value) == "policy 'p' signs with a C14N method it does not accept"


@pytest.mark.parametrize(
    ("rsa", "ec", "ok"), [(1024, 256, True), (1023, 256, False), (2048, 255, False)]
)
def test_key_size_floors_have_a_minimum(rsa: int, ec: int, ok: bool) -> None:
    if ok:
        assert SignaturePolicy(name="p", min_rsa_bits=rsa, min_ec_bits=ec).min_rsa_bits == rsa
        return
    with pytest.raises(ValueError) as caught:
        SignaturePolicy(name="p", min_rsa_bits=rsa, min_ec_bits=ec)
    assert str(caught.value) == "key size floors below RSA-1024 / P-256 are not supported"


def test_the_interop_profile_without_options_is_interop_itself() -> None:
    policy = interop_policy()
    assert policy == INTEROP
    assert SignatureMethod.RSA_SHA1 not in policy.signature_methods


def test_sha1_is_added_to_the_interop_profile_only_when_asked() -> None:
    policy = interop_policy(allow_sha1=True)
    assert policy.name == "interop"
    assert policy.signature_methods == INTEROP.signature_methods | {SignatureMethod.RSA_SHA1}
    assert policy.digest_methods == INTEROP.digest_methods | {DigestMethod.SHA1}
    assert policy.c14n_methods == INTEROP.c14n_methods and policy.interop


def test_id_attributes_and_quirks_are_kept() -> None:
    policy = interop_policy(
        id_attributes=["Ref", "{urn:x}key"], allow_quirks=[QUIRK_ENVELOPED_OBJECT]
    )
    assert policy.id_attributes == frozenset({"Ref", "{urn:x}key"})
    assert policy.allowed_quirks == frozenset({QUIRK_ENVELOPED_OBJECT})


@pytest.mark.parametrize("name", ["a b", "", "{urn:x", "1st", "{urn:x}"])
def test_an_id_attribute_that_is_not_a_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        interop_policy(id_attributes=[name])
    assert str(caught.value) == (f"not an attribute name: {name!r} (use name or {{namespace}}name)")


def test_an_unknown_quirk_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        interop_policy(allow_quirks=["zz", "aa"])
    assert str(caught.value) == "unknown quirk 'aa'; known: enveloped-object"


@pytest.mark.parametrize(
    ("name", "policy"), [("strict", STRICT), ("legacy", LEGACY_PEER), ("interop", INTEROP)]
)
def test_policies_by_name(name: str, policy: SignaturePolicy) -> None:
    assert policy_by_name(name) is policy


def test_an_unknown_policy_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        policy_by_name("lax")
    assert str(caught.value) == "unknown signature policy 'lax'; expected strict, legacy or interop"
