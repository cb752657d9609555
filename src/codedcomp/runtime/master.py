"""The master loop: drive one job on any backend, stream results into the decoder, stop early.

One call of :func:`execute` runs one job (one trial of one scheme): it opens a
:class:`~.backends.base.Session`, gives every worker the queue its :class:`~.policy.Policy`
chose, then consumes events **as they stream back** — every result goes to the policy's
incremental decoder the moment it arrives — until the policy is ``ready``.  It then closes the
session, which **cancels all outstanding work** (no worker keeps computing for a finished job)
and waits until every worker has stopped, and decodes.  This is the papers' master (000 §II,
001 §II): it stops at the first decodable set of results, whatever the stragglers do.

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
        workload_key=workload_key or f"w{id(workload):x}",
        x=x,
        n_workers=n,
        delays=delays,
        tau=float(tau),
        tasks=initial,
        faults=faults,
    )
    ready_at: float | None = None
    timed_out = False
    t_open = time.monotonic()
    session = backend.open(job)
    try:
        t0 = time.monotonic()
        trace.dispatch_time = t0 - t_open
        books.t0 = t0
        session.start(t0)
        t_end = t0 + timeout
        while ready_at is None:
            now = time.monotonic()
            if now >= t_end:
                timed_out = True
                break
            wait = t_end - now
            if policy.wake_at is not None:
                if now >= policy.wake_at:
                    _submit(session, books, policy.on_time(now))
                    continue
                wait = min(wait, policy.wake_at - now)
            events = session.poll(wait)
            arrived = time.monotonic()
            for ev in events:
                books.record(ev, arrived, late=ready_at is not None)
                if ready_at is None:
                    _submit(session, books, policy.on_event(ev))
                    if policy.ready:
                        ready_at = time.monotonic()
            if ready_at is None and books.settled():
                break
    finally:
        report = session.close(grace)
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
    if ready_at is None:
        why = f"timed out after {timeout:g} s" if timed_out else "every worker finished or failed"
        trace.error = (
            f"{policy.label}: {why} with {policy.received} result(s) in hand "
            f"({books.summary()}); cannot decode: {policy.missing()}"
        )
        return Execution(None, trace.error, trace)
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
