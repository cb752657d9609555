"""Tasks, events and actions: the vocabulary that policies and both executors share.

DESIGN.md ("The one idea to keep"): a *policy* drives one job; the discrete-event simulator
(:mod:`codedcomp.sim.des`) and the real runtime (:mod:`codedcomp.runtime.master`) deliver the same
:class:`Event` to it and carry out the same :class:`Actions`.

* A :class:`Task` is ``(id, payload, cost)``.  The payload is whatever the scheme family needs —
  the function indices of a partial sum (papers 000/001), a reference to encoded operands shipped
  once per job (matmul), a batch of queries (inference) — and the worker hands it to
  ``workload.compute(payload, x, data)``.  ``cost`` is in units of work: its padded duration is
  ``τ·cost`` under the papers' delay model (000 §IV / 001 §IV, eq. 4).  Ids are unique per job:
  a copy of a task (speculation, hedging) is a new task whose ``origin`` names the original, so
  every result can be traced to the unit of work it stands for.
* An :class:`Event` is what happened on a logical worker: ``start`` (its initial delay is over),
  ``result`` (task done, ``value`` attached), ``error`` (the task raised; the worker goes on),
  ``crash`` (the worker is dead; every task it held is lost), ``idle`` (its queue is empty) and
  ``cancelled`` (it dropped a task on request; ``value`` = the units of work it had done).
  ``time`` is when it happened on the worker, ``began`` when the worker began that task.  A
  policy also hears "time passed" through :meth:`~codedcomp.core.policy.Policy.on_time`.
* :class:`Actions` is a policy's answer: tasks to **append** to workers' queues and task ids to
  **cancel** (a queued task is dropped, a running one stopped: its worker moves on at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

EVENT_KINDS = ("start", "result", "error", "crash", "idle", "cancelled")


@dataclass(frozen=True, slots=True)
class Task:
    """One unit a worker computes: ``workload.compute(payload, x, data)``; see module doc.

    ``extra``: an injected per-task service time (seconds) added to the padded window ``τ·cost``
    (the simulator's optional service-time model; 0 = the papers' model).
    """

    id: int
    payload: Any
    cost: float
    origin: int | None = None
    extra: float = 0.0

    @property
    def unit(self) -> int:
        """The original task this one stands for (itself if it is not a copy)."""
        return self.id if self.origin is None else self.origin

    def copy(self, new_id: int, extra: float = 0.0) -> Task:
        """A copy of this task's work under a new id (``origin`` = the original's id)."""
        return Task(new_id, self.payload, self.cost, self.unit, extra)


class Event(NamedTuple):
    """One thing that happened on a logical worker (kinds in the module docstring)."""

    kind: str
    worker: int
    task: int  # task id; -1 for start / idle / a crash outside any task
    time: float
    value: Any = None
    error: str | None = None
    began: float | None = None  # when the worker began ``task`` (result, error, cancelled)


@dataclass
class Actions:
    """A policy's answer to an event: tasks to append per worker, task ids to cancel."""

    submit: dict[int, list[Task]] = field(default_factory=dict)
    cancel: list[int] = field(default_factory=list)

    def add(self, worker: int, *tasks: Task) -> Actions:
        self.submit.setdefault(worker, []).extend(tasks)
        return self

    def merge(self, other: Actions | None) -> Actions:
        if other is not None:
            for w, tasks in other.submit.items():
                self.add(w, *tasks)
            self.cancel.extend(other.cancel)
        return self

    def __bool__(self) -> bool:
        return bool(self.cancel) or any(self.submit.values())

    @property
    def n_tasks(self) -> int:
        return sum(len(t) for t in self.submit.values())
