"""Every executable scheme returns F(x) to 1e-9 on the thread and local backends."""

from __future__ import annotations

import numpy as np
import pytest
from rt_helpers import Poly

import codedcomp

SPECS = [
    "one",
    "uncoded",
    "rep:r=2",
    "bcc:d=2",
    "lt:r=1",
    "lt:r=2",
    "sr:d=2",
    "sr:d=2,k=4",
    "ideal",
]


@pytest.mark.parametrize("spec", SPECS)
def test_every_scheme_decodes_exactly(spec: str, any_backend: object) -> None:
    wl = Poly(m=12)
    res = codedcomp.run(
        wl,
        scheme=spec,
        backend=any_backend,
        workers=12,
        delay="exp:rate=200",
        tau=0.0005,
        trials=2,
        seed=3,
        timeout=20,
        on_error="record",
    )
    # A random plan may be undecodable even with every result (BCC: a batch nobody picked; LT:
    # about 0.5 % of plans at k = 12).  The simulator knows which, from the same plan: every
    # trial it predicts decodable must decode, and every other must fail, saying so.
    for t, e in enumerate(res.errors):
        if np.isfinite(res.predicted[t]):
            assert e is None, e
        else:
            assert e is not None and "cannot decode" in e
    ok = np.isfinite(res.relative_errors)
    assert ok.any()
    assert np.all(res.relative_errors[ok] <= 1e-9)
    for t, trace in enumerate(res.traces):
        if trace.decoded:
            assert trace.latency is not None and trace.latency > 0
            assert res.values[t] is not None and np.shape(res.values[t]) == (wl.dim,)


def test_function_list_and_fewer_workers(thread_backend: object) -> None:
    fs = [lambda x, i=i: np.sin(x + i) for i in range(10)]
    x = np.linspace(0, 1, 4)
    res = codedcomp.run(fs, x, scheme="rep:r=2", backend=thread_backend, workers=4, seed=1)
    np.testing.assert_allclose(res.value, sum(np.sin(x + i) for i in range(10)), rtol=1e-12)


def test_lambdas_ship_to_local_processes(local_backend: object) -> None:
    fs = [lambda x, i=i: x * i for i in range(6)]
    res = codedcomp.run(fs, 2.0, scheme="uncoded", backend=local_backend, seed=0)
    assert float(res.value) == pytest.approx(30.0)


def test_many_logical_workers_with_injected_delays(local_backend: object) -> None:
    wl = Poly(m=120)
    res = codedcomp.run(
        wl,
        scheme=["uncoded", "lt:r=1"],
        backend=local_backend,
        workers=120,
        delay="exp:rate=20",
        tau=0.001,
        seed=5,
        timeout=30,
    )
    for r in res.results:
        assert r.failures == 0 and r.relative_errors.max() <= 1e-9
        # measured within a few ms of the simulator's prediction on the same delays and plan
        assert abs(r.latencies[0] - r.predicted[0]) < 0.05


@pytest.mark.parametrize(
    "spec", ["uncoded", "rep:r=2", "bcc:d=3", "lt:r=1", "sr:d=3", "sr:d=2,k=4"]
)
@pytest.mark.parametrize("m,workers", [(30, 30), (30, 7)])
def test_initial_queues_are_the_plans_tasks(spec: str, m: int, workers: int) -> None:
    """The vectorised queues equal ``plan.worker_tasks`` (lazy plans sampled the same way)."""
    from codedcomp.codes.sums import scheme
    from codedcomp.core import StaticPolicy

    s = scheme(spec)
    fast = StaticPolicy(s, s.plan(m, workers, np.random.default_rng(7))).initial().submit
    ref = s.plan(m, workers, np.random.default_rng(7))
    for j in range(workers):
        want = ref.worker_tasks(j)
        lo = int(ref.worker_ptr[j])
        assert [t.id for t in fast[j]] == list(range(lo, lo + len(want)))
        assert [t.cost for t in fast[j]] == [float(c) for c in ref.cost[lo : lo + len(want)]]
        for got, exp in zip(fast[j], want, strict=True):
            np.testing.assert_array_equal(got.payload, exp)
