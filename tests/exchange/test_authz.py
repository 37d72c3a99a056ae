"""Who may do what on the hub: sending as another agency, delegation, registering and removing.

Raw signed requests (``VdxpAuth`` over plain httpx, LGSP bearer token plus agency secret) so each
test sets exactly the header under test. The hub is the real app serving on loopback; it runs in
this process (``EmbeddedHub``) so mutation testing sees the hub's code being exercised.

Agencies: ``P`` has two children ``C`` and ``D`` (``pcode = P``); ``X`` is unrelated; ``R``
receives; ``U`` is not registered.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qnegov.exchange import VdxpAuth
from qnegov.exchange._sample import sample_document
from qnegov.exchange.hub import EmbeddedHub

P, C, D = "000.00.00.H47", "000.00.01.H47", "000.00.02.H47"
X, R, U = "000.00.00.H48", "000.00.00.G22", "000.00.00.H99"
LGSP = "/truclienthong/v1.0.0"


class Hub:
    def __init__(self, embedded: EmbeddedHub, secrets: dict[str, str], client: str) -> None:
        self.embedded, self.url, self.secrets = embedded, embedded.url, secrets
        self._client_secret = client
        self._token: str | None = None
        self.http = httpx.Client(base_url=self.url, timeout=10)  # one client: each costs ~0.2 s

    # VDXP ---------------------------------------------------------------------------------

    def vdxp(
        self,
        code: str,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        content: bytes | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        auth = VdxpAuth(code, secret if secret is not None else self.secrets[code])
        return self.http.request(
            "GET" if path.startswith("/count") else "POST",
            path,
            headers={"Content-Type": "application/json"} | (headers or {}),
            content=content,
            auth=auth,
        )

    def send(self, caller: str, header_from: str | None, packet_from: str) -> httpx.Response:
        packet = sample_document(packet_from, [R], number=uuid.uuid4().hex[:8])
        headers = {
            "Content-Type": "application/octet-stream",
            "messagetype": "edoc",
            "messageid": uuid.uuid4().hex,
        }
        if header_from is not None:
            headers["from"] = header_from
        return self.vdxp(caller, "/sendEdoc", headers, content=packet)

    def inbox_senders(self, code: str) -> list[str]:
        answer = self.vdxp(code, "/getReceivedEdocList", {"messagetype": "edoc"}).json()
        return [item["from"] for item in answer["data"]]

    def agencies(self) -> dict[str, Any]:
        answer = self.vdxp(R, "/getAgenciesList").json()
        return {a["code"]: a for a in answer["data"]}

    def authenticates(self, code: str, secret: str) -> bool:
        return self.vdxp(code, "/getAgenciesList", secret=secret).status_code == 200

    # LGSP ---------------------------------------------------------------------------------

    def token(self) -> str:
        if self._token is None:
            basic = base64.b64encode(f"app:{self._client_secret}".encode()).decode()
            answer = self.http.post(
                "/token",
                headers={"Authorization": f"Basic {basic}"},
                content=b"grant_type=client_credentials",
            )
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        return self._token

    def lgsp(
        self, method: str, path: str, secret: str, *, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token() if token is None else token}"}
        if secret:
            headers["secret"] = secret
        return self.http.request(method, LGSP + path, headers=headers, **kw)


def code_of(response: httpx.Response) -> str:
    """The hub's error code, from the key of the API's own shape (VDXP ``ErrorCode``, LGSP
    ``errorCode``): an answer in the other API's shape is a failure."""
    lgsp = response.request.url.path.startswith(LGSP)
    body = response.json()
    assert body["status"] == ("OK" if response.status_code == 200 else "FAIL"), body
    return str(body["errorCode" if lgsp else "ErrorCode"])


def description(response: httpx.Response) -> str:
    body = response.json()
    return str(body.get("ErrorDesc", body.get("errorDesc")))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    db: Path = tmp_path_factory.mktemp("authz") / "hub.sqlite"
    with EmbeddedHub(db, checks=[]) as embedded:
        secrets = {
            P: embedded.register(P, "Parent"),
            C: embedded.register(C, "Child C", pcode=P),
            D: embedded.register(D, "Child D", pcode=P),
            X: embedded.register(X, "Other"),
            R: embedded.register(R, "Recipient"),
            U: "not-registered-secret",
        }
        running = Hub(embedded, secrets, embedded.register_client("app"))
        with running.http:
            yield running


# sending as another agency ---------------------------------------------------------------


def test_an_agency_sends_as_itself(hub: Hub) -> None:
    answer = hub.send(P, P, P)
    assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    assert P in hub.inbox_senders(R)


@pytest.mark.parametrize(
    ("caller", "header_from", "packet_from"),
    [
        (P, X, X),  # a header naming another registered agency
        (P, X, P),  # ... even if the packet names the caller
        (P, P, X),  # a packet naming another registered agency
        (P, None, X),  # ... with no from header at all
        (P, U, U),  # an agency nobody registered
        (C, P, P),  # a child is not its parent's delegate
        (C, C, P),
        (C, D, D),  # nor its sibling's
        (X, C, C),  # nor is an outsider the child's
        (X, X, C),
    ],
)
def test_sending_as_an_agency_the_credentials_do_not_cover_is_refused(
    hub: Hub, caller: str, header_from: str | None, packet_from: str
) -> None:
    before = hub.inbox_senders(R)
    answer = hub.send(caller, header_from, packet_from)
    assert answer.status_code == 400, answer.text
    assert code_of(answer) == "107"
    assert hub.inbox_senders(R) == before  # nothing was stored


@pytest.mark.parametrize(("header_from", "packet_from"), [(C, C), (P, C), (D, D)])
def test_a_parent_sends_on_behalf_of_its_children(
    hub: Hub, header_from: str, packet_from: str
) -> None:
    answer = hub.send(P, header_from, packet_from)
    assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    doc_id = answer.json()["DocId"]
    (item,) = [
        i
        for i in hub.vdxp(R, "/getReceivedEdocList", {"messagetype": "edoc"}).json()["data"]
        if i["docId"] == doc_id
    ]
    assert item["from"] == packet_from
    # the child's sent list has it: the packet is the child's, not the parent's
    sent = hub.vdxp(packet_from, "/getSentEdocList", {"messagetype": "edoc"}).json()["data"]
    assert doc_id in {s["senderDocId"] for s in sent}


def test_lgsp_sending_is_held_to_the_same_rule(hub: Hub) -> None:
    def send(secret: str, packet_from: str) -> httpx.Response:
        packet = sample_document(packet_from, [R], number=uuid.uuid4().hex[:8])
        body = {"data": base64.b64encode(packet).decode(), "loaiVanBan": "edoc"}
        return hub.lgsp("POST", "/vanbans", secret, json=body)

    for owner, packet_from in ((P, P), (P, C), (C, C)):
        answer = send(hub.secrets[owner], packet_from)
        assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    for owner, packet_from in ((P, X), (C, P), (C, D), (X, C)):
        answer = send(hub.secrets[owner], packet_from)
        assert (answer.status_code, code_of(answer)) == (400, "107"), (owner, packet_from)


# registering and removing agencies (VDXP) ------------------------------------------------


def test_register_agency_makes_a_child_of_the_caller(hub: Hub) -> None:
    new = "000.00.03.H47"
    answer = hub.vdxp(P, "/registerAgency", content=b'{"code": "%s", "name": "N"}' % new.encode())
    assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    secret = answer.json()["secret"]
    assert secret and hub.authenticates(new, secret)
    listed = hub.agencies()[new]
    assert listed["pid"] == P and listed["name"] == "N"
    hub.secrets[new] = secret
    assert code_of(hub.send(P, new, new)) == "0"  # the parent may send as it
    assert code_of(hub.send(X, new, new)) == "107"  # nobody else may
    # registering it again, whoever asks, is refused and changes nothing
    for caller in (P, X):
        again = hub.vdxp(caller, "/registerAgency", content=b'{"code": "%s"}' % new.encode())
        assert (again.status_code, code_of(again)) == (409, "110")
    assert hub.authenticates(new, secret)
    assert hub.agencies()[new]["pid"] == P


def test_an_agency_cannot_register_a_child_under_another_agency(hub: Hub) -> None:
    """The body's pcode may only name the caller: else X would hold a secret for P's child."""
    for caller, path, send in (
        (X, "/registerAgency", lambda body: hub.vdxp(X, "/registerAgency", content=body)),
        (
            X,
            "/donvilienthongs",
            lambda body: hub.lgsp("POST", "/donvilienthongs", hub.secrets[X], content=body),
        ),
    ):
        body = b'{"code": "000.00.19.H47", "pcode": "%s"}' % P.encode()
        answer = send(body)
        assert (answer.status_code, code_of(answer)) == (409, "110"), (path, answer.text)
        assert description(answer) == f"{caller} may not register an agency under {P!r}"
        assert "000.00.19.H47" not in hub.agencies()
    own = hub.vdxp(
        P, "/registerAgency", content=b'{"code": "000.00.19.H47", "pcode": "%s"}' % P.encode()
    )
    assert code_of(own) == "0" and hub.agencies()["000.00.19.H47"]["pid"] == P


def test_register_agency_keeps_a_chosen_secret_and_refuses_a_taken_one(hub: Hub) -> None:
    body = b'{"code": "000.00.04.H47", "secret": "chosen-secret-0004"}'
    answer = hub.vdxp(P, "/registerAgency", content=body)
    assert code_of(answer) == "0" and answer.json()["secret"] == "chosen-secret-0004"
    assert hub.authenticates("000.00.04.H47", "chosen-secret-0004")
    taken = b'{"code": "000.00.05.H47", "secret": "%s"}' % hub.secrets[X].encode()
    refused = hub.vdxp(P, "/registerAgency", content=taken)
    assert (refused.status_code, code_of(refused)) == (409, "110")
    assert "000.00.05.H47" not in hub.agencies()
    assert hub.authenticates(X, hub.secrets[X])


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"name": "x"}', b'{"code": ""}'])
def test_register_agency_needs_a_code(hub: Hub, body: bytes) -> None:
    answer = hub.vdxp(P, "/registerAgency", content=body)
    assert (answer.status_code, code_of(answer)) == (400, "106")


def test_register_and_delete_need_valid_credentials(hub: Hub) -> None:
    for path, body in (
        ("/registerAgency", b'{"code": "000.00.06.H47"}'),
        ("/deleteAgency", None),
    ):
        headers = {"agencyCode": C} if path == "/deleteAgency" else {}
        for caller, secret in ((P, "wrong secret"), (U, hub.secrets[U]), (P, hub.secrets[X])):
            answer = hub.vdxp(caller, path, headers, content=body, secret=secret)
            assert (answer.status_code, code_of(answer)) == (401, "101"), (path, caller)
            assert description(answer) in (
                f"unknown systemid {caller!r}",
                "XroadVnpt-hash-header does not match (bad HMAC)",
            )
    assert "000.00.06.H47" not in hub.agencies()
    assert C in hub.agencies()


@pytest.mark.parametrize(
    ("caller", "target"),
    [(X, C), (C, P), (C, D), (D, C), (X, P), (P, U)],
)
def test_delete_agency_refuses_anyone_but_the_agency_and_its_parent(
    hub: Hub, caller: str, target: str
) -> None:
    answer = hub.vdxp(caller, "/deleteAgency", {"agencyCode": target})
    assert (answer.status_code, code_of(answer)) == (409, "110"), answer.text
    assert description(answer) == f"{caller} may not remove {target!r}"
    if target in hub.secrets and target != U:
        assert hub.authenticates(target, hub.secrets[target])


def test_delete_agency_without_a_code_is_a_bad_request(hub: Hub) -> None:
    for body in ({"agencyCode": ""}, {}):
        answer = hub.vdxp(P, "/deleteAgency", body)
        assert (answer.status_code, code_of(answer)) == (400, "106"), answer.text
        assert description(answer) == "missing AgencyCode"
    assert all(hub.authenticates(code, hub.secrets[code]) for code in (P, C, D))


def test_a_parent_deletes_its_child_and_an_agency_itself(hub: Hub) -> None:
    for code in ("000.00.07.H47", "000.00.08.H47"):
        body = b'{"code": "%s"}' % code.encode()
        hub.secrets[code] = hub.vdxp(P, "/registerAgency", content=body).json()["secret"]
    for caller, target in ((P, "000.00.07.H47"), ("000.00.08.H47", "000.00.08.H47")):
        answer = hub.vdxp(caller, "/deleteAgency", {"agencyCode": target})
        assert answer.status_code == 200 and code_of(answer) == "0", answer.text
        assert target not in hub.agencies()
        assert not hub.authenticates(target, hub.secrets[target])
        again = hub.vdxp(P, "/deleteAgency", {"agencyCode": target})
        assert (again.status_code, code_of(again)) == (409, "110")


# registering and removing agencies (LGSP donvilienthongs) --------------------------------


def test_lgsp_register_needs_a_bearer_token_and_an_agency_secret(hub: Hub) -> None:
    body = {"code": "000.00.09.H47"}
    no_token = hub.http.post(LGSP + "/donvilienthongs", json=body)
    assert no_token.status_code == 401 and no_token.json()["fault"]["code"] == 900901
    assert no_token.json()["fault"]["description"] == "missing bearer token"
    bad_token = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], token="forged", json=body)
    assert bad_token.status_code == 401
    assert bad_token.json()["fault"]["description"] == "unknown or revoked token"
    # the scheme is the first word: "Bearer a b" is a bearer token "a b" (unknown), not scheme
    # "Bearer a" with token "b"
    spaced = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], token="a b", json=body)
    assert spaced.json()["fault"]["description"] == "unknown or revoked token"
    for scheme in ("Basic", "Token", ""):  # a valid token under another scheme is no token
        headers = {"Authorization": f"{scheme} {hub.token()}".strip(), "secret": hub.secrets[P]}
        answer = hub.http.post(LGSP + "/donvilienthongs", json=body, headers=headers)
        assert answer.status_code == 401 and answer.json()["fault"]["code"] == 900901
        assert answer.json()["fault"]["description"] == "missing bearer token"
    for secret in ("", "f" * 64):
        answer = hub.lgsp("POST", "/donvilienthongs", secret, json=body)
        assert (answer.status_code, code_of(answer)) == (403, "101")
        assert description(answer) == "unknown agency secret"
    unsigned = hub.http.post("/registerAgency", content=b'{"code": "000.00.09.H47"}')
    assert (unsigned.status_code, code_of(unsigned)) == (401, "101")
    assert description(unsigned) == "missing XroadVnpt signature headers"
    for secret in ("", "f" * 64):
        answer = hub.lgsp("PUT", "/donvilienthongs", secret, json={"agencyCode": C})
        assert (answer.status_code, code_of(answer)) == (403, "101")
    assert "000.00.09.H47" not in hub.agencies() and C in hub.agencies()


def test_lgsp_register_makes_a_child_and_refuses_duplicates(hub: Hub) -> None:
    new = "000.00.10.H47"
    answer = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], json={"code": new})
    assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    secret = answer.json()["secret"]
    assert hub.authenticates(new, secret) and hub.agencies()[new]["pid"] == P
    listed = hub.lgsp("GET", "/donvilienthongs", secret).json()["data"]
    assert {a["code"]: a["pcode"] for a in listed}[new] == P
    for caller in (P, X):
        again = hub.lgsp("POST", "/donvilienthongs", hub.secrets[caller], json={"code": new})
        assert (again.status_code, code_of(again)) == (409, "110")
    for body in (None, [], {"name": "x"}, {"code": 7}):
        bad = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], json=body)
        assert (bad.status_code, code_of(bad)) == (400, "106"), body
    not_json = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], content=b"{")
    assert (not_json.status_code, code_of(not_json)) == (400, "106")


def test_lgsp_unregister_is_for_the_agency_and_its_parent_only(hub: Hub) -> None:
    new = "000.00.11.H47"
    secret = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], json={"code": new}).json()[
        "secret"
    ]
    for caller, target in ((X, new), (C, new), (C, P), (X, C), (P, U)):
        answer = hub.lgsp(
            "PUT", "/donvilienthongs", hub.secrets[caller], json={"agencyCode": target}
        )
        assert (answer.status_code, code_of(answer)) == (409, "110"), (caller, target)
        assert description(answer) == f"{caller} may not remove {target!r}"
    for body in ({}, [], None):
        answer = hub.lgsp("PUT", "/donvilienthongs", hub.secrets[P], json=body)
        assert (answer.status_code, code_of(answer)) == (400, "106"), body
        assert description(answer) == 'body must be {"agencyCode": code}'
    assert hub.authenticates(new, secret) and hub.authenticates(C, hub.secrets[C])
    answer = hub.lgsp("PUT", "/donvilienthongs", hub.secrets[P], json={"agencyCode": new})
    assert answer.status_code == 200 and code_of(answer) == "0", answer.text
    assert new not in hub.agencies() and not hub.authenticates(new, secret)
    # an agency may also remove itself
    own = hub.lgsp("POST", "/donvilienthongs", hub.secrets[P], json={"code": new}).json()["secret"]
    answer = hub.lgsp("PUT", "/donvilienthongs", own, json={"agencyCode": new})
    assert answer.status_code == 200 and new not in hub.agencies()


# the admin API ---------------------------------------------------------------------------


def test_admin_delete_needs_the_admin_token(hub: Hub) -> None:
    path = f"/admin/agencies/{D}"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        assert hub.http.delete(path, headers=headers).status_code == 401
    for secret in (hub.secrets[P], hub.secrets[D]):  # an agency's secret is not the admin token
        answer = hub.http.delete(path, headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 401
    assert D in hub.agencies()
    admin = {"Authorization": f"Bearer {hub.embedded.admin_token}"}
    gone = hub.http.post("/admin/agencies", json={"code": "000.00.12.H47"}, headers=admin)
    assert gone.status_code == 200
    answer = hub.http.delete("/admin/agencies/000.00.12.H47", headers=admin)
    assert answer.status_code == 200 and answer.json() == {"removed": True}
    again = hub.http.delete("/admin/agencies/000.00.12.H47", headers=admin)
    assert again.status_code == 404


def test_an_expired_gateway_token_is_refused(tmp_path: Path) -> None:
    with EmbeddedHub(tmp_path / "hub.sqlite", checks=[], token_ttl=0.0) as embedded:
        secret = embedded.register(P)
        running = Hub(embedded, {P: secret}, embedded.register_client("app"))
        with running.http:
            answer = running.lgsp("GET", "/vanbans", secret)
    assert answer.status_code == 401
    assert answer.json()["fault"]["description"] == "token expired"


# replayed signatures ----------------------------------------------------------------------


def _signed_twice(hub: Hub, code: str) -> tuple[httpx.Response, httpx.Response]:
    """The same signed request sent twice, byte for byte."""
    request = hub.http.build_request("GET", "/countReceiveEdoc")
    signed = next(VdxpAuth(code, hub.secrets[code]).auth_flow(request))
    first = hub.http.send(signed)
    return first, hub.http.send(signed)


def test_a_replayed_signature_is_refused(hub: Hub) -> None:
    first, again = _signed_twice(hub, X)
    assert first.status_code == 200, first.text
    assert (again.status_code, code_of(again)) == (401, "101")
    assert description(again) == "replayed request: this signature was already used"


def test_a_full_replay_memory_makes_the_hub_busy_not_permissive(hub: Hub) -> None:
    replay = hub.embedded.app.app.state.hub.replay  # type: ignore[attr-defined]
    capacity = replay.capacity
    replay.capacity = len(replay)  # every further new signature would overflow it
    try:
        answer = hub.vdxp(X, "/countReceiveEdoc")
    finally:
        replay.capacity = capacity
    assert (answer.status_code, code_of(answer)) == (503, "112")
    assert description(answer) == "replay memory full"
    assert hub.vdxp(X, "/countReceiveEdoc").status_code == 200
