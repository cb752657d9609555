"""Shortened soak and clean-up: no growth of processes, threads or open files; nothing left."""

from __future__ import annotations

import numpy as np
import psutil
from rt_helpers import Poly

import codedcomp


def _resources() -> tuple[int, int, int]:
    me = psutil.Process()
    return len(me.children(recursive=True)), me.num_threads(), me.num_fds()


def test_fifty_runs_on_local_do_not_grow_resources() -> None:
    from codedcomp.runtime.backends.local import LocalBackend

    be = LocalBackend(processes=2)
    try:
        codedcomp.run(Poly(16), scheme="lt:r=1", backend=be, delay="exp:rate=500", seed=0)
        before = _resources()
        for k in range(50):
            res = codedcomp.run(
                Poly(16), scheme="lt:r=1", backend=be, delay="exp:rate=500", tau=0.0002, seed=k
            )
            # a failure must be one the simulator predicts for the same plan (LT, small m)
            assert res.failures == 0 or not np.isfinite(res.predicted[0])
        after = _resources()
        assert after == before
        hosts = [psutil.Process(p) for p in be.pids()]
    finally:
        be.shutdown()
    assert not any(h.is_running() and h.status() != psutil.STATUS_ZOMBIE for h in hosts)
    assert _resources()[0] == before[0] - 2  # its two hosts are gone, nothing else


def test_shared_backends_shut_down_leave_no_child() -> None:
    from codedcomp.runtime import backend, shutdown

    base = {p.pid for p in psutil.Process().children(recursive=True)}
    codedcomp.run(Poly(4), scheme="uncoded", backend="local:processes=2", seed=0)
    assert len(backend("local:processes=2").pids()) == 2
    shutdown()
    left = {p.pid for p in psutil.Process().children(recursive=True)} - base
    assert not left
