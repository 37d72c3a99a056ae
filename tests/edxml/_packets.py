"""One small valid message header that the attachment tests build their packets on."""

from __future__ import annotations

from datetime import date

from qnegov.edxml import (
    DocumentCode,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    SignerInfo,
)

HEADER = MessageHeader(
    from_=Organization(organ_id="000.00.00.H47"),
    to=(Organization(organ_id="000.00.00.G22"),),
    code=DocumentCode.parse("07/UBND-VP"),
    promulgation_info=PromulgationInfo(promulgation_date=date(2025, 7, 1)),
    subject="Thử",
    document_type=DocumentType(type_name="Công văn"),
    signer_info=SignerInfo(full_name="A"),
    other_info=OtherInfo(priority=0),
    steering_type=1,
)
