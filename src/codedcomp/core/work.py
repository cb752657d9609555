"""The work a job costs, reported for every scheme and policy alike.

A code pays with redundant computation that it plans up front; speculation and hedging pay with
copies launched during the run.  To set them side by side every result carries a ``work``
object, computed the same way by the simulator and (from what workers report) by the runtime:

* ``busy`` — worker-time spent on tasks (sum over tasks of the time from when a worker *began*
  the task until it finished, was cancelled, or the job stopped).  A worker's initial delay
  ``X_j`` and its idle time are not counted: they cost a straggler, not work.
* ``units`` — units of work done (``f_i`` evaluations for sums), a task stopped half-way counts
  half its cost.  ``extra = units / needed − 1`` is the work beyond the ``m`` units the job
  needs at least (0 for uncoded waiting for everyone; ``ideal``'s bound is 0).
* ``launched`` — tasks some worker began; ``cancelled`` — of those, the ones stopped before they
  finished (cancelled by the policy, or still running when the job stopped).  Tasks that were
  queued but never begun cost nothing and are not counted (a rateless code queues far more
  than it ever begins);
* ``copies`` — copies of tasks the policy launched during the run (speculation, hedging; 0 for a
  static plan), whether or not a worker began them: a copy whose original's worker had not
  started yet replaces it, and the original, cancelled while queued, costs nothing.

The simulator's master is instantaneous: it stops at the decode instant ``L``.  A real master
notices a little later and stops its workers after a round trip; the runtime reports the work
that was really done (late results and partial tasks included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Work:
    """The work of one job; see the module docstring."""

    busy: float = 0.0
    units: float = 0.0
    launched: int = 0
    cancelled: int = 0
    needed: float = 0.0
    copies: int = 0

    @property
    def extra(self) -> float:
        """Work beyond the units needed, as a fraction of them."""
        return self.units / self.needed - 1.0 if self.needed > 0 else 0.0

    @classmethod
    def from_json(cls, doc: dict[str, Any], needed: float) -> Work:
        keys = ("busy", "units", "launched", "cancelled", "copies")
        return cls(**{k: doc[k] for k in keys if k in doc}, needed=needed)

    def to_json(self) -> dict[str, float]:
        return {
            "busy": self.busy,
            "units": self.units,
            "launched": self.launched,
            "cancelled": self.cancelled,
            "copies": self.copies,
            "extra": self.extra,
        }


def work_at(
    stop: float,
    began: np.ndarray,
    planned_end: np.ndarray,
    cost: np.ndarray,
    stopped: np.ndarray | None = None,
    *,
    needed: float,
    copies: int = 0,
) -> Work:
    """Work done by instant ``stop`` from per-task arrays (simulator and static shortcuts).

    ``began``: when a worker began each task (``inf``: never); ``planned_end``: when it would
    complete if left alone; ``stopped``: when it was cancelled (``inf`` or ``None``: never).
    """
    began = np.asarray(began, dtype=float)
    end = np.asarray(planned_end, dtype=float)
    cost = np.asarray(cost, dtype=float)
    cut = np.full(began.shape, stop) if stopped is None else np.minimum(stopped, stop)
    finished = end <= cut
    started = (began < cut) | finished
    if not started.any():
        return Work(needed=needed, copies=copies)
    b, e, c, f, k = began[started], end[started], cost[started], finished[started], cut[started]
    upto = np.minimum(e, k)
    span = e - b
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(f, 1.0, np.clip((upto - b) / np.where(span > 0, span, 1.0), 0.0, 1.0))
    return Work(
        busy=float(np.maximum(upto - b, 0.0).sum()),
        units=float((c * frac).sum()),
        launched=int(started.sum()),
        cancelled=int((~f).sum()),
        needed=needed,
        copies=copies,
    )


def summarize(works: Sequence[Work | None]) -> dict[str, Any]:
    """Means over the jobs that have a :class:`Work` (the ``work`` object of a result's JSON)."""
    ok = [w for w in works if w is not None]
    keys = ("busy", "units", "launched", "cancelled", "copies", "extra")
    if not ok:
        return dict.fromkeys((*keys, "extra_p99"))
    out: dict[str, Any] = {k: float(np.mean([getattr(w, k) for w in ok])) for k in keys}
    out["extra_p99"] = float(np.quantile([w.extra for w in ok], 0.99))
    return out
