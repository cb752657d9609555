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

    def finalize(self) -> None:
        """Nothing more will arrive: the next ``ready`` must decide exactly (see Decoder)."""
        return None

    def decode_point(self) -> int | None:
        """Smallest ``n`` such that the first ``n`` results fed (in ``on_event`` order) decide F.

        Asked once, after ``ready``: the master then dates the decode at the arrival of the
        ``n``-th result, however late it noticed (papers 000/001 Def. 1: latency is the time to
        *collect* a sufficient set).  The default is every result fed so far.
        """
        return self.received if self.ready else None

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


def task_functions(plan: Plan) -> tuple[np.ndarray, list[int]]:
    """Every task's function indices at once: task ``t`` sums ``flat[ptr[t]:ptr[t + 1]]``.

    The same lists as ``plan.functions(t)`` (its symbols' function ranges, in support order),
    but the supports are sampled in one ``plan.fill()`` and the ranges expanded vectorised:
    per-task calls cost ~15 s for an LT plan at m = 1000, this ~0.3 s.
    """
    plan.fill()
    sym = np.asarray(plan.sup_idx, dtype=np.int64)
    starts = np.asarray(plan.symbol_start, dtype=np.int64)
    lens = (starts[1:] - starts[:-1])[sym]
    cum = np.concatenate(([0], np.cumsum(lens)))
    if lens.size and np.all(lens == 1):
        flat = starts[sym]
    else:  # ragged ranges: start of each symbol's range plus the offset inside it
        flat = np.repeat(starts[sym] - cum[:-1], lens) + np.arange(int(cum[-1]), dtype=np.int64)
    return flat, cum[np.asarray(plan.sup_ptr, dtype=np.int64)].tolist()


class StaticPolicy(Policy):
    """A scheme's fixed plan; the scheme's incremental decoder decides when to stop."""

    def __init__(self, scheme: Scheme, plan: Plan) -> None:
        self.scheme = scheme
        self.plan = plan
        self.label = scheme.label
        self.decoder = scheme.decoder(plan)
        self._fed: list[int] = []  # task ids in the order they were fed

    def finalize(self) -> None:
        self.decoder.finalize()

    def initial(self) -> Submissions:
        plan = self.plan
        flat, ptr = task_functions(plan)
        cost = plan.cost.tolist()
        wptr = plan.worker_ptr.tolist()
        out: Submissions = {}
        for j in range(plan.n_workers):
            lo, hi = wptr[j], wptr[j + 1]
            out[j] = [Task(t - lo, flat[ptr[t] : ptr[t + 1]], cost[t]) for t in range(lo, hi)]
        return out

    def on_event(self, event: Event) -> Submissions | None:
        if event.kind == "result":
            task = self.plan.task_id(event.worker, event.index)
            self._fed.append(task)
            self.decoder.add_task(task, event.value)
        return None

    def decode_point(self) -> int | None:
        """The scheme's exact smallest decodable prefix of the fed order (as the simulator)."""
        if not self.ready:
            return None
        n = self.scheme.decode_point(self.plan, np.asarray(self._fed, dtype=np.int64))
        return len(self._fed) if n is None else min(int(n), len(self._fed))

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
    """Pull-based work queue: one ``f_i`` at a time to whichever worker is idle (``ideal``).

    Failures: a unit whose task raised (or whose worker crashed) goes back to the queue, but is
    **never handed again to a worker that already failed it** — errors take no modelled time, so
    a faulty worker goes idle at once and would otherwise pull its own failures back and burn
    every retry.  ``retries`` counts *distinct* workers: a unit is lost once ``retries + 1``
    different workers failed it (or no worker able to take it is left).  A worker whose last
    ``max_errors`` tasks in a row raised is no longer fed (it keeps what it already holds).
    """

    def __init__(
        self,
        m: int,
        workers: int,
        *,
        label: str = "ideal",
        retries: int = 2,
        depth: int = 2,
        max_errors: int = 2,
    ) -> None:
        self.m = m
        self.workers = workers
        self.label = label
        self.retries = retries
        self.depth = depth
        self.max_errors = max_errors
        self._todo: deque[int] = deque(range(m))  # units never tried yet
        self._retry: list[int] = []  # units that failed somewhere, handed out first
        self._failed_by: dict[int, set[int]] = {}  # unit -> workers that failed it
        self._next_index = [0] * workers
        self._holding: dict[tuple[int, int], int] = {}  # (worker, task index) -> unit
        self._tries = np.zeros(m, dtype=np.int64)
        self._values: dict[int, np.ndarray] = {}
        self._lost: list[int] = []  # units no eligible worker is left for
        self._idle: deque[int] = deque()
        self._streak = [0] * workers  # consecutive errors per worker
        self._out = [False] * workers  # crashed, or stopped being fed after max_errors errors
        self._results = 0  # result events fed
        self._complete_at: int | None = None  # results fed when the last unit arrived

    def initial(self) -> Submissions:
        return {}  # every worker starts idle: work goes to it when its initial delay is over

    def _take(self, worker: int) -> int | None:
        """The next unit ``worker`` may compute: a retry it has not failed, else a fresh one."""
        for k, unit in enumerate(self._retry):
            if worker not in self._failed_by[unit]:
                return self._retry.pop(k)
        return self._todo.popleft() if self._todo else None

    def _give(self, worker: int, n: int = 1) -> Submissions | None:
        tasks = []
        if not self._out[worker]:
            for _ in range(n):
                unit = self._take(worker)
                if unit is None:
                    break
                index = self._next_index[worker]
                self._next_index[worker] += 1
                self._holding[(worker, index)] = unit
                self._tries[unit] += 1
                tasks.append(Task(index, np.array([unit], dtype=np.int64), 1.0))
        if not tasks:
            if worker not in self._idle and not self._out[worker]:
                self._idle.append(worker)
            return None
        return {worker: tasks}

    def _eligible(self, unit: int) -> bool:
        """Some worker still fed and not among those that failed ``unit``."""
        bad = self._failed_by[unit]
        return any(not self._out[w] and w not in bad for w in range(self.workers))

    def _prune(self) -> None:
        """Retries no worker can take any more are lost (workers only ever drop out)."""
        for unit in [u for u in self._retry if not self._eligible(u)]:
            self._retry.remove(unit)
            self._lost.append(unit)

    def _feed_idle(self) -> Submissions | None:
        out: Submissions = {}
        for w in list(self._idle):
            if not (self._retry or self._todo):
                break
            self._idle.remove(w)
            sub = self._give(w)
            if sub:
                out.update(sub)
        return out or None

    def _requeue(self, unit: int, worker: int) -> None:
        if unit in self._values:
            return
        bad = self._failed_by.setdefault(unit, set())
        bad.add(worker)
        if len(bad) > self.retries or not self._eligible(unit):
            self._lost.append(unit)
            return
        self._retry.append(unit)

    def on_event(self, event: Event) -> Submissions | None:
        w, idx = event.worker, event.index
        if event.kind == "idle":
            return self._give(w, self.depth)
        if event.kind == "result":
            self._streak[w] = 0
            self._results += 1
            unit = self._holding.pop((w, idx), None)
            if unit is not None:
                self._values.setdefault(unit, np.asarray(event.value, dtype=float))
                if self._complete_at is None and len(self._values) == self.m:
                    self._complete_at = self._results
            return self._give(w) if self.depth > 1 else None  # keep its queue `depth` deep
        if event.kind == "error":
            self._streak[w] += 1
            if self._streak[w] >= self.max_errors and not self._out[w]:
                self._out[w] = True  # stop feeding a worker that keeps failing
                if w in self._idle:
                    self._idle.remove(w)
                self._prune()
            unit = self._holding.pop((w, idx), None)
            if unit is not None:
                self._requeue(unit, w)
            return self._feed_idle()
        if event.kind == "crash":
            self._out[w] = True
            if w in self._idle:
                self._idle.remove(w)
            for key in [k for k in self._holding if k[0] == w]:
                self._requeue(self._holding.pop(key), w)
            self._prune()
            return self._feed_idle()
        return None

    @property
    def ready(self) -> bool:
        return len(self._values) == self.m

    @property
    def received(self) -> int:
        return len(self._values)

    def decode_point(self) -> int | None:
        return self._complete_at

    def missing(self) -> str:
        lost = (
            f" ({len(self._lost)} failed on every worker allowed to try them)" if self._lost else ""
        )
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
