"""Developer sessions: tests, lint, typecheck, bench (``nox -s NAME``)."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

BENCHMARKS = sorted(p.name for p in Path("benchmarks").glob("*.py") if not p.name.startswith("_"))


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole test suite, as the README and CI run it."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff lint and format check over everything."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src/qnegov")


@nox.session(python="3.11")
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the security-critical modules: ``nox -s mutants -- GROUP``.

    Groups: codes, strict, attachments, xml, hub, signing (default: all, which takes long; see
    docs/mutation.md). Fails when a group kills fewer than 90% of its mutants.
    """
    session.install("-e", ".[dev]")
    session.run("python", "scripts/mutants.py", *session.posargs)


@nox.session(python="3.11")
def fuzz(session: nox.Session) -> None:
    """The hypothesis fuzz harness twenty times longer, on fresh random cases (not the CI set);
    failing inputs are written to fuzz-crashes/ for tests/corpus/fuzz/."""
    session.install("-e", ".[dev]")
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/fuzz",
        "-q",
        *session.posargs,
        env={"QNEGOV_FUZZ": "long", "QNEGOV_FUZZ_SAVE": "fuzz-crashes"},
    )


@nox.session(python="3.11")
def atheris(session: nox.Session) -> None:
    """Coverage-guided fuzzing (atheris, libFuzzer) of the parser-facing functions, seeded with
    a scratch copy of the corpus; libFuzzer options after ``--`` (default: 10 minutes)."""
    import shutil

    session.install("-e", ".[dev,fuzz]")
    scratch = Path(session.create_tmp()) / "atheris-corpus"
    scratch.mkdir(exist_ok=True)
    for folder in ("qcvn102", "edxml", "hostile", "fuzz"):
        for seed in Path("tests/corpus", folder).iterdir():
            if seed.suffix in (".edxml", ".xml") and seed.stat().st_size < 64_000:
                shutil.copy(seed, scratch / f"{folder}-{seed.name}")
    options = session.posargs or ["-max_total_time=600", "-rss_limit_mb=2048"]
    session.run("python", "tests/fuzz/atheris_parsers.py", str(scratch), *options)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Every benchmark under benchmarks/ (or the ones named after ``--``), each printing a table."""
    session.install("-e", ".[dev,bench]")
    for name in session.posargs or BENCHMARKS:
        session.run("python", f"benchmarks/{name}")


@nox.session(python="3.11")
def soundness(session: nox.Session) -> None:
    """The bulk fast path's soundness property test at full strength (20 000 cases per schema
    by default; ``nox -s soundness -- 50000`` for more)."""
    session.install("-e", ".[dev]")
    examples = session.posargs[0] if session.posargs else "20000"
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/bulk/test_fast_soundness.py",
        "-k",
        "never_accepts",
        env={"QNEGOV_SOUNDNESS_EXAMPLES": examples},
    )
