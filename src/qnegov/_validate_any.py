"""``qnegov.validate(paths)``: check any XML file the way ``qnegov validate`` does.

Each file is recognised by the namespace of its root element (only its start is read): an edXML
packet gets the full edXML validation plus the status of its signature, a shipped register
(citizen, household) the streaming bulk validator with its schema and rules, and anything else
the safety and well-formedness checks. The heavy parts (pydantic models, signxml, the bulk
engine) are imported only when a file needs them, so checking a small plain file stays quick.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from qnegov._i18n import tr
from qnegov.errors import QnegovError, UnsafeXMLError
from qnegov.report import (
    DEFAULT_MAX_ISSUES_PER_CODE,
    Issue,
    Report,
    Severity,
    issue_code,
    issue_from_error,
)

if TYPE_CHECKING:
    from distributed import Client

    from qnegov.bulk._rules import AnyRule

__all__ = ["EDXML_NS", "REGISTER_NAMESPACES", "kind_of", "signature_issues", "validate"]

EDXML_NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
"""The edXML namespace (``qnegov.edxml.NS``; repeated here so sniffing needs no pydantic)."""

REGISTER_NAMESPACES: Final = {
    "urn:qnegov:records:citizen:1": "citizen",
    "urn:qnegov:records:household:1": "household",
}
"""Root namespaces of the shipped registers, and the shipped schema each one selects."""

SIGNATURE_NOT_CHECKED: Final = issue_code(
    "signature_not_checked",
    "validate did not check the packet's signature (too large for the in-memory check).",
    area="signing",
)
_STATUS_MAX_BYTES: Final = 64 << 20


def kind_of(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """``("edxml", None)``, ``("register", schema name)`` or ``("xml", None)`` for a file.

    Reads only up to the root element's start tag: the file is fed tag by tag and the parse
    stops at the first start event, so a register with a broken record further on is still
    recognised (and validated record by record). Raises the safe parser's errors for bad
    input before the root.
    """
    from qnegov import _xml  # lxml: not needed to build the CLI's parser

    class _Root(Exception):
        def __init__(self, tag: str) -> None:
            self.tag = tag

    class _FirstStart:
        def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
            raise _Root(tag)

        def end(self, tag: str) -> None:
            pass

        def data(self, text: str) -> None:
            pass

        def close(self) -> None:
            return None

    try:
        _xml.parse_with_target(Path(path), _FirstStart(), track_lines=True)
    except _Root as root:
        tag = root.tag
        namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        if namespace == EDXML_NS:
            return "edxml", None
        if namespace in REGISTER_NAMESPACES:
            return "register", REGISTER_NAMESPACES[namespace]
    return "xml", None


def signature_issues(path: Path) -> list[Issue]:
    """The signature status of an edXML packet for validation (nothing for other documents).

    A signature that does not check is a warning: validation has no trust store and so cannot
    give the verdict (``qnegov verify --trust`` does). Packets over 64 MB get a
    ``signature_not_checked`` note instead of an in-memory check. Never raises: reading errors
    are the edXML validation's to report.
    """
    from qnegov.signing import signature_status
    from qnegov.signing._packet import is_packet
    from qnegov.signing._verify import parse_large

    name = str(path)
    try:
        if path.stat().st_size > _STATUS_MAX_BYTES:
            limit = tr("the packet is larger than {limit} MB", limit=_STATUS_MAX_BYTES >> 20)
            return [_not_checked(name, limit)]
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


def _check_wellformed(path: Path) -> None:
    """Stream the file once through the safe iterparse, keeping no tree."""
    from qnegov import _xml

    for _event, element in _xml.iterparse(path, events=("end",)):
        element.clear(keep_tail=False)
        parent = element.getparent()  # None for the root, whose siblings are comments or PIs
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def validate(
    paths: Iterable[str | os.PathLike[str]],
    *,
    strict: bool = False,
    signatures: bool = True,
    schema: str | os.PathLike[str] | None = None,
    record: str | None = None,
    jobs: int = 1,
    client: Client | str | None = None,
    max_errors: int | None = None,
    rules: Iterable[AnyRule | str] = (),
    builtin_rules: bool = True,
    on_issue: Callable[[Issue], None] | None = None,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
    keep_issues: bool = True,
    fast: bool = True,
    max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE,
) -> Report:
    """Validate every file into one :class:`~qnegov.report.Report`; bad input never raises.

    ``strict`` treats every deviation of an edXML packet from the standard as an error;
    ``signatures=False`` skips the signature status of packets. ``schema`` (an XSD path or a
    shipped name: ``citizen``, ``household``) validates every file as a register with the
    bulk validator, whatever its root; ``record``, ``jobs``, ``max_errors``, ``rules`` and
    ``builtin_rules`` tune that validator, and registers recognised by their namespace too.
    ``on_issue`` sees each issue as it is recorded (bulk files stream); ``progress(file,
    total_bytes)`` may return a callback counting bytes read of a bulk file. ``jobs > 1`` (0 for
    every core) or ``client`` (a ``distributed.Client`` or a scheduler address, extra
    ``qnegov[dask]``) check several files at once, and cut big registers into ranges; files and
    issues still come out in input order, as a serial run gives them. ``fast=False`` validates
    every register record with libxml2 (the bulk fast path reports the same issues).
    ``max_issues_per_code`` caps the issues of one code in one edXML packet (``None``: no cap;
    registers have ``max_errors``).
    """
    report = Report(keep_issues=keep_issues)

    def add(issue: Issue) -> None:
        recorded = report.add(issue)
        if on_issue is not None:
            on_issue(recorded)

    options = _Options(
        strict,
        signatures,
        record,
        max_errors,
        tuple(rules),
        builtin_rules,
        fast,
        max_issues_per_code,
    )
    if schema is not None and (jobs != 1 or client is not None):
        from qnegov.bulk import validate_files

        names = [os.fspath(source) for source in paths]
        done = validate_files(
            names,
            schema,
            record=record,
            jobs=jobs,
            client=client,
            max_errors=max_errors,
            rules=options.rules,
            builtin_rules=builtin_rules,
            on_issue=on_issue,
            keep_issues=keep_issues,
            fast=fast,
        )
        return done.finish()
    if jobs != 1 or client is not None:
        from qnegov.bulk._many import map_files

        items = [(os.fspath(source), options) for source in paths]
        for part in map_files(_check_one, items, jobs=jobs, client=client):
            report.files.extend(part.files)
            report.records.update(part.records)
            for issue in part.issues:
                add(issue)
        return report.finish()

    for source in paths:
        path = Path(source)
        name = os.fspath(source)
        report.files.append(name)
        try:
            kind, shipped = ("register", None) if schema is not None else kind_of(path)
            if kind == "edxml":
                from qnegov.edxml import validate as validate_packet

                checked = validate_packet(
                    path, strict=strict, max_issues_per_code=max_issues_per_code
                )
                for issue in checked.issues:
                    add(issue)
                if signatures:
                    for issue in signature_issues(path):
                        add(issue)
            elif kind == "register":
                _validate_register(
                    path,
                    name,
                    os.fspath(schema) if schema is not None else str(shipped),
                    record=record,
                    jobs=jobs,
                    max_errors=max_errors,
                    rules=rules,
                    builtin_rules=builtin_rules,
                    fast=fast,
                    add=add,
                    progress=progress,
                    records=report.records,
                )
            else:
                _check_wellformed(path)
        except QnegovError as exc:
            add(issue_from_error(exc, file=name))
    return report.finish()


@dataclass(frozen=True)
class _Options:
    """What each file of a parallel run is checked with (it must pickle)."""

    strict: bool
    signatures: bool
    record: str | None
    max_errors: int | None
    rules: tuple[AnyRule | str, ...]
    builtin_rules: bool
    fast: bool
    max_issues_per_code: int | None


def _check_one(item: tuple[str, _Options]) -> Report:
    """One file's report, in whichever process or cluster worker checks it."""
    name, options = item
    return validate(
        [name],
        strict=options.strict,
        signatures=options.signatures,
        record=options.record,
        max_errors=options.max_errors,
        rules=options.rules,
        builtin_rules=options.builtin_rules,
        fast=options.fast,
        max_issues_per_code=options.max_issues_per_code,
    )


def _validate_register(
    path: Path,
    name: str,
    schema: str,
    *,
    add: Callable[[Issue], None],
    progress: Callable[[str, int | None], Callable[[int], None]] | None,
    records: dict[str, int],
    **options: Any,
) -> None:
    from qnegov.bulk import iter_issues

    # a .gz file reports uncompressed bytes: its compressed size would give a wrong ETA
    total = None if name.endswith(".gz") or not path.is_file() else path.stat().st_size
    counter = None if progress is None else progress(name, total)

    def counted(n: int) -> None:
        records[name] = n

    for issue in iter_issues(name, schema, progress=counter, on_records=counted, **options):
        add(issue)
