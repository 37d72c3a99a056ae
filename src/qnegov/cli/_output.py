"""Where a command writes: the one check of ``-o`` every command shares.

An output path that cannot be written (an existing folder where a file is wanted, a file where
a folder is wanted, a missing parent folder, no permission) ends the command with
``qnegov: error: cannot write PATH: why`` and exit code 3, before any work is done when it can
be seen in advance, and never with a traceback when the file system refuses later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qnegov._i18n import tr
from qnegov.errors import InputError

__all__ = ["output_file", "output_folder", "write_output", "writing"]


def _refuse(path: Path, reason: object) -> InputError:
    return InputError(tr("cannot write {path}: {reason}", path=path, reason=reason))


def output_file(path: Path) -> Path:
    """``path`` if a file can be created or replaced there."""
    if path.is_dir():
        raise _refuse(path, tr("it is a folder; name a file"))
    parent = path.parent
    if not parent.is_dir():
        raise _refuse(
            path,
            tr("the folder {folder} does not exist", folder=parent)
            if not parent.exists()
            else tr("{folder} is not a folder", folder=parent),
        )
    return path


def output_folder(path: Path) -> Path:
    """``path`` as a folder to write into, created (with its parents) when missing."""
    if path.exists() and not path.is_dir():
        raise _refuse(path, tr("it is a file; name a folder"))
    with writing(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn the file system's refusal to write ``path`` into the CLI's error."""
    try:
        yield
    except InputError:
        raise
    except OSError as exc:
        raise _refuse(path, exc.strerror or exc) from None


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to the file ``path``, checked as :func:`output_file` checks it."""
    with writing(path):
        output_file(path).write_bytes(data)
