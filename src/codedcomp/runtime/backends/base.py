"""The backend interface: how the master loop talks to workers, whatever runs them.

A *backend* runs many **logical workers** (the papers' workers j = 0 … P−1; papers 000 §IV and
001 §IV, delay model eq. 4) on some physical substrate (threads, a pool of processes, Ray
actors).  The master loop (:mod:`codedcomp.runtime.master`) knows nothing of that substrate: it
opens a :class:`Session` per job, gives every logical worker an ordered queue of core
:class:`~codedcomp.core.tasks.Task` ``(id, payload, cost)``, may **append** tasks to any worker's
queue and **cancel single tasks** while the job runs (pull-based work queues, speculative
execution, hedged requests), receives :class:`~codedcomp.core.tasks.Event` as they stream back,
and closes the session, which cancels everything still outstanding.

Contract every backend implements (``thread`` and ``local`` here; ``ray`` in ``backends/ray.py``):

**Timing (straggler injection).**  All times are ``time.monotonic()`` seconds of the master's
clock.  Starting is two-phase: ``Backend.open(job)`` ships everything (workload, input, queues)
and returns with every worker *armed*; ``Session.start(t0)`` then releases them with the job's
reference instant ``t0`` (the master takes ``t0`` right before calling it, so shipping a large
plan is not counted as latency; the trace records it apart).  Logical worker ``j``:

1. waits until ``t0 + delays[j]`` (the injected initial delay ``X_j``) and emits ``"start"``;
2. for each task of its queue, in order: evaluates ``workload.compute(task.payload, x, data)``
   (``data``: the job's data, shipped once per job), then, if ``tau > 0`` (or the task carries
   an ``extra`` service time), holds the result until its **absolute deadline**
   ``window_start + tau·task.cost + task.extra``, where ``window_start`` is the previous
   task's deadline (the worker's start for the first task; ``max(previous deadline, arrival)``
   for a task appended to an idle worker) — so with a static plan task ``b`` completes at
   ``t0 + X_j + τ·Σ_{b'≤b} cost`` exactly (eq. 4), without drift; if the real computation
   overruns its deadline the result is sent when ready and later deadlines start from that
   instant (real slowness shows).
   With ``tau == 0`` there is no padding: results are sent as soon as computed (natural speed);
3. emits ``"result"`` (value = the partial sum) at that instant, then moves to its next task;
4. when its queue is empty it emits ``"idle"`` and waits for more tasks (``Session.submit``).

Every wait is interruptible: cancellation (``Session.close``) takes effect at the latest when
the current ``partial`` call returns (cooperative cancellation between tasks); a worker sleeping
towards a deadline is woken at once.  Remote backends whose workers do not share the master's
monotonic clock translate ``t0`` and event times (e.g. by the offset measured at job start).

**Cancelling one task** (``Session.cancel_tasks``): a queued task is dropped; a task whose
result is held for its deadline is dropped and the worker starts its next task at once; each
is acknowledged by a ``"cancelled"`` event.  A result already on its way may still arrive: the
master records it and never decodes from it.

**Faults** (``JobSpec.faults[j] = Fault(kind, at)``), striking at the ``at``-th task the worker
begins (counting from 0):
``"crash"`` — the logical worker dies before finishing that task: a ``"crash"`` event (index
``at``) is emitted and the worker never does anything again; ``"hang"`` — the worker silently
stops (no event ever again; only the master's timeout or the job's end resolves it);
``"raise"`` — ``partial`` raises for that task and every later one of this worker: each such
task produces an ``"error"`` event and the worker goes on with its next task.  A real exception
of the workload also gives an ``"error"`` event (the worker continues), and a real death of the
hosting process/actor gives a ``"crash"`` event (``index = -1``) for every logical worker it
hosted that had not finished: the backend must detect it, never leave the master waiting.

**Events** are :class:`~codedcomp.core.tasks.Event` named tuples ``(kind, worker, task, time,
value, error, began)`` (``task`` is the task id; ``began`` when the worker began it):

* ``"start"``  — the worker's initial delay is over (``task = -1``);
* ``"result"`` — task ``task`` is complete; ``value`` is what ``compute`` returned;
* ``"error"``  — task ``task`` raised; ``error`` is ``"ExcType: message"``; worker continues;
* ``"crash"``  — the worker is dead: ``task`` is the task it died in (``-1``: unknown), every
  task of its queue not yet reported is lost; ``error`` says why;
* ``"idle"``   — the worker's queue is empty (``task = -1``);
* ``"cancelled"`` — task ``task`` was dropped on request; ``value`` = units of work it had done.

``time`` is the instant the worker emitted the event (master clock).  Events of one worker arrive
in the order they happened; events of different workers may interleave arbitrarily.

**Lifecycle.**  Constructing a backend starts nothing (the registry builds one to validate a
spec).  ``Backend.open(job)`` starts the pool if needed, ships the workload (at most once per
worker process/actor per ``workload_key``) and the job's data (once per job: shared memory on
``local``, the object store on Ray; :meth:`Backend.check` must fail *before* anything
starts if it cannot be shipped) and the job, and returns a :class:`Session` whose workers wait
for ``Session.start(t0)``.  ``Session.poll(timeout)``
returns every event available, waiting at most ``timeout`` seconds for the first one (``[]`` on
timeout).  ``Session.close()`` cancels all outstanding work of the job, waits (at most ``grace``
seconds) until every logical worker has stopped, forcibly reclaims the substrate of those that
did not (killing and later replacing a stuck process/actor), and returns a :class:`CloseReport`
with the events that arrived meanwhile and, per worker, what it was doing when stopped.  ``close``
is idempotent, never raises and must be safe to call from ``finally`` after a
``KeyboardInterrupt``.  Backends are persistent (pools are started once and reused by later
jobs); ``Backend.shutdown()`` releases everything they hold and is idempotent.  One thread drives
a backend at a time; one session is open per backend at a time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from ...core.tasks import Event, Task
from ...workloads.base import Workload

FaultKind = Literal["crash", "hang", "raise"]


@dataclass(frozen=True)
class Fault:
    """An injected fault of one logical worker, striking at its task ``at`` (see module doc)."""

    kind: FaultKind
    at: int


@dataclass
class JobSpec:
    """Everything a backend needs to run one job (one trial of one scheme)."""

    job_id: str
    workload: Workload
    workload_key: str  # same key ⇒ same, unchanged workload (one key per run): ship it once
    x: Any  # the input of this job
    n_workers: int
    delays: np.ndarray  # (n_workers,) injected initial delays X_j in seconds (zeros: none)
    tau: float  # seconds per unit of work for padding; 0: no padding
    tasks: dict[int, list[Task]]  # initial queues by worker (missing/empty: starts idle)
    faults: dict[int, Fault] = field(default_factory=dict)
    data: Mapping[str, np.ndarray] | None = None  # job data, shipped once per job
    task_timeout: float | None = None  # a compute call running longer is abandoned as hung


class WorkerStop(NamedTuple):
    """What a logical worker was doing when its job was closed.

    ``state``: ``"waiting"`` (initial delay not over), ``"running"``, ``"idle"``, ``"crashed"``,
    ``"hung"`` or ``"killed"`` (its host did not stop in time and was killed);
    ``in_progress``: index of the task it was working on (``-1``: none);
    ``partial_work``: units of work of that task already done (elapsed fraction of its τ-window
    times its cost; the whole cost if its value was computed but held for its deadline).
    """

    worker: int
    state: str
    in_progress: int
    partial_work: float


@dataclass
class CloseReport:
    """Returned by :meth:`Session.close`: events that arrived while stopping, per-worker stops."""

    late_events: list[Event] = field(default_factory=list)
    stops: dict[int, WorkerStop] = field(default_factory=dict)
    stop_seconds: float = 0.0  # from the cancel request until every worker had stopped
    abandoned: int = 0  # compute calls abandoned as hung (their hosts are recycled)

    def add_stops(self, acks: Mapping[int, Sequence[Sequence[Any]]], n_workers: int) -> None:
        """Record the hosts' stop acknowledgements; a worker none reported was ``"killed"``."""
        for stops in acks.values():
            for s in stops:
                self.stops[s[0]] = WorkerStop(*s)
        for j in range(n_workers):
            self.stops.setdefault(j, WorkerStop(j, "killed", -1, 0.0))


class Session(ABC):
    """One running job; see the module docstring for the contract.

    ``concurrent_poll``: ``True`` if ``poll`` may run on one thread while ``submit`` runs on
    another (the master then polls on a receiver thread, so results are stamped on arrival even
    while it is busy decoding); ``close`` is only called once that thread has stopped.
    """

    concurrent_poll: bool = False

    @abstractmethod
    def start(self, t0: float) -> None:
        """Release every worker: worker ``j`` starts at ``t0 + delays[j]`` (master clock)."""

    @abstractmethod
    def submit(self, worker: int, tasks: Sequence[Task]) -> None:
        """Append ``tasks`` to ``worker``'s queue (an idle worker starts on them at once)."""

    @abstractmethod
    def cancel_tasks(self, worker: int, ids: Sequence[int]) -> None:
        """Cancel tasks ``ids`` of ``worker`` (queued: dropped; running: stopped)."""

    @abstractmethod
    def poll(self, timeout: float | None) -> list[Event]:
        """Every event available, waiting up to ``timeout`` s for the first (``[]`` on timeout)."""

    @abstractmethod
    def close(self, grace: float = 2.0) -> CloseReport:
        """Cancel everything outstanding, wait until all workers stopped; idempotent, no raise."""

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Backend(ABC):
    """A substrate for logical workers; a small registry in :mod:`.backends` names them."""

    name: str = ""
    spec: str = ""

    def check(self, workload: Workload) -> None:  # noqa: B027 - optional hook, no-op default
        """Raise ``ValueError`` (one line) if ``workload`` cannot run here (e.g. won't pickle)."""

    @abstractmethod
    def open(self, job: JobSpec) -> Session:
        """Start ``job`` (ship the workload if needed, start all logical workers)."""

    @abstractmethod
    def shutdown(self) -> None:
        """Release every process/thread/actor this backend holds; idempotent."""

    def __repr__(self) -> str:
        return self.spec or self.name or type(self).__name__
