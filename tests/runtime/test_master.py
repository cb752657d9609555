"""The master's measurement: latency is when a decodable set had *arrived* (papers 000/001 Def. 1).

Checking ``ready`` may be slow (SR's dense solve at m = 1000 takes 15-50 ms); neither that nor
how often the master checks may leak into the measured latency or the decode point.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest
from rt_helpers import Poly

from codedcomp.codes.sums import scheme
from codedcomp.core import StaticPolicy
from codedcomp.runtime.engine import Engine
from codedcomp.runtime.master import execute
from codedcomp.sim.oneshot import simulate_trial

M = 16


class SlowReady(StaticPolicy):
    """A decoder whose ``ready`` check costs ``cost`` seconds of the master's time."""

    def __init__(self, *args: object, cost: float) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.cost = cost
        self.checks = 0

    @property
    def ready(self) -> bool:
        self.checks += 1
        time.sleep(self.cost)
        return bool(self.decoder.ready)


@pytest.mark.parametrize("spec", ["uncoded", "lt:r=1", "sr:d=3"])
def test_slow_ready_checks_do_not_inflate_latency(spec: str, any_backend: object) -> None:
    s = scheme(spec)
    # a result every ~5-10 ms, no ties in finish times; each check costs 40 ms
    delays = np.sort(np.random.default_rng(1).uniform(0.0, 0.15, M))
    plan = s.plan(M, M, np.random.default_rng(2))
    pred, pred_rec = simulate_trial(s, m=M, tau=0.002, x=delays, rng=np.random.default_rng(2))
    policy = SlowReady(s, plan, cost=0.04)
    x = np.arange(3.0)
    ex = execute(
        policy, backend=any_backend, workload=Poly(M), x=x, delays=delays, tau=0.002, timeout=20
    )
    assert ex.error is None
    np.testing.assert_allclose(ex.value, Poly(M).exact(x), rtol=1e-9)
    tr = ex.trace
    assert tr.latency == pytest.approx(pred, abs=0.015)  # was: + one 40 ms check per event
    assert abs(tr.received - pred_rec) <= 1  # smallest decodable prefix (± timing-noise order)
    assert tr.detected is not None and tr.detected >= tr.latency
    fed = [t for w in tr.workers for t in w.tasks if not t.get("late")]
    assert len(fed) == tr.received
    assert max(t["arrived"] for t in fed) == pytest.approx(tr.latency)


def test_engine_acknowledges_a_job_once_armed() -> None:
    sent: list[tuple[object, ...]] = []
    engine = Engine(sent.append, ack=True)
    engine.handle(("load", "k", Poly(2)))
    task = (0, np.array([0]), 1.0, 0.0)
    engine.handle(("job", "j1", 0.0, "k", np.zeros(3), None, [(0, 0.0, [task], None)]))
    assert sent == [("armed", "j1", None)]  # no thread stuck in a hung call
    silent: list[tuple[object, ...]] = []
    Engine(silent.append).handle(("job", "j2", 0.0, "k", None, None, []))
    assert silent == []  # ray's hosts do not use the ack


def _const(i: int, x: object) -> float:
    return float(i)


def test_job_that_ends_below_n_rows_gets_an_exact_final_check() -> None:
    """SR above EXACT_READY_LIMIT defers dense solves below n rows; when every worker has
    finished or crashed with a decodable (non-generic) set in hand, the run must decode."""
    from codedcomp.codes.sums.sr import SR
    from codedcomp.core import StaticPolicy
    from codedcomp.runtime.backends.base import Fault
    from codedcomp.runtime.backends.thread import ThreadBackend
    from codedcomp.runtime.master import execute
    from codedcomp.workloads.base import FunctionList

    n = 300
    s = SR(d=3)
    plan = s.plan(n, n, np.random.default_rng(0))
    abc = plan.support(int(plan.worker_ptr[0] + 1)).tolist()
    faults = {j: Fault("crash", 0) for j in abc}  # worker 0's first parity is the only cover
    for j in range(n):
        if j not in abc:
            faults[j] = Fault("crash", 1)  # everyone else: systematic symbol, then dead
    faults[0] = Fault("crash", 2)  # worker 0: systematic, first parity, then dead
    wl = FunctionList([functools.partial(_const, i) for i in range(n)])
    delays = np.random.default_rng(1).uniform(0, 0.002, n)
    delays[0] = 0.0
    backend = ThreadBackend(threads=2)
    try:
        ex = execute(
            StaticPolicy(s, plan),
            backend=backend,
            workload=wl,
            x=None,
            delays=delays,
            tau=0.005,
            faults=faults,
            timeout=20,
        )
    finally:
        backend.shutdown()
    assert ex.error is None, ex.error
    assert float(ex.value) == pytest.approx(n * (n - 1) / 2)
    assert ex.trace.received == n - 2
