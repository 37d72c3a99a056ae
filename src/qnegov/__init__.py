"""qnegov: e-government interoperability primitives for Vietnamese provinces.

The public surface is what ``__all__`` lists; everything in a module whose name starts with an
underscore is private and may change without notice.
"""

from qnegov._resources import schemas_dir
from qnegov._version import __version__
from qnegov.errors import (
    AmbiguousSignature,
    AttachmentError,
    AuthError,
    BadResponse,
    CertificateExpired,
    ExchangeError,
    InputError,
    InvalidCode,
    KeyLoadError,
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
from qnegov.exchange import (
    AsyncDocumentExchangeClient,
    AsyncLgspClient,
    DocumentExchangeClient,
    LgspClient,
)
from qnegov.report import Issue, Report, Severity

__all__ = [
    "AmbiguousSignature",
    "AsyncDocumentExchangeClient",
    "AsyncLgspClient",
    "AttachmentError",
    "AuthError",
    "BadResponse",
    "CertificateExpired",
    "DocumentExchangeClient",
    "ExchangeError",
    "InputError",
    "InvalidCode",
    "Issue",
    "KeyLoadError",
    "LgspClient",
    "PacketError",
    "PolicyViolation",
    "QnegovError",
    "RemoteError",
    "Report",
    "SchemaError",
    "Severity",
    "SignatureError",
    "SignatureInvalid",
    "SignatureMissing",
    "TransportError",
    "UnsafeXMLError",
    "UntrustedCertificate",
    "XMLError",
    "XMLSyntaxError",
    "ZipBombError",
    "__version__",
    "schemas_dir",
]
