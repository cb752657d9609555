"""Cancelled compute calls: skipped if no runner began them, and a long one can stop early."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

import codedcomp
from codedcomp.runtime import cancelled
from codedcomp.runtime.engine import _Pool
from codedcomp.workloads import make_workload
from codedcomp.workloads import matmul as matmul_module


def _pool() -> tuple[_Pool, queue.SimpleQueue[tuple[object, ...]]]:
    posted: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
    return _Pool(posted.put, time.monotonic), posted


def test_a_call_dropped_before_a_runner_takes_it_is_never_run() -> None:
    pool, posted = _pool()
    release, ran = threading.Event(), []
    try:
        pool.submit("first", release.wait, (10,))  # the one runner is busy with this
        pool.submit("second", ran.append, ("second",))
        pool.submit("third", ran.append, ("third",))
        pool.drop("second")
        release.set()
        outcomes = [posted.get(timeout=10)[1] for _ in range(2)]
        assert outcomes == ["first", "third"] and ran == ["third"]
        assert not pool.dropped  # the skipped key is forgotten
    finally:
        pool.stop()


def test_a_running_call_sees_its_cancellation_and_returns_early() -> None:
    pool, posted = _pool()
    started, seen = threading.Event(), []

    def long_call() -> str:
        started.set()
        t = time.monotonic()
        while time.monotonic() - t < 10:
            if cancelled():
                seen.append(time.monotonic() - t)
                return "stopped"
            time.sleep(0.002)
        return "ran out"

    try:
        assert not cancelled()  # outside a compute call
        pool.submit("long", long_call, ())
        assert started.wait(10)
        pool.drop("long")
        kind, key, value, *_ = posted.get(timeout=10)
        assert (kind, key, value) == ("computed", "long", "stopped") and seen[0] < 5
        pool.settled("long")  # the engine has the outcome: nothing kept
        assert not pool.dropped
    finally:
        pool.stop()


@pytest.mark.parametrize("b_cols", [None, 40])  # a vector (mds) and a matrix
def test_blocked_products_equal_the_plain_product(
    b_cols: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matmul_module, "_BLOCKED_MACS", 0)  # every product in row blocks
    rng = np.random.default_rng(0)
    a = rng.standard_normal((37, 23)) + 1j * rng.standard_normal((37, 23))
    b = rng.standard_normal(23 if b_cols is None else (23, b_cols))
    got = matmul_module._product(a, b)
    assert got is not None and got.shape == (a @ b).shape
    np.testing.assert_allclose(got, a @ b, rtol=1e-13, atol=1e-13)


def test_a_run_whose_products_are_computed_in_blocks_decodes_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matmul_module, "_BLOCKED_MACS", 0)  # the thread backend: this process
    wl = make_workload("matmul:n=48,cols=40", m=9, seed=2)
    rep = codedcomp.run(
        wl,
        scheme=["matdot:m=4", "polynomial:x=2,y=2", "mds:k=8", "uncoded"],
        backend="thread",
        workers=9,
        delay="exp:rate=40",
        tau=0.004,
        trials=2,
        seed=1,
        timeout=30,
    )
    for r in rep.results:
        assert r.failures == 0 and np.all(r.relative_errors <= 1e-10), r.errors


def test_a_cancelled_product_stops_between_row_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import codedcomp.runtime.engine as engine

    blocks: list[int] = []
    real_matmul = np.matmul

    def counting(*args: object, **kw: object) -> object:
        blocks.append(1)
        return real_matmul(*args, **kw)

    monkeypatch.setattr(matmul_module, "_BLOCKED_MACS", 0)
    monkeypatch.setattr(matmul_module.np, "matmul", counting)
    monkeypatch.setattr(engine, "cancelled", lambda: len(blocks) >= 2)  # cancelled in block 2
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((64, 8)), rng.standard_normal((8, 8))
    assert matmul_module._product(a, b) is None
    assert len(blocks) == 2  # of 8: it stopped at the first check after the cancel


class _Polling:
    """A workload whose calls record themselves and run until cancelled (at most 10 s)."""

    def __init__(self) -> None:
        self.began: list[int] = []
        self.stopped: list[int] = []

    def compute(self, payload: int, x: object, data: object) -> int:
        self.began.append(payload)
        t = time.monotonic()
        while time.monotonic() - t < 10:
            if cancelled():
                self.stopped.append(payload)
                return payload
            time.sleep(0.002)
        return payload


def _engine(
    workers: list[tuple[int, float, list[tuple[int, int, float, float]], None]],
    task_timeout: float | None = None,
) -> tuple[object, queue.Queue[tuple[object, ...]], threading.Thread, _Polling]:
    from codedcomp.runtime.engine import Engine

    inbox: queue.Queue[tuple[object, ...]] = queue.Queue()

    def get(timeout: float | None) -> tuple[object, ...] | None:
        try:
            return inbox.get(timeout=timeout) if timeout is None or timeout > 0 else None
        except queue.Empty:
            return None

    wl = _Polling()
    engine = Engine(lambda msg: None, post=inbox.put)
    th = threading.Thread(target=engine.run, args=(get,), daemon=True)
    th.start()
    inbox.put(("load", "w", wl))
    options = {"task_timeout": task_timeout}
    inbox.put(("job", "j", 0.0, "w", None, None, workers, options))
    inbox.put(("go", "j", time.monotonic()))
    return engine, inbox, th, wl


def _settle(engine: object, wl: _Polling, began: int, stopped: int) -> None:
    deadline = time.monotonic() + 10
    while (len(wl.began), len(wl.stopped)) != (began, stopped) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # anything still to come (a skipped call that ran after all) shows now
    assert (len(wl.began), len(wl.stopped)) == (began, stopped), (wl.began, wl.stopped)
    runner = engine.runner  # type: ignore[attr-defined]
    assert runner is not None and not runner.dropped  # no key kept
    assert runner.pending == 0  # every call returned, skipped or written off


def test_a_job_cancel_stops_the_running_call_and_skips_the_queued_ones() -> None:
    # three logical workers of one engine: their calls queue on its one runner
    tasks = [(w, 0.0, [(w, w, 1.0, 0.0)], None) for w in range(3)]
    engine, inbox, th, wl = _engine(tasks)
    try:
        deadline = time.monotonic() + 10
        while not wl.began and time.monotonic() < deadline:
            time.sleep(0.002)
        inbox.put(("cancel", "j"))
        _settle(engine, wl, began=1, stopped=1)
    finally:
        inbox.put(("exit",))
        th.join(10)


def test_a_task_cancel_stops_its_running_call() -> None:
    engine, inbox, th, wl = _engine([(0, 0.0, [(7, 7, 1.0, 0.0)], None)])
    try:
        deadline = time.monotonic() + 10
        while not wl.began and time.monotonic() < deadline:
            time.sleep(0.002)
        inbox.put(("cancel_tasks", "j", 0, [7]))
        _settle(engine, wl, began=1, stopped=1)
    finally:
        inbox.put(("exit",))
        th.join(10)


def test_an_abandoned_call_is_told_to_stop_and_forgotten() -> None:
    engine, inbox, th, wl = _engine([(0, 0.0, [(3, 3, 1.0, 0.0)], None)], task_timeout=0.2)
    try:
        _settle(engine, wl, began=1, stopped=1)  # written off at 0.2 s: it stops, not at 10 s
    finally:
        inbox.put(("exit",))
        th.join(10)
