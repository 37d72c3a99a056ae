"""The wheel carries the catalogue and the Vietnamese messages of qnegov.codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_the_catalogue_and_translations(tmp_path: Path) -> None:
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*build, "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("qnegov-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "qnegov/codes/data/units.json" in names
        assert "qnegov/locale/vi/codes.json" in names
        data = json.loads(zf.read("qnegov/codes/data/units.json"))
        assert data["format"] == 1 and len(data["units"]) > 14_000
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        requires = zf.read(metadata).decode()
    assert "Requires-Dist: python-stdnum" in requires
    assert "Requires-Dist: phonenumberslite" in requires
