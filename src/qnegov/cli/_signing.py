"""``qnegov sign``, ``qnegov verify`` and ``qnegov keys new``; the signature line of validate.

Passwords never travel on the command line (other users can read it in ``ps``): they come from
an environment variable (``QNEGOV_KEY_PASSWORD`` unless ``--password-env`` names another).
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, write_output
from qnegov.errors import InputError, QnegovError, SignatureError
from qnegov.report import Issue, Report, Severity, issue_code, issue_from_error

if TYPE_CHECKING:  # imported in the commands: building the parser must not load signxml
    from qnegov.signing import (
        KeySigner,
        SignatureExplanation,
        SignaturePolicy,
        TrustStore,
        VerifiedDocument,
        VerifiedSignatures,
    )

__all__ = ["packet_signature_issues", "register", "step_signatures"]

_VIETNAM: Final = timezone(timedelta(hours=7), "ICT")
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
    new.add_argument(
        "--force",
        action="store_true",
        help=tr("replace keys already in DIR (signatures made with them stop verifying)"),
    )
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
            "under its root element. Key passwords come from an environment variable. With "
            "--policy interop: under --under, covering --reference Ids, beside existing "
            "signatures."
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
        choices=("strict", "legacy", "interop"),
        default=None,
        help=tr(
            "strict: RSA/ECDSA-SHA256 (default); legacy: RSA-SHA1 for old peers; interop: "
            "signatures by Id beside existing ones (e-invoices; implied by --under, "
            "--reference, --signing-time and --signature-id)"
        ),
    )
    parser.add_argument(
        "--under",
        metavar="PATH",
        help=tr("interop: place the signature under this element (e.g. DSCKS/NBan)"),
    )
    parser.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="ID",
        help=tr("interop: cover the element with this Id (repeatable; default: whole document)"),
    )
    parser.add_argument(
        "--signing-time",
        type=_parse_signing_time,
        metavar="DATETIME",
        help=tr("interop: add a signed SigningTime property (ISO time, or 'now')"),
    )
    parser.add_argument(
        "--signature-id", metavar="ID", help=tr("interop: the Id of the new Signature element")
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
            "Exit code 0 when every file verifies, 1 when one does not, 3 when one is unreadable. "
            "With --policy interop: every signature of each FILE, each with its own verdict."
        ),
    )
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE", help=tr("files to verify"))
    parser.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=tr("trusted CA certificate file or folder (repeatable)"),
    )
    parser.add_argument(
        "--cert",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=tr("pin a signer certificate, trusted without a chain (repeatable, PEM or DER)"),
    )
    parser.add_argument(
        "--key",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=tr("pin a bare public key, for KeyValue signatures (repeatable, PEM or DER)"),
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
        choices=("strict", "legacy", "interop"),
        default="strict",
        help=tr(
            "strict (default), legacy (accepts RSA-SHA1 and the VNPT shape, with warnings) or "
            "interop (every signature, references by Id: e-invoices)"
        ),
    )
    parser.add_argument(
        "--allow-sha1",
        action="store_true",
        help=tr("interop: accept RSA-SHA1 and SHA-1 digests (reported as warnings)"),
    )
    parser.add_argument(
        "--id-attribute",
        action="append",
        default=[],
        metavar="NAME",
        help=tr("interop: one more attribute name to read as an Id (repeatable)"),
    )
    parser.add_argument(
        "--allow-quirk",
        action="append",
        default=[],
        choices=("enveloped-object",),
        help=tr("interop: accept a known signer defect, reported as a warning"),
    )
    parser.add_argument(
        "--at",
        type=_parse_at,
        metavar="DATETIME",
        help=tr(
            "check certificates at this ISO time instead of now (no zone: Vietnam time); "
            "interop: 'signing-time' checks each at its own signed signing time"
        ),
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


def _parse_at(text: str) -> datetime | str:
    return "signing-time" if text == "signing-time" else _parse_time(text)


def _parse_signing_time(text: str) -> datetime:
    if text == "now":
        return datetime.now(_VIETNAM).replace(microsecond=0)
    return _parse_time(text)


def _password(var: str) -> str | None:
    return os.environ.get(var) or None


def load_signer(args: argparse.Namespace) -> KeySigner:
    """The signer the options describe; exactly one of --pkcs12 or --key with --cert."""
    from qnegov.signing import KeySigner

    password = _password(args.password_env)
    if args.pkcs12 is not None:
        if args.key is not None or args.cert is not None:
            raise InputError(tr("give either --pkcs12 or --key with --cert, not both"))
        return KeySigner.from_pkcs12(args.pkcs12, password)
    if args.key is None or args.cert is None:
        raise InputError(tr("signing needs --key and --cert, or --pkcs12"))
    return KeySigner.from_pem(args.key, args.cert, password=password)


def run_sign(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.signing import policy_by_name, sign, sign_packet
    from qnegov.signing._packet import is_packet
    from qnegov.signing._verify import parse_large

    output_file(args.output)
    signer = load_signer(args)
    shaped = bool(args.under or args.reference or args.signing_time or args.signature_id)
    policy = policy_by_name(args.policy or ("interop" if shaped else "strict"))
    tree = parse_large(args.file)
    packet = is_packet(tree.getroot())
    if policy.interop:
        packet = False
        signed = sign(
            tree,
            signer,
            policy=policy,
            name=str(args.file),
            under=args.under,
            references=args.reference,
            signing_time=args.signing_time,
            signature_id=args.signature_id,
        )
    else:
        if shaped:
            raise InputError(
                tr("--under, --reference, --signing-time and --signature-id need --policy interop")
            )
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
    from qnegov.signing import verify, verify_packet
    from qnegov.signing._packet import is_packet
    from qnegov.signing._verify import parse_large

    tree = parse_large(path)
    policy = _verify_policy(args)
    check = verify_packet if is_packet(tree.getroot()) else verify
    return check(tree, trust=trust, policy=policy, at=args.at, name=str(path))


def _verify_policy(args: argparse.Namespace) -> SignaturePolicy:
    from qnegov.signing import interop_policy, policy_by_name

    if args.policy == "interop":
        try:
            return interop_policy(
                allow_sha1=args.allow_sha1,
                id_attributes=args.id_attribute,
                allow_quirks=args.allow_quirk,
            )
        except ValueError as exc:
            raise InputError(str(exc)) from None
    if args.allow_sha1 or args.id_attribute or args.allow_quirk or args.at == "signing-time":
        raise InputError(
            tr(
                "--allow-sha1, --id-attribute, --allow-quirk and --at signing-time need "
                "--policy interop"
            )
        )
    return policy_by_name(args.policy)


def _interop_issues(name: str, found: VerifiedSignatures) -> list[Issue]:
    """One issue per signature (its verdict), plus each signature's warnings."""
    issues: list[Issue] = []
    for result in found.signatures:
        where = result.path  # a location only (its [n] tells signatures apart)
        for warning in result.warnings:
            issues.append(
                Issue(
                    warning.code,
                    warning.severity,
                    warning.message,
                    file=name,
                    line=warning.line,
                    path=where,
                    rule=warning.rule,
                )
            )
        if result.error is not None:
            issues.append(
                Issue(
                    result.error.code,
                    Severity.ERROR,
                    result.error.message,
                    file=name,
                    line=result.error.line,
                    path=where,
                )
            )
            continue
        issues.append(
            Issue(
                SIGNATURE_VALID,
                Severity.INFO,
                tr(
                    "signature valid: signed by {signer} with {method}, signing time {time}; "
                    "covers {covered}",
                    signer=result.signer,
                    method=result.signature_method.name if result.signature_method else "-",
                    time=result.signing_time.isoformat() if result.signing_time else "-",
                    covered=", ".join(
                        f"{c.uri or chr(34) * 2} ({c.local_name}, {len(c.signed_bytes)} bytes)"
                        for c in result.covered
                    ),
                ),
                file=name,
                line=result.line,
                path=where,
            )
        )
    return issues


def run_verify(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.signing import TrustStore, verify_signatures

    if not (args.trust or args.cert or args.key):
        raise InputError(tr("verify needs --trust, --cert or --key (what to trust)"))
    policy = _verify_policy(args)
    trust = TrustStore.from_paths(
        *args.trust, intermediates=args.intermediates, certificates=args.cert, keys=args.key
    )
    report = Report()
    if policy.interop:
        for path in args.files:
            name = str(path)
            report.files.append(name)
            try:
                found = verify_signatures(path, trust=trust, policy=policy, at=args.at, name=name)
            except SignatureError as exc:
                report.add(
                    Issue(
                        exc.code, Severity.ERROR, exc.message, file=exc.file or name, line=exc.line
                    )
                )
                continue
            except QnegovError as exc:
                report.add(issue_from_error(exc, file=name))
                continue
            for issue in _interop_issues(name, found):
                report.add(issue)
        return ctx.emit_report(report.finish())
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
    from qnegov.signing import explain

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


_PKI_FILES: Final = ("ca.pem", "signer.key", "signer.pem", "signer.p12")


def run_keys_new(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.signing import make_test_pki

    existing = [n for n in _PKI_FILES if (args.out / n).exists()]
    if existing and not args.force:
        ctx.err.write(
            "qnegov keys new: "
            + tr(
                "error: {folder} already holds test keys ({files}); replacing them would make "
                "every signature made with them fail: choose another --out, or add --force",
                folder=args.out,
                files=", ".join(existing),
            )
            + "\n"
        )
        return 2
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
    """The signature status ``qnegov validate`` reports for a packet (see the library's)."""
    from qnegov._validate_any import signature_issues

    return signature_issues(path)


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
    from qnegov.signing import KeySigner, TrustStore, make_test_pki, sign_packet, verify_packet

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
