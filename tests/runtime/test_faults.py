"""Crashes, hangs and exceptions are erasures: decode if the scheme can, else say what arrived."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from rt_helpers import Boom, ExitOnce, Poly, Stuck, make_policy, marker_path

import codedcomp
from codedcomp.codes.sums import scheme
from codedcomp.errors import NotDecodableError
from codedcomp.runtime.backends.base import Fault
from codedcomp.runtime.master import execute

M = 8


def _run(
    backend: object,
    spec: str,
    faults: dict[int, Fault],
    *,
    workload: object = None,
    timeout: float = 10.0,
    delays: np.ndarray | None = None,
):  # type: ignore[no-untyped-def]
    wl = workload or Poly(M)
    x = np.arange(3.0)
    policy = make_policy(scheme(spec), M, M, np.random.default_rng(0))
    d = np.linspace(0.0, 0.01, M) if delays is None else delays
    t = time.monotonic()
    ex = execute(
        policy,
        backend=backend,
        workload=wl,
        x=x,
        delays=d,
        tau=0.001,  # type: ignore[arg-type]
        faults=faults,
        timeout=timeout,
    )
    return ex, time.monotonic() - t, Poly(M).exact(x)


def test_injected_crash_is_an_erasure(any_backend: object) -> None:
    ex, _, exact = _run(any_backend, "rep:r=2", {1: Fault("crash", 0), 4: Fault("crash", 0)})
    assert ex.error is None
    np.testing.assert_allclose(ex.value, exact, rtol=1e-12)
    crashed = [w for w in ex.trace.workers if w.state == "crashed"]
    assert {w.worker for w in crashed} == {1, 4}
    assert crashed[0].failures[0]["kind"] == "crash"


def test_crash_of_a_whole_group_is_not_decodable_and_does_not_wait(any_backend: object) -> None:
    ex, elapsed, _ = _run(
        any_backend, "rep:r=2", {2: Fault("crash", 0), 3: Fault("crash", 0)}, timeout=30
    )
    assert ex.value is None
    assert "every worker finished or failed" in ex.error
    assert "2 of 8 workers crashed" in ex.error and "partial sums not yet received" in ex.error
    assert elapsed < 5  # settled as soon as nothing more could arrive, far before the timeout


def test_hang_times_out_without_hanging(any_backend: object) -> None:
    ex, elapsed, _ = _run(any_backend, "uncoded", {3: Fault("hang", 0)}, timeout=0.4)
    assert ex.value is None and "timed out after 0.4 s" in ex.error
    assert "1 worker(s) still silent" in ex.error
    assert elapsed < 3
    assert ex.trace.workers[3].state == "hung" and ex.trace.workers[3].cancelled == [3]


def test_hang_is_an_erasure_when_the_code_tolerates_it(any_backend: object) -> None:
    ex, elapsed, exact = _run(any_backend, "rep:r=2", {3: Fault("hang", 0)}, timeout=30)
    np.testing.assert_allclose(ex.value, exact, rtol=1e-12)
    assert elapsed < 5


def test_exception_in_f_i_is_recorded_in_the_trace(any_backend: object) -> None:
    ex, _, _ = _run(any_backend, "uncoded", {}, workload=Boom(M, bad=5))
    assert ex.value is None and "ValueError: boom in f_5" in ex.error
    fail = ex.trace.workers[5].failures[0]
    assert fail["kind"] == "raise" and fail["error"] == "ValueError: boom in f_5"
    ex, _, exact = _run(any_backend, "rep:r=2", {4: Fault("raise", 0)})
    np.testing.assert_allclose(ex.value, exact, rtol=1e-12)
    assert "InjectedFault" in ex.trace.workers[4].failures[0]["error"]


def test_lt_survives_injected_faults_later_in_the_queue(thread_backend: object) -> None:
    ex, _, exact = _run(thread_backend, "lt:r=1", {0: Fault("crash", 1), 5: Fault("raise", 0)})
    np.testing.assert_allclose(ex.value, exact, rtol=1e-9)


def test_run_api_fail_spec_and_not_decodable_error(thread_backend: object) -> None:
    with pytest.raises(NotDecodableError, match="crashed") as info:
        codedcomp.run(Poly(M), scheme="uncoded", backend=thread_backend, fail="crash:p=1", seed=0)
    report = info.value.report  # type: ignore[attr-defined]
    assert report.results[0].failures == 1
    res = codedcomp.run(
        Poly(M),
        scheme=["uncoded", "rep:r=2"],
        backend=thread_backend,
        fail=["hang:p=0.2", "raise:p=0.2"],
        trials=4,
        seed=2,
        timeout=0.5,
        on_error="record",
    )
    faulty = [w.fault for t in res["uncoded"].traces for w in t.workers if w.fault]
    assert faulty and {f["kind"] for f in faulty} <= {"hang", "raise"}
    for r in res.results:  # same faults for both schemes (common random numbers)
        assert r.relative_errors[np.isfinite(r.relative_errors)].max(initial=0) <= 1e-9
    same = [[w.fault for w in t.workers] for t in res["uncoded"].traces]
    assert same == [[w.fault for w in t.workers] for t in res["rep:r=2"].traces]


def test_real_process_crash_is_detected_and_replaced(local_backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pids = set(local_backend.pids()) or None
    wl = ExitOnce(M, bad=3, marker=marker_path(tmp_path))
    # rep:r=2 puts workers 2 and 3 (both compute f_3) on different hosts (round robin)
    res = codedcomp.run(wl, scheme="rep:r=2", backend=local_backend, seed=0, timeout=20)
    assert res.relative_errors[0] <= 1e-12
    crashes = [f for w in res.traces[0].workers for f in w.failures if f["kind"] == "crash"]
    assert crashes and "died (exit code 17)" in crashes[0]["error"]
    res = codedcomp.run(Poly(M), scheme="uncoded", backend=local_backend, seed=0)
    assert res.failures == 0 and len(local_backend.pids()) == 2
    if pids:
        assert set(local_backend.pids()) != pids


def test_real_hang_in_f_i_is_killed_at_close(local_backend) -> None:  # type: ignore[no-untyped-def]
    before = set(local_backend.pids())
    res = codedcomp.run(
        Stuck(M, bad=6),
        scheme="rep:r=2",
        backend=local_backend,
        seed=0,
        timeout=0.5,
        on_error="record",
    )
    # worker 6 and 7 share f_6: one copy gets stuck, so the group never completes ... unless
    # both are stuck: either way the run ends, and the stuck host is killed, not leaked
    assert res.traces[0].stop_time < 5
    alive = {p.pid for p in psutil.Process().children()}
    assert not (before - set(local_backend.pids())) & alive
    res = codedcomp.run(Poly(M), scheme="uncoded", backend=local_backend, seed=0)
    assert res.failures == 0


def test_ctrl_c_stops_everything_and_reraises(any_backend: object) -> None:
    calls = []

    def progress(n: int) -> None:
        calls.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        codedcomp.run(
            Poly(M),
            scheme=["uncoded", "rep:r=2"],
            backend=any_backend,
            trials=3,
            delay="exp:rate=20",
            seed=0,
            progress=progress,
        )
    assert calls == [1]
    res = codedcomp.run(Poly(M), scheme="uncoded", backend=any_backend, seed=0)  # still usable
    assert res.failures == 0


def test_ctrl_c_mid_run_cancels_workers(any_backend: object) -> None:
    import os
    import signal
    import threading

    timer = threading.Timer(0.15, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            codedcomp.run(
                Poly(M),
                scheme="uncoded",
                backend=any_backend,
                delay="shifted-exp:shift=5,rate=1",
                seed=0,
                timeout=30,
            )
    finally:
        timer.cancel()
    assert time.monotonic() - t < 5
    res = codedcomp.run(Poly(M), scheme="uncoded", backend=any_backend, seed=0)
    assert res.failures == 0


def test_pull_queue_reissues_units_of_crashed_workers(any_backend: object) -> None:
    res = codedcomp.run(
        Poly(M),
        scheme="ideal",
        backend=any_backend,
        fail="crash:p=0.5",
        delay="exp:rate=100",
        tau=0.001,
        trials=3,
        seed=1,
        timeout=10,
    )
    crashed = sum(w.state == "crashed" for t in res.traces for w in t.workers)
    assert crashed > 0 and res.failures == 0
    assert res.relative_errors.max() <= 1e-12


def test_pull_queue_does_not_hand_a_unit_back_to_the_worker_that_failed_it(
    thread_backend: object,
) -> None:
    # seed 0: only worker 7 is faulty; errors take no modelled time, so it goes idle at once
    res = codedcomp.run(
        Poly(40),
        scheme=["ideal", "lt:r=1"],
        backend=thread_backend,
        workers=8,
        fail="raise:p=0.25",
        tau=0.01,
        seed=0,
        timeout=10,
        on_error="record",
    )
    faulty = [w.worker for w in res["ideal"].traces[0].workers if w.fault]
    assert faulty == [7]
    assert res["ideal"].failures == 0, res["ideal"].errors
    assert res["ideal"].relative_errors[0] <= 1e-12
    # the faulty worker was fed at most max_errors = 2 units, then no more
    assert res["ideal"].traces[0].workers[7].submitted <= 2


def test_pull_policy_retries_count_distinct_workers() -> None:
    from codedcomp.core import Event, PullPolicy

    p = PullPolicy(3, 3, retries=1, depth=1, max_errors=5)
    assert not p.initial()
    sub = p.on_event(Event("idle", 0, -1, 0.0), 0.0)
    assert sub is not None and [int(t.payload[0]) for t in sub.submit[0]] == [0]
    first = sub.submit[0][0].id
    # worker 0 fails unit 0 and asks again: it gets a fresh unit, never unit 0 back
    assert p.on_event(Event("error", 0, first, 0.0, None, "boom"), 0.0) is None
    sub = p.on_event(Event("idle", 0, -1, 0.0), 0.0)
    assert sub is not None and [int(t.payload[0]) for t in sub.submit[0]] == [1]
    # worker 1 takes the retry of unit 0 first; its failure is the 2nd distinct one: lost
    sub = p.on_event(Event("idle", 1, -1, 0.0), 0.0)
    assert sub is not None and [int(t.payload[0]) for t in sub.submit[1]] == [0]
    p.on_event(Event("error", 1, sub.submit[1][0].id, 0.0, None, "boom"), 0.0)
    assert "1 failed on every worker" in p.missing()


def test_pull_policy_stops_feeding_a_worker_after_consecutive_errors() -> None:
    from codedcomp.core import Event, PullPolicy

    p = PullPolicy(10, 2, depth=2, max_errors=2)
    sub = p.on_event(Event("idle", 0, -1, 0.0), 0.0)
    assert sub is not None and len(sub.submit[0]) == 2
    a, b = (t.id for t in sub.submit[0])
    p.on_event(Event("error", 0, a, 0.0, None, "boom"), 0.0)
    p.on_event(Event("error", 0, b, 0.0, None, "boom"), 0.0)
    assert p.on_event(Event("idle", 0, -1, 0.0), 0.0) is None  # no longer fed
    sub = p.on_event(Event("idle", 1, -1, 0.0), 0.0)  # the healthy worker gets the failed first
    assert sub is not None and [int(t.payload[0]) for t in sub.submit[1]] == [0, 1]
