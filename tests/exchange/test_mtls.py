"""Mutual TLS: the hub requires a client certificate; the client presents one via TlsConfig."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qnegov.errors import TransportError
from qnegov.exchange import DocumentExchangeClient, RetryPolicy, TlsConfig

from .conftest import LOOPBACK, spawn_hub


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    ip: str | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(
    folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    c, k = folder / f"{name}.pem", folder / f"{name}.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return c, k


def test_client_certificate_is_required_and_accepted(tmp_path: Path) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", ca_key, _name("test CA"), ca_key, ca=True)
    ca_pem, _ = _write(tmp_path, "ca", ca, ca_key)
    server_key, client_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    server_pem, server_key_pem = _write(
        tmp_path, "server", _cert("hub", server_key, ca.subject, ca_key, ip=LOOPBACK), server_key
    )
    client_pem, client_key_pem = _write(
        tmp_path, "client", _cert("000.00.00.H47", client_key, ca.subject, ca_key), client_key
    )

    env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": "adm"}
    args = ["--db", str(tmp_path / "h.db"), "--host", LOOPBACK, "--tls-cert", str(server_pem)]
    args += ["--tls-key", str(server_key_pem), "--tls-client-ca", str(ca_pem)]
    process, port = spawn_hub(args, tmp_path / "hub.log", env)
    url = f"https://{LOOPBACK}:{port}"
    ctx = ssl.create_default_context(cafile=str(ca_pem))
    ctx.load_cert_chain(str(client_pem), str(client_key_pem))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                secret = httpx.post(
                    url + "/admin/agencies",
                    json={"code": "000.00.00.H47"},
                    headers={"Authorization": "Bearer adm"},
                    verify=ctx,
                ).json()["secret"]
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        tls = TlsConfig(
            ca_file=str(ca_pem), client_cert=str(client_pem), client_key=str(client_key_pem)
        )
        with DocumentExchangeClient(url, "000.00.00.H47", secret, tls=tls) as client:
            assert [a.code for a in client.agencies()] == ["000.00.00.H47"]
        no_cert = TlsConfig(ca_file=str(ca_pem))
        with (
            DocumentExchangeClient(
                url,
                "000.00.00.H47",
                secret,
                tls=no_cert,
                retry=RetryPolicy(attempts=2, backoff=0.01),
            ) as client,
            pytest.raises(TransportError),
        ):
            client.agencies()
    finally:
        process.kill()
        process.wait(timeout=10)
