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
        help="refuse only unreadable packets, not those with validation errors",
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
        "--enable-test-faults",
        action="store_true",
        help="TESTING ONLY: allow fault injection through /admin/faults",
    )
    parser.add_argument("--log-level", default="warning")
