"""The qnegov exception tree: one root, a stable string ``code`` per class.

Every class also subclasses the builtin a caller would naturally catch (a bad code is a
``ValueError``, an unreadable file an ``OSError``), so code that knows nothing of qnegov still
handles our errors sensibly. Validation problems that do not stop the work are *not* raised:
they are collected as :class:`qnegov.report.Issue` objects in a :class:`qnegov.report.Report`.

::

    QnegovError                              qnegov_error
    ├── InputError                           unreadable_input      (OSError)
    ├── XMLError                             xml_error             (ValueError)
    │   ├── XMLSyntaxError                   xml_syntax
    │   └── UnsafeXMLError                   unsafe_xml
    ├── SchemaError                          schema_error          (ValueError)
    ├── InvalidCode                          invalid_code          (ValueError)
    ├── PacketError                          invalid_packet        (ValueError)
    │   ├── NonConformingPacket              packet_nonconforming
    │   ├── DescriptionError                 invalid_description
    │   └── AttachmentError                  invalid_attachment
    │       └── ZipBombError                 zip_bomb
    ├── SignatureError                       signature_error       (ValueError)
    │   ├── SignatureMissing                 signature_missing
    │   ├── SignatureInvalid                 signature_invalid
    │   ├── AmbiguousSignature               signature_ambiguous
    │   ├── PolicyViolation                  signature_policy
    │   ├── UntrustedCertificate             certificate_untrusted
    │   └── CertificateExpired               certificate_expired
    ├── KeyLoadError                         key_load              (ValueError)
    └── ExchangeError                        exchange_error
        ├── TransportError                   transport             (ConnectionError)
        ├── AuthError                        auth                  (PermissionError)
        └── RemoteError                      remote                (RuntimeError)
            ├── BadResponse                  bad_response
            └── MessageIdConflict            message_id_conflict

Each error knows where it happened (``file``, ``line``, ``column``) when that is known, and its
``str()`` leads with that location so a clerk can find the spot without a traceback.
"""

from __future__ import annotations

from os import PathLike
from typing import Any, ClassVar

__all__ = [
    "AmbiguousSignature",
    "AttachmentError",
    "AuthError",
    "BadResponse",
    "CertificateExpired",
    "DescriptionError",
    "ExchangeError",
    "InputError",
    "InvalidCode",
    "KeyLoadError",
    "MessageIdConflict",
    "NonConformingPacket",
    "PacketError",
    "PolicyViolation",
    "QnegovError",
    "RemoteError",
    "SchemaError",
    "SignatureError",
    "SignatureInvalid",
    "SignatureMissing",
    "TransportError",
    "UnsafeXMLError",
    "UntrustedCertificate",
    "XMLError",
    "XMLSyntaxError",
    "ZipBombError",
    "all_error_classes",
]


def _name(file: str | PathLike[str] | None) -> str | None:
    return None if file is None else str(file)


class QnegovError(Exception):
    """Root of every error qnegov raises on purpose.

    ``message`` is already in the user's language (see :mod:`qnegov._i18n`); ``file``, ``line``
    and ``column`` locate the problem when known.
    """

    code: ClassVar[str] = "qnegov_error"
    exit_code: ClassVar[int] = 1
    """CLI exit code when this error ends a command: 1 invalid input, 3 unreadable or unsafe."""

    def __init__(
        self,
        message: str,
        *,
        file: str | PathLike[str] | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.file = _name(file)
        self.line = line
        self.column = column
        super().__init__(message)

    @property
    def location(self) -> str:
        """``file:line:column`` with the unknown parts left out (empty when nothing is known)."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state: the keyword-only constructors cannot be called again with ``args``,
        and an error that cannot cross from a worker process breaks the whole pool."""
        return (_rebuild, (type(self), self.message), dict(self.__dict__))


def _rebuild(cls: type[QnegovError], message: str) -> QnegovError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    return error


class InputError(QnegovError, OSError):
    """A file could not be read at all (missing, a directory, permission denied)."""

    code = "unreadable_input"
    exit_code = 3

    def __str__(self) -> str:  # OSError would otherwise format its own args
        return QnegovError.__str__(self)


class XMLError(QnegovError, ValueError):
    """Bytes that are not acceptable XML."""

    code = "xml_error"
    exit_code = 3


class XMLSyntaxError(XMLError):
    """Malformed XML: truncated, empty, not XML, or bytes that break the declared encoding."""

    code = "xml_syntax"


class UnsafeXMLError(XMLError):
    """A hostile construct: DTDs, entities, external references, excessive depth or size.

    ``construct`` names what was found (``"external entity 'xxe'"``, ``"nesting depth"``...).
    """

    code = "unsafe_xml"

    def __init__(
        self,
        message: str,
        *,
        construct: str,
        file: str | PathLike[str] | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.construct = construct
        super().__init__(message, file=file, line=line, column=column)


class SchemaError(QnegovError, ValueError):
    """An XSD that cannot be loaded or compiled (ours or a user's)."""

    code = "schema_error"


class InvalidCode(QnegovError, ValueError):
    """A national code (agency, citizen id, tax code...) that does not parse or check.

    ``reason`` is the registered issue code saying why (``code_syntax``, ``code_check_digit``...),
    so a validator can turn the error into an :class:`~qnegov.report.Issue` without losing it.
    """

    code = "invalid_code"

    def __init__(
        self,
        message: str,
        *,
        reason: str = "invalid_code",
        file: str | PathLike[str] | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.reason = reason
        super().__init__(message, file=file, line=line, column=column)


class PacketError(QnegovError, ValueError):
    """An edXML packet that cannot be turned into a model, even leniently."""

    code = "invalid_packet"


class NonConformingPacket(PacketError):
    """A packet read in strict mode deviates from the standard; ``issues`` says how."""

    code = "packet_nonconforming"

    def __init__(self, message: str, *, issues: tuple[object, ...] = (), **where: Any) -> None:
        self.issues = issues
        super().__init__(message, **where)


class DescriptionError(PacketError):
    """A packet description (``qnegov build --from``) that describes no packet.

    ``problems`` lists every fault at once, each with its JSON path and a plain message.
    """

    code = "invalid_description"

    def __init__(self, message: str, *, problems: tuple[object, ...] = (), **where: Any) -> None:
        self.problems = problems
        super().__init__(message, **where)


class AttachmentError(PacketError):
    """An attachment that does not decode, unzip or match its manifest entry."""

    code = "invalid_attachment"


class ZipBombError(AttachmentError):
    """An attachment whose decompressed size or ratio exceeds the configured bound."""

    code = "zip_bomb"


class SignatureError(QnegovError, ValueError):
    """Root of every reason a signature is refused."""

    code = "signature_error"


class SignatureMissing(SignatureError):
    """The document carries no signature where one is required."""

    code = "signature_missing"


class SignatureInvalid(SignatureError):
    """Digest or signature value does not match: the content changed or the key is wrong."""

    code = "signature_invalid"


class AmbiguousSignature(SignatureError):
    """More than one signature or reference, or references that could be wrapped."""

    code = "signature_ambiguous"


class PolicyViolation(SignatureError):
    """Valid cryptography, but an algorithm, key size or shape the policy does not allow."""

    code = "signature_policy"


class UntrustedCertificate(SignatureError):
    """The signer certificate does not chain to a configured trust anchor."""

    code = "certificate_untrusted"


class CertificateExpired(SignatureError):
    """A certificate in the chain is outside its validity period at the checked time."""

    code = "certificate_expired"


class KeyLoadError(QnegovError, ValueError):
    """A key, certificate or PKCS#12 bundle that cannot be loaded (bad format or password)."""

    code = "key_load"
    exit_code = 3


class ExchangeError(QnegovError):
    """Root of the platform-client errors."""

    code = "exchange_error"


class TransportError(ExchangeError, ConnectionError):
    """The platform could not be reached, or the connection broke, after all retries."""

    code = "transport"


class AuthError(ExchangeError, PermissionError):
    """Credentials refused: bad secret, bad HMAC, expired or refused token."""

    code = "auth"


class RemoteError(ExchangeError, RuntimeError):
    """The platform answered with an error; ``remote_code`` is its own error code."""

    code = "remote"

    def __init__(
        self,
        message: str,
        *,
        remote_code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.remote_code = remote_code
        self.status_code = status_code
        super().__init__(message)


class BadResponse(RemoteError):
    """The platform answered something that is not its documented response (wrong JSON, HTML)."""

    code = "bad_response"


class MessageIdConflict(RemoteError):
    """HTTP 409: this sender already used the message id for other content; pick a new id."""

    code = "message_id_conflict"


def all_error_classes() -> list[type[QnegovError]]:
    """Every class of the tree, root first; used by the docs test and the CLI's error handler."""
    found: list[type[QnegovError]] = []
    todo: list[type[QnegovError]] = [QnegovError]
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
