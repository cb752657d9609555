"""One, Uncoded and r-Replication (fractional repetition) for F(x) = Σ f_i(x).

Paper 001 §II-B and paper 000 §II-B (baselines 1–3):

* **One** (All-at-One): a single worker computes every f_i and adds them; T = X_1 + τ·m.
* **Uncoded**: worker i computes f_i; the master waits for all: T = max_j (X_j + τ).
* **r-Replication**: workers r(j-1)+1 … rj all compute the partial sum of the j-th group of r
  functions; the master needs one copy of each of the m/r partial sums:
  T = max_groups min_{workers in group} (X_j + τ·r).  Uncoded is r = 1.

Reading chosen where ``workers`` is not a multiple of r: the last group has fewer functions and
fewer replicas (``workers mod r`` of each), rather than rejecting the size.
With ``workers < m`` functions are first grouped into ``workers`` contiguous blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core.work import Work
from ...errors import check
from .base import CoverDecoder, Decoder, Plan, Scheme, block_starts, single_task_work


def _received(finish: np.ndarray, latency: np.ndarray) -> np.ndarray:
    return (finish <= latency[:, None]).sum(axis=1)


class Replication(Scheme):
    """r-Replication; ``Replication(r=1)`` is Uncoded."""

    name = "rep"

    def __init__(self, *, r: int = 2) -> None:
        check("Replication", "r", r, isinstance(r, (int, np.integer)) and r >= 1, "an integer >= 1")
        self.r = int(r)

    def validate(self, m: int, workers: int) -> None:
        super().validate(m, workers)
        check(self.label, "r", self.r, self.r <= workers, f"<= workers={workers}")

    def _groups(self, m: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
        blocks = block_starts(m, workers)
        n_groups = -(-workers // self.r)
        symbol_start = blocks[np.minimum(np.arange(n_groups + 1) * self.r, workers)]
        group_of_worker = np.arange(workers) // self.r
        return symbol_start, group_of_worker

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        symbol_start, group = self._groups(m, workers)
        sizes = np.diff(symbol_start)
        return Plan(
            m=m,
            n_workers=workers,
            symbol_start=symbol_start,
            worker_ptr=np.arange(workers + 1, dtype=np.int64),
            sup_ptr=np.arange(workers + 1, dtype=np.int64),
            sup_idx=group.astype(np.int64),
            cost=sizes[group].astype(float),
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
        workers = x.shape[1]
        symbol_start, group = self._groups(m, workers)
        cost = np.diff(symbol_start)[group].astype(float)
        finish = x + tau * cost
        firsts = np.minimum.reduceat(finish, np.arange(0, workers, self.r), axis=1)
        latency = firsts.max(axis=1)
        if work is not None:
            work[:] = single_task_work(x, finish, np.broadcast_to(cost, x.shape), latency, m)
        return latency, _received(finish, latency)


class Uncoded(Replication):
    name = "uncoded"

    def __init__(self) -> None:
        super().__init__(r=1)


class One(Scheme):
    """All-at-One: worker 0 computes all of F; every other worker idles."""

    name = "one"

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        ptr = np.ones(workers + 1, dtype=np.int64)
        ptr[0] = 0
        return Plan(
            m=m,
            n_workers=workers,
            symbol_start=np.array([0, m], dtype=np.int64),
            worker_ptr=ptr,
            sup_ptr=np.array([0, 1], dtype=np.int64),
            sup_idx=np.zeros(1, dtype=np.int64),
            cost=np.array([float(m)]),
        )

    def decoder(self, plan: Plan) -> Decoder:
        return CoverDecoder(plan, np.zeros(1, dtype=np.int64), 1)

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        latency = x[:, :1] + tau * m
        if work is not None:
            work[:] = single_task_work(
                x[:, :1], latency, np.full((x.shape[0], 1), float(m)), latency[:, 0], m
            )
        return latency[:, 0], np.ones(x.shape[0], dtype=np.int64)
