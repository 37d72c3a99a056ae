"""Hypothesis strategies for edXML packets: every kind, valid in strict mode, round-trippable.

``document_packets()`` covers the four business operations (new, revoke, update, replace) with
zipped and unzipped attachments; ``status_packets()`` covers every known status code;
``packets()`` draws either. Every value is one the builder writes and the reader reads back
unchanged (no surrounding whitespace, no empty optional text, characters XML 1.0 can carry).
``packets_with_unknown_elements()`` draws the bytes of a packet into which elements qnegov does
not model were put, at random places: what a peer with a newer field list sends.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from hypothesis import strategies as st
from lxml import etree

from qnegov import _xml
from qnegov.codes import AgencyCode, DocumentId
from qnegov.edxml import (
    Attachment,
    BusinessDocType,
    BusinessDocumentInfo,
    DocumentCode,
    DocumentType,
    Envelope,
    MessageHeader,
    Organization,
    OtherInfo,
    Packet,
    Payload,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHeader,
    build,
    make_document_id,
    new_document,
    replace_document,
    revoke_document,
    update_document,
)
from qnegov.edxml._tree import CONTAINERS, NS
from qnegov.testing import codes as codes_strategies

__all__ = [
    "attachments",
    "document_packets",
    "message_headers",
    "organizations",
    "packets",
    "packets_with_unknown_elements",
    "status_packets",
]

T = TypeVar("T")

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZĐđăâêôơưÁÀẢÃẠáàảãạếềểễệốồổỗộứừửữự"
_TEXT_ALPHABET = _LETTERS + "0123456789 .,;:-/()&<>\"'%#"


def _text(max_size: int = 40) -> st.SearchStrategy[str]:
    return (
        st.text(_TEXT_ALPHABET, min_size=1, max_size=max_size)
        .map(lambda s: " ".join(s.split()))
        .filter(bool)
    )


def _opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def _agency_codes() -> st.SearchStrategy[AgencyCode]:
    return codes_strategies.agency_codes()


_DATES = st.dates(date(2000, 1, 1), date(2099, 12, 31))
_TIMES = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


def organizations() -> st.SearchStrategy[Organization]:
    """An agency with some of its contacts."""
    return st.builds(
        Organization,
        organ_id=_agency_codes(),
        organization_in_charge=_opt(_text()),
        organ_name=_opt(_text()),
        organ_add=_opt(_text()),
        email=_opt(_text(20)),
        telephone=_opt(st.from_regex(r"\A0[0-9]{9}\Z")),
        fax=st.none(),
        website=_opt(_text(20)),
    )


def _staff() -> st.SearchStrategy[StaffInfo]:
    return st.builds(
        StaffInfo,
        department=_text(),
        staff=_text(),
        mobile=_opt(_text(12)),
        email=_opt(_text(20)),
        staff_id=_opt(_text(10)),
        department_id=_opt(_text(10)),
    )


def message_headers() -> st.SearchStrategy[MessageHeader]:
    """A complete header; its DocumentId is the comma form made from From, date and Code."""
    return st.builds(
        MessageHeader,
        from_=organizations(),
        to=st.lists(organizations(), min_size=1, max_size=3).map(tuple),
        code=codes_strategies.document_codes(),
        promulgation_info=st.builds(
            PromulgationInfo, place=_opt(_text(20)), promulgation_date=_DATES
        ),
        document_type=st.builds(
            DocumentType,
            type=st.integers(0, 99),
            type_detail=_opt(st.integers(0, 9)),
            type_name=_text(20),
        ),
        subject=_text(80),
        content=_opt(_text(120)),
        signer_info=st.builds(
            SignerInfo, competence=_opt(_text(12)), position=_opt(_text()), full_name=_text()
        ),
        due_date=_opt(_DATES),
        to_places=st.lists(_text(), max_size=2).map(tuple),
        other_info=st.builds(
            OtherInfo,
            priority=st.integers(0, 4),
            sphere_of_promulgation=_opt(_text()),
            typer_notation=_opt(_text(6)),
            promulgation_amount=_opt(st.integers(0, 500)),
            page_amount=_opt(st.integers(0, 500)),
            direction=_opt(st.booleans()),
            appendixes=st.lists(_text(), max_size=2).map(tuple),
            reply_fors=_opt(
                st.lists(_response_for(), min_size=1, max_size=3).map(
                    lambda refs: ";".join(str(r.document_id) for r in refs)
                )
            ),
            reference_codes=_opt(_text(20)),
        ),
        response_for=st.lists(_response_for(), max_size=2).map(tuple),
        steering_type=st.integers(0, 3),
        application_type=_opt(st.integers(0, 99)),
        response_for_task=st.lists(_text(12), max_size=3).map(tuple),
    )


def _trace_list() -> st.SearchStrategy[dict[str, object]]:
    """``TraceHeaderList``'s attributes and ``Paper``."""
    return st.fixed_dictionaries(
        {
            "trace_id": _opt(st.from_regex(r"\A[A-Za-z0-9_-]{1,16}\Z")),
            "trace_version": _opt(st.sampled_from(["1.0", "2.0"])),
            "trace_paper": _opt(st.integers(0, 1)),
        }
    )


@st.composite
def _response_for(draw: st.DrawFn) -> ResponseFor:
    organ = draw(_agency_codes())
    when = draw(_DATES)
    code = draw(codes_strategies.document_codes())
    return ResponseFor(
        organ_id=organ,
        code=str(code),
        promulgation_date=when,
        document_id=make_document_id(organ, when, code),
    )


@st.composite
def attachments(
    draw: st.DrawFn, content_id: str | None = None, zipped: bool | None = True
) -> Attachment:
    """A small non-empty file, zipped (the peer convention; ``zipped=None`` draws either)."""
    if zipped is None:
        zipped = draw(st.booleans())
    data = draw(
        st.binary(min_size=1, max_size=2000).filter(lambda b: zipped or not b.startswith(b"PK"))
    )
    ext = draw(st.sampled_from([".pdf", ".docx", ".doc", ".xlsx", ""]))
    name = draw(st.from_regex(r"\A[A-Za-z0-9_-]{1,20}\Z")) + ext
    cid = content_id or draw(st.uuids()).hex
    kind = "application/zip" if zipped else "application/pdf"
    return Attachment(
        content_id=cid,
        name=name,
        payload=Payload.from_bytes(data),
        content_type=kind,
        description=draw(_opt(_text())),
        zipped=zipped,
    )


@st.composite
def document_packets(draw: st.DrawFn, operation: BusinessDocType | None = None) -> Envelope:
    """A document packet of the given (or any) business operation, valid in strict mode."""
    header = draw(message_headers())
    kind = operation if operation is not None else draw(st.sampled_from(list(BusinessDocType)))
    count = draw(st.integers(0, 2))
    files = [
        draw(attachments(content_id=f"{n + 1}-{draw(st.uuids()).hex[:8]}")) for n in range(count)
    ]
    start = header.promulgation_info.promulgation_date or date(2000, 1, 1)
    stamps = sorted(draw(st.lists(_TIMES, max_size=3)))
    traces = [TraceHeader(organ_id=draw(_agency_codes()), timestamp=t) for t in stamps]
    staff = draw(st.lists(_staff(), max_size=2))
    earlier = make_document_id(header.from_.organ_id, start, DocumentCode.parse("01/UBND-VP"))
    return _operation(draw, kind, header, files, staff, traces, earlier).model_copy(
        update=draw(_trace_list())
    )


def _operation(
    draw: st.DrawFn,
    kind: BusinessDocType,
    header: MessageHeader,
    files: list[Attachment],
    staff: list[StaffInfo],
    traces: list[TraceHeader],
    earlier: DocumentId | str,
) -> Envelope:
    if kind is BusinessDocType.NEW:
        return new_document(header, files, staff=staff, traces=traces)
    if kind is BusinessDocType.REVOKE:
        return revoke_document(header, earlier, files, staff=staff, traces=traces)
    if kind is BusinessDocType.UPDATE:
        receivers = draw(
            st.lists(
                st.builds(Receiver, organ_id=_agency_codes(), receiver_type=st.integers(0, 1)),
                max_size=2,
            )
        )
        changes = BusinessDocumentInfo(
            document_info="1", document_receiver="1", receivers=tuple(receivers)
        )
        return update_document(header, earlier, files, changes=changes, staff=staff, traces=traces)
    replaced = [
        ReplacementInfo(
            document_id=earlier, organ_ids=tuple(draw(st.lists(_agency_codes(), max_size=2)))
        )
    ]
    return replace_document(header, replaced, files, staff=staff, traces=traces)


@st.composite
def status_packets(draw: st.DrawFn, code: StatusCode | None = None) -> StatusPacket:
    """A status packet with the given (or any known) status code."""
    return StatusPacket(
        from_=draw(organizations()),
        response_for=draw(_response_for()),
        status_code=code if code is not None else draw(st.sampled_from(list(StatusCode))),
        description=draw(_opt(_text(80))),
        timestamp=draw(_TIMES),
        staff_info=tuple(draw(st.lists(_staff(), max_size=1))),
    ).model_copy(update=draw(_trace_list()))


def packets() -> st.SearchStrategy[Packet]:
    """Any packet: document (any operation) or status (any code)."""
    return document_packets() | status_packets()


_UNKNOWN_NAMES = st.from_regex(r"\AX[A-Za-z]{1,12}\Z")
_FOREIGN = "urn:example:peer-extension"


@st.composite
def _unknown_element(draw: st.DrawFn) -> etree._Element:
    """An element no edXML container knows: edXML or a foreign namespace, maybe attributes,
    text or a child of its own."""
    ns = draw(st.sampled_from([NS, _FOREIGN]))
    nsmap = {"edXML": NS} if ns == NS else {"ext": _FOREIGN}
    element = etree.Element(f"{{{ns}}}{draw(_UNKNOWN_NAMES)}", nsmap=nsmap)
    if draw(st.booleans()):
        element.set("code", draw(_text(10)))
    if draw(st.booleans()):
        child = etree.SubElement(element, f"{{{ns}}}{draw(_UNKNOWN_NAMES)}")
        child.text = draw(_text(20))
    else:
        element.text = draw(_opt(_text(30)))
    return element


@st.composite
def packets_with_unknown_elements(draw: st.DrawFn, max_elements: int = 3) -> bytes:
    """A built packet with 1 to ``max_elements`` unknown elements put into its containers
    (any container holding elements, any position): reading it must keep every one of them
    and building the result must write them back."""
    tree = _xml.parse(build(draw(packets())))
    containers = [
        e
        for e in tree.getroot().iter()
        if isinstance(e.tag, str)
        and etree.QName(e).localname in CONTAINERS
        and len(e)
        and "Signature" not in {etree.QName(a).localname for a in e.iterancestors()}
    ]
    for _ in range(draw(st.integers(1, max_elements))):
        parent = draw(st.sampled_from(containers))
        parent.insert(draw(st.integers(0, len(parent))), draw(_unknown_element()))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
