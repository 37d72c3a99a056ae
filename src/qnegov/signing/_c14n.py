"""Canonical bytes: of ``SignedInfo``, and of the document with its signature taken out.

lxml's C14N (libxml2, in C) does the work; this module only decides what is canonicalised.
The enveloped-signature transform removes the ``Signature`` element and its descendants but not
the text after it, so the element's tail is handed to its previous sibling (or the parent)
before the element is detached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.errors import PolicyViolation, SignatureError, UnsafeXMLError
from qnegov.signing._algorithms import C14NMethod

__all__ = ["canonicalize", "detach_signature"]

_XML_NS: Final = "{http://www.w3.org/XML/1998/namespace}"
MAX_C14N_ATTRIBUTES: Final = 1_000
"""Attributes one element may carry to be canonicalised: libxml2's C14N sorts them in time
quadratic in their number (40,000 on one element took minutes); real documents carry a few."""


def canonicalize(
    node: etree._Element | etree._ElementTree,
    method: C14NMethod,
    prefixes: Sequence[str] = (),
    *,
    comments: bool = False,
) -> bytes:
    """C14N bytes of ``node`` (a whole document when given the tree), comments excluded.

    Comments are excluded unless ``comments`` (a ``#WithComments`` method applied to
    ``SignedInfo``): a same-document reference (``URI=""`` or ``#id``) drops them before any
    transform runs, so its content never carries comments whatever the method.
    """
    _refuse_attribute_floods(node.getroot() if isinstance(node, etree._ElementTree) else node)
    if (
        isinstance(node, etree._Element)
        and not method.exclusive
        and node.getparent() is not None
        and _needs_standalone(node)
    ):
        node = _standalone(node, version_11=method.version_11)
    try:
        return etree.tostring(
            node,
            method="c14n",
            exclusive=method.exclusive,
            with_comments=comments,
            inclusive_ns_prefixes=list(prefixes) if prefixes and method.exclusive else None,
        )
    except etree.C14NError:  # found by the fuzzer: libxml2 refuses e.g. a relative namespace URI
        raise SignatureError(
            tr("the document cannot be canonicalised (is a namespace URI relative?)")
        ) from None


def _refuse_attribute_floods(root: etree._Element) -> None:
    for element in root.iter():
        if len(element.attrib) > MAX_C14N_ATTRIBUTES:
            line = element.sourceline
            raise UnsafeXMLError(
                tr(
                    "an element with {count} attributes is refused (at most {limit} can be "
                    "canonicalised)",
                    count=len(element.attrib),
                    limit=MAX_C14N_ATTRIBUTES,
                ),
                construct="attribute count",
                line=line if isinstance(line, int) else None,
            )


def _needs_standalone(node: etree._Element) -> bool:
    """Whether libxml2's subtree C14N would go wrong: a default namespace in scope (spurious
    ``xmlns=""`` below), or ``xml:`` attributes to inherit from ancestors. Otherwise the
    subtree is canonicalised in place, without the copy (which costs a serialise and a parse).
    """
    if None in node.nsmap:
        return True
    return any(str(key).startswith(_XML_NS) for a in node.iterancestors() for key in a.attrib)


def _standalone(node: etree._Element, *, version_11: bool = False) -> etree._Element:
    """A parent-less copy of ``node`` carrying what inclusive C14N inherits from its ancestors.

    libxml2 canonicalises an inner subtree in a default namespace with spurious ``xmlns=""``
    on its grandchildren. lxml serialises a subtree with every in-scope namespace declared on
    it and the prefixes untouched; re-parsed (safely), the copy canonicalises correctly once
    the ``xml:`` attributes inherited from ancestors are added, as C14N 1.0 requires.

    C14N 1.1 inherits ``xml:lang`` and ``xml:space`` only; an inherited ``xml:base`` (which it
    would have to join as URIs) is refused rather than guessed.
    """
    copy = _xml.parse(etree.tostring(node), name="<SignedInfo>").getroot()
    for ancestor in node.iterancestors():
        for key, value in ancestor.attrib.items():
            if not str(key).startswith(_XML_NS) or copy.get(key) is not None:
                continue
            if version_11 and key == _XML_NS + "id":
                continue
            if version_11 and key == _XML_NS + "base":
                raise PolicyViolation(
                    tr("C14N 1.1 of an element below an xml:base attribute is not supported")
                )
            copy.set(key, value)
    return copy


def detach_signature(signature: etree._Element) -> None:
    """Remove ``signature`` from its tree for good, keeping the text that followed it."""
    parent = signature.getparent()
    if parent is None:
        raise PolicyViolation(
            tr(
                "the signature is the document element: an enveloped-signature transform "
                "would leave nothing to sign"
            ),
            line=signature.sourceline if isinstance(signature.sourceline, int) else None,
        )
    tail = signature.tail
    signature.tail = None
    if tail:
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(signature)
