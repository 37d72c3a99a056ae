"""``qnegov sign``, ``qnegov verify`` and ``qnegov keys new``; the signature line of validate.

Passwords never travel on the command line (other users can read it in ``ps``): they come from
an environment variable (``QNEGOV_KEY_PASSWORD`` unless ``--password-env`` names another).
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, write_output
from qnegov.errors import InputError, QnegovError, SignatureError, UnsafeXMLError
from qnegov.report import Issue, Report, Severity, issue_code, issue_from_error
from qnegov.signing import (
    KeySigner,
    SignatureExplanation,
    TrustStore,
    VerifiedDocument,
    explain,
    make_test_pki,
    policy_by_name,
    sign,
    sign_packet,
    signature_status,
    verify,
    verify_packet,
)
from qnegov.signing._packet import is_packet
from qnegov.signing._verify import parse_large

__all__ = ["packet_signature_issues", "register", "step_signatures"]

_VIETNAM: Final = timezone(timedelta(hours=7), "ICT")
_STATUS_MAX_BYTES: Final = 64 << 20
SIGNATURE_NOT_CHECKED: Final = issue_code(
    "signature_not_checked",
    "validate did not check the packet's signature (too large for the in-memory check).",
    area="signing",
)
SIGNATURE_VALID: Final = issue_code(
    "signature_valid",
    "The signature verified: intact content, trusted and valid certificate, allowed algorithms.",
    area="signing",
)
for _error_code, _summary in (
    ("signature_missing", "The document carries no signature where one is required."),
    ("signature_invalid", "The digest or the signature value does not match."),
    ("signature_ambiguous", "Several signatures or references: refused as wrappable."),
    ("signature_policy", "An algorithm, key size or signature shape the policy refuses."),
    ("certificate_untrusted", "The signer certificate does not chain to a trust anchor."),
    ("certificate_expired", "A certificate of the chain is outside its validity period."),
):
    issue_code(_error_code, _summary, area="signing")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    _register_sign(sub, common)
    _register_verify(sub, common)
    keys = sub.add_parser("keys", parents=[common], help=tr("make test keys and certificates"))
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    new = keys_sub.add_parser(
        "new",
        parents=[common],
        help=tr("write a test CA, signing key and certificate (NOT for production)"),
    )
    new.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help=tr("folder to write into")
    )
    new.add_argument("--ec", action="store_true", help=tr("ECDSA P-256 keys instead of RSA-2048"))
    new.set_defaults(handler=run_keys_new)


def _register_sign(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "sign",
        parents=[common],
        help=tr("sign an edXML packet or any XML document (enveloped XML-DSig)"),
        description=tr(
            "Sign FILE with an enveloped XML signature covering the whole document. An edXML "
            "packet gets its signature as the last child of edXMLHeader; any other document "
            "under its root element. Key passwords come from an environment variable."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help=tr("document to sign"))
    parser.add_argument("--key", type=Path, metavar="K", help=tr("PEM private key"))
    parser.add_argument(
        "--cert",
        type=Path,
        metavar="C",
        help=tr("PEM certificate (may hold the chain after the signer's)"),
    )
    parser.add_argument(
        "--pkcs12", type=Path, metavar="P", help=tr("PKCS#12 bundle instead of --key and --cert")
    )
    parser.add_argument(
        "--password-env",
        default="QNEGOV_KEY_PASSWORD",
        metavar="VAR",
        help=tr(
            "environment variable holding the key or bundle password (default: QNEGOV_KEY_PASSWORD)"
        ),
    )
    parser.add_argument(
        "--policy",
        choices=("strict", "legacy"),
        default="strict",
        help=tr("strict: RSA/ECDSA-SHA256 (default); legacy: RSA-SHA1 for old peers"),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help=tr("where to write the signed document"),
    )
    parser.set_defaults(handler=run_sign)


def _register_verify(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "verify",
        parents=[common],
        help=tr("verify the XML signature of packets or documents against trusted CAs"),
        description=tr(
            "Verify the one enveloped signature of each FILE: intact content, allowed "
            "algorithms, a certificate that chains to a --trust anchor and is valid at --at. "
            "Exit code 0 when every file verifies, 1 when one does not, 3 when one is unreadable."
        ),
    )
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE", help=tr("files to verify"))
    parser.add_argument(
        "--trust",
        type=Path,
        action="append",
        required=True,
        metavar="PATH",
        help=tr("trusted CA certificate file or folder (repeatable)"),
    )
    parser.add_argument(
        "--intermediates",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=tr("intermediate CA certificates for path building, not trusted by themselves"),
    )
    parser.add_argument(
        "--policy",
        choices=("strict", "legacy"),
        default="strict",
        help=tr("strict (default) or legacy (accepts RSA-SHA1 and the VNPT shape, with warnings)"),
    )
    parser.add_argument(
        "--at",
        type=_parse_time,
        metavar="DATETIME",
        help=tr("check certificates at this ISO time instead of now (no zone: Vietnam time)"),
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help=tr("show what was canonicalised and hashed, and the digests"),
    )
    parser.set_defaults(handler=run_verify)


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("not an ISO date-time: {text}", text=text)) from None
    return value if value.tzinfo else value.replace(tzinfo=_VIETNAM)


def _password(var: str) -> str | None:
    return os.environ.get(var) or None


def load_signer(args: argparse.Namespace) -> KeySigner:
    """The signer the options describe; exactly one of --pkcs12 or --key with --cert."""
    password = _password(args.password_env)
    if args.pkcs12 is not None:
        if args.key is not None or args.cert is not None:
            raise InputError(tr("give either --pkcs12 or --key with --cert, not both"))
        return KeySigner.from_pkcs12(args.pkcs12, password)
    if args.key is None or args.cert is None:
        raise InputError(tr("signing needs --key and --cert, or --pkcs12"))
    return KeySigner.from_pem(args.key, args.cert, password=password)


def run_sign(args: argparse.Namespace, ctx: Context) -> int:
    output_file(args.output)
    signer = load_signer(args)
    policy = policy_by_name(args.policy)
    tree = parse_large(args.file)
    packet = is_packet(tree.getroot())
    signer_fn = sign_packet if packet else sign
    signed = signer_fn(tree, signer, policy=policy, name=str(args.file))
    write_output(args.output, signed)
    ctx.echo(
        tr(
            "signed {file} -> {out} ({kind}, {policy} policy, signer {signer})",
            file=args.file,
            out=args.output,
            kind=tr("edXML packet") if packet else tr("XML document"),
            policy=policy.name,
            signer=signer.certificate.subject.rfc4514_string(),
        )
    )
    return 0


def _verify_one(path: Path, trust: TrustStore, args: argparse.Namespace) -> VerifiedDocument:
    tree = parse_large(path)
    policy = policy_by_name(args.policy)
    check = verify_packet if is_packet(tree.getroot()) else verify
    return check(tree, trust=trust, policy=policy, at=args.at, name=str(path))


def run_verify(args: argparse.Namespace, ctx: Context) -> int:
    trust = TrustStore.from_paths(*args.trust, intermediates=args.intermediates)
    report = Report()
    for path in args.files:
        name = str(path)
        report.files.append(name)
        if args.explain:
            _show_explanation(ctx, name, _explain_file(path))
        try:
            result = _verify_one(path, trust, args)
        except SignatureError as exc:
            report.add(
                Issue(exc.code, Severity.ERROR, exc.message, file=exc.file or name, line=exc.line)
            )
            continue
        except QnegovError as exc:
            report.add(issue_from_error(exc, file=name))
            continue
        for warning in result.warnings:
            report.add(
                Issue(
                    warning.code,
                    warning.severity,
                    warning.message,
                    file=name,
                    line=warning.line,
                    rule=warning.rule,
                )
            )
        report.add(
            Issue(
                SIGNATURE_VALID,
                Severity.INFO,
                tr(
                    "signature valid: signed by {signer} with {method}; chain: {chain}",
                    signer=result.signer,
                    method=result.signature_method.name,
                    chain=" <- ".join(c.subject.rfc4514_string() for c in result.chain),
                ),
                file=name,
            )
        )
    return ctx.emit_report(report.finish())


def _explain_file(path: Path) -> SignatureExplanation | QnegovError:
    try:
        return explain(path)
    except QnegovError as exc:
        return exc


def _show_explanation(ctx: Context, name: str, found: SignatureExplanation | QnegovError) -> None:
    if ctx.fmt == "json":
        ctx.emit_json({"type": "explain", "file": name, **_explanation_dict(found)})
        return
    for line in explanation_lines(name, found):
        ctx.echo(line)


def _explanation_dict(found: SignatureExplanation | QnegovError) -> dict[str, Any]:
    if isinstance(found, QnegovError):
        return {"error": found.code, "message": found.message}
    data: dict[str, Any] = {
        key: getattr(found, key)
        for key in (
            "found",
            "line",
            "path",
            "namespace",
            "c14n",
            "signature_method",
            "signed_info_canonical",
            "signed_info_sha256",
            "signature_value_ok",
            "certificates",
            "problems",
        )
    }
    data["references"] = [
        {
            key: getattr(ref, key)
            for key in (
                "uri",
                "transforms",
                "c14n",
                "digest_method",
                "declared_digest",
                "computed_digest",
                "canonical_length",
                "canonical_head",
            )
        }
        | {"matches": ref.matches}
        for ref in found.references
    ]
    return data


def explanation_lines(name: str, found: SignatureExplanation | QnegovError) -> list[str]:
    """The human form of ``--explain``."""
    lines = [tr("== explain {file} ==", file=name)]
    if isinstance(found, QnegovError):
        return [*lines, tr("cannot read: {error}", error=found)]
    if not found.found:
        return [*lines, *found.problems]
    lines += [
        tr(
            "signature: {path} (line {line}), namespace {ns}",
            path=found.path,
            line=found.line,
            ns=found.namespace or "-",
        ),
        tr("SignedInfo canonicalisation: {c14n}", c14n=found.c14n or "-"),
        tr("signature method: {method}", method=found.signature_method or "-"),
        tr("SignedInfo canonical bytes (sha256 {digest}):", digest=found.signed_info_sha256),
        *("    " + part for part in (found.signed_info_canonical or "").splitlines()),
    ]
    for ref in found.references:
        lines += [
            tr(
                'reference URI="{uri}", transforms: {transforms}',
                uri=ref.uri,
                transforms=", ".join(ref.transforms),
            ),
            tr(
                "  canonicalised with {c14n}: {length} bytes, beginning:",
                c14n=ref.c14n,
                length=ref.canonical_length,
            ),
            "    " + ref.canonical_head.replace("\n", "\\n")[:200],
            tr(
                "  digest {method}: declared {declared}, computed {computed} -> {verdict}",
                method=ref.digest_method,
                declared=ref.declared_digest,
                computed=ref.computed_digest,
                verdict=tr("match") if ref.matches else tr("MISMATCH"),
            ),
        ]
    verdict = {True: tr("valid"), False: tr("INVALID"), None: tr("not checked")}
    lines.append(
        tr(
            "signature value against the KeyInfo certificate: {verdict}",
            verdict=verdict[found.signature_value_ok],
        )
    )
    lines += [tr("certificate: {cert}", cert=c) for c in found.certificates]
    lines += [tr("problem: {problem}", problem=p) for p in found.problems]
    return lines


def run_keys_new(args: argparse.Namespace, ctx: Context) -> int:
    pki = make_test_pki(args.out, key_type="ec" if args.ec else "rsa")
    ctx.warn(tr("TEST KEYS, NOT FOR PRODUCTION: unencrypted keys, PKCS#12 password 'test'"))
    for label, path in (
        (tr("test CA certificate (use with --trust)"), pki.ca_cert),
        (tr("signing key"), pki.signer_key),
        (tr("signing certificate"), pki.signer_cert),
        (tr("PKCS#12 bundle"), pki.pkcs12),
    ):
        ctx.echo(f"{label}: {path}")
    return 0


def packet_signature_issues(path: Path) -> list[Issue]:
    """For ``qnegov validate``: the signature status of an edXML packet (nothing for others).

    A signature that does not check is a warning here: validation has no trust store and so
    cannot give the verdict; ``qnegov verify --trust`` does. The check needs the packet as a
    tree (large attachments included): packets over 64 MB get a ``signature_not_checked``
    note instead. Never raises: reading
    errors are the edXML validation's to report.
    """
    name = str(path)
    try:
        if path.stat().st_size > _STATUS_MAX_BYTES:
            return [
                _not_checked(
                    name, tr("the packet is larger than {limit} MB", limit=_STATUS_MAX_BYTES >> 20)
                )
            ]
        tree = parse_large(path)
    except UnsafeXMLError as exc:
        return [_not_checked(name, exc.message)]
    except (QnegovError, OSError):
        return []
    if not is_packet(tree.getroot()):
        return []
    issues = signature_status(tree, file=name, broken=Severity.WARNING)
    # the edXML validation already reports the namespace-less Signature (edxml_signature_namespace)
    return [i for i in issues if i.code != "signature_legacy_namespace"]


def _not_checked(name: str, reason: str) -> Issue:
    return Issue(
        SIGNATURE_NOT_CHECKED,
        Severity.INFO,
        tr("signature not checked: {reason}; use qnegov verify", reason=reason),
        file=name,
    )


_DEMO_PACKET: Final = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From><edXML:OrganId>000.00.00.H47</edXML:OrganId>
          <edXML:OrganName>UBND tỉnh Quảng Nam</edXML:OrganName></edXML:From>
        <edXML:To><edXML:OrganId>000.00.00.H15</edXML:OrganId>
          <edXML:OrganName>UBND thành phố Đà Nẵng</edXML:OrganName></edXML:To>
        <edXML:Code><edXML:CodeNumber>125</edXML:CodeNumber>
          <edXML:CodeNotation>UBND-VP</edXML:CodeNotation></edXML:Code>
        <edXML:Subject>Về việc bàn giao hồ sơ lưu trữ</edXML:Subject>
        <edXML:DocumentId>000.00.00.H47,2025/07/01,125/UBND-VP</edXML:DocumentId>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList/>
    </edXML:edXMLHeader>
    <edXML:edXMLBody><edXML:edXMLManifest version="1.0"/></edXML:edXMLBody>
  </edXML:edXMLEnvelope>
</edXML>
"""


def step_signatures(ctx: Context, workdir: Path) -> None:
    """Make test keys, sign a packet, verify it, then change one byte: refused, and why."""
    ctx.echo(tr("== Signatures: sign a packet, verify it, tamper with one byte =="))
    pki = make_test_pki(workdir / "test-keys")
    signer = KeySigner.from_pem(pki.signer_key, pki.signer_cert)
    trust = TrustStore.from_paths(pki.ca_cert)
    signed = sign_packet(_DEMO_PACKET.encode(), signer)
    good = workdir / "signed.edxml"
    bad = workdir / "tampered.edxml"
    good.write_bytes(signed)
    bad.write_bytes(signed.replace("hồ sơ".encode(), "hồ sở".encode(), 1))
    report = Report()
    for path in (good, bad):
        report.files.append(str(path))
        try:
            result = verify_packet(path, trust=trust)
            report.add(
                Issue(
                    SIGNATURE_VALID,
                    Severity.INFO,
                    tr(
                        "signature valid: signed by {signer} with {method}; chain: {chain}",
                        signer=result.signer,
                        method=result.signature_method.name,
                        chain=" <- ".join(c.subject.rfc4514_string() for c in result.chain),
                    ),
                    file=str(path),
                )
            )
        except SignatureError as exc:
            report.add(Issue(exc.code, Severity.ERROR, exc.message, file=str(path)))
    ctx.emit_report(report.finish())
    if report.invalid_files != {str(bad)}:
        raise RuntimeError("the demo's tampered packet was not refused")
