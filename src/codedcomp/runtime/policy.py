"""Policies: what the master asks workers to do, how it reacts to events, and when it can stop.

DESIGN.md asks that schemes may *react* to events — a result arrived, a worker went idle, time
passed — by issuing new tasks (speculative execution, hedged requests), and that both executors
deliver those events the same way.  A :class:`Policy` is that reaction, backend-agnostic:

* :meth:`Policy.initial` — the queue each worker starts with;
* :meth:`Policy.on_event` — called for every :class:`~.backends.base.Event` in arrival order;
  returns tasks to **append** to workers' queues (``{worker: [Task, ...]}``) or nothing;
* :meth:`Policy.on_time` / :attr:`Policy.wake_at` — a "time passed" event at an instant the
  policy asks for (hedging after a timeout);
* :attr:`Policy.ready` and :meth:`Policy.result` — stop and decode.

Two policies exist:

* :class:`StaticPolicy` — a scheme's fixed plan (papers 000 §II–III, 001 §II–III): each worker
  gets its ordered task list at once; arrivals feed the scheme's incremental decoder.
* :class:`PullPolicy` — the runtime of ``ideal`` (perfect load balancing, the lower bound of
  papers 000/001): a pull-based work queue that hands out units of work (one ``f_i`` each) to
  workers as they ask, and re-issues the unit of a worker that failed.  A worker receives work
  only once its initial delay is over (its ``"idle"`` event), so no unit waits on a straggler.
  With ``depth=1`` (strictly one unit at a time) every unit pays a master round trip before its
  τ-window opens; the default ``depth=2`` keeps one unit queued behind the running one (refilled
  on each result), which removes those gaps at the price of at most one unit held by a worker
  at the end while another is idle.  ``ideal.plan()`` stays simulation-only: the
  runtime maps the ``ideal`` spec to this policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque

import numpy as np

from ..codes.sums import Plan, Scheme
from ..errors import NotDecodableError
from .backends.base import Event, Task

Submissions = dict[int, list[Task]]


class Policy(ABC):
    """Drives one job: initial queues, reactions to events, stop rule and decoding."""

    label: str = ""
    wake_at: float | None = None  # master-clock instant at which on_time wants to be called

    @abstractmethod
    def initial(self) -> Submissions:
        """Each worker's initial queue."""

    def on_event(self, event: Event) -> Submissions | None:
        """React to one event; return tasks to append to workers' queues, if any."""
        return None

    def on_time(self, now: float) -> Submissions | None:
        """React to the instant ``wake_at`` having passed."""
        return None

    @property
    @abstractmethod
    def ready(self) -> bool:
        """True once the results in hand determine F(x)."""

    @property
    @abstractmethod
    def received(self) -> int:
        """Number of results fed to the decoder so far."""

    @abstractmethod
    def missing(self) -> str:
        """Why the results in hand do not suffice (for ``NotDecodableError``)."""

    @abstractmethod
    def result(self) -> np.ndarray:
        """F(x); ``NotDecodableError`` if not ready."""

    @property
    def units(self) -> float:
        """Units of work the job needs at least (``m``): the reference of ``wasted_work``."""
        return 0.0

    @abstractmethod
    def planned_tasks(self) -> list[int]:
        """Expected length of each worker's queue (where injected faults are placed)."""


class StaticPolicy(Policy):
    """A scheme's fixed plan; the scheme's incremental decoder decides when to stop."""

    def __init__(self, scheme: Scheme, plan: Plan) -> None:
        self.scheme = scheme
        self.plan = plan
        self.label = scheme.label
        self.decoder = scheme.decoder(plan)

    def initial(self) -> Submissions:
        plan = self.plan
        out: Submissions = {}
        for j in range(plan.n_workers):
            lo = int(plan.worker_ptr[j])
            out[j] = [
                Task(b, f, float(plan.cost[lo + b])) for b, f in enumerate(plan.worker_tasks(j))
            ]
        return out

    def on_event(self, event: Event) -> Submissions | None:
        if event.kind == "result":
            self.decoder.add(event.worker, event.index, event.value)
        return None

    @property
    def ready(self) -> bool:
        return bool(self.decoder.ready)

    @property
    def received(self) -> int:
        return int(self.decoder.received)

    def missing(self) -> str:
        return self.decoder._missing()

    def result(self) -> np.ndarray:
        return self.decoder.result()

    @property
    def units(self) -> float:
        return float(self.plan.m)

    def planned_tasks(self) -> list[int]:
        return [int(c) for c in np.diff(self.plan.worker_ptr)]


class PullPolicy(Policy):
    """Pull-based work queue: one ``f_i`` at a time to whichever worker is idle (``ideal``)."""

    def __init__(
        self, m: int, workers: int, *, label: str = "ideal", retries: int = 2, depth: int = 2
    ) -> None:
        self.m = m
        self.workers = workers
        self.label = label
        self.retries = retries
        self.depth = depth
        self._todo: deque[int] = deque(range(m))
        self._next_index = [0] * workers
        self._holding: dict[tuple[int, int], int] = {}  # (worker, task index) -> unit
        self._tries = np.zeros(m, dtype=np.int64)
        self._values: dict[int, np.ndarray] = {}
        self._lost: list[int] = []  # units that failed more than ``retries`` times
        self._idle: deque[int] = deque()

    def initial(self) -> Submissions:
        return {}  # every worker starts idle: work goes to it when its initial delay is over

    def _give(self, worker: int, n: int = 1) -> Submissions | None:
        tasks = []
        for _ in range(n):
            if not self._todo:
                break
            unit = self._todo.popleft()
            index = self._next_index[worker]
            self._next_index[worker] += 1
            self._holding[(worker, index)] = unit
            self._tries[unit] += 1
            tasks.append(Task(index, np.array([unit], dtype=np.int64), 1.0))
        if not tasks:
            if worker not in self._idle:
                self._idle.append(worker)
            return None
        return {worker: tasks}

    def _requeue(self, unit: int) -> Submissions | None:
        if unit in self._values:
            return None
        if self._tries[unit] > self.retries:
            self._lost.append(unit)
            return None
        self._todo.appendleft(unit)
        out: Submissions = {}
        while self._todo and self._idle:
            sub = self._give(self._idle.popleft())
            if sub:
                out.update(sub)
        return out or None

    def on_event(self, event: Event) -> Submissions | None:
        w, idx = event.worker, event.index
        if event.kind == "idle":
            return self._give(w, self.depth)
        if event.kind == "result":
            unit = self._holding.pop((w, idx), None)
            if unit is not None:
                self._values.setdefault(unit, np.asarray(event.value, dtype=float))
            return self._give(w) if self.depth > 1 else None  # keep its queue `depth` deep
        if event.kind == "error":
            unit = self._holding.pop((w, idx), None)
            return None if unit is None else self._requeue(unit)
        if event.kind == "crash":
            out: Submissions = {}
            for key in [k for k in self._holding if k[0] == w]:
                sub = self._requeue(self._holding.pop(key))
                if sub:
                    out.update(sub)
            if w in self._idle:
                self._idle.remove(w)
            return out or None
        return None

    @property
    def ready(self) -> bool:
        return len(self._values) == self.m

    @property
    def received(self) -> int:
        return len(self._values)

    def missing(self) -> str:
        lost = f" ({len(self._lost)} failed on every try)" if self._lost else ""
        return f"{self.m - len(self._values)} of {self.m} functions not yet computed{lost}"

    def result(self) -> np.ndarray:
        if not self.ready:
            raise NotDecodableError(
                f"{self.label}: {self.received} result(s) in hand, cannot decode: {self.missing()}"
            )
        return np.sum([self._values[i] for i in range(self.m)], axis=0)

    @property
    def units(self) -> float:
        return float(self.m)

    def planned_tasks(self) -> list[int]:
        return [-(-self.m // self.workers)] * self.workers


def make_policy(scheme: Scheme, m: int, workers: int, rng: np.random.Generator) -> Policy:
    """The policy that executes ``scheme``: its plan, or the pull queue for ``ideal``."""
    from ..codes.sums import Ideal

    if isinstance(scheme, Ideal):
        return PullPolicy(m, workers, label=scheme.label)
    return StaticPolicy(scheme, scheme.plan(m, workers, rng))
