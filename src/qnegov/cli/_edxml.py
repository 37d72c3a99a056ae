"""``qnegov inspect``, ``qnegov build`` and ``qnegov attachments extract`` for edXML packets.

``qnegov validate`` recognises edXML packets by namespace and hands them to
:func:`edxml_report` (wired in ``cli/_validate.py``); ``qnegov demo`` runs :func:`demo_step`.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, output_folder, writing
from qnegov.edxml import (
    NS,
    Attachment,
    Business,
    DocumentCode,
    DocumentType,
    Envelope,
    MessageHeader,
    Organization,
    OtherInfo,
    Packet,
    Payload,
    PromulgationInfo,
    SignerInfo,
    StatusPacket,
    build,
    manifest_for,
    new_document,
    read,
    validate,
    write,
)
from qnegov.edxml._attachments import safe_file_name
from qnegov.errors import InputError, QnegovError
from qnegov.report import DEFAULT_MAX_ISSUES_PER_CODE, Report

__all__ = ["demo_step", "edxml_report", "is_edxml", "register", "summary"]


def is_edxml(path: Path) -> bool:
    """Whether the file's root element is in the edXML namespace (reads only its start)."""
    for _event, element in _xml.iterparse(path, events=("start",)):
        return bool(element.tag.startswith("{" + NS + "}"))
    return False


def edxml_report(
    path: Path, *, strict: bool, max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE
) -> Report:
    """The full edXML validation of one file (never raises for bad input)."""
    return validate(path, strict=strict, max_issues_per_code=max_issues_per_code)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    inspect = sub.add_parser(
        "inspect",
        parents=[common],
        help=tr("summarise an edXML packet"),
        description=tr(
            "Show who sent an edXML packet to whom, what it is, its dates, its "
            "business type or status, its attachments and whether it is signed."
        ),
    )
    inspect.add_argument("file", metavar="FILE", type=Path, help=tr("the packet"))
    inspect.set_defaults(handler=run_inspect)

    builder = sub.add_parser(
        "build",
        parents=[common],
        help=tr("build an edXML packet from JSON or YAML"),
        description=tr(
            "Build an edXML packet in the peer-compatible shape from a JSON or "
            "YAML description (the model's field names), attaching files."
        ),
    )
    builder.add_argument(
        "--from",
        dest="source",
        required=True,
        type=Path,
        metavar="FILE",
        help=tr("packet description (.json, .yaml or .yml)"),
    )
    builder.add_argument(
        "--attach",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help=tr("a file to attach (repeatable)"),
    )
    builder.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="FILE",
        help=tr("where to write the packet"),
    )
    builder.set_defaults(handler=run_build)

    attachments = sub.add_parser(
        "attachments", parents=[common], help=tr("work with the attachments of an edXML packet")
    )
    actions = attachments.add_subparsers(dest="action", metavar="ACTION", required=True)
    extract = actions.add_parser(
        "extract", parents=[common], help=tr("decode every attachment into a folder")
    )
    extract.add_argument("file", metavar="FILE", type=Path, help=tr("the packet"))
    extract.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="DIR",
        help=tr("folder for the decoded files"),
    )
    extract.set_defaults(handler=run_extract)


def summary(packet: Packet) -> dict[str, Any]:
    """What ``inspect`` shows, as JSON-ready data."""
    data: dict[str, Any] = {
        "kind": packet.kind,
        "signature": None
        if packet.signature is None
        else {
            "namespaced": packet.signature.namespaced,
            "method": packet.signature.signature_method,
            "subject": packet.signature.x509_subject,
        },
        "issues": [i.to_dict() for i in packet.issues],
    }
    if isinstance(packet, StatusPacket):
        data.update(
            {
                "from": str(packet.from_.organ_id),
                "from_name": packet.from_.organ_name,
                "status": str(packet.status_code),
                "description": packet.description,
                "timestamp": packet.timestamp.isoformat(sep=" "),
                "about": _text(packet.response_for.document_id),
            }
        )
        return data
    header = packet.header
    data.update(
        {
            "from": str(header.from_.organ_id),
            "from_name": header.from_.organ_name,
            "to": [str(t.organ_id) for t in header.to],
            "code": str(header.code),
            "document_id": str(header.document_id),
            "subject": header.subject,
            "promulgation_date": _iso(header.promulgation_info.promulgation_date),
            "due_date": _iso(header.due_date),
            "business": None
            if packet.business is None
            else {
                "type": int(packet.business.doc_type),
                "name": packet.business.doc_type.name.lower(),
                "document_id": _text(packet.business.document_id),
            },
            "attachments": [
                {
                    "content_id": a.content_id,
                    "name": a.name,
                    "size": a.payload.size,
                    "zipped": a.zipped,
                    "content_type": a.content_type,
                }
                for a in packet.attachments
            ],
        }
    )
    return data


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _print_summary(ctx: Context, data: dict[str, Any]) -> None:
    echo = ctx.out.write
    echo(tr("kind:        {kind}", kind=data["kind"]) + "\n")
    echo(
        tr("from:        {organ} {name}", organ=data["from"], name=data["from_name"] or "").rstrip()
        + "\n"
    )
    if data["kind"] == "status":
        echo(
            tr(
                "status:      {code} {text}", code=data["status"], text=data["description"] or ""
            ).rstrip()
            + "\n"
        )
        echo(tr("timestamp:   {when}", when=data["timestamp"]) + "\n")
        echo(tr("about:       {doc}", doc=data["about"]) + "\n")
    else:
        echo(tr("to:          {organs}", organs=", ".join(data["to"])) + "\n")
        echo(tr("code:        {code}", code=data["code"]) + "\n")
        echo(tr("document id: {doc}", doc=data["document_id"]) + "\n")
        echo(tr("subject:     {subject}", subject=data["subject"]) + "\n")
        echo(
            tr(
                "dates:       issued {issued}, due {due}",
                issued=data["promulgation_date"],
                due=data["due_date"] or "-",
            )
            + "\n"
        )
        business = data["business"]
        echo(
            tr(
                "business:    {kind}",
                kind="-" if business is None else f"{business['type']} ({business['name']})",
            )
            + "\n"
        )
        for att in data["attachments"]:
            echo(
                tr(
                    "attachment:  {name} ({size} bytes, cid:{cid})",
                    name=att["name"],
                    size=att["size"],
                    cid=att["content_id"],
                )
                + "\n"
            )
    signature = data["signature"]
    echo(
        tr(
            "signature:   {state}",
            state=tr("absent")
            if signature is None
            else (
                tr("present (XML-DSig)")
                if signature["namespaced"]
                else tr("present (not in the XML-DSig namespace)")
            ),
        )
        + "\n"
    )
    echo(tr("issues:      {count}", count=len(data["issues"])) + "\n")
    for issue in data["issues"]:
        echo(f"  {issue['severity']} {issue['code']} (line {issue['line']}): {issue['message']}\n")


def run_inspect(args: argparse.Namespace, ctx: Context) -> int:
    packet = read(args.file)
    data = summary(packet)
    if ctx.fmt == "json":
        ctx.emit_json(data)
    else:
        _print_summary(ctx, data)
    return 0


def _load_description(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            tr("cannot read file: {reason}", reason=exc.strerror or exc), file=path
        ) from exc
    try:
        text = raw.decode("utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            tr(
                "the description is not UTF-8 text (byte {offset} on line {line}); "
                "save it as UTF-8",
                offset=exc.start,
                line=raw.count(b"\n", 0, exc.start) + 1,
            ),
            file=path,
            line=raw.count(b"\n", 0, exc.start) + 1,
        ) from None
    try:
        return _parse_description(path, text)
    except RecursionError:
        raise InputError(tr("the description is nested too deeply to read"), file=path) from None


def _parse_description(path: Path, text: str) -> dict[str, Any]:
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
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(tr("not valid YAML: {detail}", detail=exc), file=path) from None
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(tr("not valid JSON: {detail}", detail=exc), file=path) from None
    if not isinstance(loaded, dict):
        raise InputError(tr("the description must be a mapping of field names"), file=path)
    return loaded


def packet_from_description(data: dict[str, Any], attach: list[Path]) -> Packet:
    """A packet from its JSON/YAML description plus files to attach."""
    from pydantic import ValidationError

    from qnegov.errors import PacketError

    try:
        if data.get("kind") == "status":
            return StatusPacket.model_validate(data)
        body = dict(data)
        files = tuple(
            Attachment(content_id=str(n + 1), name=path.name, payload=Payload.from_file(path))
            for n, path in enumerate(attach)
        )
        for path in attach:
            if not path.is_file():
                raise InputError(tr("cannot read file: {reason}", reason="not a file"), file=path)
        header = MessageHeader.model_validate(body.pop("header"))
        envelope = new_document(header, files)
        if "business" in body:
            envelope = envelope.model_copy(
                update={"business": Business.model_validate(body.pop("business"))}
            )
        body.pop("kind", None)
        if body:
            merged = envelope.model_dump(exclude={"attachments", "manifest", "issues"})
            merged.update(body)
            envelope = Envelope.model_validate(
                {**merged, "attachments": files, "manifest": manifest_for(files)}
            )
        return envelope
    except (ValidationError, KeyError) as exc:
        raise PacketError(tr("the packet description is not valid: {detail}", detail=exc)) from None


def run_build(args: argparse.Namespace, ctx: Context) -> int:
    output = output_file(args.output)
    packet = packet_from_description(_load_description(args.source), args.attach)
    with writing(output):
        write(packet, output)
    ctx.echo(tr("wrote {path}", path=args.output))
    return 0


def run_extract(args: argparse.Namespace, ctx: Context) -> int:
    folder: Path = output_folder(args.output)
    packet = read(args.file, attachment_dir=folder)
    if not isinstance(packet, Envelope):
        ctx.echo(tr("a status packet carries no attachments"))
        return 0
    rows = []
    for att in packet.attachments:
        path = att.payload.path
        if path is None or path.parent != folder:  # small files were decoded in memory
            path = att.payload.save(_free_name(folder, safe_file_name(att.name, att.content_id)))
        rows.append({"name": att.name, "path": str(path), "size": att.payload.size})
        if ctx.fmt != "json":
            ctx.echo(tr("{path} ({size} bytes)", path=path, size=att.payload.size))
    if ctx.fmt == "json":
        ctx.emit_json(rows)
    return 1 if any(i.severity.blocks for i in packet.issues) else 0


def _free_name(folder: Path, name: str) -> Path:
    candidate, n = folder / name, 1
    while candidate.exists():
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = folder / (f"{stem}-{n}.{ext}" if dot else f"{name}-{n}")
    return candidate


_DEMO_PDF = b"%PDF-1.4\n% qnegov demo: Cong van so 12/UBND-VP\n%%EOF\n"


def demo_step(ctx: Context, workdir: Path) -> None:
    """Build a packet with an attachment, validate it strictly, inspect it."""
    ctx.echo(tr("== edXML: build a packet with an attachment, validate it, inspect it =="))
    header = MessageHeader(
        from_=Organization(organ_id="000.00.00.H47", organ_name="UBND tỉnh Quảng Nam"),
        to=(Organization(organ_id="000.00.00.H15", organ_name="UBND thành phố Đà Nẵng"),),
        code=DocumentCode.parse("12/UBND-VP"),
        promulgation_info=PromulgationInfo(place="Tam Kỳ", promulgation_date=date(2025, 6, 30)),
        document_type=DocumentType(type=1, type_detail=0, type_name="Công văn"),
        subject="V/v bàn giao hồ sơ lưu trữ khi hợp nhất tỉnh",
        signer_info=SignerInfo(
            competence="TL. CHỦ TỊCH", position="Chánh Văn phòng", full_name="Nguyễn Văn A"
        ),
        other_info=OtherInfo(priority=0),
        steering_type=1,
    )
    files = [
        Attachment(content_id="1", name="12-UBND-VP.pdf", payload=Payload.from_bytes(_DEMO_PDF))
    ]
    path = workdir / "cong-van-12.edxml"
    path.write_bytes(build(new_document(header, files)))
    ctx.echo(tr("built {path}", path=path))
    report = validate(path, strict=True)
    ctx.emit_report(report)
    if not report.valid:
        raise QnegovError(tr("the demo packet did not validate"))
    packet = read(path)
    if ctx.fmt == "json":
        ctx.emit_json(summary(packet))
    elif not ctx.quiet:
        _print_summary(ctx, summary(packet))
