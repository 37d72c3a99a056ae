"""A built wheel, installed in a fresh venv, carries and finds its schemas."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_installed_wheel_finds_its_schemas(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("qnegov-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Install the wheel itself with this interpreter's pip, into the new venv only...
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    # ...and let it see the dependencies already installed here (after its own site-packages,
    # so the wheel's qnegov, not this checkout's, is the one imported).
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    probe = (
        "import qnegov, pathlib; d = qnegov.schemas_dir(); "
        "print(pathlib.Path(qnegov.__file__).parent); print(d); "
        "print(sorted(p.name for p in d.iterdir()))"
    )
    done = subprocess.run(
        [str(python), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    package_dir, schemas, listing = done.stdout.splitlines()
    assert Path(package_dir) == site / "qnegov"
    assert Path(schemas) == site / "qnegov" / "schemas"
    assert "README.md" in listing
    shipped = sorted(p.relative_to(ROOT / "schemas") for p in (ROOT / "schemas").rglob("*.xsd"))
    installed = sorted(p.relative_to(Path(schemas)) for p in Path(schemas).rglob("*.xsd"))
    assert installed == shipped
