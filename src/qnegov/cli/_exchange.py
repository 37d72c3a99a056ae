"""``qnegov send|inbox|fetch|ack`` against an exchange, ``qnegov hub serve``, and the demo step.

The platform and the credentials come from a profile file (``--profile``, ``$QNEGOV_PROFILE``,
or ``~/.config/qnegov/exchange.toml``) and environment variables; secrets are never accepted on
the command line, where other users of the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, write_output, writing
from qnegov.errors import InputError
from qnegov.exchange import (
    AckStatus,
    DocumentExchangeClient,
    InboxItem,
    LgspAckStatus,
    LgspClient,
    MessageType,
    TlsConfig,
)
from qnegov.exchange._hub_arguments import add_serve_arguments

__all__ = ["load_profile", "register", "step_exchange"]

DEFAULT_PROFILE: Final = Path("~/.config/qnegov/exchange.toml")
_ENV: Final = {
    "api": "QNEGOV_EXCHANGE_API",
    "url": "QNEGOV_EXCHANGE_URL",
    "system_id": "QNEGOV_SYSTEM_ID",
    "agency_code": "QNEGOV_AGENCY_CODE",
    "secret": "QNEGOV_SECRET",
    "consumer_key": "QNEGOV_LGSP_CONSUMER_KEY",
    "consumer_secret": "QNEGOV_LGSP_CONSUMER_SECRET",
    "agency_secret": "QNEGOV_LGSP_AGENCY_SECRET",
}
_SECRETS: Final = ("secret", "consumer_secret", "agency_secret")


@dataclass(frozen=True, slots=True)
class Profile:
    """Where and as whom to talk to an exchange."""

    api: str
    url: str
    values: dict[str, str]
    tls: TlsConfig | None

    def need(self, key: str) -> str:
        value = self.values.get(key, "")
        if not value:
            raise InputError(
                tr(
                    "exchange profile lacks {key} (set it in the profile or ${env})",
                    key=key,
                    env=_ENV.get(key, "?"),
                )
            )
        return value


def _secret(data: dict[str, Any], key: str, base: Path) -> str:
    """A secret from ``key``, ``key_env`` (a variable name) or ``key_file`` (a path)."""
    if isinstance(data.get(key), str):
        return str(data[key])
    if isinstance(data.get(key + "_env"), str):
        return os.environ.get(str(data[key + "_env"]), "")
    if isinstance(data.get(key + "_file"), str):
        path = (base / str(data[key + "_file"])).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(
                tr("cannot read file: {reason}", reason=exc.strerror or exc), file=str(path)
            ) from exc
    return ""


def load_profile(path: Path | None) -> Profile:
    """Read the profile file (if any) and apply the environment on top of it."""
    chosen = path or (
        Path(os.environ["QNEGOV_PROFILE"])
        if os.environ.get("QNEGOV_PROFILE")
        else DEFAULT_PROFILE.expanduser()
    )
    data: dict[str, Any] = {}
    if chosen.exists():
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(str(exc), file=str(chosen)) from exc
    elif path is not None:
        raise InputError(tr("cannot read file: {reason}", reason="not found"), file=str(path))
    base = chosen.parent
    values: dict[str, str] = {}
    for key in _ENV:
        values[key] = _secret(data, key, base) if key in _SECRETS else str(data.get(key, ""))
        if env := os.environ.get(_ENV[key]):
            values[key] = env
    tls = None
    if any(data.get(k) for k in ("ca_file", "client_cert", "client_key")):
        tls = TlsConfig(
            ca_file=data.get("ca_file"),
            client_cert=data.get("client_cert"),
            client_key=data.get("client_key"),
        )
    api = (values.pop("api") or "vdxp").lower()
    if api not in ("vdxp", "lgsp"):
        raise InputError(tr("exchange profile: api must be vdxp or lgsp, not {api}", api=api))
    url = values.pop("url")
    if not url:
        raise InputError(
            tr(
                "exchange profile lacks {key} (set it in the profile or ${env})",
                key="url",
                env=_ENV["url"],
            )
        )
    return Profile(api=api, url=url, values=values, tls=tls)


def _vdxp(profile: Profile) -> DocumentExchangeClient:
    return DocumentExchangeClient(
        profile.url,
        profile.need("system_id"),
        profile.need("secret"),
        agency_code=profile.values.get("agency_code") or None,
        tls=profile.tls,
    )


def _lgsp(profile: Profile) -> LgspClient:
    return LgspClient(
        profile.url,
        profile.need("consumer_key"),
        profile.need("consumer_secret"),
        profile.need("agency_secret"),
        tls=profile.tls,
    )


def run_send(args: argparse.Namespace, ctx: Context) -> int:
    profile = load_profile(args.profile)
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
    if profile.api == "lgsp":
        with _lgsp(profile) as lgsp:
            wanted = "status" if status else "edoc"
            return [i for i in lgsp.inbox() if i.message_type == wanted]
    with _vdxp(profile) as vdxp:
        return vdxp.inbox(MessageType.STATUS if status else MessageType.EDOC)


def run_inbox(args: argparse.Namespace, ctx: Context) -> int:
    items = _inbox(load_profile(args.profile), args.status)
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
    profile = load_profile(args.profile)
    if profile.api == "lgsp":
        with _lgsp(profile) as lgsp:
            write_output(output, lgsp.fetch(args.doc_id))
    else:
        with _vdxp(profile) as vdxp, writing(output):
            vdxp.download(args.doc_id, output)
    ctx.echo(tr("wrote {path} ({size} bytes)", path=args.output, size=args.output.stat().st_size))
    return 0


def run_ack(args: argparse.Namespace, ctx: Context) -> int:
    profile = load_profile(args.profile)
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
    send.set_defaults(handler=run_send)

    inbox = sub.add_parser(
        "inbox", parents=[common, profile], help=tr("list received messages not yet acknowledged")
    )
    inbox.add_argument(
        "--status", action="store_true", help=tr("list status packets instead of documents")
    )
    inbox.set_defaults(handler=run_inbox)

    fetch = sub.add_parser(
        "fetch", parents=[common, profile], help=tr("download one received packet")
    )
    fetch.add_argument("doc_id", metavar="DOCID")
    fetch.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    fetch.set_defaults(handler=run_fetch)

    ack = sub.add_parser(
        "ack",
        parents=[common, profile],
        help=tr("acknowledge a received packet (done, fail, processing)"),
    )
    ack.add_argument("doc_id", metavar="DOCID")
    ack.add_argument("status", metavar="STATUS")
    ack.set_defaults(handler=run_ack)

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
