"""Rules beyond XSD: the small Python API users write, and how rule modules are loaded.

A rule sees one schema-valid record at a time through :class:`Record` (field texts by
local-name path) and yields :class:`Finding` objects; the engine turns them into located
:class:`~qnegov.report.Issue` objects (file line of the field, record index, path). Three
kinds exist, all with bounded state:

- :class:`RecordRule` — any per-record check (cross-field consistency, catalogue look-ups);
  :func:`record_rule` makes one from a plain function.
- :class:`UniqueKey` — a field whose value must be unique across the file; the engine spills
  keys to disk in hash buckets instead of holding millions of them.
- :class:`FileRule` — a check of the header/trailer against file totals (record counts).

A rules module (``--rules MODULE``) is a Python module or ``.py`` file with a ``RULES`` list.
Worker processes import the same module by name, so rules need not pickle.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

from lxml import etree

from qnegov._i18n import tr
from qnegov.errors import InputError
from qnegov.report import Severity

__all__ = [
    "AnyRule",
    "FileRule",
    "Finding",
    "Record",
    "RecordRule",
    "UniqueKey",
    "load_rules_module",
    "record_rule",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found: an issue code, a message, and the field (local-name path) it is about."""

    code: str
    message: str
    field: str | None = None
    severity: Severity = Severity.ERROR


class Record:
    """Read-only view of one record for rules: field texts by local-name path.

    ``element`` is the record's lxml element, for rules that need more; it is freed after the
    batch, so rules must not keep it. Rules that list the paths they read in a ``fields``
    attribute get them prefetched for a whole batch at once (one XPath per field instead of a
    lookup per record), which is what keeps rules cheap on millions of records.
    """

    __slots__ = ("_element", "_index", "_ns", "_parent", "_values")

    def __init__(
        self,
        element: etree._Element | None = None,
        *,
        parent: etree._Element | None = None,
        index: int = 0,
        values: dict[str, str | None] | None = None,
        ns: str = "",
    ) -> None:
        self._element = element
        self._parent = parent
        self._index = index
        self._values = values
        if element is not None:
            tag = element.tag
            ns = tag[: tag.index("}") + 1] if isinstance(tag, str) and tag[:1] == "{" else ""
        self._ns = ns

    @property
    def element(self) -> etree._Element:
        """The record element (looked up on first use)."""
        if self._element is None:
            assert self._parent is not None
            self._element = self._parent[self._index]
        return self._element

    def find(self, path: str) -> etree._Element | None:
        """The element at ``path`` (local names joined by ``/``), or None."""
        return self.element.find(_qualify(self._ns, path))

    def text(self, path: str) -> str | None:
        """The text of the element at ``path``: None if absent, ``""`` if empty."""
        values = self._values
        if values is not None and path in values:
            return values[path]
        found = self.element.find(_qualify(self._ns, path))
        if found is None:
            return None
        return found.text or ""


_QUALIFIED: dict[tuple[str, str], str] = {}


def _qualify(ns: str, path: str) -> str:
    key = (ns, path)
    done = _QUALIFIED.get(key)
    if done is None:
        done = _QUALIFIED[key] = "/".join(ns + step for step in path.split("/"))
    return done


@runtime_checkable
class RecordRule(Protocol):
    """A per-record check. ``name`` appears in every issue it raises (``Issue.rule``)."""

    name: str

    def check(self, record: Record) -> Iterable[Finding]: ...


@dataclass(slots=True)
class _FunctionRule:
    name: str
    function: Callable[[Record], Iterable[Finding] | None]

    def check(self, record: Record) -> Iterable[Finding]:
        return self.function(record) or ()


def record_rule(
    name: str,
) -> Callable[[Callable[[Record], Iterable[Finding] | None]], RecordRule]:
    """Decorator: turn ``def check(record) -> Iterable[Finding]`` into a named rule."""

    def wrap(function: Callable[[Record], Iterable[Finding] | None]) -> RecordRule:
        return _FunctionRule(name, function)

    return wrap


@dataclass(frozen=True, slots=True)
class UniqueKey:
    """``field`` must not repeat across the file; later occurrences are reported."""

    name: str
    field: str
    code: str = "bulk_duplicate_key"


@runtime_checkable
class FileRule(Protocol):
    """A check of the header/trailer once every record is counted."""

    name: str

    def check_file(self, document: etree._Element, records: int) -> Iterable[Finding]: ...


AnyRule: TypeAlias = RecordRule | UniqueKey | FileRule


@dataclass(frozen=True)
class RuleSet:
    """The rules of one run, split by kind."""

    records: tuple[RecordRule, ...] = ()
    keys: tuple[UniqueKey, ...] = ()
    files: tuple[FileRule, ...] = ()
    sources: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, rules: Iterable[AnyRule], sources: Sequence[str] = ()) -> RuleSet:
        records: list[RecordRule] = []
        keys: list[UniqueKey] = []
        files: list[FileRule] = []
        for rule in rules:
            if isinstance(rule, UniqueKey):
                keys.append(rule)
            elif isinstance(rule, FileRule):
                files.append(rule)
            elif isinstance(rule, RecordRule):
                records.append(rule)
            else:
                raise TypeError(f"not a bulk rule: {rule!r}")
        return cls(tuple(records), tuple(keys), tuple(files), tuple(sources))

    def __bool__(self) -> bool:
        return bool(self.records or self.keys or self.files)


def load_rules_module(spec: str) -> list[AnyRule]:
    """The ``RULES`` list of a module given by dotted name or ``.py`` path."""
    try:
        if spec.endswith(".py") or "/" in spec:
            path = Path(spec).resolve()
            name = f"qnegov_user_rules_{abs(hash(str(path)))}"
            module = sys.modules.get(name)
            if module is None:
                loader = importlib.util.spec_from_file_location(name, path)
                if loader is None or loader.loader is None:
                    raise ImportError(spec)
                module = importlib.util.module_from_spec(loader)
                sys.modules[name] = module
                loader.loader.exec_module(module)
        else:
            module = importlib.import_module(spec)
    except (ImportError, OSError, SyntaxError) as exc:
        raise InputError(
            tr("cannot load rules module {spec}: {reason}", spec=spec, reason=exc)
        ) from exc
    rules: Any = getattr(module, "RULES", None)
    if not isinstance(rules, list | tuple):
        raise InputError(tr("rules module {spec} has no RULES list", spec=spec))
    return list(rules)


def iter_findings(rule: RecordRule, record: Record) -> Iterator[Finding]:
    """Run one rule; a rule that crashes becomes a finding instead of killing the run."""
    try:
        yield from rule.check(record)
    except Exception as exc:  # a user's bug must not stop a multi-GB run
        yield Finding(
            "bulk_rule_crashed",
            tr("rule {rule} raised {error}", rule=rule.name, error=repr(exc)),
        )
