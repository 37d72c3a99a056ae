"""Starting the hub: agencies file, admin token, guarded uvicorn on a loopback port.

Secrets never come from the command line: agency secrets live in the agencies file (or are
registered through the admin API) and the admin token comes from ``QNEGOV_HUB_ADMIN_TOKEN``, a
file, or is generated and written next to the database with owner-only permissions.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import ssl
import sys
import tomllib
from pathlib import Path
from typing import Any

from qnegov.errors import InputError, QnegovError
from qnegov.exchange._hub_arguments import ADMIN_TOKEN_ENV, add_serve_arguments
from qnegov.exchange.hub._app import HubConfig, create_app
from qnegov.exchange.hub._store import AgencyRecord, Store

__all__ = [
    "listen",
    "load_agencies",
    "main",
    "resolve_admin_token",
    "serve",
    "uvicorn_config",
]


def load_agencies(path: Path, store: Store) -> int:
    """Register the ``[[agency]]`` and ``[[client]]`` tables of a TOML file; returns agencies."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(exc.strerror or exc), file=str(path)) from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:  # not UTF-8, or not TOML
        raise InputError(str(exc), file=str(path)) from exc
    count = 0
    for entry in data.get("agency", []):
        secret = entry.get("secret") or os.environ.get(str(entry.get("secret_env", "")), "")
        if not entry.get("code") or not secret:
            raise InputError(
                f"agency entry needs 'code' and 'secret' or 'secret_env': {entry}", file=str(path)
            )
        store.put_agency(
            AgencyRecord(
                code=str(entry["code"]),
                secret=str(secret),
                name=str(entry.get("name", "")),
                other_code=entry.get("other_code"),
                pcode=entry.get("pcode"),
                mail=entry.get("mail"),
                provincial=bool(entry.get("provincial", False)),
            )
        )
        count += 1
    for entry in data.get("client", []):
        secret = entry.get("secret") or os.environ.get(str(entry.get("secret_env", "")), "")
        if not entry.get("key") or not secret:
            raise InputError(
                "client entry needs 'key' and 'secret' or 'secret_env'", file=str(path)
            )
        store.put_gateway_client(str(entry["key"]), str(secret))
    return count


def resolve_admin_token(db: Path, token_file: Path | None) -> tuple[str, Path | None]:
    """The admin token, and the file it was written to when it had to be generated."""
    if token := os.environ.get(ADMIN_TOKEN_ENV, "").strip():
        return token, None
    if token_file is not None and token_file.exists():
        return token_file.read_text(encoding="utf-8").strip(), None
    target = token_file or db.with_name(db.name + ".admin-token")
    token = secrets.token_urlsafe(32)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, target


def uvicorn_config(app: Any, config: HubConfig, **options: Any) -> Any:
    """uvicorn settings for the hub: h11 guarded by the hub's connection deadlines and caps."""
    import uvicorn

    from qnegov.exchange.hub._server import ConnectionLimits, guarded_protocol

    limits = ConnectionLimits(
        header_timeout=config.header_timeout,
        body_timeout=config.body_timeout,
        max_per_client=config.max_connections_per_client,
    )
    return uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        access_log=False,
        timeout_keep_alive=max(1, min(5, int(config.header_timeout))),
        **options,
    )


def listen(host: str, port: int) -> socket.socket:
    """A listening socket bound before the server starts (port 0: the kernel picks one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(args: argparse.Namespace) -> int:
    """Start the hub in the foreground until interrupted."""
    import uvicorn

    if args.max_inflight_mb < args.max_packet_mb:
        print("qnegov hub: error: --max-inflight-mb is below --max-packet-mb", file=sys.stderr)
        return 2
    args.db.parent.mkdir(parents=True, exist_ok=True)
    token, written = resolve_admin_token(args.db, args.admin_token_file)
    config = HubConfig(
        db=args.db,
        admin_token=token,
        token_ttl=args.token_ttl,
        max_clock_skew=args.max_clock_skew,
        max_packet_bytes=args.max_packet_mb * 1024 * 1024,
        max_inflight_bytes=args.max_inflight_mb * 1024 * 1024,
        spool_dir=args.spool_dir,
        require_body_hash=args.require_body_hash,
        allow_readable_db=args.allow_readable_db,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        max_connections_per_client=args.max_connections_per_client,
        enable_test_faults=args.enable_test_faults,
    )
    from qnegov.exchange.hub._checks import default_checks
    from qnegov.signing import TrustStore, policy_by_name

    trust = TrustStore.from_paths(*args.trust) if args.trust else None
    config.checks = default_checks(
        "fatal" if args.accept_invalid_packets else "errors",
        trust,
        policy_by_name(args.signature_policy),
    )
    app = create_app(config)
    if args.agencies is not None:
        count = load_agencies(args.agencies, Store(args.db, allow_readable=args.allow_readable_db))
        print(f"qnegov hub: {count} agencies from {args.agencies}", file=sys.stderr)
    if written is not None:
        print(f"qnegov hub: admin token written to {written}", file=sys.stderr)
    scheme = "https" if args.tls_cert is not None else "http"
    sock = listen(args.host, args.port)
    port = sock.getsockname()[1]
    print(
        f"qnegov hub: serving on {scheme}://{args.host}:{port} (db {args.db})",
        file=sys.stderr,
        flush=True,
    )
    tls: dict[str, Any] = {}
    if args.tls_cert is not None:
        tls = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
        if args.tls_client_ca is not None:
            tls |= {"ssl_ca_certs": str(args.tls_client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    server = uvicorn.Server(
        uvicorn_config(app, config, log_level=args.log_level, timeout_graceful_shutdown=5, **tls)
    )
    server.run(sockets=[sock])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qnegov.exchange.hub")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(sub.add_parser("serve", help="run the reference hub"))
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except QnegovError as exc:
        where = f"{exc.file}: " if getattr(exc, "file", None) else ""
        print(f"qnegov hub: error: {where}{exc}", file=sys.stderr)
        return 1
