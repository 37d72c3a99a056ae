"""``qnegov sign``, ``verify``, ``keys new``; the signature line of ``validate``; the demo step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.cli import main

from .conftest import DATA, PKI


@pytest.fixture()
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "keys"
    assert main(["keys", "new", "--out", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "NOT FOR PRODUCTION" in captured.err
    assert "ca.pem" in captured.out
    return folder


@pytest.fixture()
def unsigned(tmp_path: Path, packet: bytes) -> Path:
    path = tmp_path / "packet.edxml"
    path.write_bytes(packet)
    return path


def test_sign_then_verify_with_pem(
    keys: Path, unsigned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "signed.edxml"
    assert (
        main(
            [
                "sign",
                str(unsigned),
                "--key",
                str(keys / "signer.key"),
                "--cert",
                str(keys / "signer.pem"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "edXML packet" in capsys.readouterr().out
    assert main(["verify", str(out), "--trust", str(keys / "ca.pem")]) == 0
    assert "[signature_valid]" in capsys.readouterr().out


def test_sign_with_pkcs12_password_from_the_environment(
    keys: Path,
    unsigned: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "signed.edxml"
    args = ["sign", str(unsigned), "--pkcs12", str(keys / "signer.p12"), "-o", str(out)]
    assert main(args) == 3  # no password: the bundle does not open
    assert "PKCS#12" in capsys.readouterr().err
    monkeypatch.setenv("AGENCY_PW", "test")
    assert main([*args, "--password-env", "AGENCY_PW"]) == 0
    assert main(["verify", str(out), "--trust", str(keys)]) == 0


def test_sign_any_xml_and_legacy_policy(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text("<HoSo><Ten>Trần Văn C</Ten></HoSo>", encoding="utf-8")
    out = tmp_path / "doc.signed.xml"
    assert (
        main(
            [
                "sign",
                str(doc),
                "--key",
                str(keys / "signer.key"),
                "--cert",
                str(keys / "signer.pem"),
                "--policy",
                "legacy",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "XML document" in capsys.readouterr().out
    assert main(["verify", str(out), "--trust", str(keys / "ca.pem")]) == 1
    assert "[signature_policy]" in capsys.readouterr().out
    assert (
        main(
            [
                "verify",
                str(out),
                "--trust",
                str(keys / "ca.pem"),
                "--policy",
                "legacy",
                "--format",
                "json",
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d.get("code") for d in lines[:-1]] == ["signature_sha1", "signature_valid"]
    assert lines[-1]["valid"] is True


def test_sign_needs_a_key(
    unsigned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sign", str(unsigned), "-o", str(tmp_path / "o")]) == 3
    assert "--key" in capsys.readouterr().err


def test_verify_exit_codes_and_at(
    pki: PKI, keys: Path, unsigned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qnegov.signing import sign_packet

    good = tmp_path / "good.edxml"
    good.write_bytes(sign_packet(unsigned.read_bytes(), pki.rsa))
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(good.read_bytes().replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1))
    broken = tmp_path / "broken.edxml"
    broken.write_bytes(good.read_bytes()[:-30])
    trust = ["--trust", str(pki.folder / "root.pem")]
    assert main(["verify", str(good), *trust]) == 0
    assert main(["verify", str(good), str(bad), *trust]) == 1
    assert "[signature_invalid]" in capsys.readouterr().out
    assert main(["verify", str(good), str(broken), *trust]) == 3
    assert main(["verify", str(good), *trust, "--at", "2019-05-01T08:00"]) == 1
    assert "[certificate_expired]" in capsys.readouterr().out
    assert main(["verify", str(good), "--trust", str(keys / "ca.pem")]) == 1
    assert "[certificate_untrusted]" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["verify", str(good), *trust, "--at", "yesterday"])
    assert usage.value.code == 2


def test_verify_explain_text_and_json(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    sample = DATA / "vnpt_dummy_signature.edxml"
    trust = ["--trust", str(pki.folder / "root.pem")]
    assert main(["verify", str(sample), *trust, "--policy", "legacy", "--explain"]) == 1
    out = capsys.readouterr().out
    assert "declared FwgIqsSYJshUS2+wlOM61L+q7Aw=" in out and "MISMATCH" in out
    assert "SignedInfo canonical bytes (sha256" in out
    assert main(["verify", str(sample), *trust, "--explain", "--format", "json"]) == 1
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (first["type"], first["file"]) == ("explain", str(sample))
    assert first["references"][0]["declared_digest"] == "FwgIqsSYJshUS2+wlOM61L+q7Aw="
    assert first["references"][0]["matches"] is False


def test_verify_in_vietnamese(pki: PKI, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "verify",
                str(DATA / "status_unsigned.edxml"),
                "--trust",
                str(pki.folder / "root.pem"),
                "--lang",
                "vi",
            ]
        )
        == 1
    )
    assert "không có chữ ký XML" in capsys.readouterr().out


def test_validate_reports_packet_signature_status(
    pki: PKI, unsigned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qnegov.signing import sign_packet

    good = tmp_path / "good.edxml"
    good.write_bytes(sign_packet(unsigned.read_bytes(), pki.rsa))
    other = tmp_path / "other.xml"
    other.write_bytes(b"<a/>")
    main(
        [
            "validate",
            str(good),
            str(unsigned),
            str(other),
            str(DATA / "vnpt_dummy_signature.edxml"),
            "--format",
            "json",
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_file: dict[str, set[str]] = {}
    for line in lines[:-1]:
        if line["code"].startswith("signature_"):
            by_file.setdefault(Path(line["file"]).name, set()).add(line["code"])
            # signature findings are not a verdict without trust: never errors in validate
            assert line["severity"] in ("info", "warning"), line
    assert by_file["good.edxml"] == {"signature_intact"}
    assert by_file["packet.edxml"] == {"signature_absent"}
    assert "other.xml" not in by_file
    # the namespace-less shape is edXML's to report (edxml_signature_namespace), not repeated
    assert by_file["vnpt_dummy_signature.edxml"] == {
        "signature_broken",
        "signature_legacy_c14n_uri",
        "signature_sha1",
    }


def test_validate_checks_large_attachments_and_notes_oversized_packets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attachment over the safe parser's 10 MB text bound is still checked (large-text
    form); a packet over the in-memory bound gets a note that the check did not run."""
    import base64

    from qnegov import _validate_any

    from .conftest import unsigned_packet

    big = unsigned_packet().replace(
        b"</edXML:ContentTransferEncoded>",
        base64.b64encode(bytes(8_300_000)) + b"</edXML:ContentTransferEncoded>",
        1,
    )
    path = tmp_path / "big.edxml"
    path.write_bytes(big)

    def signature_codes() -> list[tuple[str, str]]:
        main(["validate", str(path), "--format", "json"])
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [
            (line["code"], line["severity"])
            for line in lines
            if str(line.get("code", "")).startswith("signature_")
        ]

    assert signature_codes() == [("signature_absent", "info")]
    monkeypatch.setattr(_validate_any, "_STATUS_MAX_BYTES", 1 << 20)
    assert signature_codes() == [("signature_not_checked", "info")]


def test_demo_includes_the_signature_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "[signature_valid]" in out and "[signature_invalid]" in out
