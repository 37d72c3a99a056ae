"""``qnegov send|inbox|fetch|ack`` against an exchange, ``qnegov hub serve``, and the demo step.

The platform and the credentials come from a profile file (``--profile``, ``$QNEGOV_PROFILE``,
or ``~/.config/qnegov/exchange.toml``) and environment variables; secrets are never accepted on
the command line, where other users of the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, write_output, writing
from qnegov.errors import QnegovError, RemoteError
from qnegov.exchange._hub_arguments import add_serve_arguments
from qnegov.exchange._profile import Profile, load_profile

if TYPE_CHECKING:  # imported in the commands: building the parser must not load httpx
    from qnegov.exchange import DocumentExchangeClient, InboxItem, LgspClient

__all__ = ["load_profile", "register", "step_exchange"]


def _profile(args: argparse.Namespace, ctx: Context) -> Profile:
    profile = load_profile(args.profile)
    for warning in profile.warnings:
        ctx.warn(warning)
    return profile


def _json_errors(handler: Callable[[argparse.Namespace, Context], int]) -> Any:
    """With ``--format json`` an error is also printed on stdout, as a JSON object."""

    def run(args: argparse.Namespace, ctx: Context) -> int:
        try:
            return handler(args, ctx)
        except QnegovError as exc:
            if ctx.fmt == "json":
                error: dict[str, Any] = {"code": exc.code, "message": exc.message}
                if exc.file is not None:
                    error["file"] = exc.file
                if isinstance(exc, RemoteError):
                    error |= {"remote_code": exc.remote_code, "status_code": exc.status_code}
                ctx.emit_json({"error": error})
            raise

    return run


def _vdxp(profile: Profile) -> DocumentExchangeClient:
    from qnegov.exchange import DocumentExchangeClient

    return DocumentExchangeClient(
        profile.url,
        profile.need("system_id"),
        profile.need("secret"),
        agency_code=profile.values.get("agency_code") or None,
        tls=profile.tls,
    )


def _lgsp(profile: Profile) -> LgspClient:
    from qnegov.exchange import LgspClient

    return LgspClient(
        profile.url,
        profile.need("consumer_key"),
        profile.need("consumer_secret"),
        profile.need("agency_secret"),
        tls=profile.tls,
    )


def run_send(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.exchange import MessageType

    profile = _profile(args, ctx)
    kind = MessageType.STATUS if args.status else MessageType.EDOC
    results = []
    if profile.api == "lgsp":
        if args.to:
            ctx.warn(tr("the LGSP API routes by the packet's To elements only; --to ignored"))
        with _lgsp(profile) as lgsp:
            for path in args.files:
                results.append((path, lgsp.send(path, kind=str(kind)).doc_id))
    else:
        with _vdxp(profile) as vdxp:
            for path in args.files:
                receipt = vdxp.send(path, message_type=kind, to=args.to or None)
                results.append((path, receipt.doc_id))
    if ctx.fmt == "json":
        ctx.emit_json([{"file": str(p), "docId": d} for p, d in results])
    else:
        for path, doc_id in results:
            ctx.out.write(tr("sent {file}: docId {doc_id}", file=path, doc_id=doc_id) + "\n")
    return 0


def _inbox(profile: Profile, status: bool) -> list[InboxItem]:
    from qnegov.exchange import MessageType

    if profile.api == "lgsp":
        with _lgsp(profile) as lgsp:
            wanted = "status" if status else "edoc"
            return [i for i in lgsp.inbox() if i.message_type == wanted]
    with _vdxp(profile) as vdxp:
        return vdxp.inbox(MessageType.STATUS if status else MessageType.EDOC)


def run_inbox(args: argparse.Namespace, ctx: Context) -> int:
    items = _inbox(_profile(args, ctx), args.status)
    if ctx.fmt == "json":
        ctx.emit_json([i.model_dump(by_alias=True) for i in items])
        return 0
    if not items:
        ctx.echo(tr("inbox is empty"))
    for item in items:
        ctx.out.write(
            f"{item.doc_id}  {item.message_type:6}  {item.status or '-':10}  "
            f"{tr('from')} {item.sender or '-'}  {item.created_time or ''}\n"
        )
    return 0


def run_fetch(args: argparse.Namespace, ctx: Context) -> int:
    output = output_file(args.output)
    profile = _profile(args, ctx)
    if profile.api == "lgsp":
        with _lgsp(profile) as lgsp:
            write_output(output, lgsp.fetch(args.doc_id))
    else:
        with _vdxp(profile) as vdxp, writing(output):
            vdxp.download(args.doc_id, output)
    ctx.echo(tr("wrote {path} ({size} bytes)", path=args.output, size=args.output.stat().st_size))
    return 0


def run_ack(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.exchange import AckStatus, LgspAckStatus

    profile = _profile(args, ctx)
    status = args.status.strip()
    if profile.api == "lgsp":
        if status.upper() not in {s.value for s in LgspAckStatus}:
            ctx.err.write(
                tr("status must be one of {choices}", choices="INITIAL, PROCESSING, DONE, FAIL")
                + "\n"
            )
            return 2
        with _lgsp(profile) as lgsp:
            lgsp.ack(args.doc_id, status.upper())
    else:
        if status.lower() not in {s.value for s in AckStatus}:
            ctx.err.write(
                tr("status must be one of {choices}", choices="done, fail, processing") + "\n"
            )
            return 2
        with _vdxp(profile) as vdxp:
            vdxp.ack(args.doc_id, status.lower())
    ctx.echo(tr("acknowledged {doc_id}: {status}", doc_id=args.doc_id, status=status))
    return 0


def run_hub_serve(args: argparse.Namespace, ctx: Context) -> int:
    try:
        from qnegov.exchange.hub._serve import serve
    except ImportError:
        ctx.err.write(tr("the hub needs the 'hub' extra: pip install 'qnegov[hub]'") + "\n")
        return 2
    return serve(args)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    profile = argparse.ArgumentParser(add_help=False)
    profile.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help=tr("exchange profile (default: $QNEGOV_PROFILE or ~/.config/qnegov/exchange.toml)"),
    )
    send = sub.add_parser(
        "send", parents=[common, profile], help=tr("send edXML packets to the exchange")
    )
    send.add_argument("files", nargs="+", type=Path, metavar="FILE")
    send.add_argument(
        "--to",
        action="append",
        metavar="CODE",
        help=tr("deliver only to this recipient (repeatable; must be in To)"),
    )
    send.add_argument("--status", action="store_true", help=tr("the files are status packets"))
    send.set_defaults(handler=_json_errors(run_send))

    inbox = sub.add_parser(
        "inbox", parents=[common, profile], help=tr("list received messages not yet acknowledged")
    )
    inbox.add_argument(
        "--status", action="store_true", help=tr("list status packets instead of documents")
    )
    inbox.set_defaults(handler=_json_errors(run_inbox))

    fetch = sub.add_parser(
        "fetch", parents=[common, profile], help=tr("download one received packet")
    )
    fetch.add_argument("doc_id", metavar="DOCID")
    fetch.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    fetch.set_defaults(handler=_json_errors(run_fetch))

    ack = sub.add_parser(
        "ack",
        parents=[common, profile],
        help=tr("acknowledge a received packet (done, fail, processing)"),
    )
    ack.add_argument("doc_id", metavar="DOCID")
    ack.add_argument("status", metavar="STATUS")
    ack.set_defaults(handler=_json_errors(run_ack))

    hub = sub.add_parser("hub", parents=[common], help=tr("the reference exchange hub"))
    hub_sub = hub.add_subparsers(dest="hub_command", metavar="COMMAND", required=True)
    serve = hub_sub.add_parser(
        "serve", parents=[common], help=tr("serve the VDXP and LGSP APIs on a loopback port")
    )
    add_serve_arguments(serve)
    serve.set_defaults(handler=run_hub_serve)


def step_exchange(ctx: Context, workdir: Path) -> None:
    """Two agencies exchange a signed packet through a hub on loopback, and a status returns."""
    ctx.echo(tr("== Exchange: a signed packet through a reference hub on loopback =="))
    try:
        from qnegov.exchange.hub import EmbeddedHub
    except ImportError:
        ctx.echo(tr("skipped: the hub needs the 'hub' extra (pip install 'qnegov[hub]')"))
        return
    from qnegov import edxml
    from qnegov.exchange import AckStatus, DocumentExchangeClient, MessageType
    from qnegov.exchange._sample import sample_document
    from qnegov.signing import KeySigner, TrustStore, make_test_pki, sign_packet, verify_packet

    sender, receiver = "000.00.00.H47", "000.00.00.H15"
    pki = make_test_pki(workdir / "pki")
    signer = KeySigner.from_pem(pki.signer_key, pki.signer_cert)
    trust = TrustStore.from_paths(pki.ca_cert)
    packet = sign_packet(
        sample_document(
            sender,
            [receiver],
            number="12",
            notation="UBND-KGVX",
            subject="V/v triển khai liên thông văn bản điện tử",
        ),
        signer,
    )
    with EmbeddedHub(workdir / "hub.sqlite") as hub:
        ctx.echo(tr("hub listening on {url}", url=hub.url))
        keys = {
            sender: hub.register(sender, "UBND tỉnh Quảng Nam"),
            receiver: hub.register(receiver, "UBND thành phố Đà Nẵng"),
        }
        with (
            DocumentExchangeClient(hub.url, sender, keys[sender]) as a,
            DocumentExchangeClient(hub.url, receiver, keys[receiver]) as b,
        ):
            receipt = a.send(packet)
            ctx.echo(
                tr(
                    "{sender} sent a signed packet: docId {doc_id}",
                    sender=sender,
                    doc_id=receipt.doc_id,
                )
            )
            (item,) = b.inbox()
            received = b.fetch(item.doc_id)
            verified = verify_packet(received, trust=trust)
            ctx.echo(
                tr(
                    "{receiver} received it and verified the signature ({subject})",
                    receiver=receiver,
                    subject=verified.certificate.subject.rfc4514_string(),
                )
            )
            b.ack(item.doc_id, AckStatus.DONE)
            document = edxml.read(verified.signed_bytes)  # only what the signature covers
            assert isinstance(document, edxml.Envelope)
            me = edxml.Organization(organ_id=receiver, organ_name="UBND thành phố Đà Nẵng")
            status = edxml.accepted(
                me,
                document,
                timestamp=datetime.now().replace(microsecond=0),
                description="Đã tiếp nhận",
            )
            b.send(edxml.build(status), message_type=MessageType.STATUS)
            (answer,) = a.inbox(MessageType.STATUS)
            back = edxml.read(a.fetch(answer.doc_id))
            assert isinstance(back, edxml.StatusPacket)
            code = getattr(back.status_code, "value", back.status_code)
            ctx.echo(
                tr(
                    "{sender} got the status packet back: {code} ({description})",
                    sender=sender,
                    code=code,
                    description=back.description or "",
                )
            )
            (row,) = a.sent(doc_id=receipt.doc_id)
            ctx.echo(
                tr(
                    "sent list: {to} acknowledged {status}, status code {code}",
                    to=row.to_code,
                    status=row.send_status,
                    code=row.receive_status,
                )
            )
            if row.send_status != "done" or row.receive_status != "03":
                raise RuntimeError("the demo exchange did not complete")
