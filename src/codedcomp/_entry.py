"""The ``codedcomp`` console script: Ctrl-C wins from the first instant.

The script imports only this module (``import codedcomp`` imports nothing: its public names load
on first use), so an interrupt while numpy, typer or the commands are being imported prints one
line and exits 130 instead of a traceback.  CPython sometimes re-raises an interrupt as another
exception — a ``KeyboardInterrupt`` inside a class body's ``__set_name__`` (dataclasses) becomes
a ``RuntimeError`` whose cause is the interrupt — so any exception with an interrupt in its chain
counts as the interrupt it is (``benchmarks/bench_sigint.py`` found one).
"""

from __future__ import annotations

import sys


def _from_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was caused by (``__cause__`` / ``__context__``), a Ctrl-C."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _interrupted() -> None:
    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None


def main() -> None:
    try:
        from .cli import main as cli_main
    except BaseException as e:
        if _from_interrupt(e):
            _interrupted()
        raise
    try:
        cli_main()
    except SystemExit:
        raise
    except BaseException as e:
        if _from_interrupt(e):
            _interrupted()
        raise
