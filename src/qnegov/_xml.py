"""The one safe way XML bytes enter qnegov: tree, iterparse and parser-target forms.

Hostile constructs are refused *before* libxml2 sees them: the prolog (everything before the root
element, at most :attr:`XMLLimits.prolog_bytes`) is scanned, and any document type declaration is
rejected with a message naming what it tried (external entity, parameter entity, external DTD,
entity expansion). The libxml2 parser behind it is configured as a second wall: no DTD loading,
no entity substitution, no network, ``huge_tree`` off (depth 256, text nodes 10 MB), line numbers
kept. Everything libxml2 still refuses is translated into :class:`~qnegov.errors.XMLSyntaxError`
or :class:`~qnegov.errors.UnsafeXMLError` carrying the file name, line and column.

Nothing else in qnegov may build an lxml parser; a test greps the source to keep it that way.
"""

from __future__ import annotations

import codecs
import gzip
import inspect
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any, Final, TypeAlias

from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import InputError, UnsafeXMLError, XMLSyntaxError

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_DEPTH",
    "MAX_TEXT_BYTES",
    "Source",
    "UnboundPrefix",
    "XMLLimits",
    "check_prolog",
    "iterparse",
    "load_xsd",
    "open_source",
    "parse",
    "parse_bytes",
    "parse_with_target",
    "source_name",
]

Source: TypeAlias = "bytes | str | PathLike[str] | IO[bytes]"
"""XML input: raw bytes, a file path (``.gz`` is decompressed), or a binary file object."""


MAX_DEPTH: Final = 256
"""Element nesting bound: libxml2's own without ``huge_tree`` (which qnegov never turns on)."""
MAX_TEXT_BYTES: Final = 10_000_000
"""Largest text node in the tree and iterparse forms: libxml2's own without ``huge_tree``.
:func:`parse_with_target` streams text in pieces and is the form for bigger content."""


@dataclass(frozen=True, slots=True)
class XMLLimits:
    """The bounds a caller may tune (the fixed libxml2 ones are :data:`MAX_DEPTH` and
    :data:`MAX_TEXT_BYTES`)."""

    prolog_bytes: int = 1 << 20
    """How far the root element may start into the document; longer prologs are refused."""
    large_document_bytes: int = 256 << 20
    """The whole-document bound of ``parse(..., large_text=True)``, whose text nodes are not
    bounded one by one."""


DEFAULT_LIMITS: Final = XMLLimits()

_GZIP_MAGIC: Final = b"\x1f\x8b"
_EBCDIC_DECLARATION: Final = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC: libxml2 would read it
_ALLOWED_ENCODINGS: Final = frozenset(
    {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii"}
    | {f"iso-8859-{n}" for n in range(1, 16)}
    | {f"windows-{n}" for n in range(1250, 1259)}
    | {f"cp{n}" for n in range(1250, 1259)}
)
_SINGLE_BYTE: Final = re.compile(r"^(iso-8859-\d+|windows-125\d|cp125\d|us-ascii|ascii)$")
_DECL_ENCODING: Final = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

# What a DOCTYPE may try, most dangerous first; the first match names the construct.
_PARAM_ENTITY: Final = re.compile(
    r"<!ENTITY\s+%\s*([^\s\"'>]+)\s*(?:(SYSTEM|PUBLIC)\s+[\"']([^\"']*))?"
)
_EXTERNAL_ENTITY: Final = re.compile(
    r"<!ENTITY\s+([^\s%\"'>]+)\s+(?:SYSTEM|PUBLIC)\s+[\"']([^\"']*)[\"']"
)
_INTERNAL_ENTITY: Final = re.compile(r"<!ENTITY\s+([^\s%\"'>]+)\s+([\"'])")
_EXTERNAL_DTD: Final = re.compile(
    r"<!DOCTYPE\s+[^\s\[>]+\s+(?:SYSTEM|PUBLIC)\s+[\"']([^\"']*)[\"']"
)


def source_name(source: Source, name: str | None = None) -> str:
    """The name errors use for ``source``: the explicit ``name``, the path, or a placeholder."""
    if name is not None:
        return name
    if isinstance(source, bytes):
        return "<bytes>"
    if isinstance(source, str | PathLike):
        return fspath(source)
    return str(getattr(source, "name", "<stream>"))


def open_source(source: Source, name: str | None = None) -> tuple[IO[bytes], str]:
    """Open ``source`` as a binary stream (gzip undone) and name it; the caller closes it."""
    label = source_name(source, name)
    stream: IO[bytes]
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
    elif isinstance(source, str | PathLike):
        try:
            stream = Path(source).open("rb")  # noqa: SIM115 (closed by the caller)
        except OSError as exc:
            raise InputError(
                tr("cannot read file: {reason}", reason=exc.strerror or exc), file=label
            ) from exc
    elif source.seekable() or hasattr(source, "peek"):
        stream = source
    else:  # a pipe or socket: buffer it so its first bytes can be looked at twice
        stream = io.BufferedReader(_Rejoined(b"", source))
    try:
        magic = _peek(stream, 2)
    except OSError as exc:
        raise InputError(tr("cannot read file: {reason}", reason=exc), file=label) from exc
    if magic == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
    return stream, label


def _peek(stream: IO[bytes], size: int) -> bytes:
    """Read ``size`` bytes without consuming them, for streams that cannot seek too."""
    if stream.seekable():
        pos = stream.tell()
        data = stream.read(size)
        stream.seek(pos)
        return data
    peek = getattr(stream, "peek", None)
    if peek is None:
        raise InputError(tr("stream is neither seekable nor peekable"))
    return bytes(peek(size))[:size]


class _Rejoined(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: lets the prolog be read once, then parsed."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:  # lxml calls read(n); skip the readinto copy
        if self._head:
            if size < 0:
                rest = bytes(self._head) + self._stream.read()
                self._head = memoryview(b"")
                return rest
            chunk = bytes(self._head[:size])
            self._head = self._head[size:]
            return chunk
        return self._stream.read(size)


@dataclass(frozen=True, slots=True)
class _Prolog:
    """What the prolog scan learnt: the encoding libxml2 must be told, if any."""

    encoding: str | None


def _detect_text(head: bytes, label: str) -> tuple[str, str | None]:
    """Decode ``head`` far enough to scan markup; return (text, encoding to force on libxml2)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace"), None
    if head.startswith(codecs.BOM_UTF8):
        return head[3:].decode("latin-1"), None
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return head.decode("utf-16-le", errors="replace"), "UTF-16LE"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return head.decode("utf-16-be", errors="replace"), "UTF-16BE"
    if head.startswith(_EBCDIC_DECLARATION):
        raise XMLSyntaxError(
            tr("EBCDIC-encoded XML is not supported; expected UTF-8 or UTF-16"), file=label, line=1
        )
    text = head.decode("latin-1")
    match = _DECL_ENCODING.match(text)
    if match is None:
        return text, None
    declared = match.group(1).lower()
    if declared not in _ALLOWED_ENCODINGS:
        raise XMLSyntaxError(
            tr(
                "unsupported encoding {encoding!r} in the XML declaration; "
                "expected UTF-8, UTF-16 or a single-byte Latin/Windows encoding",
                encoding=match.group(1),
            ),
            file=label,
            line=1,
        )
    if declared.startswith("utf-16"):
        raise XMLSyntaxError(
            tr(
                "the XML declaration says {encoding} but the bytes are not UTF-16 "
                "(no byte-order mark, no zero bytes)",
                encoding=match.group(1),
            ),
            file=label,
            line=1,
        )
    if _SINGLE_BYTE.match(declared):
        _refuse_hidden_utf8(head, match.group(1), label)
    return text, None


def _refuse_hidden_utf8(head: bytes, declared: str, label: str) -> None:
    """A single-byte declaration over UTF-8 bytes would silently garble Vietnamese text."""
    first = next((i for i, b in enumerate(head) if b >= 0x80), None)
    if first is None:
        return
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.start < len(head) - 4:
            return  # genuinely not UTF-8: the declaration may be telling the truth
    raise XMLSyntaxError(
        tr(
            "the XML declaration says {encoding} but the content is UTF-8 "
            "(first non-ASCII byte here); fix the declaration",
            encoding=declared,
        ),
        file=label,
        line=head.count(b"\n", 0, first) + 1,
    )


def _scan_prolog(head: bytes, label: str, limits: XMLLimits) -> _Prolog:
    """Refuse DTDs (naming the construct) and overlong prologs before libxml2 parses anything."""
    if not head.strip():
        raise XMLSyntaxError(tr("the file is empty or holds no XML"), file=label, line=1)
    text, forced = _detect_text(head, label)
    pos = 0
    size = len(text)
    while True:
        start = text.find("<", pos)
        if start < 0 or start + 1 >= size:
            break
        if text.startswith("<?", start):
            end = text.find("?>", start)
            if end < 0:
                break
            pos = end + 2
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
            if end < 0:
                break
            pos = end + 3
        elif text.startswith("<!DOCTYPE", start) or text.startswith("<!doctype", start):
            _refuse_doctype(text, start, label)
        else:
            return _Prolog(forced)  # the root element starts here: the prolog is clean
    if len(head) >= limits.prolog_bytes:
        raise UnsafeXMLError(
            tr(
                "no root element within the first {limit} bytes (an overlong prolog is refused)",
                limit=limits.prolog_bytes,
            ),
            construct="prolog size",
            file=label,
        )
    return _Prolog(forced)  # short document: libxml2 reports what is wrong with it


def check_prolog(
    head: bytes, *, name: str | None = None, limits: XMLLimits = DEFAULT_LIMITS
) -> str | None:
    """Refuse a hostile prolog in ``head`` (a document's first bytes) before anything parses
    pieces of the document on their own; return the encoding libxml2 must be forced to, if any.
    """
    return _scan_prolog(head[: limits.prolog_bytes], source_name(head, name), limits).encoding


def _refuse_doctype(text: str, start: int, label: str) -> None:
    body = text[start:]

    def line_of(offset: int) -> int:
        return text.count("\n", 0, start + offset) + 1

    found = _PARAM_ENTITY.search(body)
    if found:
        target = f" -> {found.group(3)!r}" if found.group(3) else ""
        construct = f"parameter entity '%{found.group(1)}'{target}"
        why = tr("parameter entity (can fetch external definitions)")
    elif found := _EXTERNAL_ENTITY.search(body):
        construct = f"external entity '{found.group(1)}' -> {found.group(2)!r}"
        why = tr("external entity (XXE: can read local files or URLs)")
    elif found := _EXTERNAL_DTD.search(body):
        construct = f"external DTD {found.group(1)!r}"
        why = tr("external DTD (can fetch definitions over the network)")
    elif found := _INTERNAL_ENTITY.search(body):
        construct = f"entity '{found.group(1)}'"
        why = tr("entity declaration (entity expansion: billion laughs, quadratic blow-up)")
    else:
        found = None
        construct = "DOCTYPE"
        why = tr("document type declaration")
    offset = found.start() if found else 0
    raise UnsafeXMLError(
        tr(
            "refused {why}: {construct}; DTDs and entities are not allowed",
            why=why,
            construct=construct,
        ),
        construct=construct,
        file=label,
        line=line_of(offset),
    )


def _new_parser(
    forced: str | None,
    target: Any = None,
    *,
    recover: bool = False,
    huge: bool = False,
    lean: bool = False,
) -> etree.XMLParser:
    return etree.XMLParser(
        recover=recover,
        remove_blank_text=lean,
        remove_pis=lean,
        collect_ids=not lean,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=huge,
        remove_comments=lean,
        encoding=forced,
        target=target,
    )


_DEPTH: Final = re.compile(r"Excessive depth|Maximum depth", re.IGNORECASE)
_HUGE: Final = re.compile(
    r"huge|too long|Resource limit|amplification|entity reference loop", re.IGNORECASE
)


def _translate(exc: etree.XMLSyntaxError | etree.ParseError, label: str) -> Exception:
    """Turn a libxml2 complaint into our typed error with file, line and column."""
    message = str(exc.msg or exc).split(", line ")[0].strip()
    line, column = exc.position if exc.position and exc.position[0] > 0 else (None, None)
    if _DEPTH.search(message):
        return UnsafeXMLError(
            tr("nesting deeper than {limit} elements is refused", limit=MAX_DEPTH),
            construct="nesting depth",
            file=label,
            line=line,
            column=column,
        )
    if _HUGE.search(message):
        return UnsafeXMLError(
            tr("size limit exceeded: {detail}", detail=message),
            construct="size limit",
            file=label,
            line=line,
            column=column,
        )
    if "Document is empty" in message or "no element found" in message:
        return XMLSyntaxError(
            tr("the file is empty or holds no XML"), file=label, line=line, column=column
        )
    if "encoding" in message.lower():
        return XMLSyntaxError(
            tr("bytes do not match the declared encoding: {detail}", detail=message),
            file=label,
            line=line,
            column=column,
        )
    return XMLSyntaxError(
        tr("malformed XML: {detail}", detail=message), file=label, line=line, column=column
    )


def _prepare(
    source: Source, name: str | None, limits: XMLLimits
) -> tuple[IO[bytes] | bytes, str, _Prolog, IO[bytes] | None]:
    """Open and scan the prolog; return (what lxml reads, label, prolog facts, stream to close).

    In-memory bytes go to libxml2 as they are; files and streams are read in 64 kB pieces
    (measured: no slower than letting libxml2 open the file, and its errors keep line numbers).
    """
    if isinstance(source, bytes) and not source.startswith(_GZIP_MAGIC):
        label = source_name(source, name)
        return source, label, _scan_prolog(source[: limits.prolog_bytes], label, limits), None
    raw, label = open_source(source, name)
    try:
        head = raw.read(limits.prolog_bytes)
        prolog = _scan_prolog(head, label, limits)
    except BaseException:
        if raw is not source:
            raw.close()
        raise
    return io.BufferedReader(_Rejoined(head, raw), 1 << 16), label, prolog, raw


def _close(raw: IO[bytes] | None, source: Source) -> None:
    if raw is not None and raw is not source:
        raw.close()


def parse(
    source: Source,
    *,
    name: str | None = None,
    limits: XMLLimits = DEFAULT_LIMITS,
    large_text: bool = False,
) -> etree._ElementTree:
    """Parse a whole document into a tree (for documents that fit in memory).

    ``large_text``: for trees that must hold a text node over :data:`MAX_TEXT_BYTES` (an edXML
    attachment to sign or verify). The whole document is then bounded instead, by
    :attr:`XMLLimits.large_document_bytes`, and libxml2's nesting bound is 2048 rather than 256;
    DTDs, entities and network access stay refused. Memory grows with the document.
    """
    stream, label, prolog, raw = _prepare(source, name, limits)
    if large_text:
        stream = _capped(stream, limits.large_document_bytes, label)
    parser = _new_parser(prolog.encoding, huge=large_text)
    try:
        if isinstance(stream, bytes):
            tree = etree.fromstring(stream, parser).getroottree()
        else:
            tree = etree.parse(stream, parser)
    except etree.XMLSyntaxError as exc:
        raise _translate(exc, label) from None
    finally:
        _close(raw, source)
    # The prolog scan makes this unreachable; it stays as a second wall.
    if tree.docinfo.internalDTD is not None or tree.docinfo.system_url:
        raise UnsafeXMLError(
            tr("refused document type declaration"), construct="DOCTYPE", file=label
        )
    return tree


class _Capped(io.RawIOBase):
    """A stream that refuses to deliver more than ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], limit: int, label: str) -> None:
        self._stream = stream
        self._left = limit
        self._limit = limit
        self._label = label

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size >= 0 else self._left + 1)
        self._left -= len(data)
        if self._left < 0:
            raise _too_large(self._limit, self._label)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _too_large(limit: int, label: str) -> UnsafeXMLError:
    return UnsafeXMLError(
        tr("size limit exceeded: {detail}", detail=f"document larger than {limit} bytes"),
        construct="size limit",
        file=label,
    )


def _capped(stream: IO[bytes] | bytes, limit: int, label: str) -> IO[bytes] | bytes:
    if isinstance(stream, bytes):
        if len(stream) > limit:
            raise _too_large(limit, label)
        return stream
    return io.BufferedReader(_Capped(stream, limit, label), 1 << 16)


def iterparse(
    source: Source,
    *,
    events: tuple[str, ...] = ("end",),
    tag: str | None = None,
    name: str | None = None,
    limits: XMLLimits = DEFAULT_LIMITS,
) -> Iterator[tuple[str, Any]]:
    """Stream ``(event, element)`` pairs; the caller clears what it has used (constant memory)."""
    stream, label, prolog, raw = _prepare(source, name, limits)
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    try:
        events_iter = etree.iterparse(
            stream,
            events=events,
            tag=tag,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            encoding=prolog.encoding,
        )
        try:
            yield from events_iter
        except etree.XMLSyntaxError as exc:
            raise _translate(exc, label) from None
        docinfo = events_iter.root.getroottree().docinfo  # second wall, as in parse()
        if docinfo.internalDTD is not None or docinfo.system_url:
            raise UnsafeXMLError(
                tr("refused document type declaration"), construct="DOCTYPE", file=label
            )
    finally:
        _close(raw, source)


_FRAGMENT_PARSERS: Final = threading.local()


def parse_bytes(
    data: bytes,
    *,
    name: str | None = None,
    encoding: str | None = None,
    lean: bool = False,
    limits: XMLLimits = DEFAULT_LIMITS,
) -> etree._Element:
    """Parse a document held in memory and return its root; the bulk validator's hot path.

    Same walls as :func:`parse` (prolog scan first, then the locked-down parser). ``encoding``
    forces the byte encoding (bulk batches cut from a file that declared a single-byte
    encoding carry no declaration of their own). ``lean`` drops whitespace-only text between
    elements, comments and processing instructions: fewer nodes to build and validate, and
    every child of the root is an element. Parsers are reused per thread, since
    building one costs more than parsing a small batch.
    """
    label = source_name(data, name)
    if data[:1] == b"<" and data[1:2] not in (b"!", b"?", b""):
        forced = encoding  # starts with an element: no prolog, no declaration, nothing to scan
    else:
        forced = encoding or _scan_prolog(data[: limits.prolog_bytes], label, limits).encoding
    key = (forced, lean)
    cache: dict[tuple[str | None, bool], etree.XMLParser] | None = getattr(
        _FRAGMENT_PARSERS, "cache", None
    )
    if cache is None:
        cache = {}
        _FRAGMENT_PARSERS.cache = cache
    parser = cache.get(key)
    if parser is None:
        parser = cache[key] = _new_parser(forced, lean=lean)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _translate(exc, label) from None


@dataclass(frozen=True, slots=True)
class UnboundPrefix:
    """A prefix used without a declaration in force (``xlink:href`` with no ``xmlns:xlink``).

    libxml2 calls this a namespace error but goes on, handing parser targets the bare local
    name: without this record the element would look like one in no namespace at all.
    """

    prefix: str
    element: str
    attribute: str | None
    line: int
    column: int


_UNBOUND: Final = re.compile(
    r"Namespace prefix (?P<prefix>\S+?)(?: for (?P<attribute>\S+))?"
    r" on (?P<element>\S+) is not defined"
)


def _unbound_prefixes(parser: etree.XMLParser) -> list[UnboundPrefix]:
    found = []
    for entry in parser.feed_error_log:
        if entry.type_name != "NS_ERR_UNDEFINED_NAMESPACE":
            continue
        m = _UNBOUND.search(entry.message)
        if m is not None:
            found.append(
                UnboundPrefix(m["prefix"], m["element"], m["attribute"], entry.line, entry.column)
            )
    return found


def parse_with_target(
    source: Source,
    target: object,
    *,
    name: str | None = None,
    limits: XMLLimits = DEFAULT_LIMITS,
    chunk_size: int = 1 << 16,
    track_lines: bool = False,
    recover: bool = False,
    unbound: list[UnboundPrefix] | None = None,
) -> Any:
    """Feed the document to an lxml parser *target* (``start``/``end``/``data``/``close``).

    Text arrives in pieces through ``target.data``, so a target can stream a 200 MB base64 text
    node to disk without the tree's 10 MB text bound ever being reached. libxml2 does not apply
    its depth bound to parser targets, so the target is wrapped in a counter that raises
    :class:`UnsafeXMLError` past :data:`MAX_DEPTH`. Returns whatever ``target.close()`` returns.

    ``track_lines``: targets get no source positions from lxml, so the feeder tells them: it
    feeds from one start tag's ``<`` to the next (long base64 text still goes in ``chunk_size``
    pieces) and sets ``target.line`` to the line of that ``<`` before each start event.

    ``recover``: let libxml2 repair malformed markup (mismatched or unclosed tags) instead of
    stopping. libxml2 logs no repairs in target mode, so callers keep the error of a first,
    strict pass to report. Entities, DTDs, network access and the depth bound are refused
    exactly as without it.

    ``unbound``: a list that receives every :class:`UnboundPrefix` libxml2 met (it reports
    them to targets only in its error log).
    """
    stream, label, prolog, raw = _prepare(source, name, limits)
    bound = _DepthBound(target, label)
    parser = _new_parser(prolog.encoding, target=bound, recover=recover)
    try:
        result = _parse_target(stream, parser, target, chunk_size, track_lines)
        if not recover:
            _refuse_namespace_errors(parser, label, unbound_allowed=unbound is not None)
        return result
    except etree.XMLSyntaxError as exc:
        raise _translate(exc, label) from None
    except UnicodeDecodeError:
        # libxml2 in recover mode hands on a reference to a surrogate (&#xD800;) as bytes
        # that are not UTF-8; the strict pass has already said what is wrong with the file
        raise XMLSyntaxError(
            tr("a character reference names no Unicode character (a surrogate)"),
            file=label,
            line=getattr(target, "line", None),
        ) from None
    finally:
        if unbound is not None:
            unbound.extend(_unbound_prefixes(parser))
        _close(raw, source)


def _parse_target(
    stream: IO[bytes] | bytes,
    parser: etree.XMLParser,
    target: object,
    chunk_size: int,
    track_lines: bool,
) -> Any:
    if track_lines:
        _feed_by_tags(stream, parser, target, chunk_size)
    elif isinstance(stream, bytes):
        for start in range(0, len(stream), chunk_size):
            parser.feed(stream[start : start + chunk_size])
    else:
        while chunk := stream.read(chunk_size):
            parser.feed(chunk)
    return parser.close()


def _refuse_namespace_errors(
    parser: etree.XMLParser, label: str, *, unbound_allowed: bool = False
) -> None:
    """Namespace errors (``<a:b:c/>``, an undeclared prefix, ``xmlns="not a uri"``) stop the
    tree forms but not a parser target; refuse them here too, so every form agrees. A caller
    that collects undeclared prefixes (``unbound=``) reports those itself, by name."""
    for entry in parser.feed_error_log:
        if unbound_allowed and entry.type_name == "NS_ERR_UNDEFINED_NAMESPACE":
            continue
        if entry.level >= etree.ErrorLevels.ERROR:
            raise XMLSyntaxError(
                tr("malformed XML: {detail}", detail=entry.message),
                file=label,
                line=entry.line or None,
                column=entry.column or None,
            )


class _DepthBound:
    """Forwards every target callback, counting open elements (libxml2 does not, for targets)."""

    def __init__(self, target: Any, label: str) -> None:
        self._target = target
        self._label = label
        self._depth = 0
        self._start = target.start
        self._end = target.end
        try:
            self._wants_nsmap = len(inspect.signature(target.start).parameters) >= 3
        except (TypeError, ValueError):
            self._wants_nsmap = False
        self._names: set[str] = set()
        self._uris: set[str] = set()
        self._declared: dict[str | None, str] = {}
        self._forward_ns = getattr(target, "start_ns", None)

    def start_ns(self, prefix: str | None, uri: str) -> Any:
        """The element's namespace declarations, collected for its ``start``: lxml 6 hands
        targets an empty ``nsmap`` and announces declarations through this call instead
        (lxml 5 gave both)."""
        self._declared[prefix or None] = uri
        if self._forward_ns is not None:
            return self._forward_ns(prefix, uri)
        return None

    def _check_names(self, tag: str, attrib: Any) -> None:
        """Refuse what a repairing parse lets through and no lxml tree could hold: a name
        with two colons (``a:b:c``) or a namespace that is not a URI (each name checked once;
        libxml2 has already checked that names are XML names)."""
        for name, what in ((tag, "element"), *((key, "attribute") for key in attrib)):
            if name in self._names:
                continue
            uri, _, local = name[1:].partition("}") if name[:1] == "{" else ("", "", name)
            if ":" in local or (uri and uri not in self._uris and not self._valid_uri(uri)):
                raise XMLSyntaxError(
                    tr("malformed XML: {detail}", detail=f"invalid {what} name {name!r}"),
                    file=self._label,
                    line=getattr(self._target, "line", None),
                )
            self._names.add(name)

    def _valid_uri(self, uri: str) -> bool:
        try:
            etree.Element(f"{{{uri}}}a")  # lxml's own check of a namespace URI
        except ValueError:
            return False
        self._uris.add(uri)
        return True

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> Any:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise UnsafeXMLError(
                tr("nesting deeper than {limit} elements is refused", limit=MAX_DEPTH),
                construct="nesting depth",
                file=self._label,
                line=getattr(self._target, "line", None),
            )
        names = self._names
        if tag not in names or any(key not in names for key in attrib):
            self._check_names(tag, attrib)
        declared = self._declared
        if declared:
            self._declared = {}
        if self._wants_nsmap:
            if not nsmap and declared:
                nsmap = declared
            return self._start(tag, attrib, nsmap)
        return self._start(tag, attrib)

    def end(self, tag: str) -> Any:
        self._depth -= 1
        return self._end(tag)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


_START_NAME: Final = re.compile(rb"<(?:([A-Za-z_][A-Za-z0-9_.\-]*):)?[^\s/>:!?\x00]+[\s/>]")


def _feed_by_tags(
    stream: IO[bytes] | bytes, parser: etree.XMLParser, target: Any, size: int
) -> None:
    """Feed from one start tag's ``<`` to the next, so each start event sees its own line and
    the prefix its name was written with (``target.prefix``: ``""`` for none, None when the
    name is not plain ASCII-compatible bytes here, as in UTF-16, or runs past the chunk)."""
    line = 1
    reader = io.BytesIO(stream) if isinstance(stream, bytes) else stream
    while chunk := reader.read(size):
        pos, end = 0, len(chunk)
        while pos < end:
            lt = chunk.find(b"<", pos + 1)
            while 0 <= lt < end - 1 and chunk[lt + 1] == 0x2F:  # end tags need no line
                lt = chunk.find(b"<", lt + 2)
            stop = end if lt < 0 else lt
            if chunk[pos] == 0x3C:  # a piece that opens a tag; continuations keep its line
                target.line = line
                named = _START_NAME.match(chunk, pos)
                target.prefix = None if named is None else (named[1] or b"").decode("ascii")
            parser.feed(chunk[pos:stop])
            line += chunk.count(b"\n", pos, stop)
            pos = stop


def load_xsd(
    path: str | PathLike[str] | bytes, *, base_url: str | PathLike[str] | None = None
) -> etree.XMLSchema:
    """Compile an XSD read through the safe parser; a broken schema is a SchemaError.

    ``path`` may also be the schema's bytes (a schema derived in memory, as the bulk validator
    does); ``base_url`` then says where relative ``xs:include``/``xs:import`` locations start.
    """
    from qnegov.errors import SchemaError

    tree = parse(path)
    where = base_url if base_url is not None else (None if isinstance(path, bytes) else path)
    if where is not None:
        tree.docinfo.URL = Path(where).resolve().as_uri()
    label = fspath(where) if where is not None else "<schema>"
    try:
        return etree.XMLSchema(tree)
    except etree.XMLSchemaParseError as exc:
        raise SchemaError(tr("cannot compile schema: {detail}", detail=exc), file=label) from None
