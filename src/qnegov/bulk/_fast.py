"""The fast path: a record's declaration compiled into one regular expression over its bytes.

Most records of a real register are valid, and proving that costs far less than building and
validating their tree. :func:`compile_acceptor` turns the record element's declaration
(content model, simple types and facets, attributes) into a bytes regular expression that
matches **only records that are certainly valid** and certainly well-formed: plain UTF-8 text
without entity or character references, comments, CDATA, processing instructions, ``>`` or
carriage returns, one spelling of each element name (the prefix the file binds on its root),
double-quoted declared attributes only. Anything else does not match and goes to libxml2,
which gives the message and the line; so the expression may reject valid records, but must
never accept an invalid one (``tests/bulk/test_fast_soundness.py`` checks that against
libxml2 on mutated records).

A schema using something outside the supported subset (wildcards, ``xs:all``, type
derivation by extension, lists, unions, numeric range facets, identity constraints inside the
record, xs:ID ...) yields no acceptor: every batch then goes to libxml2 as before.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Final

from lxml import etree

XS: Final = "http://www.w3.org/2001/XMLSchema"
_XS: Final = "{" + XS + "}"
WS: Final = rb"[ \t\n]*+"
_WS1: Final = rb"[ \t\n]++"
"""Whitespace, possessive: what follows it (``<``, ``>``, ``=``, a name) is never whitespace,
so giving some back could never help a match, and not trying is cheaper."""

# The batch is checked to be valid UTF-8 without U+FFFE/U+FFFF before the expression runs
# (one C-speed decode), so here a character is an ASCII byte or a lead byte with its
# continuation bytes. Text: no '<', '&', '>' (so no ']]>'), no CR, no control characters other
# than TAB and LF. Attribute values: also no quotes, TAB or LF (they would be normalised).
TEXT_BYTE: Final = rb"[\t\n\x20-\x25\x27-\x3b\x3d\x3f-\x7f\x80-\xff]"
ATTR_BYTE: Final = rb"[\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7f\x80-\xff]"
_MULTI: Final = rb"[\xc2-\xf4][\x80-\xbf]+"
TEXT_CHAR: Final = rb"(?:[\t\n\x20-\x25\x27-\x3b\x3d\x3f-\x7f]|" + _MULTI + rb")"
ATTR_CHAR: Final = rb"(?:[\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7f]|" + _MULTI + rb")"
_DOT_CHAR: Final = rb"(?:[\t\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x7f]|" + _MULTI + rb")"
"""What a pattern's ``.`` may match here: a text character other than LF and ``"`` (so a
pattern can never run past an attribute value's closing quote)."""


def _ascii_in(expression: bytes) -> frozenset[int]:
    return frozenset(b for b in range(0x80) if re.fullmatch(expression, bytes([b])))


_TEXT_ASCII: Final = _ascii_in(TEXT_BYTE)
_ATTR_ASCII: Final = _ascii_in(ATTR_BYTE)
_DOT_ASCII: Final = _ascii_in(_DOT_CHAR)
"""The ASCII bytes each of these expressions matches."""

_YEAR: Final = rb"(?!0000)[0-9]{4}"
_LEAP: Final = rb"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY: Final = (
    rb"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    rb"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    rb"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_DATE: Final = rb"(?:" + _YEAR + rb"-" + _MONTH_DAY + rb"|" + _LEAP + rb"-02-29)"
_TZ: Final = rb"(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])?"
_TIME: Final = rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"

_BUILTIN: Final[dict[str, bytes]] = {
    "date": _DATE + _TZ,
    "dateTime": _DATE + rb"T" + _TIME + _TZ,
    "decimal": rb"[+-]?[0-9]{1,15}(?:\.[0-9]{1,10})?",
    "integer": rb"[+-]?[0-9]{1,18}",
    "nonNegativeInteger": rb"\+?[0-9]{1,18}",
    "positiveInteger": rb"\+?0{0,3}[1-9][0-9]{0,14}",
    "boolean": rb"(?:true|false|1|0)",
}
"""Lexical subsets of the built-in types (no whitespace, bounded digits: never more than
libxml2 accepts)."""

_MAX_ALTERNATIVES: Final = 128
_MAX_DEPTH: Final = 24


class Unsupported(Exception):
    """The declaration uses something the compiler does not translate (the reason)."""


def plain_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 without the non-characters U+FFFE and U+FFFF (the premise of
    the byte classes above).

    Decoded in pieces of about 32 KB cut before a ``<``: a whole batch decoded at once makes
    a string too big for the allocator's heap, and mapping and unmapping it costs more than
    the decoding. A ``<`` is never inside a UTF-8 sequence, and a sequence cut short before
    one is an error in its piece, so the verdict is the same as for one decode."""
    size = len(data)
    pos = 0
    try:
        while pos < size:
            end = data.find(b"<", pos + _DECODE_PIECE) if pos + _DECODE_PIECE < size else -1
            if end < 0:
                end = size
            data[pos:end].decode("utf-8")
            pos = end
    except UnicodeDecodeError:
        return False
    return _NON_CHARACTER.search(data) is None


_DECODE_PIECE: Final = 32 * 1024
_NON_CHARACTER: Final = re.compile(rb"\xef\xbf[\xbe\xbf]")


@dataclass(frozen=True, slots=True)
class Acceptor:
    """The compiled record expression (bytes, picklable) and the record's exact end tag."""

    pattern: bytes
    end_tag: bytes
    extract: bytes | None = None
    """The same expression with groups capturing the ``fields`` (for rules), if it compiles:
    ``rec`` marks the end of the record's start tag, ``eN``/``vN`` each field's."""
    fields: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """(local-name path, numbers N of its groups: one per place it may occur)."""

    def compile(self) -> re.Pattern[bytes]:
        """``(?: WS record )*``: matched at a record start, it ends after the last record of an
        unbroken run of certainly valid records. Each record is atomic and the run possessive:
        a record ends at its one end tag, so no other way of matching it could go further."""
        return re.compile(rb"(?:(?>" + WS + self.pattern + rb"))*+")


@dataclass(frozen=True, slots=True)
class _Simple:
    """A simple type as a regular expression over the raw value: ``exact`` for built-in
    lexical forms, else character text with ``checks`` (lookaheads) and a length range.
    ``alphabets`` gives, per check, the ASCII bytes it can match."""

    exact: bytes | None
    checks: tuple[bytes, ...] = ()
    min_len: int = 0
    max_len: int | None = None
    alphabets: tuple[frozenset[int], ...] = ()

    def value(self, *, attribute: bool) -> bytes:
        """The expression of a value; the caller's next token is ``</`` (text) or ``"``."""
        end = b'"' if attribute else b"</"
        direct = self.direct_check(attribute=attribute)
        looks = b"".join(
            b"(?=(?:" + c + b")" + end + b")" for n, c in enumerate(self.checks) if n != direct
        )
        if self.exact is not None:
            return looks + b"(?:" + self.exact + b")"
        if direct is not None:
            # the check itself consumes the value: it matches only allowed bytes, so the
            # class scan after the lookahead would only read the same bytes a second time
            return looks + b"(?:" + self.checks[direct] + b")"
        upper = b"" if self.max_len is None else str(self.max_len).encode()
        if self.min_len <= 1:
            # bytes, not characters: at most max_len bytes is at most max_len characters,
            # and one byte is one character at least (a longer value is left to libxml2)
            byte = ATTR_BYTE if attribute else TEXT_BYTE
            return looks + byte + b"{" + str(self.min_len).encode() + b"," + upper + b"}+"
        char = ATTR_CHAR if attribute else TEXT_CHAR
        return looks + char + b"{" + str(self.min_len).encode() + b"," + upper + b"}+"

    def direct_check(self, *, attribute: bool) -> int | None:
        """The check that can stand for the class scan: one whose every ASCII byte is allowed
        in the value (``<``, ``&``, ``>`` and CR never are; in attributes not quotes, TAB or
        LF either), when no length facet needs the scan to count."""
        if self.exact is not None or self.min_len != 0 or self.max_len is not None:
            return None
        allowed = _ATTR_ASCII if attribute else _TEXT_ASCII
        for n, alphabet in enumerate(self.alphabets):
            if alphabet <= allowed:
                return n
        return None


def compile_acceptor(
    docs: list[etree._Element],
    decl: etree._Element,
    is_global: bool,
    owner: etree._Element,
    record_ns: str | None,
    root_nsmap: dict[str | None, str],
    record_prefix: str | None,
    fields: tuple[str, ...] = (),
) -> Acceptor:
    """Compile the record declaration. ``root_nsmap`` is what the root element binds (prefix
    to URI, None for the default namespace), ``record_prefix`` the prefix the first record
    uses (None when unprefixed). ``fields`` (local-name paths rules read) get capturing
    groups in a second expression when each is a simple element that occurs at most once.
    Raises :class:`Unsupported` with the reason."""
    plain = _Compiler(docs, root_nsmap, record_ns, record_prefix).record(decl, is_global, owner)
    if not fields:
        return plain
    capture = _Compiler(docs, root_nsmap, record_ns, record_prefix, wanted=fields)
    try:
        captured = capture.record(decl, is_global, owner)
    except Unsupported:
        return plain
    if any(not capture.groups.get(f) for f in fields):
        return plain
    groups = tuple((f, tuple(capture.groups[f])) for f in fields)
    return Acceptor(plain.pattern, plain.end_tag, captured.pattern, groups)


class _Compiler:
    def __init__(
        self,
        docs: list[etree._Element],
        root_nsmap: dict[str | None, str],
        record_ns: str | None,
        record_prefix: str | None,
        wanted: tuple[str, ...] = (),
    ) -> None:
        self.docs = docs
        self.wanted = set(wanted)
        self.groups: dict[str, list[int]] = {}
        self.path: list[str] = []
        self.repeated = 0
        self.default_ns = root_nsmap.get(None) or None
        self.prefixes: dict[str, str] = {}
        for prefix in sorted((p for p in root_nsmap if p is not None), reverse=True):
            self.prefixes[root_nsmap[prefix]] = prefix
        if self.default_ns is not None:
            self.prefixes[self.default_ns] = ""
        if record_ns is not None:
            if root_nsmap.get(record_prefix) != record_ns:
                raise Unsupported("the record's namespace is not bound on the root element")
            self.prefixes[record_ns] = record_prefix or ""
        elif record_prefix is not None or self.default_ns is not None:
            raise Unsupported("an unqualified record under a default namespace")
        self.globals: dict[tuple[str, str | None, str], etree._Element] = {}
        for doc in docs:
            tns = doc.get("targetNamespace")
            for child in doc:
                kind = etree.QName(child).localname if isinstance(child.tag, str) else ""
                name = child.get("name")
                if name and kind in ("element", "complexType", "simpleType", "group"):
                    self.globals[(kind, tns, name)] = child
                if kind in ("redefine", "override"):
                    raise Unsupported("xs:redefine")
            for element in doc.iter(_XS + "element"):
                if element.get("substitutionGroup"):
                    raise Unsupported("substitution groups")
        self.record_name = b""
        self.depth = 0

    # -- names -----------------------------------------------------------------------------
    def spell(self, ns: str | None, local: str) -> bytes:
        """The element name as the file writes it (regex-escaped)."""
        return re.escape(self.raw_name(ns, local))

    def raw_name(self, ns: str | None, local: str) -> bytes:
        if ns is None:
            if self.default_ns is not None:
                raise Unsupported("unqualified elements under a default namespace")
            return local.encode()
        prefix = self.prefixes.get(ns)
        if prefix is None:
            raise Unsupported(f"namespace {ns} is not bound on the root element")
        return (f"{prefix}:{local}" if prefix else local).encode()

    def lookup(self, kind: str, context: etree._Element, qname: str) -> etree._Element:
        prefix, _, local = qname.rpartition(":")
        ns = context.nsmap.get(prefix or None)
        found = self.globals.get((kind, ns, local))
        if found is None:
            raise Unsupported(f"{kind} {qname} not found")
        return found

    # -- elements --------------------------------------------------------------------------
    def record(self, decl: etree._Element, is_global: bool, owner: etree._Element) -> Acceptor:
        ns = _element_ns(decl, is_global, owner)
        self.record_name = self.spell(ns, decl.get("name", ""))
        start, content = self.element_parts(decl, ns, record=True)
        if self.wanted:
            assert content.startswith(WS + b">")
            content = WS + b">(?P<rec>)" + content[len(WS) + 1 :]
        end = b"</" + self.raw_name(ns, decl.get("name", "")) + b">"
        pattern = start + content + re.escape(end)
        return Acceptor(pattern, end)

    def element(self, particle: etree._Element) -> bytes:
        if particle.get("ref"):
            decl = self.lookup("element", particle, particle.get("ref", ""))
            ns = decl.getroottree().getroot().get("targetNamespace")
        else:
            decl = particle
            ns = _element_ns(decl, False, decl.getroottree().getroot())
        name = self.spell(ns, decl.get("name", ""))
        if name == self.record_name:
            raise Unsupported("an element inside the record has the record's name")
        self.path.append(decl.get("name", ""))
        try:
            start, content = self.element_parts(decl, ns, record=False)
        finally:
            self.path.pop()
        return start + content + b"</" + name + WS + b">"

    def element_parts(
        self, decl: etree._Element, ns: str | None, *, record: bool
    ) -> tuple[bytes, bytes]:
        """(start tag up to and including attributes, the rest up to the end tag)."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unsupported("recursive or very deep declarations")
        try:
            if decl.get("abstract") == "true":
                raise Unsupported("abstract elements")
            if any(c.tag in (_XS + "key", _XS + "unique", _XS + "keyref") for c in decl):
                raise Unsupported("identity constraints inside the record")
            name = self.spell(ns, decl.get("name", ""))
            fixed = decl.get("fixed")
            body = decl.find(_XS + "complexType")
            simple_body = decl.find(_XS + "simpleType")
            type_name = decl.get("type")
            if body is None and simple_body is None and type_name is None:
                raise Unsupported("elements of xs:anyType")
            simple: _Simple | None = None
            if simple_body is not None:
                simple = self.simple(simple_body)
            elif type_name is not None:
                prefix, _, local = type_name.rpartition(":")
                type_ns = decl.nsmap.get(prefix or None)
                if type_ns == XS:
                    simple = self.builtin(local)
                elif ("complexType", type_ns, local) in self.globals:
                    body = self.globals[("complexType", type_ns, local)]
                else:
                    simple = self.simple(self.lookup("simpleType", decl, type_name))
            if simple is not None:
                if fixed is not None:
                    simple = _with_check(simple, fixed.encode())
                value = simple.value(attribute=False)
                if decl.get("default") is not None:
                    value = b"(?:" + value + b")?"  # empty content takes the (valid) default
                return b"<" + name, WS + b">" + self.captured(value)
            assert body is not None
            if "/".join(self.path) in self.wanted and not record:
                raise Unsupported("a rule field with complex content")
            if fixed is not None:
                raise Unsupported("fixed values on complex elements")
            return self.complex(body, name)
        finally:
            self.depth -= 1

    def complex(self, body: etree._Element, name: bytes) -> tuple[bytes, bytes]:
        if body.get("mixed") == "true" or body.get("abstract") == "true":
            raise Unsupported("mixed or abstract complex types")
        attributes: list[tuple[bytes, bool, _Simple]] = []
        content: bytes | None = None
        simple_content: _Simple | None = None
        for child in body:
            if not isinstance(child.tag, str) or child.tag == _XS + "annotation":
                continue
            kind = etree.QName(child).localname
            if kind in ("sequence", "choice", "group"):
                content = self.particle(child)
            elif kind in ("attribute", "attributeGroup"):
                attributes.extend(self.attributes(child))
            elif kind == "simpleContent":
                ext = child.find(_XS + "extension")
                if ext is None or len(child) != 1:
                    raise Unsupported("simpleContent other than an extension")
                base = ext.get("base", "")
                prefix, _, local = base.rpartition(":")
                base_ns = ext.nsmap.get(prefix or None)
                simple_content = (
                    self.builtin(local)
                    if base_ns == XS
                    else self.simple(self.lookup("simpleType", ext, base))
                )
                for sub in ext:
                    if sub.tag in (_XS + "attribute", _XS + "attributeGroup"):
                        attributes.extend(self.attributes(sub))
                    elif sub.tag != _XS + "annotation":
                        raise Unsupported("simpleContent extension content")
            else:
                raise Unsupported(f"xs:{kind} in a complex type")
        start = b"<" + name + self.attribute_list(attributes)
        if simple_content is not None:
            return start, WS + b">" + simple_content.value(attribute=False)
        if content is None:
            return start, WS + b">"  # empty content: <x></x> only, nothing inside
        return start, WS + b">" + content + WS

    def captured(self, value: bytes) -> bytes:
        """``value`` with the groups of a wanted field around it (marker, then value)."""
        path = "/".join(self.path)
        if path not in self.wanted:
            return value
        if self.repeated:
            raise Unsupported("a rule field that may repeat")
        number = sum(len(g) for g in self.groups.values())
        self.groups.setdefault(path, []).append(number)
        return b"(?P<e%d>)(?P<v%d>" % (number, number) + value + b")"

    def particle(self, node: etree._Element) -> bytes:
        kind = etree.QName(node).localname
        low = int(node.get("minOccurs", "1"))
        high_text = node.get("maxOccurs", "1")
        high = None if high_text == "unbounded" else int(high_text)
        repeats = high is None or high > 1
        self.repeated += repeats
        try:
            inner = self.particle_body(node, kind)
        finally:
            self.repeated -= repeats
        if (low, high) == (1, 1):
            return inner
        upper = b"" if high is None else str(high).encode()
        return b"(?:" + inner + b"){" + str(low).encode() + b"," + upper + b"}"

    def particle_body(self, node: etree._Element, kind: str) -> bytes:
        if kind == "element":
            inner = WS + self.element(node)
        elif kind == "sequence":
            inner = b"".join(self.particle(c) for c in _particles(node))
        elif kind == "choice":
            options = [self.particle(c) for c in _particles(node)]
            inner = b"(?:" + b"|".join(options) + b")" if options else b"(?!)"
        elif kind == "group":
            group = self.lookup("group", node, node.get("ref", ""))
            models = [c for c in _particles(group)]
            if len(models) != 1:
                raise Unsupported("a model group without one compositor")
            inner = self.particle(models[0])
        else:
            raise Unsupported(f"xs:{kind} particles")
        return inner

    # -- attributes ------------------------------------------------------------------------
    def attributes(self, node: etree._Element) -> list[tuple[bytes, bool, _Simple]]:
        if node.tag == _XS + "attributeGroup":
            group = self.lookup_attribute_group(node)
            found: list[tuple[bytes, bool, _Simple]] = []
            for child in group:
                if child.tag in (_XS + "attribute", _XS + "attributeGroup"):
                    found.extend(self.attributes(child))
                elif child.tag == _XS + "anyAttribute":
                    raise Unsupported("xs:anyAttribute")
            return found
        if node.get("ref") or node.get("form") == "qualified":
            raise Unsupported("qualified attributes")
        if node.getroottree().getroot().get("attributeFormDefault") == "qualified":
            raise Unsupported("qualified attributes")
        use = node.get("use", "optional")
        if use == "prohibited":
            return []
        inline = node.find(_XS + "simpleType")
        type_name = node.get("type")
        if inline is not None:
            simple = self.simple(inline)
        elif type_name is not None:
            prefix, _, local = type_name.rpartition(":")
            if node.nsmap.get(prefix or None) == XS:
                simple = self.builtin(local)
            else:
                simple = self.simple(self.lookup("simpleType", node, type_name))
        else:
            simple = _Simple(None)  # xs:anySimpleType: any text
        fixed = node.get("fixed")
        if fixed is not None:
            simple = _with_check(simple, fixed.encode())
        return [(re.escape(node.get("name", "").encode()), use == "required", simple)]

    def lookup_attribute_group(self, node: etree._Element) -> etree._Element:
        ref = node.get("ref", "")
        prefix, _, local = ref.rpartition(":")
        ns = node.nsmap.get(prefix or None)
        for doc in self.docs:
            if doc.get("targetNamespace") != ns:
                continue
            for group in doc.iterchildren(_XS + "attributeGroup"):
                if group.get("name") == local:
                    return group
        raise Unsupported(f"attributeGroup {ref} not found")

    def attribute_list(self, attributes: list[tuple[bytes, bool, _Simple]]) -> bytes:
        """Every order of every allowed subset of the attributes (all required ones present)."""
        if not attributes:
            return b""
        names = [a[0] for a in attributes]
        if len(set(names)) != len(names):
            raise Unsupported("an attribute declared twice")
        spelled = {
            a[0]: _WS1 + a[0] + WS + b"=" + WS + b'"' + a[2].value(attribute=True) + b'"'
            for a in attributes
        }
        required = {a[0] for a in attributes if a[1]}
        alternatives: list[bytes] = []
        for size in range(len(required), len(attributes) + 1):
            for chosen in itertools.permutations(names, size):
                if not required <= set(chosen):
                    continue
                alternatives.append(b"".join(spelled[n] for n in chosen))
                if len(alternatives) > _MAX_ALTERNATIVES:
                    raise Unsupported("too many attributes")
        return b"(?:" + b"|".join(alternatives) + b")"

    # -- simple types ----------------------------------------------------------------------
    def builtin(self, local: str) -> _Simple:
        if local in ("string", "anySimpleType"):
            return _Simple(None)
        exact = _BUILTIN.get(local)
        if exact is None:
            raise Unsupported(f"xs:{local}")
        return _Simple(exact)

    def simple(self, node: etree._Element) -> _Simple:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unsupported("recursive simple types")
        try:
            restriction = node.find(_XS + "restriction")
            if restriction is None:
                raise Unsupported("xs:list and xs:union")
            base_name = restriction.get("base")
            if base_name is None:
                inline = restriction.find(_XS + "simpleType")
                if inline is None:
                    raise Unsupported("a restriction without a base")
                base = self.simple(inline)
            else:
                prefix, _, local = base_name.rpartition(":")
                if restriction.nsmap.get(prefix or None) == XS:
                    base = self.builtin(local)
                else:
                    base = self.simple(self.lookup("simpleType", restriction, base_name))
            return self.facets(base, restriction)
        finally:
            self.depth -= 1

    def facets(self, base: _Simple, restriction: etree._Element) -> _Simple:
        patterns: list[tuple[bytes, frozenset[int]]] = []
        enumeration: list[bytes] = []
        low, high = base.min_len, base.max_len
        for facet in restriction:
            if not isinstance(facet.tag, str) or facet.tag in (
                _XS + "annotation",
                _XS + "simpleType",
            ):
                continue
            kind = etree.QName(facet).localname
            value = facet.get("value", "")
            if kind == "pattern":
                patterns.append(_translate(value))
            elif kind == "enumeration":
                enumeration.append(value.encode())
            elif kind in ("length", "minLength", "maxLength") and base.exact is None:
                number = int(value)
                if kind in ("length", "minLength"):
                    low = max(low, number)
                if kind in ("length", "maxLength"):
                    high = number if high is None else min(high, number)
            elif kind == "whiteSpace" and value == "preserve" and base.exact is None:
                continue
            else:
                raise Unsupported(f"the {kind} facet")
        checks = list(base.checks)
        alphabets = list(base.alphabets)
        if patterns:
            checks.append(b"|".join(b"(?:" + p + b")" for p, _ in patterns))
            alphabets.append(frozenset().union(*(a for _, a in patterns)))
        if enumeration:
            checks.append(b"|".join(map(re.escape, enumeration)))
            alphabets.append(_ascii_bytes(enumeration))
        return _Simple(base.exact, tuple(checks), low, high, tuple(alphabets))


def _with_check(simple: _Simple, literal: bytes) -> _Simple:
    """``simple`` whose value must also be exactly ``literal`` (a fixed value)."""
    return _Simple(
        simple.exact,
        (*simple.checks, re.escape(literal)),
        simple.min_len,
        simple.max_len,
        (*simple.alphabets, _ascii_bytes([literal])),
    )


def _ascii_bytes(values: list[bytes]) -> frozenset[int]:
    return frozenset(b for value in values for b in value if b < 0x80)


def _element_ns(decl: etree._Element, is_global: bool, doc: etree._Element) -> str | None:
    tns = doc.get("targetNamespace")
    if is_global or decl.getparent() is doc:
        return tns
    form = decl.get("form") or doc.get("elementFormDefault", "unqualified")
    return tns if form == "qualified" else None


def _particles(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and c.tag != _XS + "annotation"]


# -- XSD regular expressions ---------------------------------------------------------------
_SINGLE_ESCAPES: Final = {
    "n": b"\\n",
    "t": b"\\t",
    "\\": b"\\\\",
    "|": b"\\|",
    ".": b"\\.",
    "?": b"\\?",
    "*": b"\\*",
    "+": b"\\+",
    "(": b"\\(",
    ")": b"\\)",
    "{": b"\\{",
    "}": b"\\}",
    "-": b"\\-",
    "[": b"\\[",
    "]": b"\\]",
    "^": b"\\^",
}
_CLASS_ESCAPES: Final = {"d": b"0-9", "s": b" \\t\\n"}
_ESCAPED: Final[dict[str, frozenset[int]]] = {
    **{k: frozenset({ord(k)}) for k in _SINGLE_ESCAPES},
    "n": frozenset({10}),
    "t": frozenset({9}),
    "d": frozenset(range(0x30, 0x3A)),
    "s": frozenset({0x20, 9, 10}),
}
"""The ASCII bytes each escape stands for."""
_SAFE_LITERAL: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#%',/:;=@_`~$-"
)


def translate_pattern(pattern: str) -> bytes:
    """An XSD ``pattern`` as a Python bytes expression matching a subset of its language
    (``\\d`` only ASCII digits, no class negation or subtraction, no ``<``/``&``/``>``).
    Raises :class:`Unsupported` for anything else."""
    return _translate(pattern)[0]


def _translate(pattern: str) -> tuple[bytes, frozenset[int]]:
    """:func:`translate_pattern`, and the ASCII bytes the expression can match."""
    out: list[bytes] = []
    alphabet: set[int] = set()
    pos = 0
    size = len(pattern)
    depth = 0
    while pos < size:
        char = pattern[pos]
        if char == "\\":
            if pos + 1 >= size:
                raise Unsupported("a dangling escape in a pattern")
            nxt = pattern[pos + 1]
            if nxt in _SINGLE_ESCAPES:
                out.append(_SINGLE_ESCAPES[nxt])
            elif nxt in _CLASS_ESCAPES:
                out.append(b"[" + _CLASS_ESCAPES[nxt] + b"]")
            else:
                raise Unsupported(f"the pattern escape \\{nxt}")
            alphabet.update(_ESCAPED[nxt])
            pos += 2
        elif char == "[":
            end, body = _char_class(pattern, pos + 1, alphabet)
            out.append(b"[" + body + b"]")
            pos = end
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                raise Unsupported("unbalanced parentheses in a pattern")
            out.append(b"(?:" if char == "(" else b")")
            pos += 1
        elif char == "|":
            out.append(b"|")
            pos += 1
        elif char in "?*+":
            out.append(char.encode())
            pos += 1
        elif char == "{":
            close = pattern.find("}", pos)
            quantifier = pattern[pos + 1 : close] if close > 0 else ""
            if not re.fullmatch(r"[0-9]+(,[0-9]*)?", quantifier):
                raise Unsupported("a malformed quantifier in a pattern")
            out.append(b"{" + quantifier.encode() + b"}")
            pos = close + 1
        elif char == ".":
            out.append(_DOT_CHAR)
            alphabet.update(_DOT_ASCII)
            pos += 1
        elif char in _SAFE_LITERAL:
            out.append(re.escape(char.encode()))
            alphabet.add(ord(char))
            pos += 1
        elif ord(char) > 0x7F and char not in "\ufffe\uffff":
            out.append(b"(?:" + re.escape(char.encode()) + b")")
            pos += 1
        else:
            raise Unsupported(f"the character {char!r} in a pattern")
    if depth != 0:
        raise Unsupported("unbalanced parentheses in a pattern")
    translated = b"".join(out)
    re.compile(translated)  # a quantifier on nothing etc. is an error here too
    return translated, frozenset(alphabet)


def _char_class(pattern: str, pos: int, alphabet: set[int]) -> tuple[int, bytes]:
    """Translate the body of ``[...]`` starting at ``pos``: ASCII members and ranges only
    (added to ``alphabet``)."""
    if pos < len(pattern) and pattern[pos] == "^":
        raise Unsupported("negated character classes")
    body: list[bytes] = []
    last: int | None = None  # the single member a following "-" would start a range at
    while pos < len(pattern):
        char = pattern[pos]
        if char == "]":
            if not body:
                raise Unsupported("an empty character class")
            return pos + 1, b"".join(body)
        if char == "[":
            raise Unsupported("character class subtraction")
        if char == "\\":
            nxt = pattern[pos + 1] if pos + 1 < len(pattern) else ""
            if nxt in _CLASS_ESCAPES:
                body.append(_CLASS_ESCAPES[nxt])
                last = None
            elif nxt in _SINGLE_ESCAPES:
                body.append(_SINGLE_ESCAPES[nxt])
                (last,) = _ESCAPED[nxt]
            else:
                raise Unsupported(f"the pattern escape \\{nxt}")
            alphabet.update(_ESCAPED[nxt])
            pos += 2
            continue
        if char == "-" and body and pos + 1 < len(pattern) and pattern[pos + 1] not in "]":
            if pattern[pos + 1] in "[\\":
                raise Unsupported("a complex range in a character class")
            low = body[-1]
            high = pattern[pos + 1]
            if len(low) != 1 and not (len(low) == 2 and low.startswith(b"\\")):
                raise Unsupported("a complex range in a character class")
            if not (high in _SAFE_LITERAL or high in "-.") or high == "$" or last is None:
                raise Unsupported("a range over special characters")
            body.append(b"-" + re.escape(high.encode()))
            alphabet.update(range(last, ord(high) + 1))
            last = None
            pos += 2
            continue
        if char in _SAFE_LITERAL or char in ".-*+?(){}|^":
            body.append(re.escape(char.encode()))
            alphabet.add(ord(char))
            last = ord(char)
            pos += 1
            continue
        raise Unsupported(f"the character {char!r} in a character class")
    raise Unsupported("an unclosed character class")
