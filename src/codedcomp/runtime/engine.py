"""The worker-side executor: many logical workers on one thread, driven by a deadline heap.

Used by every backend: one engine per thread (``thread``), per pooled process (``local``) or per
Ray host actor (``ray``).  It implements the timing and fault contract of
:mod:`codedcomp.runtime.backends.base`: worker ``j`` starts at ``t0 + X_j`` and a task is released
at the absolute deadline ``window start + τ·cost (+ extra)``, the window of each task starting
where the previous one's ended — the papers' delay model (000 §IV, 001 §IV, eq. 4) enforced on a
monotonic clock, so per-task sleeps do not drift.

Design choices (see ``../shared/notes/runtime.md`` for the measurements behind them):

* **One thread, many logical workers.**  Instead of a thread per logical worker, the engine keeps
  a heap of (wake-up time, worker) and waits on its *command channel* until the earliest wake-up;
  a cancel command therefore wakes it at once.  Logical workers are thus cheap (a heap entry),
  so a 2-core machine runs hundreds of them; real computations of workers sharing an engine are
  serialised, exactly as they would contend for one core.
* **Compute early, release at the deadline.**  A task's value is computed as soon as the worker
  reaches the task (``workload.compute(payload, x, data)``), then held until its deadline; the
  next task's window starts at that deadline (or at the end of a computation that overran it).
* **A hung call costs one worker**.  With ``post`` (every backend passes its inbox), ``compute``
  calls run on *runner* threads (:class:`_Pool`): one at a time normally (a host's computations
  stay serialised, as on one core), while the engine thread stays free to serve commands and
  release held results.  A call that runs far longer than usual (``STALL_MIN``, or 5× the usual
  call) stalls only itself: a further runner thread takes the calls waiting behind it, so the
  other logical workers of the host carry on at once.  A call still running after the job's
  ``task_timeout`` is abandoned: its task becomes an ``"error"`` event ("hung"), its worker goes
  on with its next task, and the abandoned threads are reported (``"abandoned"``, and in the
  next ``"armed"``) so the backend recycles the host after the job (a stuck thread cannot be
  killed; its process can).
* **Cancelling one task** (``cancel_tasks``): a queued task is dropped; a task whose value is held
  for its deadline is dropped and its worker starts its next task at once (the elapsed part of
  its window counts as work done).  Either way a ``"cancelled"`` event reports it.  A ``partial``
  call in progress is never interrupted (cooperative): cancellation takes effect between steps;
  a call cancelled before a runner began it is skipped, and a long one may poll
  :func:`cancelled` and return early (the matmul workload does, between row blocks).
* **Job data** (``data``: encoded operands and the like, shipped once per job — shared memory on
  ``local``, the object store on Ray) is handed to every ``compute`` call of the job.
* **Injected faults are per logical worker**, striking at the worker's ``at``-th task (counting
  the tasks it begins): ``crash`` emits a crash event and drops the worker, ``hang`` silently
  drops it (its host keeps serving the other workers), ``raise`` makes its calls raise from
  there on.

Command protocol (tuples; the channel is a ``queue.Queue``, a pipe or Ray actor calls):
``("load", key, workload_or_pickled_bytes)``; ``("job", job_id, tau, key, x, data, workers,
options)`` with ``workers = [(worker, delay, [(id, payload, cost, extra), ...], fault), ...]``,
``fault = (kind, at)`` or ``None`` and ``options = {"task_timeout": seconds or None}``;
``("go", job_id, t0)``; ``("submit", job_id, worker, tasks)``; ``("cancel_tasks", job_id,
worker, [id, ...])``; ``("cancel", job_id)`` (the whole job); ``("exit",)``; internally
``("computed", key, value, error, began, ended)`` from the runner.  Outgoing: ``("ev", job_id,
[event tuples])``, ``("stopped", job_id, [WorkerStop tuples])``, ``("abandoned", job_id, n)``
(threads left stuck in hung calls, sent before ``"stopped"``) and, if the engine was built with
``ack=True``, ``("armed", job_id, stuck)`` once a job's workers are set up (so the master takes
``t0`` only when every host holds the job; ``stuck``: threads left in hung calls so far, or
``None``).  Event tuples are
:class:`~codedcomp.core.tasks.Event` fields.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import pickle
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .backends.base import WorkerStop

Send = Callable[[tuple[Any, ...]], None]
Get = Callable[[float | None], "tuple[Any, ...] | None"]

FLUSH_EVERY = 0.002  # seconds: how long events may wait in the outbox under a backlog


class InjectedFault(RuntimeError):
    """Raised inside a task by a ``raise:p=`` fault."""


class _Worker:
    __slots__ = (
        "at",
        "begun",
        "busy_until",
        "call",
        "cur",
        "fault",
        "pending",
        "queue",
        "state",
        "token",
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
        self.pending: tuple[int, Any, float, float] | None = None  # id, value, cost, deadline
        self.cur = -1  # task in progress (computed and held, or hung in)
        self.begun = 0  # tasks begun (where injected faults strike)
        self.window_start = delay
        self.token = 0  # bumped when a held task is cancelled: its heap entry is stale
        self.call: tuple[Any, ...] | None = None  # (key, tid, cost, pad, start): on the runner


STALL_MIN = 0.05  # seconds: a call running longer than this (and 5× the usual) stalls its host
MAX_RUNNERS = 16  # threads per host that may run calls while others are stalled
LOOK = 0.05  # seconds: how soon the engine looks again while a call is queued or being taken


_CALL = threading.local()  # on a runner thread: the pool and key of the call it is running


def cancelled() -> bool:
    """Inside a workload's ``compute``: has the task it computes been cancelled meanwhile?

    Its outcome would be dropped, so a long computation may poll this between steps and return
    early (any value: it is discarded).  Cancellation is otherwise cooperative — a call in
    progress is never interrupted — and cancelled calls that no runner has begun are skipped.
    ``False`` outside a compute call, and for calls an engine runs on its own thread.
    """
    pool = getattr(_CALL, "pool", None)
    return pool is not None and pool.is_dropped(_CALL.key)


class _Pool:
    """Runner threads for ``compute`` calls, posting each outcome to the engine's inbox.

    Normally one thread: a host's calls run one at a time, as they would share one core.  When
    every thread is busy with a call that has run far longer than usual (a *stalled* call) and
    calls are waiting, the engine adds a thread, so the waiting calls of other logical workers
    proceed; extra threads leave once nothing waits.  A call past its job's ``task_timeout`` is
    *abandoned*: its thread is written off (it posts nothing when the call returns) and, if no
    thread is left, a fresh one starts.
    """

    def __init__(self, post: Callable[[tuple[Any, ...]], None], clock: Callable[[], float]):
        self.post = post
        self.clock = clock
        self.requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.live: list[_RunnerThread] = []
        self.typical = 0.0  # moving average of call durations (seconds)
        self.dropped: set[Any] = set()  # keys of calls cancelled before a runner took them
        self.pending = 0  # calls submitted and not yet returned (or skipped)
        self.spawn()

    def spawn(self) -> None:
        with self.lock:
            t = _RunnerThread(self)
            self.live.append(t)
        t.thread.start()

    def submit(self, key: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self.lock:
            self.pending += 1
        self.requests.put((key, fn, args))

    def drop(self, key: Any) -> None:
        """Call ``key`` was cancelled: a runner that has not begun it skips it."""
        with self.lock:
            self.dropped.add(key)

    def taken(self, key: Any) -> bool:
        """A runner takes call ``key``: False if it was dropped (then it is skipped: no longer
        pending, its key forgotten)."""
        with self.lock:
            if key in self.dropped:
                self.dropped.discard(key)
                self.pending -= 1
                return False
            return True

    def is_dropped(self, key: Any) -> bool:
        with self.lock:
            return key in self.dropped

    def settled(self, key: Any) -> None:
        """The engine has the outcome of call ``key``: no later drop can concern it."""
        with self.lock:
            self.dropped.discard(key)

    def stall(self) -> float:
        return max(STALL_MIN, 5.0 * self.typical)

    def leave(self, t: _RunnerThread) -> bool:
        """Should runner ``t`` exit now (an extra thread with nothing waiting)?"""
        with self.lock:
            if t.abandoned or (len(self.live) > 1 and self.requests.empty()):
                if t in self.live:
                    self.live.remove(t)
                return True
        return False

    def abandon(self, t: _RunnerThread) -> None:
        with self.lock:
            current = t.current
            if current is not None:  # its outcome is discarded: a polling call may stop now
                self.dropped.add(current[0])
                self.pending -= 1
            t.abandoned = True
            if t in self.live:
                self.live.remove(t)
            empty = not self.live
        if empty:
            self.spawn()

    def stop(self) -> None:
        with self.lock:
            n = len(self.live)
        for _ in range(n):
            self.requests.put(None)


class _RunnerThread:
    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.current: tuple[Any, float] | None = None  # (key, started) of the call in progress
        self.abandoned = False
        self.thread = threading.Thread(target=self._main, name="codedcomp-runner", daemon=True)

    def _main(self) -> None:
        pool = self.pool
        while True:
            item = pool.requests.get()
            if item is None:
                return
            key, fn, args = item
            if not pool.taken(key):  # cancelled while it waited: never computed
                item = args = None
                continue
            began = pool.clock()
            self.current = (key, began)
            value: Any = None
            error: str | None = None
            _CALL.pool, _CALL.key = pool, key
            try:
                value = fn(*args)
            except Exception as e:  # a failing f_i: an erasure, reported
                error = f"{type(e).__name__}: {e}"
            finally:
                _CALL.pool = _CALL.key = None
            ended = pool.clock()
            with pool.lock:
                self.current = None
                abandoned = self.abandoned
                if not abandoned:  # an abandoned call stopped counting when it was abandoned
                    pool.pending -= 1
            if abandoned:  # written off as hung: its worker has moved on
                pool.settled(key)
                return
            if not pool.is_dropped(key):  # a call that stopped early is not a usual duration
                pool.typical = 0.9 * pool.typical + 0.1 * (ended - began)
            pool.post(("computed", key, value, error, began, ended))
            value = item = args = None  # hold nothing while idle (a dropped result frees now)
            if pool.leave(self):
                return


class _Job:
    def __init__(
        self, job_id: str, tau: float, workload: Any, x: Any, data: Any, load_error: str | None
    ) -> None:
        self.job_id = job_id
        self.started = False
        self.tau = tau
        self.workload = workload
        self.x = x
        self.data = data
        self.load_error = load_error
        self.workers: dict[int, _Worker] = {}
        self.outbox: list[tuple[Any, ...]] = []
        self.task_timeout: float | None = None
        self.abandoned = 0  # calls of this job abandoned as hung


class Engine:
    """Runs the logical workers of one host (thread or process); see the module docstring.

    ``attach``: turns the ``data`` handle of a ``job`` command into the job's data (e.g. maps a
    shared-memory segment); identity by default.  ``post``: puts a message into this engine's own
    command channel (from its runner thread); without it ``compute`` runs on the engine's thread
    and a hung call blocks the host (unit tests of the protocol only).  ``spill``: applied to
    every computed value right after its computation, on the runner thread (``local`` moves
    large arrays to shared memory there, :func:`~codedcomp.runtime.backends.shm.spill`).
    """

    def __init__(
        self,
        send: Send,
        clock: Callable[[], float] = time.monotonic,
        *,
        ack: bool = False,
        freeze_gc: bool = False,
        attach: Callable[[Any], Any] | None = None,
        post: Callable[[tuple[Any, ...]], None] | None = None,
        spill: Callable[[Any], Any] | None = None,
    ) -> None:
        self.send = send
        self.post = post
        self.spill = spill
        self.runner: _Pool | None = None
        self._calls = itertools.count()
        self.stuck = 0  # runner threads left stuck in hung calls (reported when arming a job)
        self.ack = ack
        self.freeze_gc = freeze_gc  # a dedicated host process: see _start_job
        self.clock = clock
        self.attach = attach
        self.jobs: dict[str, _Job] = {}
        self.heap: list[tuple[float, int, str, int, int]] = []
        self.workloads: dict[str, Any] = {}  # key -> workload (or the load error string)
        self._seq = 0
        self._last_flush = clock()

    # -- main loop -------------------------------------------------------------------------
    def run(self, get: Get) -> None:
        """Serve commands and run due steps until ``("exit",)`` (or the channel closes)."""
        try:
            while True:
                now = self.clock()
                watch = self._watchdog(now)
                due = bool(self.heap) and self.heap[0][0] <= now
                if due:
                    wait: float | None = 0.0
                else:
                    self.flush()
                    wait = None if not self.heap else self.heap[0][0] - now
                if watch is not None:
                    wait = watch - now if wait is None else min(wait, watch - now)
                msg = get(wait)
                if msg is not None:
                    if not self.handle(msg):
                        return
                    continue
                if self.heap and self.heap[0][0] <= self.clock():
                    _, _, job_id, worker, token = heapq.heappop(self.heap)
                    job = self.jobs.get(job_id)
                    if job is not None and worker in job.workers:
                        w = job.workers[worker]
                        if token == w.token:
                            self._step(job, w)
                    if self.clock() - self._last_flush > FLUSH_EVERY:
                        self.flush()
        finally:
            self.flush()
            if self.runner is not None:
                self.runner.stop()

    def _watchdog(self, now: float) -> float | None:
        """Abandon calls past their ``task_timeout``, add a runner thread when every one is
        stalled and calls wait; the next instant to look (or None).

        The limit travels with the call, so a call that outlives its job (cancelled meanwhile)
        is abandoned all the same: the next job's calls never wait behind a hung one.
        """
        pool = self.runner
        if pool is None:
            return None
        wake: float | None = None
        busy = []
        for t in list(pool.live):
            cur = t.current
            if cur is None:
                continue
            key, began = cur
            limit = key[4]
            if limit is not None and now >= began + limit:
                pool.abandon(t)
                self._abandoned(key, limit, now)
                continue
            busy.append(began)
            if limit is not None:
                wake = began + limit if wake is None else min(wake, began + limit)
        if pool.pending > len(busy):  # a call is queued or being taken: look again soon, as
            # nothing may wake this loop once it hangs (its limit counts from its start)
            wake = now + LOOK if wake is None else min(wake, now + LOOK)
        if busy and len(busy) == len(pool.live) and not pool.requests.empty():
            stalled_since = max(busy) + pool.stall()  # the most recent call stalls last
            if now >= stalled_since and len(pool.live) < MAX_RUNNERS:
                pool.spawn()
            else:
                wake = stalled_since if wake is None else min(wake, stalled_since)
        return wake

    def _abandoned(self, key: Any, limit: float, now: float) -> None:
        """Call ``key`` is written off as hung: its task is an erasure; its worker goes on."""
        self.stuck += 1
        job = self.jobs.get(key[0])
        if job is None:
            return
        job.abandoned += 1
        w = job.workers.get(key[1])
        if w is None or w.call is None or w.call[0] != key:
            return
        tid, start = w.call[1], w.call[4]
        w.call = None
        w.cur = -1
        self._emit(
            job,
            "error",
            w.worker,
            tid,
            error=f"hung: no return after {limit:g} s (call abandoned; the worker goes on)",
            began=start,
        )
        w.busy_until = max(w.busy_until, now)
        self._push(now, job.job_id, w)

    def handle(self, msg: tuple[Any, ...]) -> bool:
        kind = msg[0]
        if kind == "computed":
            self._computed(*msg[1:])
        elif kind == "job":
            self._start_job(*msg[1:])
        elif kind == "go":
            self._go(msg[1], msg[2])
        elif kind == "submit":
            self._submit(*msg[1:])
        elif kind == "cancel_tasks":
            self._cancel_tasks(*msg[1:])
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

    def _start_job(
        self,
        job_id: str,
        tau: float,
        key: str,
        x: Any,
        data: Any,
        workers: list[Any],
        options: dict[str, Any] | None = None,
    ) -> None:
        workload = self.workloads.get(key, f"workload {key} was never loaded")
        load_error = workload if isinstance(workload, str) else None
        if data is not None and self.attach is not None and load_error is None:
            try:
                data = self.attach(data)
            except Exception as e:  # reported as a crash of each worker
                load_error = f"could not attach the job's data: {type(e).__name__}: {e}"
        job = _Job(job_id, tau, workload, x, data, load_error)
        job.task_timeout = (options or {}).get("task_timeout")
        self.jobs[job_id] = job
        for worker, delay, tasks, fault in workers:
            job.workers[worker] = _Worker(worker, float(delay), list(tasks), fault)
        if self.freeze_gc:
            # A job's queues are ~10^5 long-lived objects (m = 1000): a full collection
            # scanning them stalls every logical worker of this host for tens of ms mid-run.
            # Freezing exempts them (refcounting still frees them); unfrozen when the job ends.
            gc.freeze()
        if self.ack:  # with the threads stuck so far: the host is then recycled after the job
            self.send(("armed", job_id, self.stuck or None))

    def _go(self, job_id: str, t0: float) -> None:
        job = self.jobs.get(job_id)
        if job is None or job.started:
            return
        job.started = True
        now = self.clock()
        for w in job.workers.values():
            # a "go" that reaches this host late starts it late: honest, visible in the trace
            w.busy_until = w.window_start = max(t0 + w.busy_until, now)
            self._push(w.busy_until, job_id, w)

    def _submit(self, job_id: str, worker: int, tasks: list[Any]) -> None:
        job = self.jobs.get(job_id)
        if job is None or worker not in job.workers:
            return
        w = job.workers[worker]
        if w.state == "crashed":
            self._emit(job, "crash", worker, -1, error="task given to a crashed worker")
            return
        w.queue.extend(tasks)
        if w.state == "idle" and job.started:
            now = self.clock()
            w.state = "running"
            w.busy_until = max(w.busy_until, now)
            self._push(now, job_id, w)

    def _cancel_tasks(self, job_id: str, worker: int, ids: list[int]) -> None:
        job = self.jobs.get(job_id)
        if job is None or worker not in job.workers:
            return
        w = job.workers[worker]
        drop = set(ids)
        now = self.clock()
        if w.pending is not None and w.pending[0] in drop:  # held for its deadline: stop it
            tid, _, cost, deadline = w.pending
            span = deadline - w.window_start
            done = cost * min(1.0, max(0.0, (now - w.window_start) / span)) if span > 0 else cost
            self._emit(job, "cancelled", w.worker, tid, done, began=w.window_start)
            w.pending = None
            w.cur = -1
            w.token += 1  # its deadline entry is stale
            w.busy_until = w.window_start = now
            self._push(now, job_id, w)
            drop.discard(tid)
        if w.call is not None and w.call[1] in drop:  # on the runner: its outcome is dropped
            if self.runner is not None:  # and not computed at all if no runner has begun it
                self.runner.drop(w.call[0])
            tid, cost, pad, start = w.call[1:]
            done = cost * min(1.0, max(0.0, (now - start) / pad)) if pad > 0 else 0.0
            self._emit(job, "cancelled", w.worker, tid, done, began=start)
            w.call = None
            w.cur = -1
            w.busy_until = w.window_start = max(now, w.busy_until)
            self._push(now, job_id, w)
            drop.discard(tid)
        if drop and w.queue:
            kept: deque[Any] = deque()
            for t in w.queue:
                if t[0] in drop:
                    self._emit(job, "cancelled", w.worker, t[0], 0.0)
                else:
                    kept.append(t)
            w.queue = kept

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
            elif w.call is not None:  # still computing: the elapsed part of its window
                if self.runner is not None:  # a call no runner has begun is never computed
                    self.runner.drop(w.call[0])
                _, _, cost, pad, start = w.call
                partial = cost * min(1.0, max(0.0, (now - start) / pad)) if pad > 0 else 0.0
            index = w.cur if w.state in ("running", "hung") else -1
            stops.append(tuple(WorkerStop(w.worker, w.state, index, partial)))
        if job.outbox:  # events produced before the cancel still go out, in order
            self.send(("ev", job_id, job.outbox))
        if job.abandoned:
            self.send(("abandoned", job_id, job.abandoned))
        self.heap = [h for h in self.heap if h[2] != job_id]
        heapq.heapify(self.heap)
        self.send(("stopped", job_id, stops))
        if self.freeze_gc and not self.jobs:
            gc.unfreeze()

    # -- one step of one logical worker -----------------------------------------------------
    def _push(self, when: float, job_id: str, w: _Worker) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (when, self._seq, job_id, w.worker, w.token))

    def _emit(
        self,
        job: _Job,
        kind: str,
        worker: int,
        task: int,
        value: Any = None,
        error: str | None = None,
        began: float | None = None,
    ) -> None:
        job.outbox.append((kind, worker, task, self.clock(), value, error, began))

    def _step(self, job: _Job, w: _Worker) -> None:
        if w.state == "waiting":
            w.state = "running"
            self._emit(job, "start", w.worker, -1)
            if job.load_error is not None:
                w.state = "crashed"
                self._emit(job, "crash", w.worker, -1, error=job.load_error)
                return
        if w.pending is not None:  # its deadline has come: release the result
            tid, value, _cost, deadline = w.pending
            w.pending = None
            self._emit(job, "result", w.worker, tid, value, began=w.window_start)
            w.busy_until = deadline
        self._next_task(job, w)

    def _next_task(self, job: _Job, w: _Worker) -> None:
        if not w.queue:
            w.state = "idle"
            w.cur = -1
            self._emit(job, "idle", w.worker, -1)
            return
        tid, payload, cost, extra = w.queue.popleft()
        w.cur = tid
        position = w.begun
        w.begun += 1
        if w.fault is not None and position >= w.at and w.fault != "raise":
            if w.fault == "crash":
                w.state = "crashed"
                self._emit(job, "crash", w.worker, tid, error="injected crash")
            else:
                w.state = "hung"
            w.queue.clear()
            return
        pad = job.tau * cost + extra
        start = w.busy_until if pad > 0 else max(w.busy_until, self.clock())
        w.window_start = start
        if w.fault == "raise" and position >= w.at:
            injected = f"InjectedFault: injected fault in task {tid} of worker {w.worker}"
            self._finish(job, w, tid, cost, pad, start, None, injected)
            return
        if self.post is not None:  # on the runner thread; the outcome comes back as "computed"
            if self.runner is None:
                self.runner = _Pool(self.post, self.clock)
            key = (job.job_id, w.worker, tid, next(self._calls), job.task_timeout)
            w.call = (key, tid, cost, pad, start)
            self.runner.submit(key, self._compute, (job.workload, payload, job.x, job.data))
            return
        value: Any = None
        error = None
        try:
            value = self._compute(job.workload, payload, job.x, job.data)
        except Exception as e:  # a failing f_i: an erasure, reported
            error = f"{type(e).__name__}: {e}"
        self._finish(job, w, tid, cost, pad, start, value, error)

    def _compute(self, workload: Any, payload: Any, x: Any, data: Any) -> Any:
        value = workload.compute(payload, x, data)
        return value if self.spill is None else self.spill(value)

    def _computed(
        self, key: Any, value: Any, error: str | None, began: float, ended: float
    ) -> None:
        """The runner's outcome of call ``key`` (dropped if cancelled or abandoned meanwhile)."""
        if self.runner is not None:
            self.runner.settled(key)
        job = self.jobs.get(key[0])
        w = None if job is None else job.workers.get(key[1])
        if job is None or w is None or w.call is None or w.call[0] != key:
            return
        _, tid, cost, pad, start = w.call
        w.call = None
        self._finish(job, w, tid, cost, pad, start, value, error)

    def _finish(
        self,
        job: _Job,
        w: _Worker,
        tid: int,
        cost: float,
        pad: float,
        start: float,
        value: Any,
        error: str | None,
    ) -> None:
        """A task's computation ended: report an error now, or hold its value to its deadline."""
        if error is not None:
            now = self.clock()
            self._emit(job, "error", w.worker, tid, error=error, began=start)
            w.busy_until = max(w.busy_until, now)
            w.cur = -1
            self._push(now, job.job_id, w)
            return
        done = self.clock()
        deadline = start + pad if pad > 0 else done
        if deadline <= done:  # no padding, or the computation overran its window
            self._emit(job, "result", w.worker, tid, value, began=start)
            w.busy_until = done
            self._push(done, job.job_id, w)
        else:
            w.pending = (tid, value, cost, deadline)
            self._push(deadline, job.job_id, w)
