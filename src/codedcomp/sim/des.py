"""Event-driven simulation of one job under a virtual clock: the same Policy as a real run.

An explicit environment (SimPy's shape, no hidden state: a heap of ``(time, sequence, kind,
worker, token)``) drives a :class:`~codedcomp.core.policy.Policy` through a
:class:`~codedcomp.core.job.Job` exactly as the runtime's master does, with the papers' worker
model (000 §IV / 001 §IV, eq. 4) in place of real workers:

* worker ``j`` starts at its initial delay ``X_j`` and works through its queue in order; a task
  begun at an *anchor* instant ``a`` after tasks of cumulative cost ``C`` (itself included)
  completes at ``a + τ·C`` — the anchor is ``X_j`` for a worker's first queue, and ``now`` when an
  idle worker receives work (unless its queue ran dry at this very instant: then it never
  paused) or a running task is cancelled.  A static plan therefore completes
  task ``b`` of worker ``j`` at ``X_j + τ·Σ_{b'≤b} cost``, the very float that
  :meth:`~codedcomp.codes.sums.Plan.finish_times` computes (per-worker cumulative cost), and the
  vectorised shortcuts agree with this path bit for bit (tested);
* an optional per-task **service-time model** adds ``Y`` to a task's window, so a copy launched on
  another worker can finish before its original even once the original's worker has started;
  ``Y`` of the ``c``-th launch of unit ``u`` is ``model.quantile(U(key, u, c))``, a pure function
  of the trial's key (counter-based, :func:`codedcomp.rng.counter_uniform`), whatever the order
  of events;
* cancelling a queued task drops it; cancelling a running task stops it at ``now`` (the work done
  so far counts) and its worker moves on at once; results of cancelled tasks never reach the
  policy (the :class:`~codedcomp.core.job.Job` filters them);
* the policy's ``wake_at`` schedules a "time passed" event (:meth:`Policy.on_time`).

The master is instantaneous: after each result the policy's ``ready`` is asked, and the job stops
at the arrival of the last result of its smallest decodable prefix (``decode_point``); work is
counted up to that instant (:func:`~codedcomp.core.work.work_at`).  The simulator feeds *supports*
only (values are ``None``).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.job import Job
from ..core.policy import Policy
from ..core.tasks import Actions, Event
from ..core.work import Work, work_at
from ..rng import counter_uniform

_START, _DONE, _WAKE = 0, 1, 2
_WAITING, _RUNNING, _IDLE = 0, 1, 2


@dataclass
class Outcome:
    """One simulated job: latency (``inf``: never decodable), results needed, work, the books."""

    latency: float
    received: int
    work: Work | None
    job: Job | None = field(default=None, repr=False)


class _Worker:
    __slots__ = ("anchor", "cum", "cur", "idle_since", "phase", "queue", "token", "ycum")

    def __init__(self) -> None:
        self.phase = _WAITING
        self.queue: deque[int] = deque()
        self.cur = -1
        self.anchor = 0.0
        self.cum = 0.0
        self.ycum = 0.0
        self.token = 0
        self.idle_since = math.nan


class Service:
    """The per-task service-time model: ``Y`` of launch ``c`` of unit ``u`` (module docstring)."""

    def __init__(self, model: Any, key: int) -> None:
        self.model = model
        self.key = int(key)

    def __call__(self, unit: int, copy: int) -> float:
        u = counter_uniform(self.key, np.array([unit]), np.array([copy]))
        return float(np.asarray(self.model.quantile(u))[0])


class Simulation:
    """One job of ``policy`` on workers with initial delays ``x``; see the module docstring."""

    def __init__(
        self,
        policy: Policy,
        x: np.ndarray,
        tau: float,
        *,
        service: Service | None = None,
        until: float = math.inf,
    ) -> None:
        self.policy = policy
        self.x = np.asarray(x, dtype=float)
        self.tau = float(tau)
        self.service = service
        self.until = until
        n = len(self.x)
        self.job = Job(policy, n, check_values=False)
        self.workers = [_Worker() for _ in range(n)]
        self.heap: list[tuple[float, int, int, int, int]] = []
        self._seq = 0
        self._wake: float | None = None
        self.cost: dict[int, float] = {}
        self.extra: dict[int, float] = {}
        self.began: dict[int, float] = {}
        self.end: dict[int, float] = {}
        self.stopped: dict[int, float] = {}
        self._launches: dict[int, int] = {}  # unit -> launches so far (service-time draws)

    # -- the environment ---------------------------------------------------------------------
    def _push(self, t: float, kind: int, worker: int = -1, token: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (t, self._seq, kind, worker, token))

    def _apply(self, actions: Actions, now: float) -> None:
        if not actions:
            return
        job, W = self.job, self.workers
        for tid in actions.cancel:
            w = job.worker[tid]
            ws = W[w]
            if ws.cur == tid:  # running: stop it now, the worker moves on
                self.stopped[tid] = now
                ws.token += 1
                ws.cur = -1
                self._begin(w, now, fresh=True)
            else:
                try:
                    ws.queue.remove(tid)
                except ValueError:  # pragma: no cover - Job only passes outstanding tasks
                    pass
        for w, tasks in actions.submit.items():
            ws = W[w]
            for t in tasks:
                self.cost[t.id] = t.cost
                extra = t.extra
                if self.service is not None:
                    c = self._launches.get(t.unit, 0)
                    self._launches[t.unit] = c + 1
                    extra += self.service(t.unit, c)
                self.extra[t.id] = extra
                ws.queue.append(t.id)
            if ws.phase == _IDLE:  # a queue refilled at the instant it ran dry never paused
                self._begin(w, now, fresh=now != ws.idle_since)

    def _deliver(self, ev: Event, now: float) -> None:
        self._apply(self.job.deliver(ev, now), now)

    def _begin(self, w: int, now: float, *, fresh: bool) -> None:
        ws = self.workers[w]
        if fresh:
            ws.anchor, ws.cum, ws.ycum = now, 0.0, 0.0
        if not ws.queue:
            ws.phase = _IDLE
            ws.cur = -1
            ws.idle_since = now
            self._deliver(Event("idle", w, -1, now), now)
            return
        tid = ws.queue.popleft()
        ws.phase = _RUNNING
        ws.cur = tid
        ws.cum += self.cost[tid]
        ws.ycum += self.extra[tid]
        end = ws.anchor + self.tau * ws.cum
        if ws.ycum:
            end += ws.ycum
        self.began[tid] = now
        self.end[tid] = end
        self._push(end, _DONE, w, ws.token)

    def _schedule_wake(self) -> None:
        wake = self.policy.wake_at
        if wake is not None and wake != self._wake:
            self._wake = wake
            self._push(wake, _WAKE)

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> Outcome:
        job, policy, W = self.job, self.policy, self.workers
        self._apply(job.begin(), 0.0)
        for w, xw in enumerate(self.x):
            if math.isfinite(xw):
                self._push(float(xw), _START, w)
        self._schedule_wake()
        heap = self.heap
        while heap:
            now, _, kind, w, token = heapq.heappop(heap)
            if now > self.until:
                break
            if kind == _DONE:
                ws = W[w]
                if token != ws.token:
                    continue  # the task was cancelled
                tid = ws.cur
                ws.cur = -1
                self._deliver(Event("result", w, tid, now, None, None, self.began[tid]), now)
                if policy.ready:
                    return self._outcome()
                if ws.cur == -1 and ws.phase == _RUNNING:
                    self._begin(w, now, fresh=False)
            elif kind == _START:
                ws = W[w]
                ws.phase = _RUNNING
                self._deliver(Event("start", w, -1, now), now)
                if ws.cur == -1 and ws.phase == _RUNNING:
                    self._begin(w, now, fresh=True)
            else:
                if self._wake == now:
                    self._wake = None
                self._apply(job.tick(now), now)
            self._schedule_wake()
        policy.finalize()
        if policy.ready:
            return self._outcome()
        return Outcome(math.inf, 0, None, job)

    def _outcome(self) -> Outcome:
        job = self.job
        n = job.decode_point()
        assert n is not None
        stop = job.arrivals[n - 1]
        ids = list(self.began)
        began = np.fromiter((self.began[t] for t in ids), float, len(ids))
        end = np.fromiter((self.end[t] for t in ids), float, len(ids))
        cost = np.fromiter((self.cost[t] for t in ids), float, len(ids))
        stopped = np.fromiter((self.stopped.get(t, math.inf) for t in ids), float, len(ids))
        copies = sum(1 for t in job.task.values() if t.origin is not None)
        work = work_at(stop, began, end, cost, stopped, needed=self.policy.units, copies=copies)
        return Outcome(stop, n, work, job)


def simulate_job(
    policy: Policy,
    x: np.ndarray,
    tau: float,
    *,
    service: Service | None = None,
    until: float = math.inf,
) -> Outcome:
    """Simulate one job of ``policy`` (module docstring); ``until``: give up after that instant."""
    return Simulation(policy, x, tau, service=service, until=until).run()
