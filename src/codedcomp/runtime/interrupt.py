"""Ctrl-C always wins: an interrupt that Python swallows is raised again.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when SIGINT arrives;
inside a weakref callback or a ``__del__`` (``WeakSet._remove`` during a run, measured) it is
reported as "Exception ignored" and *lost*, and the run goes on.  :func:`guard` installs, for the
duration of a run, a SIGINT handler that also records the interrupt; the master loop and the
trial loop call :func:`check`, which raises it again if it was swallowed.  Only in the main
thread, and only if SIGINT has Python's default handler (an application's own handler is left
alone).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_pending = threading.Event()


def _handler(signum: int, frame: Any) -> None:
    _pending.set()
    raise KeyboardInterrupt


@contextmanager
def guard() -> Iterator[None]:
    """Record SIGINTs during the block (see the module docstring)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.getsignal(signal.SIGINT)
    if old is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        _pending.clear()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGINT arrived and was swallowed."""
    if _pending.is_set():
        _pending.clear()
        raise KeyboardInterrupt
