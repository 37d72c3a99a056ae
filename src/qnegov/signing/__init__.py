"""XML digital signatures for edXML packets and any XML, hard to misuse.

Sign properly by default (enveloped XML-DSig, exclusive C14N, RSA-SHA256 or ECDSA-SHA256, the
certificate in ``KeyInfo``), verify strictly by default (one signature, one whole-document
reference, a trusted and valid certificate), and interoperate with legacy RSA-SHA1 peers only
when the caller names :data:`LEGACY_PEER`. Verification returns what was signed.
:data:`INTEROP` (with :func:`verify_signatures`) is the general W3C profile of e-invoices and
other integrators: every signature of a document, references by Id, each with its own verdict.
"""

from qnegov.signing._algorithms import DSIG_NS, C14NMethod, DigestMethod, SignatureMethod
from qnegov.signing._explain import ReferenceExplanation, SignatureExplanation, explain
from qnegov.signing._interop import (
    CoveredContent,
    SignatureResult,
    VerifiedSignatures,
    verify_signatures,
)
from qnegov.signing._keys import KeySigner, Signer
from qnegov.signing._packet import sign_packet, strip_signature, verify_packet
from qnegov.signing._policy import (
    INTEROP,
    LEGACY_PEER,
    QUIRK_ENVELOPED_OBJECT,
    STRICT,
    KeyInfoForm,
    SignaturePolicy,
    interop_policy,
    policy_by_name,
)
from qnegov.signing._sign import sign
from qnegov.signing._status import signature_status
from qnegov.signing._testpki import TestPKI, make_test_pki
from qnegov.signing._trust import TrustStore
from qnegov.signing._verify import VerifiedDocument, verify

__all__ = [
    "DSIG_NS",
    "INTEROP",
    "LEGACY_PEER",
    "QUIRK_ENVELOPED_OBJECT",
    "STRICT",
    "C14NMethod",
    "CoveredContent",
    "DigestMethod",
    "KeyInfoForm",
    "KeySigner",
    "ReferenceExplanation",
    "SignatureExplanation",
    "SignatureMethod",
    "SignaturePolicy",
    "SignatureResult",
    "Signer",
    "TestPKI",
    "TrustStore",
    "VerifiedDocument",
    "VerifiedSignatures",
    "explain",
    "interop_policy",
    "make_test_pki",
    "policy_by_name",
    "sign",
    "sign_packet",
    "signature_status",
    "strip_signature",
    "verify",
    "verify_packet",
    "verify_signatures",
]
