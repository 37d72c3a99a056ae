"""qnegov: e-government interoperability primitives for Vietnamese provinces.

The public surface is what ``__all__`` lists; everything in a module whose name starts with an
underscore is private and may change without notice. edXML packets live in :mod:`qnegov.edxml`
(imported on demand: it brings pydantic models that ``import qnegov`` should not pay for).

The names re-exported from ``report``, ``codes``, ``bulk``, ``exchange`` and ``signing`` (and
:func:`validate`) are resolved on first use (PEP 562): ``import qnegov`` stays cheap (no httpx,
signxml or cryptography), which matters for the bulk validator's worker processes, whose memory
is mostly what they imported, and for ``qnegov --version``, which imports nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qnegov._version import __version__
from qnegov.errors import (
    AmbiguousSignature,
    AttachmentError,
    AuthError,
    BadResponse,
    CertificateExpired,
    DescriptionError,
    ExchangeError,
    InputError,
    InvalidCode,
    KeyLoadError,
    NonConformingPacket,
    PacketError,
    PolicyViolation,
    QnegovError,
    RemoteError,
    SchemaError,
    SignatureError,
    SignatureInvalid,
    SignatureMissing,
    TransportError,
    UnsafeXMLError,
    UntrustedCertificate,
    XMLError,
    XMLSyntaxError,
    ZipBombError,
)

if TYPE_CHECKING:
    from qnegov._resources import schemas_dir
    from qnegov._validate_any import validate
    from qnegov.bulk import CitizenRecord, HouseholdRecord, iter_records, write_records
    from qnegov.codes import (
        AdministrativeUnit,
        AgencyCode,
        CitizenId,
        DocumentCode,
        DocumentId,
        PhoneNumber,
        Priority,
        TaxCode,
    )
    from qnegov.exchange import (
        AsyncDocumentExchangeClient,
        AsyncLgspClient,
        DocumentExchangeClient,
        LgspClient,
    )
    from qnegov.report import Issue, Report, Severity
    from qnegov.signing import (
        KeySigner,
        SignaturePolicy,
        Signer,
        TrustStore,
        VerifiedDocument,
        sign,
        sign_packet,
        verify,
        verify_packet,
    )

__all__ = [
    "AdministrativeUnit",
    "AgencyCode",
    "AmbiguousSignature",
    "AsyncDocumentExchangeClient",
    "AsyncLgspClient",
    "AttachmentError",
    "AuthError",
    "BadResponse",
    "CertificateExpired",
    "CitizenId",
    "CitizenRecord",
    "DescriptionError",
    "DocumentCode",
    "DocumentExchangeClient",
    "DocumentId",
    "ExchangeError",
    "HouseholdRecord",
    "InputError",
    "InvalidCode",
    "Issue",
    "KeyLoadError",
    "KeySigner",
    "LgspClient",
    "NonConformingPacket",
    "PacketError",
    "PhoneNumber",
    "PolicyViolation",
    "Priority",
    "QnegovError",
    "RemoteError",
    "Report",
    "SchemaError",
    "Severity",
    "SignatureError",
    "SignatureInvalid",
    "SignatureMissing",
    "SignaturePolicy",
    "Signer",
    "TaxCode",
    "TransportError",
    "TrustStore",
    "UnsafeXMLError",
    "UntrustedCertificate",
    "VerifiedDocument",
    "XMLError",
    "XMLSyntaxError",
    "ZipBombError",
    "__version__",
    "iter_records",
    "schemas_dir",
    "sign",
    "sign_packet",
    "validate",
    "verify",
    "verify_packet",
    "write_records",
]

_LAZY: dict[str, str] = {
    "Issue": "qnegov.report",
    "Report": "qnegov.report",
    "Severity": "qnegov.report",
    "schemas_dir": "qnegov._resources",
    "validate": "qnegov._validate_any",
    "CitizenRecord": "qnegov.bulk",
    "HouseholdRecord": "qnegov.bulk",
    "iter_records": "qnegov.bulk",
    "write_records": "qnegov.bulk",
    "AdministrativeUnit": "qnegov.codes",
    "AgencyCode": "qnegov.codes",
    "CitizenId": "qnegov.codes",
    "DocumentCode": "qnegov.codes",
    "DocumentId": "qnegov.codes",
    "PhoneNumber": "qnegov.codes",
    "Priority": "qnegov.codes",
    "TaxCode": "qnegov.codes",
    "AsyncDocumentExchangeClient": "qnegov.exchange",
    "AsyncLgspClient": "qnegov.exchange",
    "DocumentExchangeClient": "qnegov.exchange",
    "LgspClient": "qnegov.exchange",
    "KeySigner": "qnegov.signing",
    "SignaturePolicy": "qnegov.signing",
    "Signer": "qnegov.signing",
    "TrustStore": "qnegov.signing",
    "VerifiedDocument": "qnegov.signing",
    "sign": "qnegov.signing",
    "sign_packet": "qnegov.signing",
    "verify": "qnegov.signing",
    "verify_packet": "qnegov.signing",
}
_SUBPACKAGES = frozenset({"bulk", "codes", "edxml", "exchange", "signing", "testing"})


def __getattr__(name: str) -> Any:
    """Import a re-exported name (or a subpackage) on first use, then keep it."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"qnegov.{name}")
    else:
        raise AttributeError(f"module 'qnegov' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
