"""Typed answers of both platforms, validated with pydantic.

Field names follow the platforms' JSON (``docId``, ``ErrorCode``...) through aliases, while the
Python attributes are snake_case. Unknown extra fields are ignored (platforms add fields over
time); a missing required field or a wrong type makes the answer a
:class:`~qnegov.errors.BadResponse`.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AckStatus",
    "Agency",
    "InboxItem",
    "LgspAckStatus",
    "MessageType",
    "SentItem",
    "SentReceipt",
    "Token",
]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class MessageType(enum.StrEnum):
    """What a VDXP message carries: an e-document or a status packet."""

    EDOC = "edoc"
    STATUS = "status"


class AckStatus(enum.StrEnum):
    """The VDXP transport acknowledgement after a download (``/updateStatus``)."""

    DONE = "done"
    FAIL = "fail"
    PROCESSING = "processing"


class LgspAckStatus(enum.StrEnum):
    """The Quảng Nam LGSP transport status of a received document."""

    INITIAL = "INITIAL"
    PROCESSING = "PROCESSING"
    DONE = "DONE"
    FAIL = "FAIL"


class VdxpEnvelope(_Model):
    """``{status, ErrorCode, ErrorDesc}``: every VDXP answer has it."""

    status: str
    error_code: str = Field(default="0", alias="ErrorCode")
    error_desc: str | None = Field(default=None, alias="ErrorDesc")


class SentReceipt(_Model):
    """What the platform answers to an accepted send."""

    doc_id: str = Field(alias="DocId", min_length=1)
    status: str = "OK"


class VdxpSendResponse(VdxpEnvelope):
    doc_id: str | None = Field(default=None, alias="DocId")


class InboxItem(_Model):
    """One received message waiting in an inbox (both platforms map to this)."""

    doc_id: str = Field(alias="docId", min_length=1)
    service_type: str | None = Field(default=None, alias="serviceType")
    message_type: str = Field(default="edoc", alias="messageType")
    created_time: str | None = Field(default=None, alias="created_time")
    updated_time: str | None = Field(default=None, alias="updated_time")
    sender: str | None = Field(default=None, alias="from")
    to: str | None = None
    status: str | None = None
    status_desc: str | None = Field(default=None, alias="status_desc")


class VdxpInboxResponse(VdxpEnvelope):
    data: list[InboxItem] = Field(default_factory=list)


class VdxpGetResponse(VdxpEnvelope):
    data: str | None = None


class SentItem(_Model):
    """One row of the VDXP sent list (one per recipient)."""

    service_type: str | None = Field(default=None, alias="serviceType")
    sender_doc_id: str = Field(alias="senderDocId")
    receiver_doc_id: str | None = Field(default=None, alias="receiverDocId")
    from_code: str = Field(alias="fromCode")
    to_code: str = Field(alias="toCode")
    send_status: str | None = Field(default=None, alias="sendStatus")
    send_status_desc: str | None = Field(default=None, alias="sendStatusDesc")
    receive_status: str | None = Field(default=None, alias="receiveStatus")
    receive_status_desc: str | None = Field(default=None, alias="receiveStatusDesc")
    title: str | None = None
    notation: str | None = None
    sent_time: str | None = Field(default=None, alias="sentTime")
    received_time: str | None = Field(default=None, alias="receivedTime")
    message_type: str | None = Field(default=None, alias="messageType")


class VdxpSentResponse(VdxpEnvelope):
    data: list[SentItem] = Field(default_factory=list)


class Agency(_Model):
    """A registered agency in either code form.

    ``code`` is the form the list was asked for; ``other_code`` the other form when the platform
    gives it (``oldCode`` in the QCVN 102 list, ``code102`` in the QĐ 20/2020 list).
    """

    id: str | int | None = None
    pid: str | int | None = None
    code: str
    name: str = ""
    mail: str | None = None
    other_code: str | None = None


class _RawAgency(_Model):
    id: str | int | None = None
    pid: str | int | None = None
    code: str = Field(min_length=1)
    name: str = ""
    mail: str | None = None
    old_code: str | None = Field(default=None, alias="oldCode")
    code102: str | None = None
    pcode: str | None = None


class VdxpAgenciesResponse(VdxpEnvelope):
    data: list[_RawAgency] = Field(default_factory=list)


class Token(_Model):
    """An OAuth2 client-credentials token."""

    access_token: str = Field(min_length=1)
    expires_in: float = Field(gt=0)
    token_type: str = "Bearer"  # noqa: S105 - the OAuth2 scheme name


class LgspEnvelope(_Model):
    """``{status, errorCode, errorDesc}`` of the LGSP document API."""

    status: str | int | None = None
    error_code: str | int | None = Field(default=None, alias="errorCode")
    error_desc: str | None = Field(default=None, alias="errorDesc")


class LgspInboxItem(_Model):
    doc_id: str = Field(alias="docId", min_length=1)
    service_type: str | None = Field(default=None, alias="serviceType")
    message_type: str = Field(default="edoc", alias="messageType")
    status_desc: str | None = Field(default=None, alias="statusDesc")
    sender: str | None = Field(default=None, alias="from")
    to: str | None = None
    status: str | None = None
    created_time: str | None = Field(default=None, alias="createdTime")


class LgspInboxResponse(LgspEnvelope):
    data: list[LgspInboxItem] = Field(default_factory=list)


class LgspGetResponse(LgspEnvelope):
    data: str | None = None


class LgspSendResponse(LgspEnvelope):
    doc_id: str | None = Field(default=None, alias="docId")


class LgspAgenciesResponse(LgspEnvelope):
    data: list[_RawAgency] = Field(default_factory=list)
