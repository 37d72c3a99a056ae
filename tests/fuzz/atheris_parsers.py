"""Coverage-guided fuzzing (atheris/libFuzzer) of the parser-facing functions.

Not collected by pytest; run by ``nox -s atheris``, which copies the seed corpus to a scratch
folder (libFuzzer adds what it finds to its first corpus folder) and passes libFuzzer options::

    python tests/fuzz/atheris_parsers.py SCRATCH_CORPUS -max_total_time=600

Any exception that is not a :class:`~qnegov.errors.QnegovError` stops the run and libFuzzer
writes the input as ``crash-*``: keep it in ``tests/corpus/fuzz/`` with its expected outcome.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports(include=["qnegov"]):
    from qnegov import _xml, edxml, signing
    from qnegov.errors import QnegovError


class _Target:
    line = 1

    def start(self, tag: str, attrib: object) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def one_input(data: bytes) -> None:
    """Every parser-facing entry point on the same bytes; typed errors are answers."""
    calls = (
        lambda: _xml.parse(data),
        lambda: _xml.parse_bytes(data, lean=True),
        lambda: sum(1 for _ in _xml.iterparse(data, events=("start", "end"))),
        lambda: _xml.parse_with_target(data, _Target(), track_lines=True),
        lambda: _xml.parse_with_target(data, _Target(), recover=True),
        lambda: edxml.read(data),
        lambda: signing.explain(data),
    )
    for call in calls:
        with contextlib.suppress(QnegovError):
            call()
    edxml.validate(data)  # never raises for bad input


def run() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    run()
