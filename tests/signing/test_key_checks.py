"""The signer's key against the signature method and the policy, and the signature value
against SignedInfo, RSA and ECDSA: exact refusals."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from qnegov.errors import AmbiguousSignature, PolicyViolation, SignatureInvalid
from qnegov.signing._policy import STRICT
from qnegov.signing._structure import SignatureMethod
from qnegov.signing._trust import describe_certificate
from qnegov.signing._verify import (
    check_public_key,
    select_signer_certificate,
    verify_signature_value,
)

from .conftest import PKI, make_cert, rsa_key


def test_a_key_of_the_wrong_kind_cannot_have_made_the_signature(pki: PKI) -> None:
    key = pki.ec.certificate.public_key()
    with pytest.raises(PolicyViolation) as caught:
        check_public_key(key, SignatureMethod.RSA_SHA256, STRICT)
    assert caught.value.message == "the signer's ec key cannot have made a RSA_SHA256 signature"


def test_a_key_below_the_policy_floor_is_refused_with_its_size(pki: PKI) -> None:
    key = pki.weak.certificate.public_key()
    with pytest.raises(PolicyViolation) as caught:
        check_public_key(key, SignatureMethod.RSA_SHA256, STRICT)
    assert caught.value.message == (
        "the signer's rsa key has 1024 bits; the strict policy requires 2048"
    )


def test_keys_at_the_floor_pass(pki: PKI) -> None:
    check_public_key(pki.rsa.certificate.public_key(), SignatureMethod.RSA_SHA256, STRICT)
    check_public_key(pki.ec.certificate.public_key(), SignatureMethod.ECDSA_SHA256, STRICT)
    small = ec.generate_private_key(ec.SECP256R1()).public_key()
    check_public_key(small, SignatureMethod.ECDSA_SHA384, STRICT)


def test_an_rsa_signature_value_is_checked_over_the_data(pki: PKI) -> None:
    cert = pki.rsa.certificate
    value = pki.rsa_key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    verify_signature_value(cert, SignatureMethod.RSA_SHA256, b"data", value)
    with pytest.raises(SignatureInvalid) as caught:
        verify_signature_value(cert, SignatureMethod.RSA_SHA256, b"other", value)
    assert caught.value.message == (
        f"the SignatureValue does not match SignedInfo for the key of {describe_certificate(cert)}"
    )
    with pytest.raises(SignatureInvalid):  # the right bytes, another hash
        verify_signature_value(cert, SignatureMethod.RSA_SHA384, b"data", value)


def test_an_ecdsa_signature_value_is_r_and_s_of_the_curve_s_width() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    cert = make_cert("EC signer", key, None, key)
    r, s = decode_dss_signature(key.sign(b"data", ec.ECDSA(hashes.SHA384())))
    value = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    verify_signature_value(cert, SignatureMethod.ECDSA_SHA384, b"data", value)
    for bad in (value[:-1], value + b"\x00", value[48:] + value[:48]):
        with pytest.raises(SignatureInvalid):
            verify_signature_value(cert, SignatureMethod.ECDSA_SHA384, b"data", bad)


def test_the_signer_is_the_one_certificate_that_issued_none_of_the_others(pki: PKI) -> None:
    leaf, inter, root = pki.chained.certificate, pki.intermediate, pki.root
    assert select_signer_certificate([leaf]) is leaf
    assert select_signer_certificate([inter, leaf]) is leaf
    assert select_signer_certificate([root, inter, leaf]) is leaf


def test_two_unrelated_certificates_are_ambiguous(pki: PKI) -> None:
    other = make_cert("Another signer", rsa_key(), pki.root, pki.root_key)
    with pytest.raises(AmbiguousSignature) as caught:
        select_signer_certificate([pki.rsa.certificate, other])
    assert caught.value.message == (
        "KeyInfo holds 2 candidate signer certificates; exactly one is accepted"
    )
