"""Hedged requests (Dean & Barroso, "The Tail at Scale", CACM 2013): ``hedge:after=p95[,copies=2]``.

"Issue the same request to multiple replicas and use the results from whichever replica responds
first … defer sending a secondary request until the first request has been outstanding for more
than the 95th-percentile expected latency."  Here the requests are the tasks of the uncoded
partition of F(x) = Σ f_i(x) (:mod:`.copies`): a task still unfinished ``after`` its launch gets
a further copy on another (idle) worker; the first reply wins and the rest are cancelled.

* ``after=pXX`` — the XX-th percentile of **one task's completion time** under the delay model in
  use: ``X + τ·c`` with ``X`` the initial delay and ``c`` the task's cost (``m/P`` units; its exact
  quantile from the model's quantile function, or empirical for ``trace:``; with a per-task
  service-time model ``Y`` the quantile of ``X + τ·c + Y`` by Monte Carlo with a fixed seed).  In a
  real run with natural delays (``delay=none``, no padding) no model exists: the percentile of
  the task times **observed so far** in the job is used, once 5 tasks (and 5 % of them) have
  finished — until then nothing is hedged.
* ``after=0.25`` — a fixed delay in seconds (in the simulator, in its time unit).
* ``copies`` — launches per task in all, the original included (default 2: one hedge); copy
  ``k`` (``k = 1 … copies−1``) is requested ``k·after`` after the original's launch.

Reading chosen where the paper is informal: a copy goes to an idle worker (the longest idle
first); if none is idle it waits for the next worker to go idle — hedging never queues a copy
behind other work.
"""

from __future__ import annotations

import heapq
import math
import re
import zlib
from typing import Any

import numpy as np

from ..core.context import JobContext
from ..errors import check
from .copies import CopyPolicy, CopyScheme

_PCT = re.compile(r"^p(\d+(?:\.\d*)?)$")
MIN_OBSERVED = 5


def parse_after(owner: str, after: str | float) -> tuple[float | None, float | None]:
    """``(quantile in (0, 1), None)`` for ``pXX``, ``(None, seconds)`` for a number; one-line
    ``ValueError`` otherwise."""
    constraint = "a percentile pXX with 0 < XX < 100 (e.g. p95) or a number of seconds > 0"
    if isinstance(after, (int, float)) and not isinstance(after, bool):
        check(owner, "after", after, math.isfinite(after) and after > 0, constraint)
        return None, float(after)
    text = str(after).strip()
    match = _PCT.match(text)
    if match:
        q = float(match.group(1))
        check(owner, "after", text, 0 < q < 100, constraint)
        return q / 100.0, None
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"{owner}: after={text!r} must be {constraint}") from None
    check(owner, "after", text, math.isfinite(seconds) and seconds > 0, constraint)
    return None, seconds


def task_time_quantile(q: float, ctx: JobContext, cost: float, spec: str) -> float:
    """The q-quantile of one task's completion time ``X + τ·cost (+ Y)`` under ``ctx``'s models."""
    delay, service = ctx.delay, ctx.service
    if service is None:
        base = 0.0 if delay is None else float(np.asarray(delay.quantile(q)))
        return base + ctx.tau * cost
    rng = np.random.default_rng(zlib.crc32(spec.encode()))  # fixed: the same for every trial
    n = 20000
    x = np.zeros(n) if delay is None else delay.sample(rng, n)
    return float(np.quantile(x + ctx.tau * cost + service.sample(rng, n), q))


class HedgePolicy(CopyPolicy):
    """See the module docstring."""

    def __init__(
        self,
        scheme: Any,
        plan: Any,
        *,
        label: str,
        after: float | None,
        quantile: float | None,
        copies: int,
    ) -> None:
        super().__init__(scheme, plan, label=label)
        self.after = after  # None: adaptive (observed task times)
        self.quantile = quantile
        self.copies = copies
        self.heap: list[tuple[float, int, int]] = []  # (deadline, unit, copy number)
        self.launched_at = np.zeros(self.n_units)  # the original's launch (0 for the base plan)

    def initial(self) -> Any:
        out = super().initial()
        self._schedule_all()
        return out

    def _schedule_all(self) -> None:
        self.heap = []
        if self.after is None:
            return
        for u in np.flatnonzero(~self.done):
            k = int(self.launches[u])  # copies so far: the next one is number k
            if k < self.copies:
                self.heap.append((self.launched_at[u] + k * self.after, int(u), k))
        heapq.heapify(self.heap)

    @property
    def wake_at(self) -> float | None:
        while self.heap and self.done[self.heap[0][1]]:
            heapq.heappop(self.heap)
        return self.heap[0][0] if self.heap else None

    def on_time(self, now: float) -> Any:
        while self.heap and self.heap[0][0] <= now:
            _, u, k = heapq.heappop(self.heap)
            if self.done[u]:
                continue
            self.request_copy(u)
            if k + 1 < self.copies and self.after is not None:
                heapq.heappush(self.heap, (self.launched_at[u] + (k + 1) * self.after, u, k + 1))
        return self._place(now)

    def on_result(self, unit: int, now: float) -> None:
        if self.quantile is None or not self.adaptive:
            return
        n = len(self.durations)
        if n >= max(MIN_OBSERVED, math.ceil(0.05 * self.n_units)):
            self.after = float(np.quantile(self.durations, self.quantile))
            self._schedule_all()

    adaptive = False


class Hedge(CopyScheme):
    """``hedge:after=p95[,copies=2]`` over the uncoded partition; see the module docstring."""

    name = "hedge"

    def __init__(self, *, after: str | float, copies: int = 2) -> None:
        super().__init__()
        self.quantile, self.seconds = parse_after("Hedge", after)
        check(
            "Hedge",
            "copies",
            copies,
            isinstance(copies, (int, np.integer)) and copies >= 2,
            "an integer >= 2 (the original and at least one hedge)",
        )
        self.after = after if isinstance(after, str) else repr(float(after))
        self.copies = int(copies)

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> HedgePolicy:
        plan = self.plan(ctx.m, ctx.workers, rng)
        after = self.seconds
        adaptive = False
        if self.quantile is not None:
            if ctx.natural:
                after, adaptive = None, True
            else:
                cost = getattr(plan, "unit_cost", None) or ctx.m / ctx.workers  # one task's
                after = task_time_quantile(self.quantile, ctx, cost, self.canonical)
        policy = HedgePolicy(
            self, plan, label=self.label, after=after, quantile=self.quantile, copies=self.copies
        )
        policy.adaptive = adaptive
        return policy
