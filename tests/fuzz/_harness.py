"""The fuzz harness: seeds from the real corpus, mutations, and the contract every case must keep.

Mutations are hypothesis strategies, so a failure shrinks to a small input and replays. The
bounded profile (the normal test suite) is derandomised: CI runs the same cases every time.
``QNEGOV_FUZZ=long`` multiplies the examples and draws fresh ones; ``nox -s fuzz`` runs that.
``QNEGOV_FUZZ_SAVE=DIR`` writes every failing input there, to be kept in ``tests/corpus/fuzz/``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from qnegov.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "corpus"
LONG = os.environ.get("QNEGOV_FUZZ", "") == "long"
SCALE = int(os.environ.get("QNEGOV_FUZZ_SCALE", "20"))
"""How many times more examples the long profile runs."""
CASE_SECONDS = float(os.environ.get("QNEGOV_FUZZ_CASE_SECONDS", "20"))
"""Time bound of one case: generous, since CI machines are shared; linear checks stay far below."""

CLI_EXIT_CODES = frozenset({0, 1, 2, 3})
"""The exit-code contract for bad input; 4 (internal error) is a bug and never allowed."""


def fuzz_settings(examples: int) -> settings:
    """``examples`` cases in the bounded run, ``SCALE`` times more (and random) in the long one."""
    return settings(
        max_examples=examples * SCALE if LONG else examples,
        deadline=None,  # the harness applies its own bound, CASE_SECONDS, to each case
        derandomize=not LONG,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# ---- seeds ---------------------------------------------------------------------------------


def _small(paths: Iterator[Path], limit: int = 40_000) -> list[bytes]:
    return [p.read_bytes() for p in sorted(paths) if p.stat().st_size <= limit]


EDXML_SEEDS = _small((CORPUS / "qcvn102").glob("*.edxml")) + _small(
    (CORPUS / "edxml").glob("*.edxml")
)
HOSTILE_SEEDS = _small((CORPUS / "hostile").glob("*.xml"))
XML_SEEDS = EDXML_SEEDS + HOSTILE_SEEDS

DESCRIPTION: dict[str, Any] = {
    "header": {
        "from_": {"organ_id": "000.00.00.H47", "organ_name": "UBND tỉnh Quảng Nam"},
        "to": [{"organ_id": "000.00.00.G22"}],
        "code": "12/UBND-VP",
        "promulgation_info": {"place": "Tam Kỳ", "promulgation_date": "2025-06-30"},
        "document_type": {"type_name": "Công văn"},
        "subject": "Thử nghiệm",
        "signer_info": {"full_name": "Nguyễn Văn A"},
        "other_info": {"priority": 1},
        "steering_type": 1,
    }
}

CSV_CELLS = [
    "Nguyễn Văn An",
    "049090001234",
    "0100109106",
    "0100109106-001",
    "000.00.00.H47",
    "12/03/1990",
    "Nam",
    "Nữ",
    "49",
    "+84 912 345 678",
    "",
]

# ---- byte-level mutations ------------------------------------------------------------------

MARKUP = [
    b"<",
    b">",
    b"</x>",
    b"<a:b:c/>",
    b'<q xmlns="not a uri"/>',
    b"<p:q/>",
    b'<x xmlns:p=""/>',
    b"&#xD800;",
    b"&#xDFFF;",
    b"&#0;",
    b"&#x110000;",
    b"&amp",
    b"&undefined;",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"<!ENTITY % p SYSTEM 'http://127.0.0.1/x'>",
    b"]]>",
    b"<![CDATA[",
    b"<?pi x?>",
    b"<?xml version='1.0' encoding='utf-7'?>",
    b"<!--",
    b'<x y="1" y="2"/>',
    b"\x00",
    b"\x1b[31m",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\xc0\xaf",  # an overlong slash
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xff\xfe",
    b"<edXML:Attachment><edXML:ContentId>..</edXML:ContentId>"
    b"<edXML:AttachmentName>../../x</edXML:AttachmentName>"
    b"<edXML:ContentTransferEncoded>AAAA</edXML:ContentTransferEncoded></edXML:Attachment>",
    b"<edXML:ContentTransferEncoded>!!!not base64</edXML:ContentTransferEncoded>",
    b"<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>",
]
ODD_TEXT = [
    "\u202e",
    "\ufeff",
    "\u200b",
    "\U0001f600",
    "e\u0301",
    "\uffff",
    "\ufffe",
    "Đặng Thu Ngọc Mai",
    "\x85",
    "\u2028",
]
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "cp1258", "latin-1", "utf-8-sig", "cp1252"]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"]
_LEAF = re.compile(rb"<((?:[\w.-]+:)?[\w.-]+)(\s[^<>]*)?>([^<]*)</\1>")
_START = re.compile(rb"<[A-Za-z][\w.:-]*")

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _pos(draw: Draw, data: bytes) -> int:
    """A position, biased to element starts so inserted markup lands among elements."""
    starts = [m.start() for m in _START.finditer(data[:200_000])]
    if starts and draw(st.booleans()):
        return int(draw(st.sampled_from(starts)))
    return int(draw(st.integers(0, len(data))))


def _flip(draw: Draw, data: bytes) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def _truncate(draw: Draw, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _insert_markup(draw: Draw, data: bytes) -> bytes:
    at = _pos(draw, data)
    return data[:at] + draw(st.sampled_from(MARKUP)) + data[at:]


def _insert_text(draw: Draw, data: bytes) -> bytes:
    text = draw(st.sampled_from(ODD_TEXT) | st.text(max_size=20))
    at = _pos(draw, data)
    return data[:at] + text.encode("utf-8", "surrogatepass") + data[at:]


def _huge_attribute(draw: Draw, data: bytes) -> bytes:
    match = draw(st.sampled_from(list(_START.finditer(data)) or [None]))
    if match is None:
        return data
    if draw(st.booleans()):
        size = draw(st.sampled_from([1_000, 100_000, 2_000_000]))
        extra = b' huge="' + b"A" * size + b'"'
    else:
        count = draw(st.sampled_from([100, 5_000, 40_000 if LONG else 10_000]))
        extra = b" " + b" ".join(b'a%d="v"' % n for n in range(count))
    return data[: match.end()] + extra + data[match.end() :]


def _deep(draw: Draw, data: bytes) -> bytes:
    depth = draw(st.sampled_from([100, 255, 257, 3_000]))
    at = _pos(draw, data)
    return data[:at] + b"<d>" * depth + b"</d>" * depth + data[at:]


def _reencode(draw: Draw, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


def _bom(draw: Draw, data: bytes) -> bytes:
    return draw(st.sampled_from(BOMS)) + data


def _repeat_slice(draw: Draw, data: bytes) -> bytes:
    if not data:
        return data
    start = draw(st.integers(0, len(data) - 1))
    piece = data[start : start + draw(st.integers(1, 400))]
    at = draw(st.integers(0, len(data)))
    return data[:at] + piece * draw(st.integers(1, 50)) + data[at:]


def _leaf(draw: Draw, data: bytes) -> bytes:
    """Structure-aware: change one leaf element (text, duplicate, drop, rename, attribute)."""
    leaves = list(_LEAF.finditer(data[:500_000]))
    if not leaves:
        return _insert_markup(draw, data)
    leaf = draw(st.sampled_from(leaves))
    whole, name, text = leaf.group(0), leaf.group(1), leaf.group(3)
    how = draw(st.sampled_from(["text", "raw", "twice", "drop", "rename", "attribute", "empty"]))
    if how == "text":
        value = draw(st.sampled_from(ODD_TEXT) | st.text(max_size=40))
        escaped = value.replace("&", "&amp;").replace("<", "&lt;")
        new = whole.replace(b">" + text + b"<", b">" + escaped.encode("utf-8", "replace") + b"<", 1)
    elif how == "raw":
        new = whole.replace(b">" + text + b"<", b">" + draw(st.binary(max_size=30)) + b"<", 1)
    elif how == "twice":
        new = whole * draw(st.integers(2, 3))
    elif how == "drop":
        new = b""
    elif how == "rename":
        other = draw(st.sampled_from([b"x", b"edXML:Foo", b"a:b:c", b"ds:Signature"]))
        new = b"<" + other + b">" + text + b"</" + other + b">"
    elif how == "attribute":
        new = whole.replace(b"<" + name, b"<" + name + b' a="&#xD800;" b="' + b"x" * 10 + b'"', 1)
    else:
        new = b"<" + name + b"/>"
    return data[: leaf.start()] + new + data[leaf.end() :]


BYTE_OPS = [
    _flip,
    _truncate,
    _insert_markup,
    _insert_text,
    _huge_attribute,
    _deep,
    _reencode,
    _bom,
    _repeat_slice,
    _leaf,
]


@st.composite
def mutated(draw: Draw, seeds: Sequence[bytes], ops: Sequence[Any] = BYTE_OPS) -> bytes:
    """One seed with one to four mutations applied."""
    data: bytes = draw(st.sampled_from(list(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(list(ops)))(draw, data)
    return data


# ---- structure-aware: JSON descriptions and CSV ---------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.sampled_from(ODD_TEXT)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, (*prefix, n))


@st.composite
def descriptions(draw: Draw) -> bytes:
    """A JSON build description: the valid one with values replaced, dropped or added, then
    serialised, sometimes damaged at the byte level too."""
    data = json.loads(json.dumps(DESCRIPTION))
    for _ in range(draw(st.integers(0, 3))):
        paths = list(_paths(data))[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        how = draw(st.sampled_from(["replace", "drop", "add", "nest"]))
        if how == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif how == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(JSON_VALUES)
        elif how == "nest":
            depth = draw(st.sampled_from([10, 500, 5_000]))
            parent[path[-1]] = json.loads("[" * min(depth, 900) + "]" * min(depth, 900))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    raw = text.encode("utf-8")
    if draw(st.integers(0, 3)) == 0:
        raw = b"[" * 100_000 + b"]" * 100_000
    if draw(st.booleans()):
        ops = [_flip, _truncate, _reencode, _bom, _insert_text, _repeat_slice]
        raw = draw(st.sampled_from(ops))(draw, raw)
    return raw


@st.composite
def csv_files(draw: Draw) -> bytes:
    """A CSV export: a header, rows of real-looking and odd cells, an encoding, damage."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    cell = st.sampled_from(CSV_CELLS) | st.sampled_from(ODD_TEXT) | st.text(max_size=15)
    rows = [["ho_ten", "so_dinh_danh", "ngay_sinh", "gioi_tinh"]]
    rows += draw(st.lists(st.lists(cell, min_size=0, max_size=5), max_size=8))
    if draw(st.integers(0, 5)) == 0:
        rows.append(["x" * 140_000, "049090001234"])
    lines = []
    for row in rows:
        quote = draw(st.booleans())
        lines.append(delimiter.join('"' + c.replace('"', '""') + '"' if quote else c for c in row))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "utf-16-le"]))
    raw = text.encode(encoding, "replace")
    if draw(st.booleans()):
        raw = draw(st.sampled_from([_flip, _truncate, _insert_text, _bom, _repeat_slice]))(
            draw, raw
        )
    return raw


# ---- running a case ------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one CLI run did."""

    code: int
    out: str
    err: str
    seconds: float


def run_cli(argv: Sequence[str]) -> Outcome:
    """``qnegov ARGV --debug`` in-process: an unexpected exception propagates with its
    traceback (the test fails, hypothesis shrinks the input) instead of becoming exit code 4."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, "--debug"])
        except SystemExit as exc:  # argparse: a usage error
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # keep what made it raise, for tests/corpus/fuzz/
            for arg in argv:
                if "/in/" in arg and Path(arg).is_file():
                    keep_failure(Path(arg).read_bytes(), Path(arg).suffix)
            raise
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)


class Workspace:
    """A fresh folder per case (``inputs`` and ``out``), and the check that a case wrote
    nothing anywhere else: not beside its output, not in the workspace's parent, not left in
    the temporary folder qnegov was given."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.temp = base / "tmp"
        self.temp.mkdir(exist_ok=True)

    @contextlib.contextmanager
    def case(self) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(dir=self.base, prefix="case-"))
        (folder / "out").mkdir()
        before_parent = set(self.base.parent.iterdir())
        before_base = set(self.base.iterdir())
        saved = tempfile.tempdir
        tempfile.tempdir = str(self.temp)
        try:
            yield folder
            if any(self.temp.iterdir()):
                gc.collect()  # payload temporaries go with their payloads (costly: only then)
            created = {
                p
                for p in folder.rglob("*")
                if not p.is_relative_to(folder / "out") and not p.is_relative_to(folder / "in")
            }
            assert not created, f"written outside the output folder: {sorted(created)[:5]}"
            assert set(self.base.parent.iterdir()) == before_parent, "written beside the workspace"
            assert set(self.base.iterdir()) == before_base | {folder}, "written in the workspace"
            assert not any(self.temp.iterdir()), (
                f"left in the temporary folder: {list(self.temp.iterdir())[:5]}"
            )
        finally:
            tempfile.tempdir = saved
            shutil.rmtree(folder, ignore_errors=True)
            for leftover in self.temp.iterdir():
                shutil.rmtree(
                    leftover, ignore_errors=True
                ) if leftover.is_dir() else leftover.unlink()


def write_input(folder: Path, name: str, data: bytes) -> Path:
    """The case's input file, under ``folder/in``."""
    (folder / "in").mkdir(exist_ok=True)
    path = folder / "in" / name
    path.write_bytes(data)
    return path


def keep_failure(data: bytes, suffix: str) -> None:
    """With ``QNEGOV_FUZZ_SAVE=DIR``, keep a failing input for ``tests/corpus/fuzz/``."""
    where = os.environ.get("QNEGOV_FUZZ_SAVE")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(data).hexdigest()[:12]
        (Path(where) / f"crash-{digest}{suffix}").write_bytes(data)


def check_outcome(outcome: Outcome, allowed: frozenset[int], data: bytes, suffix: str) -> None:
    """The contract of one case: an allowed exit code, no traceback, within the time bound."""
    try:
        assert outcome.code in allowed, (
            f"exit code {outcome.code} not in {sorted(allowed)}: {outcome.err[-800:]}"
        )
        assert "Traceback" not in outcome.err, outcome.err[-2000:]
        assert outcome.seconds < CASE_SECONDS, f"took {outcome.seconds:.1f} s"
    except AssertionError:
        keep_failure(data, suffix)
        raise


@contextlib.contextmanager
def kept_on_failure(data: bytes, suffix: str) -> Iterator[None]:
    """Keep the input of a case that raised (an unexpected exception type) or failed."""
    try:
        yield
    except BaseException:
        keep_failure(data, suffix)
        raise
