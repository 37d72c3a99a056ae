"""``qnegov codes explain VALUE`` and ``qnegov codes check FILE``: national codes at the terminal.

``explain`` says what one value is (kind guessed unless ``--kind``); ``check`` reads one column of
a CSV file and reports every unreadable or non-canonical value with the shared renderers.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Final

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.report import Report, Severity

__all__ = ["KIND_NAMES", "register", "step_codes"]

_KIND_HELP: Final = "agency|citizen|tax|document|docid|unit|phone"
KIND_NAMES: Final = ("agency", "citizen", "docid", "document", "phone", "tax", "unit")
"""``qnegov.codes.KINDS`` by name (a test keeps them equal): the parser must not load codes."""
CSV_ENCODINGS: Final = ("auto", "utf-8", "utf-16", "windows-1258", "latin-1")
"""``qnegov.codes._csvfile.CSV_ENCODINGS``, repeated likewise (a test keeps them equal)."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("expected a date as YYYY-MM-DD, got {value!r}", value=text)
        ) from None


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    codes = sub.add_parser(
        "codes",
        parents=[common],
        help=tr("explain and check national codes (agency, citizen id, tax, document, unit...)"),
    )
    verbs = codes.add_subparsers(dest="codes_command", metavar="ACTION", required=True)

    one = verbs.add_parser(
        "explain",
        parents=[common],
        help=tr("say what a value is and whether it is valid"),
        description=tr(
            "Explain VALUE: its kind (guessed unless --kind), whether it is valid, its "
            "normalised form, what it encodes, and every deviation found."
        ),
    )
    one.add_argument("value", metavar="VALUE", help=tr("the value to explain"))
    one.add_argument(
        "--kind", choices=KIND_NAMES, help=tr("kind of value: {kinds}", kinds=_KIND_HELP)
    )
    one.add_argument(
        "--on",
        type=_date,
        metavar="DATE",
        help=tr("date for administrative units, YYYY-MM-DD (default: today)"),
    )
    one.set_defaults(handler=run_explain)

    many = verbs.add_parser(
        "check",
        parents=[common],
        help=tr("check one column of a CSV file"),
        description=tr(
            "Check every value of one CSV column as KIND; report unreadable values as errors and "
            "repairable ones as warnings. Empty cells are skipped."
        ),
    )
    many.add_argument("file", metavar="FILE", type=Path, help=tr("CSV file (UTF-8)"))
    many.add_argument(
        "--column",
        required=True,
        metavar="N",
        help=tr("column to check: 1-based number or header name"),
    )
    many.add_argument("--kind", required=True, choices=KIND_NAMES, help=tr("kind of value"))
    many.add_argument(
        "--on",
        type=_date,
        metavar="DATE",
        help=tr("date for administrative units (default: today)"),
    )
    many.add_argument(
        "--no-header", action="store_true", help=tr("the first row is data, not a header")
    )
    many.add_argument(
        "--delimiter",
        default=",",
        type=_delimiter,
        help=tr("field delimiter, one character (default: ,)"),
    )
    many.add_argument(
        "--encoding",
        default="auto",
        choices=CSV_ENCODINGS,
        help=tr(
            "text encoding of the CSV (default: auto: a byte-order mark, else UTF-8, "
            "else windows-1258)"
        ),
    )
    many.add_argument(
        "--birth-date-column",
        metavar="N",
        help=tr("with --kind citizen: column of the birth date to check the number against"),
    )
    many.add_argument(
        "--sex-column",
        metavar="N",
        help=tr("with --kind citizen: column of the sex (Nam/Nữ) to check the number against"),
    )
    many.set_defaults(handler=run_check)


# ---- explain ---------------------------------------------------------------------------------

_LABELS: Final[dict[str, Callable[[], str]]] = {
    "kind": lambda: tr("kind"),
    "valid": lambda: tr("valid"),
    "value": lambda: tr("value"),
    "name": lambda: tr("name"),
    "scheme_label": lambda: tr("scheme"),
    "level": lambda: tr("level"),
    "level1": lambda: tr("level-1 group"),
    "body_type_label": lambda: tr("body type"),
    "level1_name": lambda: tr("level-1 body"),
    "parent": lambda: tr("parent"),
    "is_test": lambda: tr("test code"),
    "qd20_form": lambda: tr("QĐ 20/2020 form"),
    "qcvn102_form": lambda: tr("QCVN 102:2016 form"),
    "legacy_cmnd": lambda: tr("legacy CMND"),
    "province_code": lambda: tr("province code"),
    "province_name": lambda: tr("province"),
    "sex_label": lambda: tr("sex"),
    "birth_year": lambda: tr("birth year"),
    "sequence": lambda: tr("sequence"),
    "check_digit": lambda: tr("check digit"),
    "branch": lambda: tr("branch"),
    "number": lambda: tr("number"),
    "year": lambda: tr("year"),
    "document_type_label": lambda: tr("document type"),
    "issuer": lambda: tr("issuer"),
    "units": lambda: tr("units"),
    "form": lambda: tr("form"),
    "agency": lambda: tr("agency"),
    "promulgation_date": lambda: tr("promulgation date"),
    "document": lambda: tr("document number"),
    "level_label": lambda: tr("level"),
    "valid_from": lambda: tr("valid from"),
    "valid_to": lambda: tr("valid to"),
    "successors": lambda: tr("successors"),
    "parent_name": lambda: tr("parent name"),
    "current_name": lambda: tr("today"),
    "phone_kind_label": lambda: tr("line"),
    "e164": lambda: tr("international"),
    "national": lambda: tr("national"),
    "area_code": lambda: tr("area code"),
    "alternatives": lambda: tr("also valid as"),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None else str(value)


def _usage(ctx: Context, command: str, message: str) -> int:
    """A usage error: said on stderr the way argparse says its own, exit code 2."""
    ctx.err.write(f"qnegov codes {command}: " + tr("error: {message}", message=message) + "\n")
    return 2


def run_explain(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.codes import explain

    if not args.value.strip():
        return _usage(ctx, "explain", tr("VALUE is empty: give the code to explain"))
    found = explain(args.value, kind=args.kind, on=args.on)
    data = found.to_dict()
    if ctx.fmt == "json":
        ctx.emit_json(data)
        return 0 if found.valid else 1
    if ctx.fmt != "text":  # junit / sarif: the issues as a one-value report
        report = Report(files=[args.value])
        for issue in found.issues:
            report.add(issue)
        ctx.emit_report(report.finish())
        return 0 if found.valid else 1
    width = max(len(label()) for key, label in _LABELS.items() if key in data)
    if "level_label" in data:  # a unit: show the level's words, not its enum value
        data["level"] = data.pop("level_label")
    for key, label in _LABELS.items():
        if key in data and (data[key] not in (None, [], "") or key in ("valid", "value")):
            ctx.out.write(f"{label():<{width}}  {_text(data[key])}\n")
    for issue in found.issues:
        ctx.out.write(f"{issue.severity.label()}: {issue.message} [{issue.code}]\n")
    return 0 if found.valid else 1


# ---- check -----------------------------------------------------------------------------------


class _NoColumn(Exception):
    """A --column (or --*-column) that names no column of the file: a usage error."""


def _column_index(header: list[str] | None, column: str, width: int | None) -> int:
    """The 0-based index of ``column`` (1-based number or header name) in rows ``width`` wide."""
    if column.isdigit() and int(column) >= 1:
        if width is not None and int(column) > width:
            raise _NoColumn(
                tr(
                    "column {column} is beyond the last column ({width}) of the file",
                    column=column,
                    width=width,
                )
            )
        return int(column) - 1
    if header is not None and column in header:
        return header.index(column)
    if header is None:
        raise _NoColumn(tr("column {column} must be a number with --no-header", column=column))
    raise _NoColumn(
        tr(
            "no column {column} in the CSV header; the columns are: {names}",
            column=column,
            names=", ".join(header),
        )
    )


def _optional_index(header: list[str] | None, column: str | None, width: int | None) -> int | None:
    return None if column is None else _column_index(header, column, width)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _delimiter(text: str) -> str:
    """A usage error (exit 2) rather than the csv module's TypeError deep in the run."""
    if len(text) != 1 or text in '\r\n"':
        raise argparse.ArgumentTypeError(
            tr(
                "the delimiter must be one character other than a quote or newline: {text!r}",
                text=text,
            )
        )
    return text


def run_check(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.codes import CitizenId, read_code
    from qnegov.codes._csvfile import read_rows

    path: Path = args.file
    cross = args.birth_date_column is not None or args.sex_column is not None
    if cross and args.kind != "citizen":
        ctx.warn(tr("--birth-date-column and --sex-column need --kind citizen"))
        return 2
    rows = read_rows(path, delimiter=args.delimiter, encoding=args.encoding)
    report = Report(files=[str(path)], keep_issues=False)
    renderer = ctx.renderer()
    renderer.start()
    checked = 0
    with contextlib.closing(rows):
        header = None if args.no_header else next(rows, (0, None))[1]
        first = next(rows, None) if header is None else None
        width = len(header) if header is not None else (None if first is None else len(first[1]))
        try:
            index = _column_index(header, args.column, width)
            birth_at = _optional_index(header, args.birth_date_column, width)
            sex_at = _optional_index(header, args.sex_column, width)
        except _NoColumn as exc:
            return _usage(ctx, "check", str(exc))
        data = rows if first is None else itertools.chain([first], rows)
        for record, (line, row) in enumerate(data):
            cell = _cell(row, index)
            if not cell:
                continue
            checked += 1
            value, _valid, issues = read_code(cell, args.kind, on=args.on)
            if isinstance(value, CitizenId) and cross:
                issues = issues + value.check_fields(
                    birth=_cell(row, birth_at), sex=_cell(row, sex_at)
                )
            for issue in issues:
                if issue.severity is Severity.INFO:
                    continue
                located = report.add(
                    replace(issue, file=str(path), line=line, column=index + 1, record=record)
                )
                renderer.issue(located)
    renderer.finish(report.finish())
    ctx.echo(tr("{count} values checked", count=checked))
    return report.exit_code


# ---- demo ------------------------------------------------------------------------------------

_DEMO_CSV: Final = """ho_ten,so_dinh_danh,ngay_sinh,gioi_tinh,ma_so_thue
Nguyễn Văn An,049090001234,12/03/1990,Nam,0100109106
Trần Thị Bình,49190012345,1990,Nữ,0301442379
Lê Văn Cường,205123456,1985-07-01,Nam,0100109107
Phạm Thị Dung,048301004321,05/11/2001,Nam,0400100457
"""


def _summary(kind: str, d: dict[str, Any]) -> str:
    """One line of what the demo's values decode to."""
    if kind == "agency":
        return f"{d['scheme']}, level {d['level']}, {d['level1_name'] or d['level1']}"
    if kind == "unit":
        return f"{d['name']} (→ {d['valid_to']}) ⇒ {d['current']} {d['current_name']}"
    if kind == "citizen":
        return f"{d['province_name']}, {d['sex_label']}, {d['birth_year']}"
    if kind == "document":
        return f"{d['document_type_label']}, {d['issuer']}, {d['year']}"
    return str(d.get("value"))


def step_codes(ctx: Context, workdir: Path) -> None:
    """Explain the codes of Quảng Nam across the 2025 reform, then check a CSV column."""
    from qnegov.codes import explain

    ctx.echo(tr("== National codes: explain a few values, then check a CSV column =="))
    for value, kind, on in (
        ("000.00.00.H47", None, None),
        ("49", "unit", date(2024, 1, 1)),
        ("049190012345", None, None),
        ("20/2020/QĐ-TTg", None, None),
        ("777.77.04.D77", None, None),
    ):
        found = explain(value, kind=kind, on=on)
        summary = _summary(found.kind, found.to_dict())
        state = tr("valid") if found.valid else tr("not valid")
        ctx.echo(f"  {value:<16} {found.kind:<9} {state:<10} {summary}")
    sample = workdir / "cong-dan.csv"
    sample.write_text(_DEMO_CSV, encoding="utf-8")
    for column, kind, expected in (("so_dinh_danh", "citizen", 1), ("ma_so_thue", "tax", 1)):
        args = argparse.Namespace(
            file=sample,
            column=column,
            kind=kind,
            on=None,
            no_header=False,
            delimiter=",",
            encoding="auto",
            birth_date_column="ngay_sinh" if kind == "citizen" else None,
            sex_column="gioi_tinh" if kind == "citizen" else None,
        )
        ctx.echo(
            tr(
                "-- qnegov codes check {file} --column {column} --kind {kind}",
                file=sample.name,
                column=column,
                kind=kind,
            )
        )
        if run_check(args, ctx) != expected:
            raise RuntimeError(f"the demo's {column} column did not check as expected")
