"""The worker-side executor: many logical workers on one thread, driven by a deadline heap.

Used by the ``thread`` backend (one engine per thread in the master process) and the ``local``
backend (one engine per pooled worker process).  It implements the timing and fault contract of
:mod:`codedcomp.runtime.backends.base`: worker ``j`` starts at ``t0 + X_j`` and task ``b`` is
released at the absolute deadline ``t0 + X_j + τ·Σ_{b'≤b} cost`` — the papers' delay model
(000 §IV, 001 §IV, eq. 4) enforced on a monotonic clock, so per-task sleeps do not drift.

Design choices (see ``../shared/notes/runtime.md`` for the measurements behind them):

* **One thread, many logical workers.**  Instead of a thread per logical worker, the engine keeps
  a heap of (wake-up time, worker) and waits on its *command channel* until the earliest wake-up;
  a cancel command therefore wakes it at once.  Logical workers are thus cheap (a heap entry),
  so a 2-core machine runs hundreds of them; real computations of workers sharing an engine are
  serialised, exactly as they would contend for one core.
* **Compute early, release at the deadline.**  A task's value is computed as soon as the worker
  reaches the task, then held until its deadline; the next task's window starts at that
  deadline (or at the end of a computation that overran it).
* **Cancellation between tasks.**  Commands are checked between any two steps; a ``partial``
  call in progress is never interrupted (cooperative), which bounds the stop latency by one
  task's real compute time.
* **Injected faults are per logical worker**: ``crash`` emits a crash event and drops the
  worker, ``hang`` silently drops it (its host keeps serving the other workers, as a hung
  machine among many would), ``raise`` makes its ``partial`` calls raise from task ``at`` on.

Command protocol (tuples; the channel is a ``queue.Queue`` or a pipe):
``("load", key, workload_or_pickled_bytes)``, ``("job", job_id, tau, key, x, workers)``
with ``workers = [(worker, delay, [(index, functions, cost), ...], fault_or_None), ...]`` and
``fault = (kind, at)``, ``("go", job_id, t0)``, ``("submit", job_id, worker, tasks)``,
``("cancel", job_id)``,
``("exit",)``.  Outgoing: ``("ev", job_id, [event tuples])``, ``("stopped", job_id,
[WorkerStop tuples])`` and, if the engine was built with ``ack=True``, ``("armed", job_id,
None)`` once a job's workers are set up (so the master takes ``t0`` only when every host holds
the job: a host still unpickling a large job would otherwise start its workers late).
"""

from __future__ import annotations

import gc
import heapq
import pickle
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .backends.base import Event, WorkerStop

Send = Callable[[tuple[Any, ...]], None]
Get = Callable[[float | None], "tuple[Any, ...] | None"]

FLUSH_EVERY = 0.002  # seconds: how long events may wait in the outbox under a backlog


class InjectedFault(RuntimeError):
    """Raised inside a task by a ``raise:p=`` fault."""


class _Worker:
    __slots__ = (
        "at",
        "busy_until",
        "fault",
        "index",
        "pending",
        "queue",
        "state",
        "window_start",
        "worker",
    )

    def __init__(self, worker: int, delay: float, tasks: list[Any], fault: Any) -> None:
        self.worker = worker
        self.queue: deque[Any] = deque(tasks)
        self.busy_until = delay  # instant the next task's window starts (the delay until "go")
        self.fault: str | None = fault[0] if fault else None
        self.at: int = int(fault[1]) if fault else -1
        self.state = "waiting"  # waiting | running | idle | crashed | hung
        self.pending: tuple[int, Any, float, float] | None = None  # index, value, cost, deadline
        self.index = -1  # task in progress (computed or being computed)
        self.window_start = delay


class _Job:
    def __init__(
        self, job_id: str, tau: float, workload: Any, x: Any, load_error: str | None
    ) -> None:
        self.job_id = job_id
        self.started = False
        self.tau = tau
        self.workload = workload
        self.x = x
        self.load_error = load_error
        self.workers: dict[int, _Worker] = {}
        self.outbox: list[tuple[Any, ...]] = []


class Engine:
    """Runs the logical workers of one host (thread or process); see the module docstring."""

    def __init__(
        self,
        send: Send,
        clock: Callable[[], float] = time.monotonic,
        *,
        ack: bool = False,
        freeze_gc: bool = False,
    ) -> None:
        self.send = send
        self.ack = ack
        self.freeze_gc = freeze_gc  # a dedicated host process: see _start_job
        self.clock = clock
        self.jobs: dict[str, _Job] = {}
        self.heap: list[tuple[float, int, str, int]] = []
        self.workloads: dict[str, Any] = {}  # key -> workload (or the load error string)
        self._seq = 0
        self._last_flush = clock()

    # -- main loop -------------------------------------------------------------------------
    def run(self, get: Get) -> None:
        """Serve commands and run due steps until ``("exit",)`` (or the channel closes)."""
        try:
            while True:
                now = self.clock()
                due = bool(self.heap) and self.heap[0][0] <= now
                if due:
                    wait: float | None = 0.0
                else:
                    self.flush()
                    wait = None if not self.heap else self.heap[0][0] - now
                msg = get(wait)
                if msg is not None:
                    if not self.handle(msg):
                        return
                    continue
                if self.heap and self.heap[0][0] <= self.clock():
                    _, _, job_id, worker = heapq.heappop(self.heap)
                    job = self.jobs.get(job_id)
                    if job is not None and worker in job.workers:
                        self._step(job, job.workers[worker])
                    if self.clock() - self._last_flush > FLUSH_EVERY:
                        self.flush()
        finally:
            self.flush()

    def handle(self, msg: tuple[Any, ...]) -> bool:
        kind = msg[0]
        if kind == "job":
            self._start_job(*msg[1:])
        elif kind == "go":
            self._go(msg[1], msg[2])
        elif kind == "submit":
            self._submit(*msg[1:])
        elif kind == "cancel":
            self._cancel(msg[1])
        elif kind == "load":
            self._load(msg[1], msg[2])
        elif kind == "exit":
            return False
        return True

    def flush(self) -> None:
        self._last_flush = self.clock()
        for job in self.jobs.values():
            if job.outbox:
                out, job.outbox = job.outbox, []
                self.send(("ev", job.job_id, out))

    # -- commands --------------------------------------------------------------------------
    def _load(self, key: str, payload: Any) -> None:
        if isinstance(payload, bytes):
            try:
                payload = pickle.loads(payload)
            except Exception as e:  # reported as a crash of each worker
                payload = f"could not load the workload: {type(e).__name__}: {e}"
        self.workloads = {key: payload}  # keep only the latest workload

    def _start_job(self, job_id: str, tau: float, key: str, x: Any, workers: list[Any]) -> None:
        workload = self.workloads.get(key, f"workload {key} was never loaded")
        load_error = workload if isinstance(workload, str) else None
        job = _Job(job_id, tau, workload, x, load_error)
        self.jobs[job_id] = job
        for worker, delay, tasks, fault in workers:
            job.workers[worker] = _Worker(worker, float(delay), list(tasks), fault)
        if self.freeze_gc:
            # A job's queues are ~10^5 long-lived objects (m = 1000): a full collection
            # scanning them stalls every logical worker of this host for tens of ms mid-run.
            # Freezing exempts them (refcounting still frees them); unfrozen when the job ends.
            gc.freeze()
        if self.ack:
            self.send(("armed", job_id, None))

    def _go(self, job_id: str, t0: float) -> None:
        job = self.jobs.get(job_id)
        if job is None or job.started:
            return
        job.started = True
        now = self.clock()
        for w in job.workers.values():
            # a "go" that reaches this host late starts it late: honest, visible in the trace
            w.busy_until = w.window_start = max(t0 + w.busy_until, now)
            self._push(w.busy_until, job_id, w.worker)

    def _submit(self, job_id: str, worker: int, tasks: list[Any]) -> None:
        job = self.jobs.get(job_id)
        if job is None or worker not in job.workers:
            return
        w = job.workers[worker]
        if w.state == "crashed":
            job.outbox.append(
                tuple(
                    Event("crash", worker, -1, self.clock(), None, "task given to a crashed worker")
                )
            )
            return
        w.queue.extend(tasks)
        if w.state == "idle" and job.started:
            now = self.clock()
            w.state = "running"
            w.busy_until = max(w.busy_until, now)
            self._push(now, job_id, worker)

    def _cancel(self, job_id: str) -> None:
        job = self.jobs.pop(job_id, None)
        if job is None:
            self.send(("stopped", job_id, []))
            return
        now = self.clock()
        stops = []
        for w in job.workers.values():
            partial = 0.0
            if w.pending is not None:
                _, _, cost, deadline = w.pending
                span = deadline - w.window_start
                partial = (
                    cost * min(1.0, max(0.0, (now - w.window_start) / span)) if span > 0 else cost
                )
            index = w.index if w.state in ("running", "hung") else -1
            stops.append(tuple(WorkerStop(w.worker, w.state, index, partial)))
        if job.outbox:  # events produced before the cancel still go out, in order
            self.send(("ev", job_id, job.outbox))
        self.heap = [h for h in self.heap if h[2] != job_id]
        heapq.heapify(self.heap)
        self.send(("stopped", job_id, stops))
        if self.freeze_gc and not self.jobs:
            gc.unfreeze()

    # -- one step of one logical worker -----------------------------------------------------
    def _push(self, when: float, job_id: str, worker: int) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (when, self._seq, job_id, worker))

    def _emit(
        self,
        job: _Job,
        kind: str,
        worker: int,
        index: int,
        value: Any = None,
        error: str | None = None,
    ) -> None:
        job.outbox.append((kind, worker, index, self.clock(), value, error))

    def _step(self, job: _Job, w: _Worker) -> None:
        if w.state == "waiting":
            w.state = "running"
            self._emit(job, "start", w.worker, -1)
            if job.load_error is not None:
                w.state = "crashed"
                self._emit(job, "crash", w.worker, -1, error=job.load_error)
                return
        if w.pending is not None:  # its deadline has come: release the result
            index, value, _cost, deadline = w.pending
            w.pending = None
            self._emit(job, "result", w.worker, index, value)
            w.busy_until = deadline
        self._next_task(job, w)

    def _next_task(self, job: _Job, w: _Worker) -> None:
        if not w.queue:
            w.state = "idle"
            w.index = -1
            self._emit(job, "idle", w.worker, -1)
            return
        index, functions, cost = w.queue.popleft()
        w.index = index
        if w.fault is not None and index >= w.at and w.fault != "raise":
            if w.fault == "crash":
                w.state = "crashed"
                self._emit(job, "crash", w.worker, index, error="injected crash")
            else:
                w.state = "hung"
            w.queue.clear()
            return
        start = max(w.busy_until, self.clock()) if job.tau <= 0 else w.busy_until
        w.window_start = start
        try:
            if w.fault == "raise" and index >= w.at:
                raise InjectedFault(f"injected fault in task {index} of worker {w.worker}")
            value = job.workload.partial(functions, job.x)
        except Exception as e:  # a failing f_i: an erasure, reported
            now = self.clock()
            self._emit(job, "error", w.worker, index, error=f"{type(e).__name__}: {e}")
            w.busy_until = max(w.busy_until, now)
            self._push(now, job.job_id, w.worker)
            return
        done = self.clock()
        deadline = start + job.tau * cost if job.tau > 0 else done
        if deadline <= done:  # no padding, or the computation overran its window
            self._emit(job, "result", w.worker, index, value)
            w.busy_until = done
            self._push(done, job.job_id, w.worker)
        else:
            w.pending = (index, value, cost, deadline)
            self._push(deadline, job.job_id, w.worker)
