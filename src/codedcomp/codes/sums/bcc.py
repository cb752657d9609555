"""Batch Coupon Collector (BCC) of Li et al. 2018, as the baseline of paper 000 §II-B(4).

The sum is split into ``ceil(n/d)`` disjoint partial sums (batches) of ``d`` consecutive symbols
(the last batch holds the remainder); every worker samples one batch uniformly at random,
independently of the others, and computes it.  The master needs one copy of every batch, so BCC
*can fail*: with probability P(some batch is picked by no worker) it never decodes
(:func:`codedcomp.sim.closed_forms.bcc_failure_probability` gives it exactly).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core.work import Work, work_at
from ...errors import check
from .base import CoverDecoder, Decoder, Plan, Scheme, block_starts


class BCC(Scheme):
    name = "bcc"

    def __init__(self, *, d: int) -> None:
        check("BCC", "d", d, isinstance(d, (int, np.integer)) and d >= 1, "an integer >= 1")
        self.d = int(d)

    def validate(self, m: int, workers: int) -> None:
        super().validate(m, workers)
        check(self.label, "d", self.d, self.d <= workers, f"<= workers={workers}")

    def _batches(self, m: int, workers: int) -> np.ndarray:
        blocks = block_starts(m, workers)
        n_batches = -(-workers // self.d)
        return blocks[np.minimum(np.arange(n_batches + 1) * self.d, workers)]

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        symbol_start = self._batches(m, workers)
        n_batches = len(symbol_start) - 1
        choice = rng.integers(n_batches, size=workers).astype(np.int64)
        return Plan(
            m=m,
            n_workers=workers,
            symbol_start=symbol_start,
            worker_ptr=np.arange(workers + 1, dtype=np.int64),
            sup_ptr=np.arange(workers + 1, dtype=np.int64),
            sup_idx=choice,
            cost=np.diff(symbol_start)[choice].astype(float),
        )

    def decoder(self, plan: Plan) -> Decoder:
        return CoverDecoder(plan, plan.sup_idx, plan.n_symbols)

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        trials, workers = x.shape
        latency = np.empty(trials)
        received = np.zeros(trials, dtype=np.int64)
        for t in range(trials):
            plan = self.plan(m, workers, rngs[t])
            finish = x[t] + tau * plan.cost
            first = np.full(plan.n_symbols, np.inf)
            np.minimum.at(first, plan.sup_idx, finish)
            latency[t] = first.max()
            if np.isfinite(latency[t]):
                received[t] = int((finish <= latency[t]).sum())
                if work is not None:
                    work[t] = work_at(float(latency[t]), x[t], finish, plan.cost, needed=float(m))
        return latency, received
