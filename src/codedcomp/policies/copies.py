"""The machinery shared by speculative execution and hedged requests: copies of tasks.

Both run the **uncoded partition** of F(x) = Σ f_i(x) (papers 000/001 §II-B: worker j computes
the partial sum of its block of functions) and, *during the run*, launch copies of the tasks
that are late on other workers; the first copy of a unit to return wins and every other copy of
it is cancelled.  What differs is the rule that decides which task is late, and when:
:mod:`.hedge` ("The Tail at Scale", Dean & Barroso 2013) and :mod:`.speculate` (Spark's
speculative execution).  :class:`CopyPolicy` is everything else:

* **units** are the tasks of the base plan (ids ``0 … n−1``); a copy is a new task
  (:meth:`Task.copy`, ``origin`` = the unit) — the decoder (the base scheme's cover decoder) is
  fed each unit once, from whichever copy returned first;
* **placement**: a copy goes to an *idle* worker that holds no live copy of its unit, the one idle
  longest first; with none idle, it waits until a worker goes idle (the base plan keeps every
  worker busy, so copies fill the slots of workers that already finished — as Spark launches
  speculative tasks only on free executor slots);
* a unit's **running time** is counted from when it became the task its worker works on (the
  head of the worker's queue): for the base plan, from the job's start — a straggler's initial
  delay ``X_j`` is time its task spends running late, exactly as a task on a slow executor;
* **faults**: a copy that raised, or was lost with its worker's crash, is re-launched elsewhere
  (at most ``retries`` times per unit) if no other copy of its unit is still live.

``decode_point`` is exact (a cover decoder is ready the moment the last missing unit arrives).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from ..codes.sums.base import Scheme
from ..codes.sums.replication import Uncoded
from ..core.policy import Policy, answers_at, plan_input
from ..core.tasks import Actions, Event, Task


class CopyPolicy(Policy):
    """Base plan + copies launched during the run; subclasses decide which units to copy."""

    def __init__(self, scheme: Any, plan: Any, *, label: str, retries: int = 2) -> None:
        self.scheme = scheme
        self.plan = plan
        self.label = label
        self.retries = retries
        self.decoder = scheme.decoder(plan)
        self.accepts = getattr(self.decoder, "accepts", "real")
        self.base = plan.tasks()
        n = sum(len(t) for t in self.base.values())
        self.n_units = n
        self.unit_task: list[Task] = [t for j in sorted(self.base) for t in self.base[j]]
        self.launches = np.zeros(n, dtype=np.int64)  # copies launched per unit (original = 1)
        self.failures = np.zeros(n, dtype=np.int64)
        self.done = np.zeros(n, dtype=bool)
        self.n_done = 0
        self.live: list[set[int]] = [set() for _ in range(n)]  # live task ids per unit
        self.where: dict[int, int] = {}  # live task id -> worker
        self.queues: list[deque[int]] = [deque() for _ in range(plan.n_workers)]
        self.head_since: dict[int, float] = {}  # task id -> when it became its worker's task
        self.durations: list[float] = []  # running times of the units that finished
        self.idle: dict[int, float] = {}  # idle worker -> since when (insertion order = FIFO)
        self.out = [False] * plan.n_workers  # crashed workers
        self.pending: deque[int] = deque()  # units waiting for a copy slot
        self.next_id = n
        self.origin: dict[int, int] = {}  # copy id -> unit
        self.copies_launched = 0
        self.fed_at: list[float] = []  # when each unit was fed to the decoder

    # -- Policy ------------------------------------------------------------------------------
    def prepare_input(self, x: Any) -> tuple[Any, Any]:
        return plan_input(self, x)

    def initial(self) -> Actions:
        out = Actions()
        for j, tasks in self.base.items():
            for t in tasks:
                self._track(t, j, 0.0)
            if tasks:
                out.add(j, *tasks)
        return out

    def _track(self, t: Task, worker: int, now: float) -> None:
        u = t.unit
        self.launches[u] += 1
        self.live[u].add(t.id)
        self.where[t.id] = worker
        q = self.queues[worker]
        q.append(t.id)
        if len(q) == 1:
            self.head_since[t.id] = now

    def _forget(self, tid: int, now: float) -> None:
        """``tid`` left its worker (finished, cancelled, failed or lost)."""
        w = self.where.pop(tid, None)
        if w is None:
            return
        task_unit = self._unit_of(tid)
        self.live[task_unit].discard(tid)
        q = self.queues[w]
        was_head = bool(q) and q[0] == tid
        try:
            q.remove(tid)
        except ValueError:  # pragma: no cover - tracked tasks are always queued
            pass
        self.head_since.pop(tid, None)
        if was_head and q:
            self.head_since[q[0]] = now

    def _unit_of(self, tid: int) -> int:
        return tid if tid < self.n_units else self.origin[tid]

    def on_event(self, event: Event, now: float) -> Actions | None:
        kind, w, tid = event.kind, event.worker, event.task
        out = Actions()
        if kind == "result":
            u = self._unit_of(tid)
            since = self.head_since.get(tid, 0.0)
            self._forget(tid, now)
            if not self.done[u]:
                self.done[u] = True
                self.n_done += 1
                self.durations.append(now - since)
                self.fed_at.append(now)
                self.decoder.add_task(u, event.value)
                for other in list(self.live[u]):  # the first copy wins: cancel the others
                    self._forget(other, now)
                    out.cancel.append(other)
                if u in self.pending:
                    self.pending.remove(u)
            self.on_result(u, now)
        elif kind == "idle":
            if not self.out[w]:
                self.idle.setdefault(w, now)
        elif kind in ("error", "crash"):
            lost = [tid] if kind == "error" else list(self.queues[w])
            if kind == "crash":
                self.out[w] = True
                self.idle.pop(w, None)
            for t in lost:
                if t < 0 or t not in self.where:
                    continue
                u = self._unit_of(t)
                self._forget(t, now)
                if not self.done[u] and not self.live[u] and u not in self.pending:
                    self.failures[u] += 1
                    if self.failures[u] <= self.retries:
                        self.pending.appendleft(u)  # a lost unit goes first
        return self._place(now, out)

    def _place(self, now: float, out: Actions | None = None) -> Actions | None:
        """Give pending copies to idle workers (module docstring)."""
        out = out if out is not None else Actions()
        while self.pending and self.idle:
            u = self.pending[0]
            holders = {self.where[t] for t in self.live[u]}
            worker = next((w for w in self.idle if w not in holders), None)
            if worker is None:
                break
            self.pending.popleft()
            del self.idle[worker]
            copy = self.unit_task[u].copy(self.next_id)
            self.origin[copy.id] = u
            self.next_id += 1
            self.copies_launched += 1
            self._track(copy, worker, now)
            out.add(worker, copy)
        return out or None

    def request_copy(self, u: int) -> None:
        """Ask for a copy of unit ``u`` (placed on the next idle worker)."""
        if not self.done[u] and u not in self.pending:
            self.pending.append(u)

    def running(self) -> list[tuple[int, int, float]]:
        """(unit, task id, running since) of every task that is its worker's current task."""
        out = []
        for q in self.queues:
            if q:
                tid = q[0]
                out.append((self._unit_of(tid), tid, self.head_since[tid]))
        return out

    def on_result(self, unit: int, now: float) -> None:
        """Hook: a unit finished (subclasses update their rule)."""

    # -- decoding ----------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return bool(self.decoder.ready)

    @property
    def received(self) -> int:
        return int(self.decoder.received)

    def missing(self) -> str:
        return str(self.decoder._missing())

    def result(self) -> Any:
        return self.decoder.result()

    def answers(self) -> list[tuple[float, str]] | None:
        return answers_at(self.decoder, self.fed_at)

    @property
    def units(self) -> float:
        return float(self.plan.m)

    def planned_tasks(self) -> list[int]:
        return [len(self.base.get(j, ())) for j in range(self.plan.n_workers)]


class CopyScheme(Scheme):
    """What ``hedge:`` and ``speculate:`` share as schemes: copies launched during the run over a
    base partition — the sums family's uncoded one, or another family's (:meth:`set_base`, e.g.
    the block split of ``A @ B``)."""

    dynamic = True

    def __init__(self) -> None:
        self._base: Any = Uncoded()

    def set_base(self, base: Any) -> None:
        """Run over another family's uncoded partition (e.g. the block split of ``A @ B``)."""
        self._base = base

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Any:
        return self._base.plan(m, workers, rng)

    def decoder(self, plan: Any) -> Any:
        return self._base.decoder(plan)
