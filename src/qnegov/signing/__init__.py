"""XML digital signatures for edXML packets and any XML, hard to misuse.

Sign properly by default (enveloped XML-DSig, exclusive C14N, RSA-SHA256 or ECDSA-SHA256, the
certificate in ``KeyInfo``), verify strictly by default (one signature, one whole-document
reference, a trusted and valid certificate), and interoperate with legacy RSA-SHA1 peers only
when the caller names :data:`LEGACY_PEER`. Verification returns what was signed.
"""

from qnegov.signing._algorithms import DSIG_NS, C14NMethod, DigestMethod, SignatureMethod
from qnegov.signing._explain import ReferenceExplanation, SignatureExplanation, explain
from qnegov.signing._keys import KeySigner, Signer
from qnegov.signing._packet import sign_packet, strip_signature, verify_packet
from qnegov.signing._policy import (
    LEGACY_PEER,
    STRICT,
    KeyInfoForm,
    SignaturePolicy,
    policy_by_name,
)
from qnegov.signing._sign import sign
from qnegov.signing._status import signature_status
from qnegov.signing._testpki import TestPKI, make_test_pki
from qnegov.signing._trust import TrustStore
from qnegov.signing._verify import VerifiedDocument, verify

__all__ = [
    "DSIG_NS",
    "LEGACY_PEER",
    "STRICT",
    "C14NMethod",
    "DigestMethod",
    "KeyInfoForm",
    "KeySigner",
    "ReferenceExplanation",
    "SignatureExplanation",
    "SignatureMethod",
    "SignaturePolicy",
    "Signer",
    "TestPKI",
    "TrustStore",
    "VerifiedDocument",
    "explain",
    "make_test_pki",
    "policy_by_name",
    "sign",
    "sign_packet",
    "signature_status",
    "strip_signature",
    "verify",
    "verify_packet",
]
