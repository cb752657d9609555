"""Shared fixtures of the runtime tests.

The ``local`` backend's host processes unpickle workloads by reference, so the helper workloads
live in a plain module (``rt_helpers``) that this directory, put on ``sys.path`` here, makes
importable in the hosts too (they receive the master's ``sys.path``).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_reaches_us() -> Iterator[None]:
    """Ctrl-C as a terminal delivers it, however pytest was started: a shell runs a background
    job (``cmd &`` without job control) with SIGINT ignored, and children inherit that (Python
    then never raises ``KeyboardInterrupt``), so the Ctrl-C tests would test nothing."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # reset to default on exec
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="session")
def local_backend() -> Iterator[object]:
    from codedcomp.runtime.backends.local import LocalBackend

    be = LocalBackend(processes=2)
    yield be
    be.shutdown()


@pytest.fixture(scope="session")
def thread_backend() -> Iterator[object]:
    from codedcomp.runtime.backends.thread import ThreadBackend

    be = ThreadBackend(threads=2)
    yield be
    be.shutdown()


@pytest.fixture(params=["thread", "local"])
def any_backend(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(f"{request.param}_backend")
