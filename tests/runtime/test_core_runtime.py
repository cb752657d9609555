"""The runtime on the core: per-task cancel, job data shipped once, and the dynamic policies
(hedging, speculation) for real — exact answers, losers really cancelled, nothing left running."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from rt_helpers import Blocks, Poly

import codedcomp
from codedcomp.core import Actions, Event, JobContext, Policy, Task
from codedcomp.runtime.master import execute
from codedcomp.sim.oneshot import simulate_one


class _CancelRunning(Policy):
    """Worker 0: task 0 (cost 10) then task 1 (cost 1); at 0.1 s it cancels task 0, which is
    then held for its deadline (0.5 s at τ = 0.05): task 1 must start at once."""

    label = "cancel-running"

    def __init__(self) -> None:
        self.got: dict[int, Any] = {}
        self._wake: float | None = 0.1

    def initial(self) -> Actions:
        return Actions({0: [Task(0, np.array([0]), 10.0), Task(1, np.array([1]), 1.0)]})

    @property
    def wake_at(self) -> float | None:
        return self._wake

    def on_time(self, now: float) -> Actions:
        self._wake = None
        return Actions(cancel=[0])

    def on_event(self, event: Event, now: float) -> Actions | None:
        if event.kind == "result":
            self.got[event.task] = event.value
        return None

    @property
    def ready(self) -> bool:
        return 1 in self.got

    @property
    def received(self) -> int:
        return len(self.got)

    def missing(self) -> str:
        return "task 1"

    def result(self) -> Any:
        return self.got[1]

    @property
    def units(self) -> float:
        return 1.0

    def planned_tasks(self) -> list[int]:
        return [2]


def test_cancelling_a_running_task_starts_the_next_at_once(any_backend: object) -> None:
    ex = execute(
        _CancelRunning(),
        backend=any_backend,  # type: ignore[arg-type]
        workload=Poly(2),
        x=np.arange(3.0),
        delays=np.zeros(1),
        tau=0.05,
        timeout=10,
    )
    assert ex.error is None
    t0, t1 = ex.trace.workers[0].tasks
    assert t0["state"] == "cancelled" and "done" not in t0
    assert t0["cancelled"] == pytest.approx(0.1, abs=0.05)
    assert t0["partial"] == pytest.approx(2.0, abs=1.0)  # 10 units × 0.1 / 0.5
    assert t1["state"] == "done" and t1["done"] == pytest.approx(0.15, abs=0.05)  # not 0.55
    assert ex.trace.work["cancelled"] == 1 and ex.trace.work["launched"] == 2


class _Blocks(Policy):
    """One task per worker, payload = its block number; done when every block is in."""

    label = "blocks"

    def __init__(self, n: int) -> None:
        self.n = n
        self.got: dict[int, Any] = {}

    def initial(self) -> Actions:
        return Actions({j: [Task(j, j, 1.0)] for j in range(self.n)})

    def on_event(self, event: Event, now: float) -> Actions | None:
        if event.kind == "result":
            self.got[event.task] = event.value
        return None

    @property
    def ready(self) -> bool:
        return len(self.got) == self.n

    @property
    def received(self) -> int:
        return len(self.got)

    def missing(self) -> str:
        return f"{self.n - len(self.got)} blocks"

    def result(self) -> Any:
        return np.stack([self.got[j] for j in range(self.n)])

    def planned_tasks(self) -> list[int]:
        return [1] * self.n


def run_blocks(backend: Any, workload: Any, n: int, seed: int) -> np.ndarray:
    """Run ``workload`` (a :class:`rt_helpers.Blocks`) over job data ``A_0 … A_{n−1}``, one task
    per worker; check every ``A_j @ x`` and return the results (column 3: what the task saw)."""
    rng = np.random.default_rng(seed)
    data = {f"A{j}": rng.standard_normal((3, 4)) for j in range(n)}
    x = rng.standard_normal(4)
    ex = execute(
        _Blocks(n), backend=backend, workload=workload, x=x, delays=np.zeros(n), tau=0.0, data=data
    )
    assert ex.error is None
    got = np.asarray(ex.value)
    for j in range(n):
        np.testing.assert_allclose(got[j, :3], data[f"A{j}"] @ x, rtol=1e-12)
    return got


def test_job_data_is_shipped_once_in_shared_memory(any_backend: object, tmp_path: Any) -> None:
    from codedcomp.runtime.backends import shm

    before = set(shm._root().glob(f"{shm.PREFIX}{os.getpid()}-*"))
    got = run_blocks(any_backend, Blocks(6), 6, seed=0)
    local = type(any_backend).__name__ == "LocalBackend"
    assert bool(got[:, 3].all()) == local  # hosts read a read-only map, not a pickled copy
    assert set(shm._root().glob(f"{shm.PREFIX}{os.getpid()}-*")) == before  # removed at close


def test_stale_job_data_of_dead_masters_is_removed(tmp_path: Any) -> None:
    from codedcomp.runtime.backends import shm

    dead = shm._root() / f"{shm.PREFIX}999999999-stale"
    dead.write_bytes(b"x")
    mine = shm.SharedArrays({"a": np.arange(3.0)})
    try:
        assert shm.remove_stale() >= 1
        assert not dead.exists() and os.path.exists(mine.path)
        np.testing.assert_array_equal(shm.attach(mine.descriptor())["a"], np.arange(3.0))
    finally:
        mine.unlink()


def test_one_array_under_two_names_is_written_once() -> None:
    from codedcomp.runtime.backends import shm

    a, b = np.arange(1024.0), np.ones(1024)
    arrays = shm.SharedArrays({"x": a, "alias": a, "y": b, "copy": a.copy()})
    try:
        assert arrays.layout["alias"] == arrays.layout["x"] != arrays.layout["copy"]
        assert arrays.nbytes == 3 * 8192  # x, y and the copy; the alias shares x's bytes
        got = shm.attach(arrays.descriptor())
        np.testing.assert_array_equal(got["alias"], a)
        np.testing.assert_array_equal(got["y"], b)
    finally:
        arrays.unlink()


def _policy_run(spec: str, backend: object, delays: np.ndarray, tau: float) -> Any:
    m = len(delays)
    s = codedcomp.scheme(spec)
    ctx = JobContext(m=m, workers=m, tau=tau, delay=codedcomp.delay("exp:rate=20"))
    policy = s.policy(ctx, np.random.default_rng(0))
    x = np.arange(3.0)
    ex = execute(
        policy,
        backend=backend,  # type: ignore[arg-type]
        workload=Poly(m),
        x=x,
        delays=delays,
        tau=tau,
        timeout=20,
    )
    pred = simulate_one(s, ctx=ctx, x=delays, seq=np.random.SeedSequence(0))
    return ex, pred, Poly(m).exact(x)


@pytest.mark.parametrize(
    "spec",
    ["hedge:after=0.1", "speculate:quantile=0.5,multiplier=1.5,interval=0.05,min_runtime=0"],
)
def test_dynamic_policies_run_for_real_and_cancel_the_losers(
    spec: str, any_backend: object
) -> None:
    delays = np.zeros(16)
    delays[[3, 11]] = 3.0  # two stragglers that would cost uncoded 3 s
    ex, pred, exact = _policy_run(spec, any_backend, delays, 0.01)
    assert ex.error is None
    np.testing.assert_allclose(ex.value, exact, rtol=1e-12)
    assert ex.trace.latency == pytest.approx(pred.latency, abs=0.08)
    assert ex.trace.latency < 0.5
    for j in (3, 11):  # the originals on the stragglers: cancelled before they ever began
        (orig,) = [t for t in ex.trace.workers[j].tasks if t["index"] == j]
        assert orig["state"] == "cancelled" and "cancel_sent" in orig and "done" not in orig
    copies = [t for w in ex.trace.workers for t in w.tasks if "copy_of" in t]
    assert sorted(t["copy_of"] for t in copies) == [3, 11]
    assert all(t["state"] == "done" for t in copies)
    assert ex.trace.work["copies"] == 2 and ex.trace.work["launched"] == 16
    states = {t["state"] for w in ex.trace.workers for t in w.tasks}
    assert states <= {"done", "cancelled", "lost", "failed", "stopped"}


def test_nothing_runs_after_a_dynamic_job(thread_backend: object) -> None:
    delays = np.zeros(8)
    delays[2] = 5.0
    ex, _, _ = _policy_run("hedge:after=0.05", thread_backend, delays, 0.01)
    assert ex.error is None
    for e in thread_backend._engines:  # type: ignore[attr-defined]
        assert not e.engine.jobs and not e.engine.heap


def test_run_api_reports_predicted_and_measured_work() -> None:
    res = codedcomp.run(
        Poly(12),
        scheme=["uncoded", "hedge:after=p90", "speculate:interval=0.02,min_runtime=0"],
        backend="thread",
        delay="exp:rate=20",
        tau=0.005,
        trials=2,
        seed=3,
    )
    for r in res.to_json()["results"]:
        assert r["failures"] == 0 and r["error"] <= 1e-12
        assert set(r["work"]) >= {"busy", "units", "launched", "cancelled", "copies", "extra"}
        assert r["predicted_work"]["units"] is not None
