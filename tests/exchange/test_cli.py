"""``qnegov send|inbox|fetch|ack`` with a profile and environment secrets, ``qnegov hub serve``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from qnegov.cli import main
from qnegov.exchange._sample import sample_document

from .conftest import LOOPBACK, Hub, spawn_hub

A, B = "000.00.00.H47", "000.00.00.H48"


@pytest.fixture(scope="module")
def keys(hub: Hub) -> dict[str, str]:
    return {A: hub.agency(A), B: hub.agency(B), "app": hub.client("cli-app")}


def profile(tmp_path: Path, hub: Hub, agency: str, api: str = "vdxp") -> Path:
    path = tmp_path / f"{agency}-{api}.toml"
    if api == "vdxp":
        body = f'api = "vdxp"\nurl = "{hub.url}"\nsystem_id = "{agency}"\nsecret_env = "X_SECRET"\n'
    else:
        body = (
            f'api = "lgsp"\nurl = "{hub.url}"\nconsumer_key = "cli-app"\n'
            'consumer_secret_env = "X_CONSUMER"\nagency_secret_env = "X_SECRET"\n'
        )
    path.write_text(body, encoding="utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("api", ["vdxp", "lgsp"])
def test_send_inbox_fetch_ack(
    api: str,
    hub: Hub,
    keys: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    packet = tmp_path / "cong-van.edxml"
    packet.write_bytes(sample_document(A, [B], number=f"cli-{api}"))
    monkeypatch.setenv("X_CONSUMER", keys["app"])
    monkeypatch.setenv("X_SECRET", keys[A])
    code, out, _ = run(
        ["send", str(packet), "--profile", str(profile(tmp_path, hub, A, api)), "--format", "json"],
        capsys,
    )
    assert code == 0
    (sent,) = json.loads(out)
    monkeypatch.setenv("X_SECRET", keys[B])
    as_b = str(profile(tmp_path, hub, B, api))
    code, out, _ = run(["inbox", "--profile", as_b], capsys)
    assert code == 0 and sent["docId"] in out
    target = tmp_path / "nhan.edxml"
    code, _, _ = run(["fetch", sent["docId"], "-o", str(target), "--profile", as_b], capsys)
    assert code == 0 and target.read_bytes() == packet.read_bytes()
    code, _, _ = run(["ack", sent["docId"], "done", "--profile", as_b], capsys)
    assert code == 0
    code, out, _ = run(["inbox", "--profile", as_b, "--format", "json"], capsys)
    assert sent["docId"] not in {i["docId"] for i in json.loads(out)}


def test_bad_ack_status_is_a_usage_error(
    hub: Hub,
    keys: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("X_SECRET", keys[B])
    code, _, err = run(
        ["ack", "x", "finished", "--profile", str(profile(tmp_path, hub, B))], capsys
    )
    assert code == 2 and "done, fail, processing" in err


def test_secrets_are_not_accepted_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["inbox", "--secret", "abc"])
    assert exit_.value.code == 2


def test_wrong_secret_is_reported_without_traceback(
    hub: Hub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("X_SECRET", "wrong")
    code, _, err = run(["inbox", "--profile", str(profile(tmp_path, hub, A))], capsys)
    assert code == 1 and "bad HMAC" in err and "Traceback" not in err


def test_hub_serve_starts_without_agencies_and_serves_openapi(tmp_path: Path) -> None:
    env = os.environ | {"QNEGOV_HUB_ADMIN_TOKEN": "t0ken"}
    process, port = spawn_hub(
        ["--db", str(tmp_path / "h.sqlite"), "--host", LOOPBACK],
        tmp_path / "hub.log",
        env,
        command=("qnegov", "hub"),
    )
    try:
        url = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                document = httpx.get(url + "/openapi.json", timeout=1).json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert "/sendEdoc" in document["paths"]
        registered = httpx.post(
            url + "/admin/agencies", json={"code": A}, headers={"Authorization": "Bearer t0ken"}
        )
        assert registered.status_code == 200 and len(registered.json()["secret"]) == 64
    finally:
        process.kill()
        process.wait(timeout=10)


def test_cli_names_what_is_wrong(
    hub: Hub,
    keys: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QNEGOV_EXCHANGE_URL", raising=False)
    monkeypatch.delenv("QNEGOV_SECRET", raising=False)
    monkeypatch.delenv("X_SECRET", raising=False)
    good = profile(tmp_path, hub, A)
    # an unset secret_env variable is named
    code, _, err = run(["inbox", "--profile", str(good)], capsys)
    assert code == 3 and "$X_SECRET" in err and str(good) in err
    monkeypatch.setenv("X_SECRET", keys[A])
    # fetch -o into a missing folder: a message, not a traceback
    missing = tmp_path / "nowhere" / "x.edxml"
    code, _, err = run(["fetch", "doc", "-o", str(missing), "--profile", str(good)], capsys)
    assert code == 3 and "nowhere" in err and "Traceback" not in err
    # a misspelt key is refused, naming it
    typo = tmp_path / "typo.toml"
    typo.write_text(good.read_text() + 'sytem_id = "x"\n', encoding="utf-8")
    code, _, err = run(["inbox", "--profile", str(typo)], capsys)
    assert code == 3 and "sytem_id" in err
    # no profile file at all: the message names the file looked for
    monkeypatch.setenv("QNEGOV_PROFILE", str(tmp_path / "absent.toml"))
    code, _, err = run(["inbox"], capsys)
    assert code == 3 and "absent.toml" in err
    # --format json prints the error object on stdout
    monkeypatch.setenv("X_SECRET", "wrong")
    code, out, _ = run(["inbox", "--profile", str(good), "--format", "json"], capsys)
    error = json.loads(out)["error"]
    assert code == 1 and error["code"] == "auth" and "HMAC" in error["message"]


def test_readable_secret_file_is_warned_about(
    hub: Hub, keys: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "a.secret"
    secret.write_text(keys[A], encoding="utf-8")
    secret.chmod(0o644)
    path = tmp_path / "file.toml"
    path.write_text(
        f'url = "{hub.url}"\nsystem_id = "{A}"\nsecret_file = "a.secret"\n', encoding="utf-8"
    )
    code, _, err = run(["inbox", "--profile", str(path)], capsys)
    assert code == 0 and "readable by other users" in err and str(secret) in err
    secret.chmod(0o600)
    code, _, err = run(["inbox", "--profile", str(path)], capsys)
    assert code == 0 and "readable" not in err
