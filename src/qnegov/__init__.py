"""qnegov: e-government interoperability primitives for Vietnamese provinces.

The public surface is what ``__all__`` lists; everything in a module whose name starts with an
underscore is private and may change without notice. edXML packets live in :mod:`qnegov.edxml`
(imported on demand: it brings pydantic models that ``import qnegov`` should not pay for).
"""

from qnegov._resources import schemas_dir
from qnegov._version import __version__
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
from qnegov.errors import (
    AmbiguousSignature,
    AttachmentError,
    AuthError,
    CertificateExpired,
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
from qnegov.report import Issue, Report, Severity

__all__ = [
    "AdministrativeUnit",
    "AgencyCode",
    "AmbiguousSignature",
    "AttachmentError",
    "AuthError",
    "CertificateExpired",
    "CitizenId",
    "DocumentCode",
    "DocumentId",
    "ExchangeError",
    "InputError",
    "InvalidCode",
    "Issue",
    "KeyLoadError",
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
    "TaxCode",
    "TransportError",
    "UnsafeXMLError",
    "UntrustedCertificate",
    "XMLError",
    "XMLSyntaxError",
    "ZipBombError",
    "__version__",
    "schemas_dir",
]
