"""The master loop: drive one job on any backend, stream results into the decoder, stop early.

One call of :func:`execute` runs one job (one trial of one scheme): it opens a
:class:`~.backends.base.Session`, gives every worker the queue its :class:`~.policy.Policy`
chose, then consumes events **as they stream back** until the policy is ``ready``.  It then
closes the session, which **cancels all outstanding work** (no worker keeps computing for a
finished job) and waits until every worker has stopped, and decodes.  This is the papers'
master (000 §II, 001 §II): it stops at the first decodable set of results, whatever the
stragglers do.

**What is measured** (papers 000/001 Def. 1: latency = time to *collect* a set of results from
which F is recoverable; decoding is timed apart, ``decode_time``):

* every result is stamped when it reaches the master — on a receiver thread when the session
  allows it (``Session.concurrent_poll``), so the stamp does not wait for the master's own
  thread, which may be busy in a slow ``ready`` check (SR's dense solve: 15–50 ms at m = 1000);
* every event in hand goes to the books and the policy before ``ready`` is asked (once per
  batch, not per event); a check slower than ``READY_BUDGET`` paces the next one (``PACE``);
* once ready, ``policy.decode_point()`` gives the smallest decodable prefix of what was fed
  (the scheme's exact ``decode_point``, as the simulator uses): ``latency`` is the arrival of
  its last result, ``received`` its length; results fed beyond it are marked ``late``, and the
  instant the master noticed is ``detected``.  How often or how slowly the master checks thus
  changes when it stops (wasted work), not the latency it reports.
* the cyclic GC is frozen for the job (the plan's ~10^5 queued objects at m = 1000 would make a
  full collection stall the master mid-run), and the GIL switch interval is shortened.

Events reach the policy uniformly (``start``, ``result``, ``error``, ``crash``, ``idle``, and
"time passed" at the policy's ``wake_at``), and a policy may answer any of them with new tasks
that are appended to running workers' queues: the loop is ready for speculative execution and
hedged requests, and runs ``ideal`` as a pull-based work queue today.

Erasures and failure modes: a task that raised, a crashed worker or a silent (hung) one is an
erasure.  The job ends without an answer when nothing more can arrive (every worker has crashed
or gone idle with the policy having nothing left to give) or after ``timeout`` seconds — never a
hang; the :class:`Execution` then carries the ``NotDecodableError`` message saying what arrived.
A ``KeyboardInterrupt`` (or any exception) closes the session in ``finally`` and propagates.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import NotDecodableError
from ..workloads.base import Workload
from .backends.base import Backend, Event, Fault, JobSpec, Session, Task
from .policy import Policy, Submissions
from .trace import Trace, WorkerTrace


@dataclass
class Execution:
    """Outcome of one job: the decoded value (or the error message) and its trace."""

    value: np.ndarray | None
    error: str | None
    trace: Trace

    @property
    def latency(self) -> float:
        lat = self.trace.latency
        return float("inf") if lat is None else lat


class _Books:
    """The master's bookkeeping of one job, turned into a :class:`Trace` at the end."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        n = len(trace.workers)
        self.t0 = 0.0
        self.cost: dict[tuple[int, int], float] = {}
        self.outstanding: list[set[int]] = [set() for _ in range(n)]
        self.idle = [False] * n
        self.dead = [False] * n
        self.fed: list[dict[str, Any]] = []  # trace entries of the results fed, in order

    def submitted(self, subs: Submissions) -> None:
        for w, tasks in subs.items():
            if not tasks:
                continue
            for t in tasks:
                self.cost[(w, t.index)] = float(t.cost)
                self.outstanding[w].add(t.index)
            self.idle[w] = False
            self.trace.workers[w].submitted += len(tasks)

    def record(self, ev: Event, arrived: float, *, late: bool = False) -> None:
        wt = self.trace.workers[ev.worker]
        w, t0 = ev.worker, self.t0
        if ev.kind == "start":
            wt.start = ev.time - t0
        elif ev.kind == "result":
            self.outstanding[w].discard(ev.index)
            entry = {
                "index": ev.index,
                "cost": self.cost.get((w, ev.index), 0.0),
                "done": ev.time - t0,
                "arrived": arrived - t0,
            }
            if late:
                entry["late"] = True
            wt.tasks.append(entry)
            if not late:
                self.fed.append(entry)
            self.trace.work_done += entry["cost"]
        elif ev.kind == "error":
            self.outstanding[w].discard(ev.index)
            wt.failures.append(
                {"index": ev.index, "kind": "raise", "error": ev.error, "time": ev.time - t0}
            )
        elif ev.kind == "crash":
            if self.dead[w]:
                return
            self.dead[w] = True
            lost = sorted(self.outstanding[w])
            self.outstanding[w].clear()
            wt.failures.append(
                {
                    "index": ev.index,
                    "kind": "crash",
                    "error": ev.error,
                    "time": ev.time - t0,
                    "lost": lost,
                }
            )
            wt.state = "crashed"
        elif ev.kind == "idle":
            self.idle[w] = True

    def settled(self) -> bool:
        """Nothing more can arrive: every worker is dead, or idle with nothing outstanding."""
        return all(
            d or (i and not o)
            for d, i, o in zip(self.dead, self.idle, self.outstanding, strict=True)
        )

    def summary(self) -> str:
        n = len(self.dead)
        crashed = sum(self.dead)
        raised = sum(
            len([f for f in w.failures if f["kind"] == "raise"]) for w in self.trace.workers
        )
        silent = sum(1 for d, o in zip(self.dead, self.outstanding, strict=True) if not d and o)
        first = next((f["error"] for w in self.trace.workers for f in w.failures), None)
        parts = [
            f"{crashed} of {n} workers crashed",
            f"{raised} task(s) raised",
            f"{silent} worker(s) still silent",
        ]
        return ", ".join(parts) + (f"; first failure: {first}" if first else "")


READY_BUDGET = 0.001  # seconds: a ``ready`` check slower than this paces the next ones
PACE = 2.0  # after a slow failed check, wait as long again: at most half the time checking
RECEIVER_TICK = 0.005  # seconds: how often the receiver thread looks at its stop flag
SWITCH_INTERVAL = 0.0005  # seconds: GIL hand-over while a job runs (prompt arrival stamps)

Batch = tuple[float, list[Event]]  # (arrival instant, events)


class _Direct:
    """Polls the session on the master's own thread (sessions that do not allow otherwise)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self) -> None:
        pass

    def poll(self, timeout: float) -> list[Batch]:
        events = self.session.poll(max(timeout, 0.0))
        return [(time.monotonic(), events)] if events else []

    def stop(self) -> list[Batch]:
        return []


class _Receiver:
    """Polls the session on a thread of its own and stamps every batch on arrival.

    The master's own thread may be busy for tens of ms in a decoder's ``ready`` check (SR's
    dense solve at m = 1000); results arriving meanwhile would otherwise be stamped when it
    next polls.  LAPACK and waits release the GIL, so this thread stamps them on time.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.batches: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self.halt = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="codedcomp-receiver", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _main(self) -> None:
        try:
            while not self.halt.is_set():
                events = self.session.poll(RECEIVER_TICK)
                if events:
                    self.batches.put((time.monotonic(), events))
        except BaseException as e:  # handed to the master's thread
            self.error = e
            self.batches.put((time.monotonic(), []))

    def _drain(self, out: list[Batch]) -> list[Batch]:
        while True:
            try:
                out.append(self.batches.get_nowait())
            except queue.Empty:
                return [b for b in out if b[1]]

    def poll(self, timeout: float) -> list[Batch]:
        out: list[Batch] = []
        try:
            out.append(
                self.batches.get(timeout=timeout) if timeout > 0 else self.batches.get_nowait()
            )
        except queue.Empty:
            return out
        out = self._drain(out)
        if self.error is not None:
            raise self.error
        return out

    def stop(self) -> list[Batch]:
        """Stop the thread; the batches it received but nobody consumed."""
        self.halt.set()
        if self.thread.is_alive():
            self.thread.join(2.0)
        return self._drain([])


def _submit(session: Session, books: _Books, subs: Submissions | None) -> None:
    if not subs:
        return
    books.submitted(subs)
    for w, tasks in subs.items():
        if tasks:
            session.submit(w, tasks)


def execute(
    policy: Policy,
    *,
    backend: Backend,
    workload: Workload,
    x: Any,
    delays: np.ndarray,
    tau: float,
    faults: dict[int, Fault] | None = None,
    timeout: float = 60.0,
    workload_key: str | None = None,
    trial: int = 0,
    grace: float = 2.0,
) -> Execution:
    """Run one job of ``policy`` on ``backend``; see the module docstring."""
    delays = np.asarray(delays, dtype=float)
    n = len(delays)
    faults = faults or {}
    trace = Trace(
        scheme=policy.label,
        trial=trial,
        backend=str(backend),
        m=int(getattr(workload, "m", 0)),
        tau=float(tau),
        workers=[
            WorkerTrace(
                j,
                float(delays[j]),
                {"kind": faults[j].kind, "at": faults[j].at} if j in faults else None,
            )
            for j in range(n)
        ],
    )
    books = _Books(trace)
    initial = policy.initial()
    books.submitted(initial)
    job = JobSpec(
        job_id=uuid.uuid4().hex,
        workload=workload,
        workload_key=workload_key or uuid.uuid4().hex,  # no key: the workload may have changed
        x=x,
        n_workers=n,
        delays=delays,
        tau=float(tau),
        tasks=initial,
        faults=faults,
    )
    detected: float | None = None  # instant the master saw ``policy.ready``
    arrivals: list[float] = []  # arrival instant of every result fed to the policy, in order
    timed_out = False
    check_at = 0.0  # no ``ready`` check before this instant (paces expensive checks)
    unchecked = False  # results fed since the last ``ready`` check
    t_open = time.monotonic()
    session = backend.open(job)
    # the plan's queues are long-lived: keep the cyclic GC from scanning them mid-run
    froze = gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    source: _Direct | _Receiver = (
        _Receiver(session) if getattr(session, "concurrent_poll", False) else _Direct(session)
    )
    switch = sys.getswitchinterval()
    try:
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
        t0 = time.monotonic()
        trace.dispatch_time = t0 - t_open
        books.t0 = t0
        session.start(t0)
        source.start()
        t_end = t0 + timeout
        while True:
            now = time.monotonic()
            if unchecked and now >= check_at:
                unchecked = False
                if policy.ready:
                    detected = time.monotonic()
                    break
                if books.settled():
                    break
                cost = time.monotonic() - now
                if cost > READY_BUDGET:  # pace slow checks (PACE)
                    check_at = now + PACE * cost
                continue
            if now >= t_end:
                timed_out = True
                break
            wait = t_end - now
            if policy.wake_at is not None:
                if now >= policy.wake_at:
                    _submit(session, books, policy.on_time(now))
                    continue
                wait = min(wait, policy.wake_at - now)
            if unchecked:
                wait = min(wait, check_at - now)
            for arrived, events in source.poll(wait):
                for ev in events:  # every event in hand goes to the books and the decoder first
                    books.record(ev, arrived)
                    if ev.kind == "result":
                        arrivals.append(arrived)
                        unchecked = True
                    _submit(session, books, policy.on_event(ev))
            if books.settled():
                if not unchecked:
                    break
                check_at = 0.0  # nothing more can arrive: the last check is not paced
        if detected is None:  # the job ends here: a last, exact (unpaced, unshortcut) check
            policy.finalize()
            if policy.ready:
                detected = time.monotonic()
    finally:
        unread = source.stop()
        report = session.close(grace)
        sys.setswitchinterval(switch)
        if froze:
            gc.unfreeze()
    for arrived, events in unread:
        for ev in events:
            books.record(ev, arrived, late=True)
    arrived = time.monotonic()
    for ev in report.late_events:
        books.record(ev, arrived, late=True)
    trace.stop_time = report.stop_seconds
    for j, wt in enumerate(trace.workers):
        stop = report.stops.get(j)
        if stop is not None and wt.state != "crashed":
            wt.state = stop.state
        if stop is not None:
            wt.partial_work = float(stop.partial_work)
            trace.work_done += wt.partial_work
        wt.cancelled = sorted(books.outstanding[j]) if not books.dead[j] else []
    trace.received = policy.received
    if detected is None:
        why = f"timed out after {timeout:g} s" if timed_out else "every worker finished or failed"
        trace.error = (
            f"{policy.label}: {why} with {policy.received} result(s) in hand "
            f"({books.summary()}); cannot decode: {policy.missing()}"
        )
        return Execution(None, trace.error, trace)
    # Def. 1 of papers 000/001: latency is the time to *collect* a sufficient set of results,
    # i.e. the arrival of the last result of the smallest decodable prefix of what was fed
    # (exact, however late the master noticed); noticing is recorded apart (``detected``).
    point = policy.decode_point()
    if point is None or not 1 <= point <= len(arrivals):
        point = len(arrivals)
    ready_at = arrivals[point - 1] if point else detected
    for entry in books.fed[point:]:  # fed, but not needed: arrived after the decode point
        entry["late"] = True
    trace.received = point
    trace.detected = detected - books.t0
    trace.latency = ready_at - books.t0
    t = time.monotonic()
    try:
        value = policy.result()
    except NotDecodableError as e:  # a decoder that disagrees with its own ``ready``
        trace.error = str(e)
        return Execution(None, trace.error, trace)
    trace.decode_time = time.monotonic() - t
    trace.decoded = True
    return Execution(np.asarray(value), None, trace)


__all__ = ["Execution", "Task", "execute"]
