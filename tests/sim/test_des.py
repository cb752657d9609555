"""The event-driven simulator drives the same Policy objects as a real run; the static
schemes' vectorised shortcuts must give *identical* latencies through it (issue: one core)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import codedcomp
from codedcomp.core import Actions, Event, JobContext, Policy, StaticPolicy, Task
from codedcomp.sim.des import Service, simulate_job

STATIC = [
    "one",
    "uncoded",
    "rep:r=2",
    "rep:r=3",
    "bcc:d=4",
    "lt:r=1",
    "lt:r=2",
    "lt:r=1,me=90",
    "sr:d=3",
    "sr:d=2,k=4",
    "ideal",
    # paper 004's matrix-multiplication codes (read as matmul codes: the sums family lacks them)
    "matdot:m=4",
    "polynomial:x=2,y=3",
    "approx-matdot:m=4",
    "mds:k=8,points=chebyshev",
    "optimized:m=2,k=3,iterations=200,restarts=1",
]


@pytest.mark.parametrize("spec", STATIC)
@pytest.mark.parametrize(("m", "workers"), [(30, 30), (40, 13)])
@pytest.mark.parametrize("delay", ["exp:rate=0.2", "pareto:scale=1,shape=1"])
def test_every_static_scheme_is_identical_through_events_and_shortcut(
    spec: str, m: int, workers: int, delay: str
) -> None:
    kw = dict(m=m, workers=workers, tau=0.005, delay=delay, trials=12, seed=7)
    short = codedcomp.simulate([spec], **kw).results[0]  # type: ignore[arg-type]
    events = codedcomp.simulate([spec], path="events", **kw).results[0]  # type: ignore[arg-type]
    np.testing.assert_array_equal(events.latency, short.latency)  # bit for bit
    np.testing.assert_array_equal(events.received, short.received)
    for a, b in zip(short.work, events.work, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.launched, a.cancelled, a.copies) == (b.launched, b.cancelled, b.copies)
            assert a.units == pytest.approx(b.units, rel=1e-12)
            assert a.busy == pytest.approx(b.busy, rel=1e-12)


class _Script(Policy):
    """Worker 0 gets tasks 0 and 1 (cost 2 each), worker 1 task 2 (cost 1); at t = 1 the
    policy cancels task 0 (running) and task 2 (never started: worker 1 starts at 5)."""

    label = "script"

    def __init__(self) -> None:
        self.seen: list[int] = []
        self._wake: float | None = 1.0

    def initial(self) -> Actions:
        return Actions({0: [Task(0, None, 2.0), Task(1, None, 2.0)], 1: [Task(2, None, 1.0)]})

    @property
    def wake_at(self) -> float | None:
        return self._wake

    def on_time(self, now: float) -> Actions:
        self._wake = None
        return Actions(cancel=[0, 2])

    def on_event(self, event: Event, now: float) -> Actions | None:
        if event.kind == "result":
            self.seen.append(event.task)
        return None

    @property
    def ready(self) -> bool:
        return self.seen == [1]

    @property
    def received(self) -> int:
        return len(self.seen)

    def missing(self) -> str:
        return "task 1"

    def result(self) -> None:
        return None

    @property
    def units(self) -> float:
        return 2.0

    def planned_tasks(self) -> list[int]:
        return [2, 1]


def test_cancelling_a_running_task_frees_its_worker_at_once() -> None:
    pol = _Script()
    out = simulate_job(pol, np.array([0.0, 5.0]), 1.0)
    # task 0 ran [0, 1) and was stopped; task 1 then ran [1, 3); task 2 never began
    assert out.latency == pytest.approx(3.0) and pol.seen == [1]
    assert out.work is not None
    assert out.work.launched == 2 and out.work.cancelled == 1
    assert out.work.units == pytest.approx(1.0 + 2.0)  # half of task 0, all of task 1
    assert out.work.busy == pytest.approx(3.0)
    assert out.job is not None and out.job.state == {0: "cancelled", 1: "done", 2: "cancelled"}


def test_a_result_of_a_cancelled_task_never_reaches_the_policy() -> None:
    from codedcomp.core import Job

    pol = _Script()
    job = Job(pol, 2, check_values=False)
    job.begin()
    job.tick(1.0)  # cancels 0 and 2
    assert not job.deliver(Event("result", 0, 0, 1.5, None), 1.5)
    assert pol.seen == [] and job.after_cancel == [(0, 1.5)]
    job.deliver(Event("result", 0, 1, 3.0, None), 3.0)
    job.deliver(Event("result", 0, 1, 3.1, None), 3.1)  # a duplicate is not delivered twice
    assert pol.seen == [1]


def test_service_times_are_a_function_of_unit_and_launch_only() -> None:
    model = codedcomp.delay("exp:rate=1")
    a, b = Service(model, 42), Service(model, 42)
    draws = [a(u, c) for u in range(5) for c in range(3)]
    assert draws == [b(u, c) for u in range(5) for c in range(3)]  # same order
    assert draws[::-1] == [b(u, c) for u in reversed(range(5)) for c in reversed(range(3))]
    assert len(set(draws)) == len(draws) and all(d > 0 for d in draws)
    assert Service(model, 43)(0, 0) != a(0, 0)


def test_service_model_lets_a_copy_finish_first() -> None:
    """With per-task service times a hedge helps even once every worker has started: under the
    papers' model (no service times, X = 0) hedging can only add work."""
    kw = dict(m=64, tau=0.01, delay="none", trials=20, seed=3)
    plain = codedcomp.simulate(["uncoded", "hedge:after=p90"], **kw)  # type: ignore[arg-type]
    assert plain["hedge:after=p90"].latency == pytest.approx(plain["uncoded"].latency)
    svc = codedcomp.simulate(
        ["uncoded", "hedge:after=p90"], service="pareto:scale=0.01,shape=1", **kw
    )  # type: ignore[arg-type]
    assert svc["hedge:after=p90"].latency.mean() < 0.5 * svc["uncoded"].latency.mean()
    assert all(w is not None and w.copies > 0 for w in svc["hedge:after=p90"].work)


def test_a_queue_refilled_at_the_instant_it_ran_dry_never_paused() -> None:
    """ideal's pull queue hands one unit at a time; its completions are X_j + τ·b exactly."""
    from codedcomp.core import PullPolicy

    x = np.array([0.3, 0.0])
    out = simulate_job(PullPolicy(7, 2, depth=1), x, 0.1)
    from codedcomp.codes.sums.ideal import mth_unit_time

    assert out.latency == float(mth_unit_time(x[None, :], 0.1, 7)[0])


def test_static_policy_in_the_simulator_uses_the_plan_streams() -> None:
    s = codedcomp.scheme("lt:r=1")
    ctx = JobContext(m=50, workers=50, tau=0.005)
    rng = np.random.default_rng(1)
    pol = s.policy(ctx, rng)
    assert isinstance(pol, StaticPolicy)
    out = simulate_job(pol, np.random.default_rng(2).exponential(5, 50), 0.005)
    assert math.isfinite(out.latency) and out.received >= 50
