"""Plans and incremental decoders for sum-of-functions codes, F(x) = Σ_{i<m} f_i(x).

Papers 000 (§II–III) and 001 (§II–III) define every scheme here the same way: each worker computes
an ordered list of *tasks*, each task a sum of some of the ``f_i``; the master stops once the
results in hand determine ``F(x)``.  This module fixes that shape once for all schemes.

**Symbols.**  A scheme codes over ``n_symbols`` *symbols*, each a contiguous block of functions
(``symbol_start``).  With one worker per function (``workers == m``, the papers' setting) most
schemes use one symbol per function; with ``workers < m`` the ``m`` functions are grouped into
``workers`` near-equal contiguous blocks, as both papers suggest ("considering each group of m/p
terms to be a single function"), and LT-r / r-Replication group r blocks further.

**Plan.**  Tasks are stored flat, worker by worker (``worker_ptr``), with their symbol supports in
CSR form (``sup_ptr`` / ``sup_idx``) and their cost in units of work (number of ``f_i``
evaluated).  Worker ``j``'s ``b``-th task completes at ``X_j + τ·(cumulative cost)`` under the
papers' delay model (eq. 4); :meth:`Plan.finish_times` computes that for all tasks at once.
Supports may be filled lazily (``fill``) so the simulator samples only the tasks that arrive
before decoding; the runtime materialises the whole plan.

**Decoders.**  ``scheme.decoder(plan)`` returns an incremental decoder: ``add(worker, index,
value)`` then ``ready`` and ``result()``.  Fed values (numpy arrays of any shape) it returns
``F(x)``; fed ``None`` (supports only) it answers decodability, which is what the simulator uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...core.context import JobContext
from ...core.policy import Policy, StaticPolicy
from ...core.tasks import Task
from ...core.values import coerce
from ...core.work import Work, work_at
from ...errors import NotDecodableError, check

Filler = Callable[["Plan", np.ndarray], None]


def block_starts(m: int, blocks: int) -> np.ndarray:
    """Offsets of ``blocks`` near-equal contiguous blocks of ``range(m)`` (length blocks+1)."""
    sizes = np.full(blocks, m // blocks, dtype=np.int64)
    sizes[: m % blocks] += 1
    return np.concatenate(([0], np.cumsum(sizes)))


@dataclass
class Plan:
    """What every worker computes, in order; see the module docstring."""

    m: int
    n_workers: int
    symbol_start: np.ndarray  # (n_symbols + 1,) symbol s = functions [start[s], start[s+1])
    worker_ptr: np.ndarray  # (n_workers + 1,) tasks of worker j: [worker_ptr[j], worker_ptr[j+1])
    sup_ptr: np.ndarray  # (n_tasks + 1,)
    sup_idx: np.ndarray  # (nnz,) symbol ids; valid where ``filled``
    cost: np.ndarray  # (n_tasks,) units of work
    filled: np.ndarray | None = None  # (n_tasks,) bool; None: all filled
    filler: Filler | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_symbols(self) -> int:
        return len(self.symbol_start) - 1

    @property
    def n_tasks(self) -> int:
        return len(self.cost)

    def degree(self) -> np.ndarray:
        return np.diff(self.sup_ptr)

    def task_worker(self) -> np.ndarray:
        """Worker of every task, shape (n_tasks,)."""
        return np.repeat(np.arange(self.n_workers), np.diff(self.worker_ptr))

    def task_id(self, worker: int, index: int) -> int:
        lo, hi = int(self.worker_ptr[worker]), int(self.worker_ptr[worker + 1])
        if not 0 <= index < hi - lo:
            raise IndexError(f"worker {worker} has {hi - lo} tasks; no task {index}")
        return lo + index

    def finish_times(self, x: np.ndarray, tau: float) -> np.ndarray:
        """Completion time of every task: ``X_j + τ·(cost of tasks 0..b of worker j)`` (eq. 4).

        The cumulative cost is per worker (an exact integer: costs count functions), so this is
        bit for bit what the event-driven simulator computes task after task.
        """
        counts = np.diff(self.worker_ptr)
        cum = np.cumsum(self.cost)
        before = np.concatenate(([0.0], cum))[self.worker_ptr[:-1]]
        local = cum - np.repeat(before, counts)
        return np.repeat(np.asarray(x, dtype=float), counts) + tau * local

    def windows(self, x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
        """(began, completed) of every task under eq. 4: a task begins when the one before it
        on its worker completed (the worker's first task at ``X_j``)."""
        end = self.finish_times(x, tau)
        began = np.empty_like(end)
        if end.size:
            began[1:] = end[:-1]
            first = self.worker_ptr[:-1][np.diff(self.worker_ptr) > 0]
            began[first] = np.asarray(x, dtype=float)[np.diff(self.worker_ptr) > 0]
        return began, end

    def task_functions(self) -> tuple[np.ndarray, list[int]]:
        """Every task's function indices at once: task ``t`` sums ``flat[ptr[t]:ptr[t + 1]]``.

        The same lists as :meth:`functions` (its symbols' function ranges, in support order),
        but the supports are sampled in one :meth:`fill` and the ranges expanded vectorised:
        per-task calls cost ~15 s for an LT plan at m = 1000, this ~0.3 s.
        """
        self.fill()
        sym = np.asarray(self.sup_idx, dtype=np.int64)
        starts = np.asarray(self.symbol_start, dtype=np.int64)
        lens = (starts[1:] - starts[:-1])[sym]
        cum = np.concatenate(([0], np.cumsum(lens)))
        if lens.size and np.all(lens == 1):
            flat = starts[sym]
        else:  # ragged ranges: start of each symbol's range plus the offset inside it
            flat = np.repeat(starts[sym] - cum[:-1], lens) + np.arange(int(cum[-1]), dtype=np.int64)
        return flat, cum[np.asarray(self.sup_ptr, dtype=np.int64)].tolist()

    def tasks(self) -> dict[int, list[Task]]:
        """Every worker's queue as core :class:`~codedcomp.core.tasks.Task` objects.

        Task ids are the plan's task numbers; the payload is the array of function indices the
        task sums; the cost its units of work.
        """
        flat, ptr = self.task_functions()
        cost = self.cost.tolist()
        wptr = self.worker_ptr.tolist()
        return {
            j: [Task(t, flat[ptr[t] : ptr[t + 1]], cost[t]) for t in range(wptr[j], wptr[j + 1])]
            for j in range(self.n_workers)
        }

    def fill(self, tasks: np.ndarray | None = None) -> None:
        """Make sure the supports of ``tasks`` (default: all) are sampled."""
        if self.filled is None:
            return
        tasks = np.arange(self.n_tasks) if tasks is None else np.asarray(tasks, dtype=np.int64)
        need = tasks[~self.filled[tasks]]
        if need.size:
            assert self.filler is not None
            self.filler(self, np.unique(need))
            self.filled[need] = True
        if self.filled.all():
            self.filled = None

    def support(self, task: int) -> np.ndarray:
        """Symbol ids of one task."""
        self.fill(np.array([task]))
        return self.sup_idx[self.sup_ptr[task] : self.sup_ptr[task + 1]]

    def functions(self, task: int) -> np.ndarray:
        """Indices of the ``f_i`` a worker evaluates (and sums) for ``task``."""
        sym = self.support(task)
        starts, ends = self.symbol_start[sym], self.symbol_start[sym + 1]
        if sym.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])

    def worker_tasks(self, worker: int) -> list[np.ndarray]:
        """Worker ``worker``'s ordered tasks, each as the array of function indices it sums."""
        lo, hi = int(self.worker_ptr[worker]), int(self.worker_ptr[worker + 1])
        return [self.functions(t) for t in range(lo, hi)]


def plan_from_lists(
    m: int, symbol_start: np.ndarray, per_worker: Sequence[Sequence[Sequence[int]]]
) -> Plan:
    """An eager plan from per-worker lists of symbol supports (for small, structured codes)."""
    sizes = np.diff(symbol_start)
    counts = [len(ts) for ts in per_worker]
    supports = [np.asarray(s, dtype=np.int64) for ts in per_worker for s in ts]
    degs = np.array([len(s) for s in supports], dtype=np.int64)
    sup_idx = np.concatenate(supports) if supports else np.zeros(0, dtype=np.int64)
    cost = np.array([sizes[s].sum() for s in supports], dtype=float)
    return Plan(
        m=m,
        n_workers=len(per_worker),
        symbol_start=np.asarray(symbol_start, dtype=np.int64),
        worker_ptr=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        sup_ptr=np.concatenate(([0], np.cumsum(degs))).astype(np.int64),
        sup_idx=sup_idx.astype(np.int64),
        cost=cost,
    )


class Decoder(ABC):
    """Incremental decoder: feed results as they arrive; stop at ``ready``.

    Subclasses implement ``_add(task, value)`` and ``ready``/``_result``; this base handles the
    (worker, index) → task mapping, duplicates, and the values-vs-supports mode.
    """

    accepts = "real"  # values are real partial sums: float64 (codedcomp.core.values)

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.received = 0
        self._seen: set[int] = set()
        self._mode: str | None = None  # "values" or "supports"

    def add(self, worker: int, index: int, value: Any = None) -> None:
        """Record that task ``index`` of ``worker`` arrived, with its value (or ``None``)."""
        self.add_task(self.plan.task_id(worker, index), value)

    def add_task(self, task: int, value: Any = None) -> None:
        if task in self._seen:
            return
        mode = "supports" if value is None else "values"
        if self._mode is None:
            self._mode = mode
        elif mode != self._mode:
            raise ValueError(f"decoder fed {mode} after {self._mode}: use one mode per decoder")
        self._seen.add(task)
        self.received += 1
        self._add(task, None if value is None else coerce(value, self.accepts))

    @abstractmethod
    def _add(self, task: int, value: np.ndarray | None) -> None: ...

    @property
    @abstractmethod
    def ready(self) -> bool: ...

    def finalize(self) -> None:
        """Nothing more will arrive: make ``ready`` decide exactly, whatever it costs.

        Decoders that skip expensive tests while results stream in (SR above
        ``EXACT_READY_LIMIT``) test exhaustively from here on; the others need nothing.
        """
        return None

    @abstractmethod
    def _missing(self) -> str:
        """Why the results in hand do not suffice (for the error message)."""

    @abstractmethod
    def _result(self) -> np.ndarray: ...

    def result(self) -> np.ndarray:
        """F(x) from the values received; ``NotDecodableError`` if they do not determine it."""
        if not self.ready:
            raise NotDecodableError(
                f"{type(self).__name__}: {self.received} result(s) in hand, cannot decode: "
                f"{self._missing()}"
            )
        if self._mode != "values":
            raise NotDecodableError(
                f"{type(self).__name__}: decodable, but it was fed supports only (no values)"
            )
        return self._result()


class CoverDecoder(Decoder):
    """Decoder for codes whose tasks are disjoint partial sums (One, Uncoded, Replication, BCC).

    Every task is one *batch* (a fixed set of symbols, batches partition the symbols); the sum is
    known once every batch has arrived at least once: ``F = Σ_batches (one copy of the batch)``.
    """

    def __init__(self, plan: Plan, batch_of_task: np.ndarray, n_batches: int) -> None:
        super().__init__(plan)
        self.batch_of_task = batch_of_task
        self.n_batches = n_batches
        self._have: dict[int, np.ndarray | None] = {}

    def _add(self, task: int, value: np.ndarray | None) -> None:
        self._have.setdefault(int(self.batch_of_task[task]), value)

    @property
    def ready(self) -> bool:
        return len(self._have) == self.n_batches

    def _missing(self) -> str:
        return (
            f"{self.n_batches - len(self._have)} of {self.n_batches} partial sums not yet "
            "received from any worker"
        )

    def _result(self) -> np.ndarray:
        values = [v for v in self._have.values() if v is not None]
        return np.sum(values, axis=0)


class Scheme(ABC):
    """A sum-of-functions scheme: ``plan`` what each worker computes; ``decoder`` to stop early.

    Subclasses take keyword-only parameters, validate them in ``__init__`` and again against
    ``(m, workers)`` in :meth:`validate`, before any work starts.  :meth:`policy` turns a scheme
    into the :class:`~codedcomp.core.policy.Policy` that both executors drive: a static plan
    here; ``ideal`` and the dynamic policies (:mod:`codedcomp.policies`) override it.
    """

    spec: str = ""
    name: str = ""
    family: str = "sums"  # the workloads it runs (codedcomp.codes.families)
    #: True for policies that decide during the run (copies, cancellations): the simulator
    #: drives them event by event; static plans also have vectorised shortcuts.
    dynamic: bool = False

    def validate(self, m: int, workers: int) -> None:
        """Raise ``ValueError`` naming the constraint if this scheme cannot run at this size."""
        owner = self.label
        check(owner, "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1")
        check(
            owner,
            "workers",
            workers,
            isinstance(workers, (int, np.integer)) and 1 <= workers <= m,
            f"an integer in [1, m={m}]",
        )

    @property
    def label(self) -> str:
        """The spec as written, else the canonical spec of the parameters (``rep:r=4``).

        It names the scheme in results and traces (the random stream is named by
        :attr:`canonical`, so ``lt`` and ``lt:r=1`` draw the same plans).
        """
        return self.spec or self.canonical

    @property
    def canonical(self) -> str:
        """``name:key=value,...`` with every parameter that differs from its spec default.

        Keys in declaration order, floats in their shortest round-trip form: two specs of the
        same scheme (``sr:d=4`` and ``sr:d=4,``; ``lt`` and ``lt:r=1``) have one canonical name.
        """
        from . import SCHEMES  # the registry declares the parameters and their defaults

        entry = SCHEMES.entries.get(self.name)
        if entry is None:
            return self.name or type(self).__name__
        parts = []
        for p in entry.params:
            value = getattr(self, p.name, p.default)
            if value != p.default:
                parts.append(
                    f"{p.name}={value!r}" if isinstance(value, float) else f"{p.name}={value}"
                )
        return f"{self.name}:{','.join(parts)}" if parts else self.name

    @abstractmethod
    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        """Random (or fixed) assignment of tasks to workers."""

    @abstractmethod
    def decoder(self, plan: Plan) -> Decoder:
        """A fresh incremental decoder for ``plan``."""

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> Policy:
        """The policy that executes one job of this scheme (default: its static plan)."""
        return StaticPolicy(self, self.plan(ctx.m, ctx.workers, rng))

    def decode_point(self, plan: Plan, order: np.ndarray) -> int | None:
        """Smallest ``n`` such that the tasks ``order[:n]`` determine F; ``None`` if none does.

        The generic version feeds supports to the decoder one by one; schemes override it with
        vectorised or structural shortcuts (tests check the two agree).
        """
        dec = self.decoder(plan)
        for n, task in enumerate(order, start=1):
            dec.add_task(int(task))
            if dec.ready:
                return n
        return None

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Optional vectorised path over all trials: ``x`` is (trials, workers) initial delays.

        ``rngs[t]`` is trial ``t``'s stream for this scheme (the one :meth:`plan` would get).
        Returns (latency, received) per trial (``inf`` latency where never decodable), or
        ``None`` when the scheme has no such shortcut and must be simulated trial by trial.
        If ``work`` (a list of ``trials`` entries) is given, a shortcut may fill entry ``t`` with
        trial ``t``'s :class:`~codedcomp.core.work.Work`; the simulator computes the entries it
        leaves ``None`` from the plan.  Tests check both against the event-driven path.
        """
        return None

    def __repr__(self) -> str:
        return self.label


def single_task_work(
    x: np.ndarray, finish: np.ndarray, cost: np.ndarray, latency: np.ndarray, m: int
) -> list[Work | None]:
    """Work per trial of plans with one task per worker (``x``/``finish``/``cost``: (trials, P))."""
    out: list[Work | None] = []
    for t in range(x.shape[0]):
        if not np.isfinite(latency[t]):
            out.append(None)
            continue
        out.append(work_at(float(latency[t]), x[t], finish[t], cost[t], needed=float(m)))
    return out
