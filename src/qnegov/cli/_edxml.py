"""``qnegov inspect``, ``qnegov build`` and ``qnegov attachments extract`` for edXML packets.

``qnegov validate`` recognises edXML packets by namespace and hands them to
:func:`edxml_report` (wired in ``cli/_validate.py``); ``qnegov demo`` runs :func:`demo_step`.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, output_folder, writing
from qnegov.errors import DescriptionError, NonConformingPacket, QnegovError
from qnegov.report import DEFAULT_MAX_ISSUES_PER_CODE, Issue, Report

if TYPE_CHECKING:  # imported in the commands: building the parser must not load pydantic
    pass

__all__ = ["demo_step", "edxml_report", "is_edxml", "register"]


def is_edxml(path: Path) -> bool:
    """Whether the file's root element is in the edXML namespace (reads only its start)."""
    from qnegov._validate_any import kind_of

    return kind_of(path)[0] == "edxml"


def edxml_report(
    path: Path, *, strict: bool, max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE
) -> Report:
    """The full edXML validation of one file (never raises for bad input)."""
    from qnegov.edxml import validate

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
        type=Path,
        metavar="FILE",
        help=tr("where to write the packet"),
    )
    builder.add_argument(
        "--allow-invalid",
        action="store_true",
        help=tr("write the packet even when it fails validation"),
    )
    builder.add_argument(
        "--example",
        choices=("document", "status", "revocation", "replacement", "update"),
        help=tr("print a complete, commented description to start from"),
    )
    builder.add_argument(
        "--yaml", action="store_true", help=tr("with --example: YAML instead of JSON")
    )
    builder.add_argument(
        "--json-schema",
        action="store_true",
        help=tr("print the JSON Schema of a description (for editors)"),
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
    from qnegov.edxml import packet_summary, read

    packet = read(args.file)
    data = packet_summary(packet)
    if ctx.fmt == "json":
        ctx.emit_json(data)
    else:
        _print_summary(ctx, data)
    return 0


def run_build(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.edxml import write
    from qnegov.edxml._description import (
        Problem,
        description_schema,
        example_text,
        packet_from_description,
        read_description,
    )

    if args.json_schema:
        ctx.out.write(json.dumps(description_schema(), ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.example is not None:
        if args.yaml:
            try:
                import yaml  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
            except ImportError:
                return _build_usage(ctx, tr("YAML needs PyYAML: pip install 'qnegov[yaml]'"))
        ctx.out.write(example_text(args.example, yaml_form=args.yaml))
        return 0
    if args.source is None or args.output is None:
        return _build_usage(ctx, tr("give --from FILE and -o FILE (or --example KIND)"))
    output = output_file(args.output)
    try:
        packet = packet_from_description(
            read_description(args.source),
            args.attach,
            allow_invalid=args.allow_invalid,
            file=args.source,
        )
    except DescriptionError as exc:
        ctx.err.write(tr("{file}: the packet description is not valid:", file=args.source) + "\n")
        for problem in exc.problems:
            if isinstance(problem, Problem):
                ctx.err.write(f"  {problem.path}: {problem.message}\n")
        return exc.exit_code
    except NonConformingPacket as exc:
        ctx.err.write(tr("qnegov: error: {error}", error=exc.message) + "\n")
        report = Report(files=[str(args.source)])
        report.extend(i for i in exc.issues if isinstance(i, Issue))
        ctx.emit_report(report.finish())
        return exc.exit_code
    with writing(output):
        write(packet, output)
    ctx.echo(tr("wrote {path}", path=args.output))
    return 0


def _build_usage(ctx: Context, message: str) -> int:
    ctx.err.write("qnegov build: " + tr("error: {message}", message=message) + "\n")
    return 2


def run_extract(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.edxml import Envelope, read

    packet = read(args.file, attachment_dir=output_folder(args.output))
    if not isinstance(packet, Envelope):
        ctx.echo(tr("a status packet carries no attachments"))
        return 0
    rows = []
    for att in packet.attachments:
        path = att.payload.path  # read() wrote every decoded attachment into the folder
        rows.append({"name": att.name, "path": path and str(path), "size": att.payload.size})
        if ctx.fmt == "json":
            continue
        if path is None:
            ctx.echo(tr("{name}: no content in the packet, nothing written", name=att.name))
        else:
            ctx.echo(tr("{path} ({size} bytes)", path=path, size=att.payload.size))
    if ctx.fmt == "json":
        ctx.emit_json(rows)
    return 1 if any(i.severity.blocks for i in packet.issues) else 0


_DEMO_PDF = b"%PDF-1.4\n% qnegov demo: Cong van so 12/UBND-VP\n%%EOF\n"


def demo_step(ctx: Context, workdir: Path) -> None:
    """Build a packet with an attachment, validate it strictly, inspect it."""
    from qnegov.edxml import (
        Attachment,
        DocumentCode,
        DocumentType,
        MessageHeader,
        Organization,
        OtherInfo,
        Payload,
        PromulgationInfo,
        SignerInfo,
        build,
        new_document,
        packet_summary,
        read,
        validate,
    )

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
        ctx.emit_json(packet_summary(packet))
    elif not ctx.quiet:
        _print_summary(ctx, packet_summary(packet))
