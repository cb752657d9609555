"""Speculative execution and hedged requests: their rules, their specs, and the properties every
policy of the core keeps (never decode from a cancelled task; a unit counted once; every task
launched ends finished, cancelled or lost)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import codedcomp
from codedcomp.core import Job, JobContext
from codedcomp.sim.des import Simulation, simulate_job


def _policy(spec: str, m: int, workers: int, tau: float, delay: str | None = None):  # type: ignore[no-untyped-def]
    ctx = JobContext(
        m=m, workers=workers, tau=tau, delay=None if delay is None else codedcomp.delay(delay)
    )
    return codedcomp.scheme(spec).policy(ctx, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("hedge:after=p150", r"after='p150' must be a percentile pXX with 0 < XX < 100"),
        ("hedge:after=p0", r"after='p0' must be a percentile"),
        ("hedge:after=-1", r"after='-1' must be .* a number of seconds > 0"),
        ("hedge:after=soon", r"after='soon' must be"),
        ("hedge", r"scheme 'hedge': missing after"),
        ("hedge:after=p95,copies=1", r"copies=1 must be an integer >= 2"),
        ("speculate:quantile=2", r"quantile=2 must be a number > 0 and <= 1"),
        ("speculate:multiplier=0.5", r"multiplier=0.5 must be a number >= 1"),
        ("speculate:interval=0", r"interval=0 must be a number > 0"),
        ("speculate:nokey=1", r"unknown key 'nokey'; valid keys: quantile, multiplier"),
    ],
)
def test_bad_policy_specs_fail_with_one_line(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        codedcomp.scheme(spec)
    assert "\n" not in str(info.value)


def test_cli_bad_policy_spec_is_one_line_exit_2() -> None:
    from typer.testing import CliRunner

    from codedcomp.cli import app

    res = CliRunner().invoke(app, ["simulate", "hedge:after=p150", "--m", "10", "--trials", "2"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "after='p150'" in res.output


def test_hedge_launches_a_copy_after_the_delay_and_the_first_reply_wins() -> None:
    # four workers, one task each (cost 1, τ = 1): worker 3 starts at 100; the others are done
    # at 1 and idle, so at t = 2.5 a copy of unit 3 goes to one of them and is done at 3.5
    pol = _policy("hedge:after=2.5", 4, 4, 1.0)
    sim = Simulation(pol, np.array([0.0, 0.0, 0.0, 100.0]), 1.0)
    out = sim.run()
    assert out.latency == pytest.approx(3.5)
    assert out.work is not None and out.work.copies == 1
    assert out.work.launched == 4 and out.work.cancelled == 0  # the original never began
    job = sim.job
    assert job.state[3] == "cancelled"  # the loser, cancelled while still queued
    (copy,) = [t for t in job.task.values() if t.origin == 3]
    assert job.state[copy.id] == "done" and job.worker[copy.id] != 3


def test_hedge_copies_wait_for_an_idle_worker() -> None:
    # only worker 0 is fast: at t = 2 units 1 and 2 both want a copy; worker 0 runs one, then
    # the other (a copy is never queued behind other work): done at 3 and 4
    pol = _policy("hedge:after=2,copies=3", 3, 3, 1.0)
    out = simulate_job(pol, np.array([0.0, 50.0, 60.0]), 1.0)
    assert out.latency == pytest.approx(4.0)
    assert out.work is not None and out.work.copies == 2 and out.work.launched == 3


def test_hedge_p95_is_the_task_time_quantile_of_the_model() -> None:
    pol = _policy("hedge:after=p95", 100, 50, 0.01, delay="exp:rate=2")
    # one task = 2 units: X + 0.02, X ~ Exp(2): p95 = -ln(0.05)/2 + 0.02
    assert pol.after == pytest.approx(-np.log(0.05) / 2 + 0.02)


def test_speculation_follows_sparks_rule() -> None:
    # quantile 0.5 of 4 tasks = 2 finished; median duration 1; threshold max(1.5·1, 0) = 1.5;
    # checks at t = 1, 2, ...: at t = 1 unit 3 ran 1 <= 1.5, at t = 2 it ran 2 > 1.5: a copy
    pol = _policy("speculate:quantile=0.5,multiplier=1.5,interval=1,min_runtime=0", 4, 4, 1.0)
    out = simulate_job(pol, np.array([0.0, 0.0, 0.0, 10.0]), 1.0)
    assert out.latency == pytest.approx(3.0)
    assert out.work is not None and out.work.copies == 1


def test_speculation_waits_for_the_quantile_and_min_runtime() -> None:
    pol = _policy("speculate:quantile=1,multiplier=1,interval=1,min_runtime=0", 4, 4, 1.0)
    out = simulate_job(pol, np.array([0.0, 0.0, 0.0, 10.0]), 1.0)
    assert out.latency == pytest.approx(11.0)  # 3 of 4 finished < quantile 1: never speculates
    assert out.work is not None and out.work.copies == 0
    pol = _policy("speculate:quantile=0.5,multiplier=1,interval=1,min_runtime=5", 4, 4, 1.0)
    out = simulate_job(pol, np.array([0.0, 0.0, 0.0, 10.0]), 1.0)
    assert out.latency == pytest.approx(7.0)  # copy once it ran > 5 (at the check t = 6)


def test_speculation_at_most_one_copy_per_task() -> None:
    pol = _policy("speculate:quantile=0.25,multiplier=1,interval=0.5,min_runtime=0", 4, 4, 1.0)
    sim = Simulation(pol, np.array([0.0, 0.0, 0.0, 30.0]), 1.0)
    out = sim.run()
    assert out.work is not None and out.work.copies == 1
    # with a copy that is itself slow (service time), Spark still never launches a second one
    assert all(int(n) <= 2 for n in pol.launches)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(2, 40),
    ratio=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    spec=st.sampled_from(
        [
            "hedge:after=p50",
            "hedge:after=p90,copies=3",
            "hedge:after=0.05",
            "speculate:quantile=0.5,multiplier=1.5,interval=0.05,min_runtime=0",
            "speculate",
        ]
    ),
    service=st.booleans(),
)
def test_policy_properties_in_the_simulator(
    m: int, ratio: int, seed: int, spec: str, service: bool
) -> None:
    workers = max(1, m // ratio)
    rng = np.random.default_rng(seed)
    x = rng.exponential(0.5, workers)
    x[rng.random(workers) < 0.2] *= 20  # some bad stragglers
    svc = None
    if service:
        from codedcomp.sim.des import Service

        svc = Service(codedcomp.delay("exp:rate=20"), seed)
    pol = _policy(spec, m, workers, 0.01, delay="exp:rate=2")
    delivered: list[int] = []
    inner = pol.on_event

    def spy(event, now):  # type: ignore[no-untyped-def]
        if event.kind == "result":
            assert sim.job.state[event.task] == "done", "a non-live task's result was delivered"
            delivered.append(event.task)
        return inner(event, now)

    pol.on_event = spy  # type: ignore[method-assign]
    sim = Simulation(pol, x, 0.01, service=svc)
    out = sim.run()
    job: Job = sim.job
    assert np.isfinite(out.latency)
    # never from a cancelled task: every delivered result is of a task that was live
    cancelled = {t for t, s in job.state.items() if s == "cancelled"}
    assert not cancelled & set(delivered)
    # each unit fed to the decoder once, however many copies ran
    units = [job.task[t].unit for t in delivered]
    assert pol.decoder.received == len(set(units)) == pol.n_units
    limit = 2 if spec.startswith("speculate") else getattr(pol, "copies", 2)
    assert int(pol.launches.max()) <= limit
    # every task launched ended: finished, cancelled, or still outstanding at the stop
    counts = job.counts()
    assert sum(counts.values()) == len(job.task)
    assert counts["lost"] == counts["failed"] == 0
    assert out.work is not None and out.work.copies == sum(
        1 for t in job.task.values() if t.origin is not None
    )
    assert out.work.units >= out.work.needed * (1 - 1e-9) - 1e-9 or out.work.cancelled > 0
