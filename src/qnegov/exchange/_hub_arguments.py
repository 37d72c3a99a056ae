"""The options of ``hub serve``, importable without the hub extra (the CLI lists them in --help)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

__all__ = ["ADMIN_TOKEN_ENV", "add_serve_arguments"]

ADMIN_TOKEN_ENV: Final = "QNEGOV_HUB_ADMIN_TOKEN"  # noqa: S105 - a variable name


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8780, help="port to listen on")
    parser.add_argument("--agencies", type=Path, help="TOML file of agencies and clients")
    parser.add_argument(
        "--admin-token-file",
        type=Path,
        help=f"admin token file (else ${ADMIN_TOKEN_ENV}, else generated)",
    )
    parser.add_argument(
        "--token-ttl", type=float, default=3600.0, help="LGSP token lifetime in seconds"
    )
    parser.add_argument(
        "--max-clock-skew",
        type=float,
        default=300.0,
        help="accepted VDXP timestamp skew in seconds",
    )
    parser.add_argument(
        "--accept-invalid-packets",
        action="store_true",
        help="refuse only unreadable packets (not well-formed XML), not validation errors",
    )
    parser.add_argument(
        "--trust",
        type=Path,
        action="append",
        metavar="PEM",
        help="trusted CA certificate(s): every packet must then be signed",
    )
    parser.add_argument(
        "--signature-policy",
        default="strict",
        choices=["strict", "legacy"],
        help="signature policy when --trust is given",
    )
    parser.add_argument(
        "--tls-cert", type=Path, metavar="PEM", help="serve HTTPS with this certificate"
    )
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="private key of --tls-cert")
    parser.add_argument(
        "--tls-client-ca",
        type=Path,
        metavar="PEM",
        help="require client certificates issued by this CA (mutual TLS)",
    )
    parser.add_argument(
        "--require-body-hash",
        action="store_true",
        help="refuse sendEdoc without hash-file (SDK peers that omit it cannot send)",
    )
    parser.add_argument(
        "--allow-readable-db",
        action="store_true",
        help="start even if group or others may read the database file",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        help="seconds a connection may take to send its request head",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        help="seconds without a body byte before the connection is closed",
    )
    parser.add_argument(
        "--max-connections-per-client",
        type=int,
        default=128,
        help="open connections allowed per client address",
    )
    parser.add_argument(
        "--max-packet-mb", type=int, default=64, help="largest packet accepted, megabytes"
    )
    parser.add_argument(
        "--max-inflight-mb",
        type=int,
        default=96,
        help="request-body megabytes in flight at once; beyond, 503 with Retry-After",
    )
    parser.add_argument(
        "--spool-dir", type=Path, help="where large request bodies are spooled (default: $TMPDIR)"
    )
    parser.add_argument(
        "--enable-test-faults",
        action="store_true",
        help="TESTING ONLY: allow fault injection through /admin/faults",
    )
    parser.add_argument("--log-level", default="warning")
