"""``--format html``: a self-contained page, checked as text and rendered in headless Chromium.

The browser tests skip only when no Chromium is installed and ``QNEGOV_REQUIRE_EXTERNAL`` is
unset (CI sets it, and ``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qnegov._html import MAX_ROWS, render_html
from qnegov.cli import main
from qnegov.report import Issue, Report, Severity

CORPUS = Path(__file__).parent / "corpus"


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("QNEGOV_REQUIRE_EXTERNAL"):
        pytest.fail("chromium is required here (QNEGOV_REQUIRE_EXTERNAL is set) but missing")
    pytest.skip("no chromium installed")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    """A report of a register with seeded errors plus an edXML packet, written as HTML."""
    from qnegov import validate
    from qnegov.bulk import generate

    folder = tmp_path_factory.mktemp("html")
    register = folder / "citizens.xml"
    generate(register, records=600, error_rate=0.1, seed=11)
    packet = CORPUS / "edxml" / "document-id-mismatch.edxml"
    out = io.StringIO()
    sys_stdout = sys.stdout
    sys.stdout = out
    try:
        code = main(["validate", "--format", "html", str(register), str(packet)])
    finally:
        sys.stdout = sys_stdout
    assert code == 1
    path = folder / "report.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, validate([register, packet])


def _visible_rows(dom: str) -> list[str]:
    body = dom.split('<table id="issues">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr [^>]*>", body)
    return [r for r in rows if "hidden" not in r]


def test_page_is_self_contained_and_complete(page: tuple[Path, Report]) -> None:
    path, report = page
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "<script>" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert "@import" not in html and "url(" not in html
    assert '<svg id="chart"' in html and 'class="strip"' in html
    for code, count in report.by_code.items():
        assert f'data-code="{code}"' in html
        assert f"<title>{code}: {count}</title>" in html
    assert len(_visible_rows(html)) == sum(report.by_code.values())
    assert f">{report.error_count}</b><span>errors" in html
    assert report.record_count == 600  # the register's records; the packet has none
    assert ">600</b><span>records checked" in html


@pytest.mark.slow
def test_chromium_renders_chart_table_and_filter(page: tuple[Path, Report], tmp_path: Path) -> None:
    path, report = page
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, "--window-size=1200,1400", f"--screenshot={shot}", path.as_uri())
    assert shot.is_file(), done.stderr
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a drawn page, not a blank one

    # after the page's script ran: the chart is there and every issue is a row
    done = _chromium(tmp_path, "--dump-dom", path.as_uri())
    dom = done.stdout
    assert '<svg id="chart"' in dom and dom.count('class="bar"') == len(report.by_code)
    assert ">600</b><span>records checked" in dom
    assert len(_visible_rows(dom)) == sum(report.by_code.values())

    # the filter, read from the address (#q=...), hides every other row
    code, count = next((c, n) for c, n in report.by_code.most_common() if n > 1)
    done = _chromium(tmp_path, "--dump-dom", path.as_uri() + f"#q={code}")
    visible = _visible_rows(done.stdout)
    assert len(visible) == count
    assert all(f'data-code="{code}"' in row for row in visible)
    assert f'<span id="shown">{count}</span>' in done.stdout

    done = _chromium(tmp_path, "--dump-dom", path.as_uri() + "#severity=warning&sort=1&dir=desc")
    visible = _visible_rows(done.stdout)
    assert len(visible) == report.warning_count
    assert 'data-dir="desc"' in done.stdout


def test_hostile_messages_are_text_not_markup() -> None:
    report = Report(files=["<evil>.xml"])
    report.add(Issue("xml_syntax", Severity.ERROR, "<script>alert(1)</script>", file="<evil>.xml"))
    html = render_html(report.finish())
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hundred_thousand_issues_make_a_small_page_with_full_counts() -> None:
    report = Report(keep_issues=True)
    report.files.append("big.xml")
    codes = ("bulk_schema", "bulk_duplicate_key", "bulk_unit_unknown")
    for n in range(100_000):
        report.add(
            Issue(
                codes[n % 3], Severity.ERROR, f"value {n} is wrong", file="big.xml", line=n * 7 + 3
            )
        )
    start = time.perf_counter()
    html = render_html(report.finish())
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    assert len(html) < 1_500_000
    assert len(_visible_rows(html)) == MAX_ROWS
    assert 'id="total">100000<' in html and 'id="capped"' in html
    assert "<title>bulk_schema: 33334</title>" in html


def test_vietnamese_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--lang",
                "vi",
                "validate",
                "--format",
                "html",
                str(CORPUS / "hostile" / "xxe_local_file.xml"),
            ]
        )
        == 3
    )
    html = capsys.readouterr().out
    assert '<html lang="vi">' in html and "Báo cáo kiểm tra" in html


def test_every_report_command_offers_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "mst.csv"
    csv.write_text("mst\n0100109106\n0100109107\n", encoding="utf-8")
    assert (
        main(["codes", "check", str(csv), "--column", "mst", "--kind", "tax", "--format", "html"])
        == 1
    )
    html = capsys.readouterr().out
    assert html.startswith("<!DOCTYPE html>") and "code_check_digit" in html
    assert main(["codes", "explain", "0100109107", "--format", "html"]) == 1
    assert "code_check_digit" in capsys.readouterr().out


def test_missing_jinja2_is_said_plainly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qnegov import _html

    _html._template.cache_clear()
    monkeypatch.setitem(sys.modules, "jinja2", None)
    try:
        code = main(["validate", "--format", "html", str(CORPUS / "edxml" / "clean.edxml")])
    finally:
        _html._template.cache_clear()
    assert code != 0
    err = capsys.readouterr().err
    assert "pip install 'qnegov[html]'" in err and "Traceback" not in err


def test_demo_refuses_html(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--format", "html"]) == 2
    assert "not html" in capsys.readouterr().err
