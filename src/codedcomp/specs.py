"""One parser for every spec string of DESIGN.md: ``name``, ``name:key=value,...``, ``trace:PATH``.

A :class:`Registry` maps names to factories with declared parameters.  Parsing checks the name,
the keys, the types and the ranges, and fails with one line that lists what is valid, e.g.
``unknown scheme 'nosuch'; valid: bcc, ideal, lt, one, rep, sr, uncoded`` or
``scheme 'sr': unknown key 'nokey'; valid keys: d, k``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_REQUIRED = object()
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
MAX_INT = 10**12  # integer parameters beyond this overflow numpy's int64 arithmetic somewhere


@dataclass(frozen=True)
class Param:
    """A declared spec parameter: its type, default and the range it must lie in."""

    name: str
    kind: type = float
    default: Any = _REQUIRED
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: value must be > low (else >= low)
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def upper(self) -> float | None:
        """The upper bound: declared, else :data:`MAX_INT` for integers."""
        if self.high is None and self.kind is int:
            return MAX_INT
        return self.high

    def constraint(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {_fmt(self.low)}")
        if self.upper is not None:
            parts.append(f"<= {_fmt(self.upper)}")
        kind = {int: "an integer", float: "a number", str: "a string"}[self.kind]
        return kind + (" " + " and ".join(parts) if parts else "")

    def convert(self, owner: str, text: str) -> Any:
        """``text`` as this parameter's kind: ASCII digits only (no ``1_0``, no full-width
        digits), floats finite."""
        try:
            if self.kind is int:
                if not _INT.fullmatch(text):
                    raise ValueError
                value: Any = int(text)
            elif self.kind is float:
                if not _FLOAT.fullmatch(text):
                    raise ValueError
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError
            else:
                if not text.isprintable() or not text:
                    raise ValueError
                value = text
        except ValueError:
            raise ValueError(f"{owner}: {self.name}={text!r} must be {self.constraint()}") from None
        self.check(owner, value)
        return value

    def check(self, owner: str, value: Any) -> None:
        if self.kind is str:
            return
        bad = (
            self.low is not None and (value <= self.low if self.low_open else value < self.low)
        ) or (self.upper is not None and value > self.upper)
        if bad:
            raise ValueError(f"{owner}: {self.name}={_fmt(value)} must be {self.constraint()}")


def _fmt(x: Any) -> str:
    if x == MAX_INT:
        return "1e12"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


@dataclass
class Entry(Generic[T]):
    name: str
    factory: Callable[..., T]
    params: tuple[Param, ...] = ()
    positional: str | None = None  # e.g. "path" for trace:PATH
    summary: str = ""


@dataclass
class Registry(Generic[T]):
    """Named factories of one kind ("scheme", "delay", ...)."""

    kind: str
    entries: dict[str, Entry[T]] = field(default_factory=dict)

    def register(
        self,
        name: str,
        factory: Callable[..., T],
        params: tuple[Param, ...] = (),
        *,
        positional: str | None = None,
        summary: str = "",
    ) -> None:
        self.entries[name] = Entry(name, factory, params, positional, summary)

    def names(self) -> list[str]:
        return sorted(self.entries)

    def parse_args(self, spec: str) -> tuple[Entry[T], dict[str, Any]]:
        """Split and validate ``spec`` strictly; return its entry and keyword arguments.

        The grammar is ``name`` or ``name:key=value,key=value`` with no spaces, no empty items
        and no trailing ``:`` or ``,`` (``trace:PATH`` takes the rest verbatim); surrounding
        whitespace of the whole spec is ignored.  Anything else fails with one line.
        """
        if not isinstance(spec, str) or not spec.strip():
            raise ValueError(f"empty {self.kind} spec; valid: {', '.join(self.names())}")
        spec = spec.strip()
        name, colon, rest = spec.partition(":")
        entry = self.entries.get(name)
        if entry is None:
            raise ValueError(f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}")
        owner = f"{self.kind} {name!r}"
        if entry.positional is not None:
            if not rest:
                raise ValueError(
                    f"{owner}: missing {entry.positional} (write {name}:{entry.positional.upper()})"
                )
            return entry, {entry.positional: rest}
        valid = {p.name: p for p in entry.params}
        keys = ", ".join(valid) if valid else "(none)"
        kwargs: dict[str, Any] = {}
        if colon and not rest:
            raise ValueError(f"{owner}: nothing after ':' (write {name} or {name}:key=value)")
        for item in rest.split(",") if rest else ():
            if not item:
                raise ValueError(f"{owner}: empty item in {spec!r} (a stray ',')")
            if item != item.strip() or " " in item:
                raise ValueError(f"{owner}: no spaces in a spec: {item!r}")
            key, eq, text = item.partition("=")
            if key not in valid:
                raise ValueError(f"{owner}: unknown key {key!r}; valid keys: {keys}")
            if not eq or not text:
                raise ValueError(f"{owner}: key {key!r} needs a value ({key}=...)")
            if key in kwargs:
                raise ValueError(f"{owner}: key {key!r} given twice")
            kwargs[key] = valid[key].convert(owner, text)
        for p in entry.params:
            if p.name not in kwargs:
                if p.required:
                    raise ValueError(
                        f"{owner}: missing {p.name} ({p.constraint()}); valid keys: {keys}"
                    )
                kwargs[p.name] = p.default
        return entry, kwargs

    def create(self, spec: str) -> T:
        entry, kwargs = self.parse_args(spec)
        obj = entry.factory(**kwargs)
        try:
            obj.spec = spec.strip()  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - frozen objects keep their own spec
            pass
        return obj
