"""The live hub against its own /openapi.json: schemathesis with every check, authenticated.

``st run --checks all`` drives every operation with generated (valid and invalid) requests,
signed or tokened by ``st_hooks.py``; any answer the document does not describe (an
undocumented status, a header, a schema mismatch, a server error, an ``Allow`` header that
contradicts the listed methods, an ignored credential) fails the run. Few examples per
operation keep it near a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Hub

A = "000.00.00.H47"
MAX_EXAMPLES = os.environ.get("QNEGOV_ST_EXAMPLES", "5")


@pytest.mark.slow
def test_hub_conforms_to_its_openapi(tmp_path: Path) -> None:
    running = Hub(db=tmp_path / "hub.sqlite", faults=False)  # no test faults armed at random
    running.start()
    try:
        secret = running.agency(A)
        running.agency("000.00.00.H48")
        client_secret = running.client("st-app")
        st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
        env = os.environ | {
            "SCHEMATHESIS_HOOKS": "tests.exchange.st_hooks",
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path]),
            "QNEGOV_ST_URL": running.url,
            "QNEGOV_ST_SYSTEM": A,
            "QNEGOV_ST_SECRET": secret,
            "QNEGOV_ST_CLIENT_KEY": "st-app",
            "QNEGOV_ST_CLIENT_SECRET": client_secret,
            "QNEGOV_ST_ADMIN": running.admin_token,
        }
        result = subprocess.run(
            [
                st,
                "--no-color",
                "--config-file",
                str(Path(__file__).with_name("schemathesis.toml")),
                "run",
                running.url + "/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                MAX_EXAMPLES,
                "--seed",
                "20261202",
                "--workers",
                "1",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    finally:
        running.kill()
