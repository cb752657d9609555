"""The perfect-load-balancing lower bound ``ideal`` (papers 000/001 delay model, eq. 4).

No scheme can finish before ``m`` units of work have been done somewhere: with worker j
completing its b-th unit at ``X_j + τ·b``, the bound is the m-th smallest of those times over all
workers and b ≥ 1.  It is a yardstick, not a code: it has no plan.  Its :meth:`policy` is a
pull-based work queue (:class:`~codedcomp.core.policy.PullPolicy`), which attains the bound in
the event-driven simulator and approaches it on real workers; the simulator's shortcut is
:meth:`fast_latency`, computed exactly by bisection on the count of completed units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core.context import JobContext
from ...core.policy import Policy, PullPolicy
from ...core.work import Work
from .base import Decoder, Plan, Scheme


def mth_unit_time(x: np.ndarray, tau: float, m: int) -> np.ndarray:
    """Per row of ``x`` (trials, workers): the m-th smallest of ``x_j + τ·b`` over j, b ≥ 1."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if tau == 0:  # work is free: everything is done the moment the first worker starts
        return x.min(axis=1)

    def done(t: np.ndarray) -> np.ndarray:
        return np.floor(np.maximum(t[:, None] - x, 0.0) / tau + 1e-9).sum(axis=1)

    lo = x.min(axis=1)  # nothing is done before the first start
    hi = x.min(axis=1) + tau * m  # the fastest worker alone finishes m units by then
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        enough = done(mid) >= m
        hi = np.where(enough, mid, hi)
        lo = np.where(enough, lo, mid)
        if np.all(hi - lo <= 1e-12 * np.maximum(1.0, np.abs(hi))):
            break
    # the answer is the first unit completion strictly after lo: for every worker its next unit
    b = np.floor(np.maximum(lo[:, None] - x, 0.0) / tau + 1e-9) + 1
    return (x + tau * b).min(axis=1)


class Ideal(Scheme):
    name = "ideal"

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        raise ValueError("ideal: a lower bound for simulation only; it has no executable plan")

    def decoder(self, plan: Plan) -> Decoder:
        raise ValueError("ideal: a lower bound for simulation only; it has no decoder")

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> Policy:
        """A pull queue: one unit at a time in the simulator (its m-th completion is exactly
        the bound), two deep on real workers (no master round trip between units)."""
        if ctx.executor == "sim":
            return PullPolicy(ctx.m, ctx.workers, label=self.label, depth=1)
        return PullPolicy(
            ctx.m, ctx.workers, label=self.label, depth=2, unit_timeout=ctx.task_timeout
        )

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        latency = mth_unit_time(x, tau, m)
        if work is not None:  # exactly m units, each begun once and finished by the m-th completion
            work[:] = [
                Work(busy=tau * m, units=float(m), launched=m, needed=float(m))
                if np.isfinite(lat)
                else None
                for lat in latency
            ]
        return latency, np.full(x.shape[0], m, dtype=np.int64)
