"""Packets from a JSON or YAML description: the loader, its JSON Schema and its examples.

This is the library side of ``qnegov build``. A description uses the models' field names
(``header``, ``from_``, ``promulgation_info``...); ``$comment``, ``$schema`` and any key
starting with ``//`` are notes for people and editors, ignored at every level. Every problem
of a description is reported at once, each with its JSON path (``$.header.to[0].organ_id``)
and a plain message in the current language, and a description whose packet would fail even
lenient validation is refused with the validator's issues unless asked otherwise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from qnegov._i18n import tr
from qnegov.edxml._builder import build
from qnegov.edxml._helpers import manifest_for, new_document
from qnegov.edxml._models import (
    Attachment,
    Business,
    Envelope,
    MessageHeader,
    Organization,
    Packet,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPacket,
    TraceHeader,
)
from qnegov.edxml._payload import Payload
from qnegov.edxml._validate import validate
from qnegov.errors import DescriptionError, InputError, NonConformingPacket
from qnegov.report import Issue

__all__ = [
    "EXAMPLE_KINDS",
    "Problem",
    "description_error",
    "description_schema",
    "example",
    "example_text",
    "invalid_packet",
    "packet_from_description",
    "read_description",
]


class _Description(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class DocumentDescription(_Description):
    """A document packet: its header, what it does (``business``) and its trace."""

    kind: Literal["document"] = "document"
    header: MessageHeader
    business: Business | None = None
    traces: tuple[TraceHeader, ...] = ()


class StatusDescription(_Description):
    """A status packet about a received document."""

    kind: Literal["status"]
    from_: Organization
    response_for: ResponseFor
    status_code: StatusCode
    description: str | None = None
    timestamp: datetime
    staff_info: tuple[StaffInfo, ...] = ()
    traces: tuple[TraceHeader, ...] = ()


_ADAPTER: Final = TypeAdapter(
    Annotated[DocumentDescription | StatusDescription, Field(discriminator="kind")]
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a description: where (a JSON path) and what, in plain words."""

    path: str
    message: str


def description_error(
    problems: list[Problem], *, file: str | Path | None = None, line: int | None = None
) -> DescriptionError:
    """The error for a faulty description: every problem listed, each with its path."""
    listed = "; ".join(f"{p.path}: {p.message}" for p in problems)
    return DescriptionError(
        tr("the packet description is not valid: {problems}", problems=listed),
        problems=tuple(problems),
        file=file,
        line=line,
    )


def invalid_packet(issues: list[Issue], *, file: str | Path | None = None) -> NonConformingPacket:
    """The error for a description whose packet the lenient validation refuses."""
    return NonConformingPacket(
        tr(
            "the description builds a packet that fails validation ({count} issue(s)); "
            "fix it, or build it anyway with --allow-invalid",
            count=len(issues),
        ),
        issues=tuple(issues),
        file=file,
    )


def read_description(path: Path) -> Any:
    """The description in a ``.json``, ``.yaml`` or ``.yml`` file (YAML needs PyYAML)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=path
        ) from exc
    try:
        text = raw.decode("utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            tr(
                "the description is not UTF-8 text (byte {offset} on line {line}); "
                "save it as UTF-8",
                offset=exc.start,
                line=line,
            ),
            file=path,
            line=line,
        ) from None
    try:
        return _parse_description(path, text)
    except RecursionError:
        raise InputError(tr("the description is nested too deeply to read"), file=path) from None


def _parse_description(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise InputError(
                tr(
                    "reading YAML needs PyYAML: pip install 'qnegov[yaml]' "
                    "(or give the description as JSON)"
                ),
                file=path,
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = None if mark is None else mark.line + 1
            raise description_error(
                [Problem("$", tr("not valid YAML: {detail}", detail=getattr(exc, "problem", exc)))],
                file=path,
                line=line,
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise description_error(
            [Problem("$", tr("not valid JSON: {detail}", detail=exc.msg))],
            file=path,
            line=exc.lineno,
        ) from None


def _is_note(key: object) -> bool:
    return isinstance(key, str) and (key in ("$comment", "$schema") or key.startswith("//"))


def strip_notes(data: Any) -> Any:
    """The description without its notes (``$comment``, ``$schema``, ``//`` keys)."""
    if isinstance(data, dict):
        return {k: strip_notes(v) for k, v in data.items() if not _is_note(k)}
    if isinstance(data, list):
        return [strip_notes(v) for v in data]
    return data


_UNION_TAGS: Final = frozenset(
    {"str", "int", "float", "bool", "date", "datetime", "enum", "none", "list", "tuple", "dict"}
)


def _path(loc: Iterable[int | str]) -> str:
    """``$.header.to[0].organ_id`` from a pydantic location, without its union-member tags."""
    out = "$"
    for n, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif n == 0 and part in ("document", "status"):
            continue  # the discriminated union's tag
        elif part in _UNION_TAGS or not part.replace("_", "a").isalnum() or part[:1].isupper():
            continue  # a member of a union (``AgencyCode``, ``function-after[...]``, ``str``)
        else:
            out += f".{part}"
    return out


def _message(error: Any) -> str:
    """A plain message for one pydantic error: no error URLs, no Python names."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return tr("required field is missing")
    if kind == "extra_forbidden":
        return tr("unknown field (see qnegov build --json-schema for the fields)")
    if kind in ("string_type", "string_sub_type"):
        return tr("expected text")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return tr("expected a whole number")
    if kind in ("bool_parsing", "bool_type"):
        return tr("expected true or false")
    if kind.startswith("date_") or kind == "date_type":
        return tr("expected a date as YYYY-MM-DD")
    if kind.startswith("datetime_"):
        return tr("expected a date and time as YYYY-MM-DDTHH:MM:SS")
    if kind in ("enum", "literal_error"):
        return tr("expected one of {choices}", choices=ctx.get("expected", "?"))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return tr("kind must be document or status")
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return tr("expected a list")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return tr("expected an object (a mapping of field names)")
    if kind == "value_error":
        cause = ctx.get("error")
        return str(cause) if cause is not None else str(error.get("msg", ""))
    return str(error.get("msg", kind))


def problems_of(exc: ValidationError) -> list[Problem]:
    """One problem per faulty location (a union's members failing alike are said once)."""
    seen: dict[str, Problem] = {}
    for error in exc.errors(include_url=False):
        path = _path(error.get("loc", ()))
        if path not in seen:
            seen[path] = Problem(path, _message(error))
    return list(seen.values())


def packet_from_description(
    data: Any,
    attach: Iterable[Path] = (),
    *,
    allow_invalid: bool = False,
    file: str | Path | None = None,
) -> Packet:
    """The packet ``data`` describes, with ``attach`` attached (to documents).

    Raises :class:`~qnegov.errors.DescriptionError` listing every problem of the description,
    and :class:`~qnegov.errors.NonConformingPacket` with the validator's issues when the packet
    would fail lenient validation (unless ``allow_invalid``); both exit with code 1.
    """
    if not isinstance(data, dict):
        raise description_error(
            [Problem("$", tr("expected an object (a mapping of field names)"))], file=file
        )
    body = strip_notes(data)
    body.setdefault("kind", "document")
    try:
        described = _ADAPTER.validate_python(body)
    except ValidationError as exc:
        raise description_error(problems_of(exc), file=file) from None
    packet: Packet
    if isinstance(described, StatusDescription):
        packet = StatusPacket.model_validate(described.model_dump(exclude={"kind"}))
    else:
        paths = list(attach)
        for path in paths:
            if not path.is_file():
                raise InputError(tr("cannot read file: {reason}", reason="not a file"), file=path)
        files = tuple(
            Attachment(content_id=str(n + 1), name=path.name, payload=Payload.from_file(path))
            for n, path in enumerate(paths)
        )
        if described.business is None:
            packet = new_document(described.header, files, traces=described.traces)
        else:
            packet = Envelope(
                header=described.header,
                traces=described.traces,
                business=described.business,
                manifest=manifest_for(files),
                attachments=files,
            )
    if not allow_invalid:
        label = tr("<the packet built from {file}>", file=file if file is not None else "-")
        report = validate(build(packet), name=label)
        # lines of the built XML would be taken for lines of the description: paths say where
        blocking = [replace(i, line=None, column=None) for i in report.issues if i.severity.blocks]
        if blocking:
            raise invalid_packet(blocking, file=file)
    return packet


def description_schema() -> dict[str, Any]:
    """The JSON Schema of a description, generated from the models, notes allowed everywhere."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "qnegov edXML packet description"
    schema["description"] = (
        "What `qnegov build --from` reads. Keys $comment, $schema and any key starting with "
        "// are notes, ignored at every level."
    )

    def allow_notes(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["properties"].setdefault("$comment", {"type": "string"})
                node["properties"].setdefault("$schema", {"type": "string"})
                node.setdefault("patternProperties", {})["^//"] = {}
            for value in node.values():
                allow_notes(value)
        elif isinstance(node, list):
            for value in node:
                allow_notes(value)

    allow_notes(schema)
    return schema


_SENDER: Final = {
    "$comment": "Who sends: an agency code (QĐ 20/2020 or QCVN 102 form) and its name.",
    "organ_id": "000.00.00.H47",
    "organ_name": "UBND tỉnh Quảng Nam",
}
_RECEIVER: Final = {
    "$comment": "One receiver; list as many as needed.",
    "organ_id": "000.00.00.H15",
    "organ_name": "UBND thành phố Đà Nẵng",
}
_HEADER: Final = {
    "$comment": "MessageHeader: who, what and when. Field names are the model's (snake_case).",
    "from_": _SENDER,
    "to": [_RECEIVER],
    "//code": "Số/ký hiệu: number/notation as written on the document.",
    "code": "12/UBND-VP",
    "promulgation_info": {"place": "Tam Kỳ", "promulgation_date": "2025-06-30"},
    "document_type": {"type": 1, "type_detail": 0, "type_name": "Công văn"},
    "subject": "V/v bàn giao hồ sơ lưu trữ khi hợp nhất tỉnh",
    "signer_info": {
        "competence": "TL. CHỦ TỊCH",
        "position": "Chánh Văn phòng",
        "full_name": "Nguyễn Văn A",
    },
    "other_info": {
        "$comment": "priority: 0 normal, 1 urgent, 2 very urgent, 3 flash, 4 express.",
        "priority": 0,
    },
    "//steering_type": "0 for information, 1 to be handled, ... (QCVN 102:2016 table).",
    "steering_type": 1,
}
_EARLIER: Final = "000.00.00.H47,2025/06/20,10/UBND-VP"

EXAMPLE_KINDS: Final = ("document", "status", "revocation", "replacement", "update")


def example(kind: str) -> dict[str, Any]:
    """A complete, commented description of ``kind`` (one of :data:`EXAMPLE_KINDS`)."""
    if kind == "status":
        return {
            "$comment": "A status packet: what the receiver did with a document it received.",
            "kind": "status",
            "from_": dict(_RECEIVER, **{"$comment": "Who reports the status."}),
            "response_for": {
                "$comment": "The document this status is about, as its header named it.",
                "organ_id": "000.00.00.H47",
                "code": "12/UBND-VP",
                "promulgation_date": "2025-06-30",
                "document_id": "000.00.00.H47,2025/06/30,12/UBND-VP",
            },
            "//status_code": "01 received, 02 refused, 03 accepted, 04 assigned, 05 handling, "
            "06 done (two digits, QCVN 102:2016).",
            "status_code": "03",
            "description": "Đã tiếp nhận",
            "timestamp": "2025-07-01T08:30:00",
            "staff_info": [
                {"department": "Văn phòng", "staff": "Trần Thị B", "email": "vanthu@danang.gov.vn"}
            ],
        }
    header = copy.deepcopy(_HEADER)
    business: dict[str, Any]
    if kind == "document":
        business = {
            "$comment": "doc_type 0: a new document. Attach files with --attach FILE.",
            "doc_type": 0,
            "reason": "Gửi văn bản mới",
            "paper": 0,
        }
    elif kind == "revocation":
        header["code"] = "13/UBND-VP"
        header["subject"] = "V/v thu hồi Công văn số 10/UBND-VP"
        business = {
            "$comment": "doc_type 1: revoke the document named by document_id.",
            "doc_type": 1,
            "document_id": _EARLIER,
            "reason": "Thu hồi văn bản ban hành sai thẩm quyền",
            "paper": 0,
        }
    elif kind == "update":
        header["code"] = "14/UBND-VP"
        header["subject"] = "V/v cập nhật Công văn số 10/UBND-VP"
        business = {
            "$comment": "doc_type 2: update the document named by document_id.",
            "doc_type": 2,
            "document_id": _EARLIER,
            "reason": "Cập nhật danh sách nơi nhận",
            "paper": 0,
            "document_info": {
                "$comment": "What changes; receivers lists the new receivers.",
                "document_info": "Bổ sung nơi nhận",
                "receivers": [{"organ_id": "000.00.00.H15", "receiver_type": 1}],
            },
        }
    elif kind == "replacement":
        header["code"] = "15/UBND-VP"
        header["subject"] = "V/v thay thế Công văn số 10/UBND-VP"
        business = {
            "$comment": "doc_type 3: replace the documents listed in replacements.",
            "doc_type": 3,
            "reason": "Thay thế văn bản có sai sót",
            "paper": 0,
            "replacements": [
                {
                    "$comment": "The replaced document and the agencies that received it.",
                    "document_id": _EARLIER,
                    "organ_ids": ["000.00.00.H15"],
                }
            ],
        }
    else:
        raise ValueError(f"unknown example {kind!r}; expected one of {', '.join(EXAMPLE_KINDS)}")
    return {
        "$schema": "qnegov-description.schema.json",
        "$comment": f"An edXML {kind} packet. Build it: qnegov build --from THIS.json -o out.edxml",
        "kind": "document",
        "header": header,
        "business": business,
    }


def example_text(kind: str, *, yaml_form: bool = False) -> str:
    """The example as JSON, or as YAML whose notes are ``#`` comments (needs PyYAML)."""
    data = example(kind)
    if not yaml_form:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    import yaml  # type: ignore[import-untyped,unused-ignore]

    lines: list[str] = []
    _yaml_lines(data, 0, lines, yaml)
    return "\n".join(lines) + "\n"


def _yaml_lines(node: Any, indent: int, out: list[str], yaml: Any) -> None:
    """Block YAML, written by hand so that notes become comments above what they explain."""
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            if _is_note(key):
                if key != "$schema":
                    out.append(f"{pad}# {value}")
                continue
            _yaml_entry(f"{pad}{key}:", value, indent, out, yaml)
    else:
        for item in node:
            if isinstance(item, dict):
                notes = [f"{pad}# {v}" for k, v in item.items() if _is_note(k) and k != "$schema"]
                out.extend(notes)
                body = {k: v for k, v in item.items() if not _is_note(k)}
                first = True
                for key, value in body.items():
                    lead = f"{pad}- {key}:" if first else f"{pad}  {key}:"
                    _yaml_entry(lead, value, indent + 2, out, yaml)
                    first = False
            else:
                out.append(f"{pad}- {_scalar(item, yaml)}")


def _yaml_entry(lead: str, value: Any, indent: int, out: list[str], yaml: Any) -> None:
    if isinstance(value, dict | list) and value:
        out.append(lead)
        _yaml_lines(value, indent + 2, out, yaml)
    else:
        out.append(f"{lead} {_scalar(value, yaml)}")


def _scalar(value: Any, yaml: Any) -> str:
    text: str = yaml.safe_dump(value, allow_unicode=True, width=1 << 20, default_flow_style=True)
    return text.removesuffix("\n...\n").strip()
