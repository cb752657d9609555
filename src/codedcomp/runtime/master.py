"""The master loop: drive one job of a policy on any backend, stream results, stop early.

One call of :func:`execute` runs one job (one trial of one scheme): it opens a
:class:`~.backends.base.Session`, gives every worker the tasks its
:class:`~codedcomp.core.policy.Policy` chose, then consumes events **as they stream back** until
the policy is ``ready``, carrying out what the policy answers — tasks appended to workers'
queues, single tasks cancelled — through the same :class:`~codedcomp.core.job.Job` books the
event-driven simulator keeps.  It then closes the session, which **cancels all outstanding
work** (no worker keeps computing for a finished job) and waits until every worker has stopped,
and decodes.  This is the papers' master (000 §II, 001 §II): it stops at the first decodable set
of results, whatever the stragglers do.

**What is measured** (papers 000/001 Def. 1: latency = time to *collect* a set of results from
which F is recoverable; decoding is timed apart, ``decode_time``):

* every result is stamped when it reaches the master — on a receiver thread when the session
  allows it (``Session.concurrent_poll``), so the stamp does not wait for the master's own
  thread, which may be busy in a slow ``ready`` check (SR's dense solve: 15–50 ms at m = 1000);
* every event in hand goes to the books and the policy before ``ready`` is asked (once per
  batch, not per event); a check slower than ``READY_BUDGET`` paces the next one (``PACE``);
* once ready, the policy's ``decode_point()`` gives the smallest decodable prefix of what was
  fed (the scheme's exact ``decode_point``, as the simulator uses): ``latency`` is the arrival of
  its last result, ``received`` its length; results fed beyond it are marked ``late``, and the
  instant the master noticed is ``detected``.  How often or how slowly the master checks thus
  changes when it stops (wasted work), not the latency it reports.
* the cyclic GC is frozen for the job (the plan's ~10^5 queued objects at m = 1000 would make a
  full collection stall the master mid-run), and the GIL switch interval is shortened.

**Work** is what workers really did (:class:`~codedcomp.core.work.Work`): the windows of the
tasks they finished, the part of the tasks cancelled or stopped at the close, late results
included; the trace lists every task with how it ended (``done``, ``cancelled``, ``lost``,
``failed``) so a cancelled loser can be seen to have stopped.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.job import Job
from ..core.policy import Policy
from ..core.tasks import Actions, Event
from ..core.work import Work
from ..errors import NotDecodableError
from ..workloads.base import Workload
from . import interrupt
from .backends.base import Backend, Fault, JobSpec, Session
from .trace import Trace, WorkerTrace


@dataclass
class Execution:
    """Outcome of one job: the decoded value (or the error message) and its trace."""

    value: Any
    error: str | None
    trace: Trace

    @property
    def latency(self) -> float:
        lat = self.trace.latency
        return float("inf") if lat is None else lat


class _Books:
    """The trace side of one job's books (the policy side is the core :class:`Job`)."""

    def __init__(self, trace: Trace, job: Job) -> None:
        self.trace = trace
        self.job = job
        self.t0 = 0.0
        self.entries: dict[int, dict[str, Any]] = {}  # task id -> its trace entry
        self.fed: list[dict[str, Any]] = []  # entries of the results delivered, in order

    def entry(self, tid: int) -> dict[str, Any]:
        """The trace entry of task ``tid``, made when something first happens to it (a plan of
        10^5 queued tasks costs nothing until they run)."""
        e = self.entries.get(tid)
        if e is None:
            t = self.job.task[tid]
            e = {"index": tid, "cost": float(t.cost)}
            if t.origin is not None:
                e["copy_of"] = t.origin
            self.entries[tid] = e
            self.trace.workers[self.job.worker[tid]].tasks.append(e)
        return e

    def submitted(self, actions: Actions, now: float) -> None:
        for w, tasks in actions.submit.items():
            self.trace.workers[w].submitted += len(tasks)
            if now > 0:  # launched during the run (copies, pull queue): keep when
                for t in tasks:
                    self.entry(t.id)["submitted"] = now
        for tid in actions.cancel:
            self.entry(tid)["cancel_sent"] = now

    def record(self, ev: Event, arrived: float, *, fed: bool) -> None:
        """Book ``ev`` (before the policy sees it); ``fed``: the job delivered it to the policy."""
        wt = self.trace.workers[ev.worker]
        t0 = self.t0
        entry = self.entry(ev.task) if ev.task in self.job.task else None
        if ev.kind == "start":
            wt.start = ev.time - t0
        elif ev.kind == "result" and entry is not None:
            entry["done"] = ev.time - t0
            entry["arrived"] = arrived - t0
            if ev.began is not None:
                entry["began"] = ev.began - t0
            if fed:
                self.fed.append(entry)
            else:
                entry["late"] = True  # cancelled before it arrived, or after the job stopped
            self.trace.work_done += entry["cost"]
        elif ev.kind == "cancelled" and entry is not None:
            entry["cancelled"] = ev.time - t0
            entry["partial"] = float(ev.value or 0.0)
            if ev.began is not None:
                entry["began"] = ev.began - t0
            self.trace.work_done += entry["partial"]
        elif ev.kind == "error":
            if entry is not None:
                entry["failed"] = ev.time - t0
                if ev.began is not None:
                    entry["began"] = ev.began - t0
            wt.failures.append(
                {"index": ev.task, "kind": "raise", "error": ev.error, "time": ev.time - t0}
            )
        elif ev.kind == "crash":
            if wt.state == "crashed":
                return
            lost = sorted(self.job.outstanding[ev.worker])
            wt.failures.append(
                {
                    "index": ev.task,
                    "kind": "crash",
                    "error": ev.error,
                    "time": ev.time - t0,
                    "lost": lost,
                }
            )
            wt.state = "crashed"

    def summary(self) -> str:
        n = len(self.job.dead)
        crashed = sum(self.job.dead)
        raised = sum(
            len([f for f in w.failures if f["kind"] == "raise"]) for w in self.trace.workers
        )
        silent = sum(
            1 for d, o in zip(self.job.dead, self.job.outstanding, strict=True) if not d and o
        )
        first = next((f["error"] for w in self.trace.workers for f in w.failures), None)
        parts = [
            f"{crashed} of {n} workers crashed",
            f"{raised} task(s) raised",
            f"{silent} worker(s) still silent",
        ]
        return ", ".join(parts) + (f"; first failure: {first}" if first else "")

    def work(self, stops: Mapping[int, Any], tau: float, needed: float) -> Work:
        """What workers really did (module docstring)."""
        busy = units = 0.0
        launched = cancelled = 0
        for e in self.entries.values():
            if "done" in e:
                launched += 1
                units += e["cost"]
                if "began" in e:
                    busy += max(e["done"] - e["began"], 0.0)
            elif "cancelled" in e and "began" in e:
                launched += 1
                cancelled += 1
                units += e["partial"]
                busy += max(e["cancelled"] - e["began"], 0.0)
            elif "failed" in e:
                launched += 1
                cancelled += 1
        for stop in stops.values():
            if stop.in_progress >= 0 and stop.state != "crashed":
                launched += 1
                cancelled += 1
                units += stop.partial_work
                busy += stop.partial_work * tau
        copies = sum(1 for t in self.job.task.values() if t.origin is not None)
        return Work(busy, units, launched, cancelled, needed, copies)


def default_task_timeout(tau: float, cost: float, timeout: float) -> float:
    """How long one ``compute`` call may run before it counts as hung.

    Padded runs (``τ > 0``): ten times the largest task's window ``τ·cost``, at least 1 s (a
    computation is expected to take a small part of its window); natural speed (``τ = 0``): a
    quarter of the job's ``timeout``, at least 1 s.  Never more than ``timeout``.
    """
    limit = 10.0 * tau * cost if tau > 0 else timeout / 4
    return min(float(timeout), max(1.0, limit))


READY_BUDGET = 0.001  # seconds: a ``ready`` check slower than this paces the next ones
PACE = 2.0  # after a slow failed check, wait as long again: at most half the time checking
RECEIVER_TICK = 0.005  # seconds: how often the receiver thread looks at its stop flag
MAX_WAIT = 0.2  # seconds: the longest the master waits before looking for a swallowed Ctrl-C
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


def _carry_out(session: Session, job: Job, books: _Books, actions: Actions, now: float) -> None:
    """Send what the policy decided (already registered in ``job``) to the workers."""
    if not actions:
        return
    books.submitted(actions, now)
    for w, tasks in actions.submit.items():
        session.submit(w, tasks)
    by_worker: dict[int, list[int]] = {}
    for tid in actions.cancel:
        by_worker.setdefault(job.worker[tid], []).append(tid)
    for w, ids in by_worker.items():
        session.cancel_tasks(w, ids)


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
    data: Mapping[str, np.ndarray] | None = None,
    task_timeout: float | None = None,
) -> Execution:
    """Run one job of ``policy`` on ``backend``; see the module docstring.

    ``data``: the job's data (named arrays), shipped to the workers once for the whole job.
    ``task_timeout``: seconds a single ``compute`` call may run before it is abandoned as hung
    (its worker goes on; default :func:`default_task_timeout`).
    """
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
    t_enc = time.monotonic()
    x, own_data = policy.prepare_input(x)  # e.g. a matmul code encodes (A, B): job data
    if own_data is not None:
        data = own_data if data is None else {**data, **own_data}
        trace.encode_time = time.monotonic() - t_enc
    job = Job(policy, n)  # after prepare_input: the value kind may depend on the input
    books = _Books(trace, job)
    initial = job.begin()
    books.submitted(initial, 0.0)
    if task_timeout is None:
        costs = [t.cost for tasks in initial.submit.values() for t in tasks]
        task_timeout = default_task_timeout(tau, max(costs, default=1.0), timeout)
    spec = JobSpec(
        job_id=uuid.uuid4().hex,
        workload=workload,
        workload_key=workload_key or uuid.uuid4().hex,  # no key: the workload may have changed
        x=x,
        n_workers=n,
        delays=delays,
        tau=float(tau),
        tasks=initial.submit,
        faults=faults,
        data=data,
        task_timeout=task_timeout,
    )
    detected: float | None = None  # instant the master saw ``policy.ready``
    timed_out = False
    check_at = 0.0  # no ``ready`` check before this instant (paces expensive checks)
    unchecked = False  # results fed since the last ``ready`` check
    t_open = time.monotonic()
    session = backend.open(spec)
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
            interrupt.check()  # a Ctrl-C that Python swallowed is raised again
            now = time.monotonic()
            if unchecked and now >= check_at:
                unchecked = False
                if policy.ready:
                    detected = time.monotonic()
                    break
                if job.settled():
                    break
                cost = time.monotonic() - now
                if cost > READY_BUDGET:  # pace slow checks (PACE)
                    check_at = now + PACE * cost
                continue
            if now >= t_end:
                timed_out = True
                break
            wait = t_end - now
            wake = policy.wake_at
            if wake is not None:
                if now - t0 >= wake:
                    _carry_out(session, job, books, job.tick(now - t0), now - t0)
                    continue
                wait = min(wait, t0 + wake - now)
            if unchecked:
                wait = min(wait, check_at - now)
            for arrived, events in source.poll(min(wait, MAX_WAIT)):
                rel = arrived - t0
                for ev in events:  # every event in hand goes to the books and the policy first
                    fed_before = len(job.fed)
                    actions = job.deliver(ev, rel)
                    fed = len(job.fed) > fed_before
                    books.record(ev, arrived, fed=fed)
                    if fed:
                        unchecked = True
                    _carry_out(session, job, books, actions, rel)
            if job.settled():
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
            books.record(ev, arrived, fed=False)
    arrived = time.monotonic()
    for ev in report.late_events:
        books.record(ev, arrived, fed=False)
    trace.stop_time = report.stop_seconds
    for j, wt in enumerate(trace.workers):
        stop = report.stops.get(j)
        if stop is not None and wt.state != "crashed":
            wt.state = stop.state
        if stop is not None:
            wt.partial_work = float(stop.partial_work)
            trace.work_done += wt.partial_work
        wt.cancelled = sorted(job.outstanding[j]) if not job.dead[j] else []
    for tid, entry in books.entries.items():  # how every task that ran (or was cancelled) ended
        state = job.state[tid]
        entry["state"] = state if state != "queued" else "stopped"
    trace.work = books.work(report.stops, tau, policy.units).to_json()
    trace.received = policy.received
    answers = policy.answers()  # per-query instants (inference), already relative to t0
    if answers is not None:
        trace.answers = [[at if at != float("inf") else None, how] for at, how in answers]
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
    point = job.decode_point() or 0
    ready_at = t0 + job.arrivals[point - 1] if point else detected
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
    return Execution(value, None, trace)


__all__ = ["Execution", "default_task_timeout", "execute"]
