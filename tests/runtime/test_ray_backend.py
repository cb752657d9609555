"""The ``ray`` backend against the backend contract (:mod:`codedcomp.runtime.backends.base`).

One module-scoped fixture starts a private local Ray (``num_cpus=2``, 200 MB object store,
dashboard off, private temp dir) through the backend itself and shuts it down at the end; every
test reuses its host actors.  Skipped — loudly — when Ray is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

try:
    import ray
except ImportError:  # pragma: no cover - depends on the installed extras
    pytest.skip(
        "Ray is not installed: the ray backend is UNTESTED (pip install 'codedcomp[ray]')",
        allow_module_level=True,
    )

from rt_helpers import make_policy

import codedcomp
from codedcomp.codes.sums import scheme as make_scheme
from codedcomp.runtime.backends import BACKENDS
from codedcomp.runtime.backends.base import Fault, JobSpec, Task
from codedcomp.runtime.backends.ray import RayBackend
from codedcomp.runtime.master import execute
from codedcomp.workloads import make_workload

pytestmark = pytest.mark.ray

SCHEMES = ["one", "uncoded", "rep:r=2", "bcc:d=2", "lt:r=1", "sr:d=2"]
M, P = 16, 8
DELAY = "shifted-exp:shift=0.03,rate=50"  # X_j ≥ 30 ms: "go" reaches the hosts well before
TAU = 0.003


@pytest.fixture(scope="module")
def backend() -> Iterator[RayBackend]:
    be = RayBackend(num_cpus=2, object_store_memory=200 * 2**20, hosts=2)
    try:
        be._ensure_hosts()  # start Ray and the host actors once, outside any timed job
        yield be
    finally:
        be.shutdown()


@pytest.fixture(scope="module")
def workload() -> codedcomp.workloads.base.Workload:
    return make_workload("kernel-sum", m=M, seed=0)


def _run(backend: RayBackend, workload, schemes, **kw):
    args = {"workers": P, "delay": DELAY, "tau": TAU, "trials": 1, "seed": 0}
    args.update(kw)
    return codedcomp.run(workload, scheme=schemes, backend=backend, on_error="record", **args)


def test_import_codedcomp_does_not_import_ray() -> None:
    code = (
        "import sys, codedcomp, codedcomp.runtime, codedcomp.runtime.backends; "
        "assert 'ray' not in sys.modules, sorted(m for m in sys.modules if 'ray' in m)"
    )
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_registry_builds_it_without_starting_anything() -> None:
    be = BACKENDS.create("ray")
    assert isinstance(be, RayBackend) and str(be) == "ray"
    assert not be.started_ray and be._hosts == []


def test_check_rejects_a_workload_that_cannot_be_shipped(workload) -> None:
    import threading

    from codedcomp.workloads.base import FunctionList

    lock = threading.Lock()
    bad = FunctionList([lambda x: (lock, x)[1]] * 2, 1.0)
    with pytest.raises(ValueError, match="ray backend: the workload cannot be sent"):
        RayBackend().check(bad)
    RayBackend().check(workload)


def test_started_a_private_local_instance(backend: RayBackend) -> None:
    assert backend.started_ray and ray.is_initialized()
    tmp = backend._temp_dir
    assert tmp is not None and tmp.startswith("/tmp/") and len(tmp) < 32 and os.path.isdir(tmp)
    assert ray.cluster_resources()["CPU"] == 2
    assert len(backend.actor_pids()) == 2


def test_every_scheme_decodes_the_right_value(backend: RayBackend, workload) -> None:
    report = _run(backend, workload, SCHEMES, trials=2)
    for r in report.results:
        assert r.failures == 0, (r.scheme, r.errors)
        assert np.all(r.relative_errors <= 1e-9), (r.scheme, r.relative_errors)
        for t in r.traces:
            assert t.backend == "ray" or t.backend.startswith("ray"), t.backend
            assert t.decoded and t.latency is not None


def test_injected_delays_are_honoured(backend: RayBackend, workload) -> None:
    report = _run(backend, workload, ["uncoded", "sr:d=2"], tau=0.01, trials=2)
    errors = []
    for trace in report.traces:
        for w in trace.workers:
            assert w.start is not None
            errors.append(w.start - w.injected_delay)
            cum = 0.0
            for task in sorted(w.tasks, key=lambda e: e["index"]):
                cum += task["cost"]
                errors.append(task["done"] - (w.injected_delay + trace.tau * cum))
                assert task["arrived"] >= task["done"] - 1e-6
    err = np.abs(np.array(errors))
    assert np.median(err) < 0.003, np.quantile(err, [0.5, 0.9, 1.0])
    assert np.quantile(err, 0.9) < 0.010, np.quantile(err, [0.5, 0.9, 1.0])
    for r in report.results:  # the measured latency is what the simulator predicts
        np.testing.assert_allclose(r.latencies, r.predicted, atol=0.02)


def _job(
    workload,
    scheme: str,
    *,
    tau: float,
    delays: np.ndarray,
    faults: dict[int, Fault] | None = None,
    timeout: float = 10.0,
    backend: RayBackend,
    plan_seed: int = 1,
):
    s = make_scheme(scheme)
    policy = make_policy(s, M, len(delays), np.random.default_rng(plan_seed))
    x = workload.input(np.random.default_rng(2))
    ex = execute(
        policy,
        backend=backend,
        workload=workload,
        x=x,
        delays=delays,
        tau=tau,
        faults=faults,
        timeout=timeout,
        workload_key="wl-test",
    )
    return ex, workload.exact(x)


def _idle(backend: RayBackend) -> list[dict[str, int]]:
    return ray.get([h.actor.status.remote() for h in backend._hosts if not h.dead], timeout=10)


def test_first_k_then_cancel_stops_all_work(backend: RayBackend, workload) -> None:
    # rep:r=2 decodes from one replica of each group: the other replicas (X = 5 s) have not
    # even started when it is ready, and closing must drop their queued tasks, so that no
    # engine holds the job or has anything scheduled afterwards.
    plan = make_policy(make_scheme("rep:r=2"), M, P, np.random.default_rng(1)).initial().submit
    first: dict[tuple[tuple[int, ...], ...], int] = {}
    for w in sorted(plan):
        first.setdefault(tuple(tuple(map(int, t.payload)) for t in plan[w]), w)
    slow = sorted(set(range(P)) - set(first.values()))
    assert len(slow) == P // 2
    delays = np.full(P, 0.03)
    delays[slow] = 5.0
    ex, exact = _job(workload, "rep:r=2", tau=0.005, delays=delays, backend=backend)
    assert ex.error is None and np.allclose(ex.value, exact, rtol=1e-9)
    assert ex.trace.latency < 1.0
    assert ex.trace.stop_time < 0.5, ex.trace.stop_time
    assert {ex.trace.workers[w].state for w in slow} == {"waiting"}
    assert all(ex.trace.workers[w].cancelled for w in slow)
    assert all(
        s == {"jobs": 0, "scheduled": 0, "commands": 0, "pid": s["pid"]} for s in _idle(backend)
    )
    # a later job starts promptly (nothing queued behind the cancelled one)
    t = time.monotonic()
    ex2, _ = _job(workload, "uncoded", tau=0.0, delays=np.zeros(P), backend=backend)
    assert ex2.error is None and time.monotonic() - t < 1.0
    assert max(w.start for w in ex2.trace.workers) < 0.1


def _seed_decodable_without(spec: str, dead: set[int]) -> int:
    """A plan seed whose plan decodes without the workers in ``dead`` (per the simulator)."""
    s = make_scheme(spec)
    for seed in range(100):
        plan = s.plan(M, P, np.random.default_rng(seed))
        alive = np.flatnonzero(~np.isin(plan.task_worker(), list(dead)))
        if s.decode_point(plan, alive) is not None:
            return seed
    raise AssertionError(f"no decodable {spec} plan without workers {dead}")


def test_hang_is_an_erasure_and_blocks_nothing(backend: RayBackend, workload) -> None:
    delays = np.full(P, 0.03)
    faults = {0: Fault("hang", 0), 3: Fault("hang", 1)}
    seed = _seed_decodable_without("lt:r=1", {0, 3})
    ex, exact = _job(
        workload,
        "lt:r=1",
        tau=0.002,
        delays=delays,
        faults=faults,
        backend=backend,
        plan_seed=seed,
    )
    assert ex.error is None and np.allclose(ex.value, exact, rtol=1e-9)
    assert ex.trace.workers[0].tasks == [] and ex.trace.workers[0].state == "hung"
    assert ex.trace.stop_time < 0.5
    ex2, _ = _job(workload, "uncoded", tau=0.002, delays=delays, backend=backend)
    assert ex2.error is None and ex2.trace.latency < 0.5


def test_crash_and_raise_are_erasures(backend: RayBackend, workload) -> None:
    delays = np.full(P, 0.03)
    faults = {1: Fault("crash", 0), 4: Fault("raise", 0)}
    ex, exact = _job(workload, "rep:r=2", tau=0.002, delays=delays, faults=faults, backend=backend)
    assert ex.error is None and np.allclose(ex.value, exact, rtol=1e-9)
    w1, w4 = ex.trace.workers[1], ex.trace.workers[4]
    assert w1.state == "crashed" and w1.failures[0]["kind"] == "crash"
    assert [t["state"] for t in w1.tasks] == ["lost"]  # the task it died in, nothing done
    assert w4.failures and all(f["kind"] == "raise" for f in w4.failures)
    assert "InjectedFault" in w4.failures[0]["error"]
    # an injected crash that leaves a set undecodable is reported, never hangs
    ex3, _ = _job(
        workload,
        "uncoded",
        tau=0.002,
        delays=delays,
        faults={2: Fault("crash", 0)},
        backend=backend,
    )
    assert ex3.value is None and "crashed" in ex3.error and ex3.trace.latency is None


def test_trace_schema_matches_local(backend: RayBackend, workload) -> None:
    from codedcomp.runtime.backends.local import LocalBackend

    local = LocalBackend(processes=2)
    try:
        ours = _run(backend, workload, ["lt:r=1", "rep:r=2"], fail="raise:p=0.2")
        theirs = _run(local, workload, ["lt:r=1", "rep:r=2"], fail="raise:p=0.2")
    finally:
        local.shutdown()

    def shape(doc):
        if isinstance(doc, dict):
            return {k: shape(v) for k, v in doc.items() if k not in ("predicted",)}
        if isinstance(doc, list):
            return [shape(doc[0])] if doc else []
        return type(doc).__name__ if doc is not None else None

    a, b = ours.traces_json(), theirs.traces_json()
    for ta, tb in zip(a["trials"], b["trials"], strict=True):
        assert set(ta) == set(tb)
        for wa, wb in zip(ta["workers"], tb["workers"], strict=True):
            assert set(wa) == set(wb)
    known = {"index", "cost", "state", "copy_of", "began", "done", "arrived", "late"}
    known |= {"submitted", "cancel_sent", "cancelled", "partial", "failed"}
    for doc in (a, b):  # the same schema on both (which optional keys appear depends on timing)
        for tr in doc["trials"]:
            for w in tr["workers"]:
                for e in w["tasks"]:
                    assert {"index", "cost", "state"} <= set(e) <= known, e
                    if "done" in e:
                        assert {"arrived", "began"} <= set(e), e
    for ra, rb in zip(ours.results, theirs.results, strict=True):
        assert ra.failures == rb.failures == 0
        np.testing.assert_allclose(ra.values[0], rb.values[0], rtol=1e-12)
        assert set(ra.to_json()) == set(rb.to_json())
    assert shape(a["config"]).keys() == shape(b["config"]).keys()


def test_a_dead_actor_crashes_its_workers_and_is_replaced(backend: RayBackend, workload) -> None:
    x = workload.input(np.random.default_rng(0))
    n = 4
    tasks = {j: [Task(j * 4 + b, np.array([j * 4 + b]), 1.0) for b in range(4)] for j in range(n)}
    job = JobSpec(
        job_id="dead-actor",
        workload=workload,
        workload_key="wl-test",
        x=x,
        n_workers=n,
        delays=np.zeros(n),
        tau=0.5,
        tasks=tasks,
    )
    victim = backend._hosts[0]
    old_pid = int(victim.info["pid"])
    session = backend.open(job)
    try:
        session.start(time.monotonic())
        events = session.poll(5.0)
        assert events, "no event within 5 s"
        ray.kill(victim.actor, no_restart=True)  # host 0 holds logical workers 0 and 2
        crashed: dict[int, str] = {}
        t_end = time.monotonic() + 10.0
        while len(crashed) < 2 and time.monotonic() < t_end:
            for ev in session.poll(0.5):
                if ev.kind == "crash":
                    crashed[ev.worker] = ev.error or ""
        assert set(crashed) == {0, 2}, crashed
        assert all("died" in why for why in crashed.values())
    finally:
        report = session.close(2.0)
    assert report.stops[1].state in ("running", "idle")
    assert report.stop_seconds < 1.0
    # the next job gets a fresh actor in its place, and works
    ex, exact = _job(workload, "uncoded", tau=0.0, delays=np.zeros(P), backend=backend)
    assert ex.error is None and np.allclose(ex.value, exact, rtol=1e-9)
    assert old_pid not in backend.actor_pids() and len(backend.actor_pids()) == 2


def test_shutdown_releases_everything(backend: RayBackend) -> None:
    tmp = backend._temp_dir
    backend.shutdown()
    assert not ray.is_initialized()
    assert tmp is not None and not os.path.exists(tmp)
    assert "RAY_AUTH_TOKEN_PATH" not in os.environ or not os.environ[
        "RAY_AUTH_TOKEN_PATH"
    ].startswith(tmp)
    backend.shutdown()  # idempotent


@pytest.mark.parametrize(
    "spec", ["hedge:after=0.1", "speculate:quantile=0.5,multiplier=1.5,interval=0.05,min_runtime=0"]
)
def test_dynamic_policies_on_ray_cancel_their_losers(backend: RayBackend, workload, spec) -> None:
    delays = np.full(P, 0.03)
    delays[[2, 5]] = 5.0  # two stragglers that have not started when their copies win
    ex, exact = _job(workload, spec, tau=0.01, delays=delays, backend=backend)
    assert ex.error is None and np.allclose(ex.value, exact, rtol=1e-9)
    assert ex.trace.latency < 1.0
    for j in (2, 5):
        (orig,) = [t for t in ex.trace.workers[j].tasks if t["index"] == j]
        assert orig["state"] == "cancelled" and "cancelled" in orig  # the host acknowledged
    assert ex.trace.work["copies"] == 2
    assert all(
        s == {"jobs": 0, "scheduled": 0, "commands": 0, "pid": s["pid"]} for s in _idle(backend)
    )


def test_job_data_travels_in_the_object_store(backend: RayBackend) -> None:
    import rt_helpers
    from rt_helpers import Blocks
    from test_core_runtime import run_blocks

    ray.cloudpickle.register_pickle_by_value(rt_helpers)  # the actors cannot import the tests
    run_blocks(backend, Blocks(4), 4, seed=0)


def test_each_host_fetches_only_the_operands_its_workers_read(backend: RayBackend) -> None:
    import rt_helpers
    from rt_helpers import KeyedBlocks
    from test_core_runtime import run_blocks

    from codedcomp.runtime.backends.ray import _ObjectData

    ray.cloudpickle.register_pickle_by_value(rt_helpers)
    n = 6  # 2 hosts: workers 0, 2, 4 on one, 1, 3, 5 on the other
    got = run_blocks(backend, KeyedBlocks(n), n, seed=1)
    assert got[:, 3].tolist() == [n / 2] * n  # each host held its 3 workers' blocks, not all 6
    # a name no initial task declared (a hedged copy of another worker's task): fetched lazily
    lazy = _ObjectData({}, {"B": ray.put(np.arange(3.0))})
    assert lazy.fetched == [] and len(lazy) == 1 and list(lazy) == ["B"]
    np.testing.assert_array_equal(lazy["B"], np.arange(3.0))
    assert lazy.fetched == ["B"]
    with pytest.raises(KeyError):
        lazy["C"]
