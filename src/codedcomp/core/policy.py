"""Policies: what workers start with, how the master reacts to events, and when it can stop.

One :class:`Policy` object drives one job, and the *same* object runs in the discrete-event
simulator (:mod:`codedcomp.sim.des`, virtual clock) and in the real runtime
(:mod:`codedcomp.runtime.master`, real clock); both go through :class:`~codedcomp.core.job.Job`,
which keeps the books and delivers events uniformly:

* :meth:`Policy.initial` — the tasks each worker starts with (an :class:`~.tasks.Actions`);
* :meth:`Policy.on_event` — every :class:`~.tasks.Event` in arrival order, with ``now`` (seconds
  since the job's start); may answer with tasks to append and task ids to cancel;
* :attr:`Policy.wake_at` / :meth:`Policy.on_time` — "time passed": called once ``now`` reaches
  the instant the policy asked for (hedging after a delay, Spark's periodic speculation check);
* :attr:`Policy.ready`, :meth:`Policy.decode_point`, :meth:`Policy.result` — stop and decode.

A result of a task the policy cancelled is never delivered to it (the job records it as late):
a policy never decodes from a cancelled task, and a unit is counted once however many copies ran.

Two policies live here; the dynamic ones practitioners use instead of codes are in
:mod:`codedcomp.policies`:

* :class:`StaticPolicy` — a scheme's fixed plan (papers 000 §II–III, 001 §II–III): each worker
  gets its ordered task list at once; arrivals feed the scheme's incremental decoder.
* :class:`PullPolicy` — ``ideal`` executed (perfect load balancing, the lower bound of papers
  000/001): a pull-based work queue that hands out units of work (one ``f_i`` each) to workers as
  they go idle, and re-issues the unit of a worker that failed.  In the simulator (``depth=1``)
  its m-th completion is exactly the bound; on real workers ``depth=2`` keeps one unit queued
  behind the running one so a master round trip does not open gaps, at the price of at most one
  unit held by a worker at the end while another is idle.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from ..errors import NotDecodableError
from .tasks import Actions, Event, Task


class Policy(ABC):
    """Drives one job: initial queues, reactions to events, stop rule and decoding."""

    label: str = ""
    accepts: str = "real"  # value kind of its decoder (codedcomp.core.values)

    @property
    def wake_at(self) -> float | None:
        """Instant (seconds since the job's start) at which :meth:`on_time` wants a call."""
        return None

    @abstractmethod
    def initial(self) -> Actions:
        """Each worker's initial queue."""

    def prepare_input(self, x: Any) -> tuple[Any, Mapping[str, np.ndarray] | None]:
        """The job's input as workers get it: ``(x for every worker, job data or None)``.

        Sums give every worker the same ``x``; a matmul code encodes ``(A, B)`` into every
        worker's operands, shipped once per job as job data (and no ``x`` at all).
        """
        return x, None

    def on_event(self, event: Event, now: float) -> Actions | None:
        """React to one event; return tasks to append and ids to cancel, if any."""
        return None

    def on_time(self, now: float) -> Actions | None:
        """React to the instant ``wake_at`` having passed."""
        return None

    @property
    @abstractmethod
    def ready(self) -> bool:
        """True once the results in hand determine the answer."""

    @property
    @abstractmethod
    def received(self) -> int:
        """Results fed to the decoder so far."""

    def finalize(self) -> None:
        """Nothing more will arrive: the next ``ready`` must decide exactly (see Decoder)."""
        return None

    def decode_point(self) -> int | None:
        """Smallest ``n`` such that the first ``n`` results fed (in ``on_event`` order) decide.

        Asked once, after ``ready``: the executor dates the decode at the arrival of the
        ``n``-th result, however late it noticed (papers 000/001 Def. 1: latency is the time to
        *collect* a sufficient set).  The default is every result fed so far.
        """
        return self.received if self.ready else None

    @abstractmethod
    def missing(self) -> str:
        """Why the results in hand do not suffice (for ``NotDecodableError``)."""

    @abstractmethod
    def result(self) -> Any:
        """The decoded answer; ``NotDecodableError`` if not ready."""

    @property
    def units(self) -> float:
        """Units of work the job needs at least (``m`` for sums): the reference of ``extra``."""
        return 0.0

    @abstractmethod
    def planned_tasks(self) -> list[int]:
        """Expected length of each worker's queue (where injected faults are placed)."""

    def answers(self) -> list[tuple[float, str]] | None:
        """Per query of a job that serves several answers (inference): ``(instant, how)`` —
        when the query was answered (``inf``: not yet) and ``"direct"`` or ``"decoded"``.

        ``None`` (the default): the job has one answer, dated by :meth:`decode_point`.
        """
        return None


def answers_at(decoder: Any, fed_at: list[float]) -> list[tuple[float, str]] | None:
    """:meth:`Policy.answers` from a decoder's ``answer_points()`` — per query, ``(n, how)``
    with ``n`` the count of results fed to the decoder when it was answered (``None``: not yet)
    — and ``fed_at``, the instant each result was fed to it."""
    points = getattr(decoder, "answer_points", None)
    if points is None:
        return None
    return [(fed_at[n - 1] if n else float("inf"), how) for n, how in points()]


def plan_input(policy: Any, x: Any) -> tuple[Any, Mapping[str, np.ndarray] | None]:
    """:meth:`Policy.prepare_input` of a policy over a plan (``policy.plan``, ``.decoder``): the
    plan's own ``prepare_input`` if it has one (a matmul code encodes), then the decoder's value
    kind again (it may depend on the input: complex operands)."""
    prepare = getattr(policy.plan, "prepare_input", None)
    if prepare is None:
        return x, None
    out = prepare(x)
    policy.accepts = getattr(policy.decoder, "accepts", policy.accepts)
    return out


class StaticPlan(Protocol):
    """What :class:`StaticPolicy` needs of a plan (sums' :class:`~codedcomp.codes.sums.Plan`)."""

    @property
    def m(self) -> int: ...

    @property
    def n_workers(self) -> int: ...

    @property
    def worker_ptr(self) -> np.ndarray: ...

    def tasks(self) -> dict[int, list[Task]]: ...


class StaticScheme(Protocol):
    @property
    def label(self) -> str: ...

    def decoder(self, plan: Any) -> Any: ...

    def decode_point(self, plan: Any, order: np.ndarray) -> int | None: ...


class StaticPolicy(Policy):
    """A scheme's fixed plan; the scheme's incremental decoder decides when to stop.

    Task ids are the plan's task numbers (worker-major), so a result feeds the decoder as is.
    """

    def __init__(self, scheme: StaticScheme, plan: StaticPlan) -> None:
        self.scheme = scheme
        self.plan = plan
        self.label = scheme.label
        self.decoder = scheme.decoder(plan)
        self.accepts = getattr(self.decoder, "accepts", "real")
        self._fed: list[int] = []  # task ids in the order they were fed
        self._fed_at: list[float] = []  # when each was fed (per-query answers)

    def initial(self) -> Actions:
        return Actions(self.plan.tasks())

    def prepare_input(self, x: Any) -> tuple[Any, Mapping[str, np.ndarray] | None]:
        return plan_input(self, x)

    def on_event(self, event: Event, now: float) -> Actions | None:
        if event.kind == "result":
            self._fed.append(event.task)
            self._fed_at.append(now)
            self.decoder.add_task(event.task, event.value)
        return None

    def answers(self) -> list[tuple[float, str]] | None:
        return answers_at(self.decoder, self._fed_at)

    def finalize(self) -> None:
        self.decoder.finalize()

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
        return str(self.decoder._missing())

    def result(self) -> Any:
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

    A silent worker (hung, or cut off) never reports: a unit handed out more than
    ``unit_timeout`` seconds ago and not returned is cancelled and re-issued to another worker,
    and the silent worker is fed no more (``None``: never, as in the simulator, which has no
    silent workers).
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
        unit_timeout: float | None = None,
    ) -> None:
        self.m = m
        self.unit_timeout = unit_timeout
        self._issued: dict[int, float] = {}  # task id -> when it was handed out (held units)
        self.workers = workers
        self.label = label
        self.retries = retries
        self.depth = depth
        self.max_errors = max_errors
        self._todo: deque[int] = deque(range(m))  # units never tried yet
        self._retry: list[int] = []  # units that failed somewhere, handed out first
        self._failed_by: dict[int, set[int]] = {}  # unit -> workers that failed it
        self._ids = 0
        self._holding: dict[int, tuple[int, int]] = {}  # task id -> (worker, unit)
        self._values: dict[int, Any] = {}
        self._lost: list[int] = []  # units no eligible worker is left for
        self._idle: deque[int] = deque()
        self._streak = [0] * workers  # consecutive errors per worker
        self._out = [False] * workers  # crashed, or stopped being fed after max_errors errors
        self._results = 0  # result events fed
        self._complete_at: int | None = None  # results fed when the last unit arrived

    def initial(self) -> Actions:
        return Actions()  # every worker starts idle: work goes to it when its initial delay is over

    def _take(self, worker: int) -> int | None:
        """The next unit ``worker`` may compute: a retry it has not failed, else a fresh one."""
        for k, unit in enumerate(self._retry):
            if worker not in self._failed_by[unit]:
                return self._retry.pop(k)
        return self._todo.popleft() if self._todo else None

    @property
    def wake_at(self) -> float | None:
        if self.unit_timeout is None or not self._issued:
            return None
        return min(self._issued.values()) + self.unit_timeout

    def on_time(self, now: float) -> Actions | None:
        """Units silent past ``unit_timeout``: cancel, re-issue elsewhere, feed the worker no
        more."""
        assert self.unit_timeout is not None
        out = Actions()
        for tid in [t for t, at in self._issued.items() if now >= at + self.unit_timeout]:
            self._issued.pop(tid)
            worker, unit = self._holding.pop(tid)
            out.cancel.append(tid)
            if not self._out[worker]:
                self._out[worker] = True
                if worker in self._idle:
                    self._idle.remove(worker)
            self._requeue(unit, worker)
        self._prune()
        return out.merge(self._feed_idle(now)) or None

    def _give(self, worker: int, n: int = 1, now: float = 0.0) -> Actions | None:
        tasks = []
        if not self._out[worker]:
            for _ in range(n):
                unit = self._take(worker)
                if unit is None:
                    break
                tid = self._ids
                self._ids += 1
                self._holding[tid] = (worker, unit)
                self._issued[tid] = now
                tasks.append(Task(tid, np.array([unit], dtype=np.int64), 1.0))
        if not tasks:
            if worker not in self._idle and not self._out[worker]:
                self._idle.append(worker)
            return None
        return Actions().add(worker, *tasks)

    def _eligible(self, unit: int) -> bool:
        """Some worker still fed and not among those that failed ``unit``."""
        bad = self._failed_by[unit]
        return any(not self._out[w] and w not in bad for w in range(self.workers))

    def _prune(self) -> None:
        """Retries no worker can take any more are lost (workers only ever drop out)."""
        for unit in [u for u in self._retry if not self._eligible(u)]:
            self._retry.remove(unit)
            self._lost.append(unit)

    def _feed_idle(self, now: float = 0.0) -> Actions | None:
        out = Actions()
        for w in list(self._idle):
            if not (self._retry or self._todo):
                break
            self._idle.remove(w)
            out.merge(self._give(w, 1, now))
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

    def on_event(self, event: Event, now: float) -> Actions | None:
        w = event.worker
        self._issued.pop(event.task, None)
        if event.kind == "idle":
            return self._give(w, self.depth, now)
        if event.kind == "result":
            self._streak[w] = 0
            self._results += 1
            held = self._holding.pop(event.task, None)
            if held is not None:
                self._values.setdefault(held[1], event.value)
                if self._complete_at is None and len(self._values) == self.m:
                    self._complete_at = self._results
            return self._give(w, 1, now) if self.depth > 1 else None  # keep it `depth` deep
        if event.kind == "error":
            self._streak[w] += 1
            if self._streak[w] >= self.max_errors and not self._out[w]:
                self._out[w] = True  # stop feeding a worker that keeps failing
                if w in self._idle:
                    self._idle.remove(w)
                self._prune()
            held = self._holding.pop(event.task, None)
            if held is not None:
                self._requeue(held[1], w)
            return self._feed_idle(now)
        if event.kind == "crash":
            self._out[w] = True
            if w in self._idle:
                self._idle.remove(w)
            for tid in [t for t, (ww, _) in self._holding.items() if ww == w]:
                self._issued.pop(tid, None)
                self._requeue(self._holding.pop(tid)[1], w)
            self._prune()
            return self._feed_idle(now)
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

    def result(self) -> Any:
        if not self.ready:
            raise NotDecodableError(
                f"{self.label}: {self.received} result(s) in hand, cannot decode: {self.missing()}"
            )
        if any(v is None for v in self._values.values()):
            raise NotDecodableError(f"{self.label}: complete, but it was fed supports only")
        return np.sum([self._values[i] for i in range(self.m)], axis=0)

    @property
    def units(self) -> float:
        return float(self.m)

    def planned_tasks(self) -> list[int]:
        return [-(-self.m // self.workers)] * self.workers
