"""The signature line of ``qnegov validate``: is there a signature, and is it intact?

Validation has no trust store, so this checks integrity only (digest and signature value
against the certificate the packet itself carries) and says that trust was not checked; ``qnegov
verify --trust`` is the real verdict. Shapes only legacy peers emit are warnings here.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import SignatureMissing
from qnegov.report import Issue, Severity, issue_code
from qnegov.signing._algorithms import DSIG_NS, C14NMethod, DigestMethod, SignatureMethod
from qnegov.signing._explain import explain_tree
from qnegov.signing._verify import legacy_findings, load_tree

__all__ = ["SIGNATURE_ABSENT", "SIGNATURE_BROKEN", "SIGNATURE_INTACT", "signature_status"]

SIGNATURE_ABSENT: Final = issue_code(
    "signature_absent", "The document carries no XML signature.", area="signing"
)
SIGNATURE_BROKEN: Final = issue_code(
    "signature_broken",
    "The signature is malformed or does not match the content or its own certificate.",
    area="signing",
)
SIGNATURE_INTACT: Final = issue_code(
    "signature_intact",
    "The signature matches the content and its own certificate (trust not checked).",
    area="signing",
)


def signature_status(
    tree: etree._ElementTree | etree._Element,
    *,
    file: str | None = None,
    broken: Severity = Severity.ERROR,
) -> list[Issue]:
    """Issues describing the signature of ``tree`` (which is not modified).

    ``broken`` is the severity of a signature that is present but does not check (an error by
    default: a packet whose signature fails has been changed or was never signed properly).
    """
    diagnosis = explain_tree(load_tree(tree))
    if not diagnosis.found:
        if diagnosis.refusal != SignatureMissing.code:
            return [Issue(SIGNATURE_BROKEN, broken, diagnosis.problems[0], file=file)]
        return [
            Issue(
                SIGNATURE_ABSENT,
                Severity.INFO,
                tr("the document carries no XML signature"),
                file=file,
            )
        ]
    issues: list[Issue] = []

    def issue(code: str, severity: Severity, message: str, rule: str | None = None) -> Issue:
        return Issue(
            code,
            severity,
            message,
            file=file,
            line=diagnosis.line,
            path=diagnosis.path,
            rule=rule,
        )

    transforms = diagnosis.references[0].transforms if diagnosis.references else ()
    sha1 = {SignatureMethod.RSA_SHA1.value, DigestMethod.SHA1.value}
    used = {diagnosis.signature_method, *(r.digest_method for r in diagnosis.references)}
    found = legacy_findings(
        unnamespaced=diagnosis.namespace != DSIG_NS,
        legacy_uri=C14NMethod.EXC_C14N_LEGACY_URI.value in transforms,
        sha1=bool(used & sha1),
    )
    issues.extend(issue(code, Severity.WARNING, message, "legacy") for code, message in found)
    if diagnosis.intact:
        issues.append(
            issue(
                SIGNATURE_INTACT,
                Severity.INFO,
                tr(
                    "the signature matches the content and its own certificate; trust was not "
                    "checked (use qnegov verify --trust)"
                ),
            )
        )
    else:
        issues.extend(issue(SIGNATURE_BROKEN, broken, problem) for problem in diagnosis.problems)
    return issues
