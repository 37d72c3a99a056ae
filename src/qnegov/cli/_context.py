"""What every command handler gets: the chosen output format, language, streams and progress."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from qnegov._i18n import tr
from qnegov._render import Renderer, make_renderer
from qnegov.report import Report

__all__ = ["Context", "Progress"]


class Progress:
    """A one-line progress display on stderr (MB, MB/s, ETA); silent when not on a terminal.

    ``unit="records"`` counts records instead of bytes (``bulk generate``), ``unit="files"``
    files of a many-file command.
    """

    def __init__(
        self, err: IO[str], total_bytes: int | None, *, enabled: bool, unit: str = "bytes"
    ) -> None:
        self._err = err
        self._total = total_bytes
        self._enabled = enabled
        self._unit = unit
        self._done = 0
        self._start = time.perf_counter()
        self._last = 0.0

    def update(self, n: int) -> None:
        """Count ``n`` more bytes done; redraw at most ten times a second."""
        self._done += n
        if not self._enabled:
            return
        now = time.perf_counter()
        if now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        if self._unit == "records":
            scale, done, per = 1.0, tr("{n:,} records", n=self._done), "/s"
            rate = self._done / elapsed
            line = f"{done}  {rate:,.0f}{per}"
        elif self._unit == "files":
            scale, rate = 1.0, self._done / elapsed
            line = tr("{n:,} of {total:,} files", n=self._done, total=self._total or 0)
        else:
            scale = 1e6
            rate = self._done / elapsed / scale
            line = f"{self._done / 1e6:,.1f} MB  {rate:,.1f} MB/s"
        if self._total:
            left = max(self._total - self._done, 0) / scale
            eta = left / rate if rate > 0 else 0.0
            line += f"  {100 * self._done / self._total:5.1f}%  ETA {eta:,.0f} s"
        self._err.write("\r" + line + " " * 4)
        self._err.flush()

    def close(self) -> None:
        """Erase the progress line."""
        if self._enabled and self._last:
            self._err.write("\r" + " " * 72 + "\r")
            self._err.flush()


@dataclass
class Context:
    """Global options resolved once, handed to every handler."""

    fmt: str = "text"
    lang: str = "en"
    quiet: bool = False
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    tty: bool = False

    def renderer(self) -> Renderer:
        """A streaming renderer for the chosen format on stdout."""
        return make_renderer(self.fmt, self.out, quiet=self.quiet)

    def emit_report(self, report: Report) -> int:
        """Render a finished report (its kept issues) and return the exit code it implies."""
        renderer = self.renderer()
        renderer.start()
        for issue in report.issues:
            renderer.issue(issue)
        renderer.finish(report)
        return report.exit_code

    def echo(self, text: str = "") -> None:
        """Human-readable text, unless ``--quiet``: stdout for text output, else stderr.

        Machine formats (json, junit, sarif) keep stdout parseable, so narration moves aside.
        """
        if not self.quiet:
            (self.out if self.fmt == "text" else self.err).write(text + "\n")

    def emit_json(self, obj: Any) -> None:
        """One JSON document on one line of stdout."""
        self.out.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")

    def warn(self, text: str) -> None:
        """A note for the human on stderr (never mixed into machine formats on stdout)."""
        if not self.quiet:
            self.err.write(tr("qnegov: {text}", text=text) + "\n")

    def progress(self, total_bytes: int | None = None, *, unit: str = "bytes") -> Progress:
        """A progress display, drawn only on a terminal (stderr) and not with ``--quiet``."""
        return Progress(self.err, total_bytes, enabled=self.tty and not self.quiet, unit=unit)
