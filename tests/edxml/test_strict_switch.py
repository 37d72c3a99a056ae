"""The strict-mode switch of edXML reading: deviations become errors, nothing else changes."""

from __future__ import annotations

import pytest

from qnegov.edxml._issues import escalate
from qnegov.report import Severity


@pytest.mark.parametrize("severity", list(Severity))
def test_lenient_mode_keeps_every_severity(severity: Severity) -> None:
    assert escalate(severity, False) is severity


@pytest.mark.parametrize("severity", list(Severity))
def test_strict_mode_turns_only_warnings_into_errors(severity: Severity) -> None:
    expected = Severity.ERROR if severity is Severity.WARNING else severity
    assert escalate(severity, True) is expected
