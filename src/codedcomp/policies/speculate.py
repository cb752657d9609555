"""Speculative execution as Spark does it: ``speculate:quantile=0.9,multiplier=3``.

Spark (``spark.speculation.*``; ``TaskSetManager.checkSpeculatableTasks``) checks every
``interval`` whether to speculate: once a fraction ``quantile`` of a stage's tasks has finished,
a running task whose running time exceeds ``max(multiplier × median duration of the finished
tasks, min_runtime)`` gets one speculative copy on a free executor; the first copy to finish
wins and the other is killed.  The defaults are Spark 4's (``quantile=0.9``, ``multiplier=3``,
``interval=0.1`` s, ``min_runtime=0.1`` s; Spark 3 used 0.75 and 1.5).  Cubed's backup tasks
(``slow_factor``, ``min_completed_fraction``) are the same rule under other names:
``slow_factor`` is ``multiplier``, ``min_completed_fraction`` is ``quantile``.

Here the stage is the uncoded partition of F(x) = Σ f_i(x) (:mod:`.copies`): durations and
running times are counted from when a task became its worker's current task, at most one
speculative copy per task (Spark's rule), and a copy goes to an idle worker that does not hold
the original.  The first check is at ``interval`` (Spark's timer does not fire at time 0); in the
simulator the checks fall on the multiples of ``interval`` in its time unit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.context import JobContext
from ..errors import check
from .copies import CopyPolicy, CopyScheme


class SpeculatePolicy(CopyPolicy):
    """See the module docstring."""

    def __init__(
        self,
        scheme: Any,
        plan: Any,
        *,
        label: str,
        quantile: float,
        multiplier: float,
        interval: float,
        min_runtime: float,
    ) -> None:
        super().__init__(scheme, plan, label=label)
        self.quantile = quantile
        self.multiplier = multiplier
        self.interval = interval
        self.min_runtime = min_runtime
        self.min_finished = max(math.floor(quantile * self.n_units), 1)  # Spark's rule
        self._next = interval

    @property
    def wake_at(self) -> float | None:
        if self.n_done >= self.n_units:
            return None
        return self._next

    def on_time(self, now: float) -> Any:
        self._next = (math.floor(now / self.interval + 1e-9) + 1) * self.interval
        if self.n_done >= self.min_finished:
            threshold = max(self.multiplier * float(np.median(self.durations)), self.min_runtime)
            for u, _tid, since in self.running():
                if not self.done[u] and self.launches[u] < 2 and now - since > threshold:
                    self.request_copy(u)
        return self._place(now)


class Speculate(CopyScheme):
    """``speculate:quantile=,multiplier=,interval=,min_runtime=``; see the module docstring."""

    name = "speculate"

    def __init__(
        self,
        *,
        quantile: float = 0.9,
        multiplier: float = 3.0,
        interval: float = 0.1,
        min_runtime: float = 0.1,
    ) -> None:
        super().__init__()
        num = (int, float)
        check(
            "Speculate",
            "quantile",
            quantile,
            isinstance(quantile, num) and 0 < quantile <= 1,
            "a number in (0, 1]",
        )
        check(
            "Speculate",
            "multiplier",
            multiplier,
            isinstance(multiplier, num) and math.isfinite(multiplier) and multiplier >= 1,
            "a finite number >= 1",
        )
        check(
            "Speculate",
            "interval",
            interval,
            isinstance(interval, num) and math.isfinite(interval) and interval > 0,
            "a finite number > 0",
        )
        check(
            "Speculate",
            "min_runtime",
            min_runtime,
            isinstance(min_runtime, num) and math.isfinite(min_runtime) and min_runtime >= 0,
            "a finite number >= 0",
        )
        self.quantile = float(quantile)
        self.multiplier = float(multiplier)
        self.interval = float(interval)
        self.min_runtime = float(min_runtime)

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> SpeculatePolicy:
        return SpeculatePolicy(
            self,
            self.plan(ctx.m, ctx.workers, rng),
            label=self.label,
            quantile=self.quantile,
            multiplier=self.multiplier,
            interval=self.interval,
            min_runtime=self.min_runtime,
        )
