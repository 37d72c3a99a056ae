"""The hub on its own terms: OpenAPI, agencies file, admin token, validation and signatures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qnegov.errors import RemoteError
from qnegov.exchange import DocumentExchangeClient, RetryPolicy
from qnegov.exchange._sample import sample_document
from qnegov.signing import KeySigner, make_test_pki, sign_packet

from .conftest import DATA, Hub

A, B = "000.00.00.H47", "000.00.00.H48"
ONCE = RetryPolicy(attempts=1)


def test_openapi_describes_both_apis(hub: Hub) -> None:
    document = httpx.get(hub.url + "/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/sendEdoc",
        "/getReceivedEdocList",
        "/getEdoc",
        "/downloadEdoc",
        "/updateStatus",
        "/getSentEdocList",
        "/getAgenciesList",
        "/getAgenciesListQD20",
        "/token",
        "/truclienthong/v1.0.0/vanbans",
        "/truclienthong/v1.0.0/vanbans/{doc_id}",
    ):
        assert path in paths, path
    assert set(paths["/truclienthong/v1.0.0/vanbans/{doc_id}"]) == {"get", "put"}
    # every route the app serves is described (admin faults included, marked as testing)
    assert "TESTING" in paths["/admin/faults"]["post"]["summary"]


def test_admin_api_needs_the_admin_token(hub: Hub) -> None:
    response = httpx.post(hub.url + "/admin/agencies", json={"code": "X"})
    assert response.status_code == 401
    wrong = httpx.post(
        hub.url + "/admin/agencies", json={"code": "X"}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401


def test_non_conforming_real_sample_is_refused_with_its_issue(hub: Hub) -> None:
    # edoc.edxml nests From inside From and misplaces elements: validation errors.
    secret = hub.agency("777.77.04.D77")
    with (
        DocumentExchangeClient(hub.url, "777.77.04.D77", secret, retry=ONCE) as c,
        pytest.raises(RemoteError) as err,
    ):
        c.send(DATA / "edoc.edxml")
    assert err.value.remote_code == "102" and "edxml_" in str(err.value)


@pytest.fixture(scope="module")
def signed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Path]]:
    folder = tmp_path_factory.mktemp("signed")
    pki = make_test_pki(folder / "pki")
    agencies = folder / "agencies.toml"
    agencies.write_text(
        f'[[agency]]\ncode = "{A}"\nname = "UBND tỉnh Quảng Nam"\nsecret = "secret-a"\n'
        f'other_code = "H47"\n\n[[agency]]\ncode = "{B}"\nsecret_env = "QNEGOV_TEST_SECRET_B"\n',
        encoding="utf-8",
    )
    import os

    os.environ["QNEGOV_TEST_SECRET_B"] = "secret-b"
    running = Hub(
        db=folder / "hub.sqlite", extra=["--agencies", str(agencies), "--trust", str(pki.ca_cert)]
    )
    running.start()
    try:
        yield running, folder / "pki"
    finally:
        running.kill()
        del os.environ["QNEGOV_TEST_SECRET_B"]


def test_agencies_file_registers_secrets(signed_hub: tuple[Hub, Path]) -> None:
    hub, _ = signed_hub
    with DocumentExchangeClient(hub.url, B, "secret-b") as b:
        assert {a.code: a.other_code for a in b.agencies()}[A] == "H47"


def test_signed_packet_accepted_unsigned_and_tampered_refused(
    signed_hub: tuple[Hub, Path],
) -> None:
    hub, pki = signed_hub
    signer = KeySigner.from_pem(pki / "signer.key", pki / "signer.pem")
    signed = sign_packet(sample_document(A, [B], number="ky-so"), signer)
    with DocumentExchangeClient(hub.url, A, "secret-a", retry=ONCE) as a:
        assert a.send(signed).doc_id
        with pytest.raises(RemoteError) as unsigned:
            a.send(sample_document(A, [B], number="khong-ky"))
        assert unsigned.value.remote_code == "105"
        tampered = signed.replace(b"ky-so", b"ky-sa")
        with pytest.raises(RemoteError) as changed:
            a.send(tampered)
        assert changed.value.remote_code == "105"
    with DocumentExchangeClient(hub.url, B, "secret-b") as b:
        (item,) = b.inbox()
        assert b.fetch(item.doc_id) == signed


def test_a_secret_cannot_belong_to_two_agencies(hub: Hub) -> None:
    hub.admin("POST", "/admin/agencies", json={"code": "000.00.00.K47", "secret": "same"})
    response = httpx.post(
        hub.url + "/admin/agencies",
        json={"code": "000.00.00.K48", "secret": "same"},
        headers={"Authorization": f"Bearer {hub.admin_token}"},
    )
    assert response.status_code == 409 and response.json()["code"] == "110"


def test_admin_token_is_generated_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qnegov.exchange.hub._serve import resolve_admin_token

    monkeypatch.delenv("QNEGOV_HUB_ADMIN_TOKEN", raising=False)
    token, written = resolve_admin_token(tmp_path / "hub.sqlite", None)
    assert written == tmp_path / "hub.sqlite.admin-token"
    assert written.read_text().strip() == token and len(token) >= 32
    assert written.stat().st_mode & 0o777 == 0o600
    assert resolve_admin_token(tmp_path / "hub.sqlite", written) == (token, None)
    monkeypatch.setenv("QNEGOV_HUB_ADMIN_TOKEN", "from-env")
    assert resolve_admin_token(tmp_path / "hub.sqlite", written) == ("from-env", None)
