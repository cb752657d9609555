"""Gaussian kernel sums, the real-cluster workload of paper 001 §V (and 000 §I, 001 §II-A).

``f_i(x) = exp(-‖x - z_i‖² / (2·bandwidth²))`` for ``m`` data points ``z_i ~ N(0, I_dim)``, so
``F(x) = Σ_i f_i(x)`` is the (unnormalised) kernel density / kernel-regression numerator at the
query ``x``.  The paper used ``m = 1000`` kernels of ``dim = 1000`` vectors
(``kernel-sum:dim=1000``); the default ``dim = 100`` keeps runs light on small machines.
``bandwidth`` defaults to ``sqrt(dim)``: two independent points are ``≈ sqrt(2·dim)`` apart, so
typical kernel values are ``≈ e^{-1}`` and no term is negligible.

A query is a point near the data: ``x = z_j + 0.5·ε`` for a random ``j`` and ``ε ~ N(0, I)``.  With
``queries = q > 1`` the query is ``q`` such points stacked, shape ``(q, dim)``, and every value is a
vector of the ``q`` kernel sums (shape ``(q,)``); with ``queries = 1`` it is one point of shape
``(dim,)`` and values are scalars (shape ``()``).

The points are regenerated from the seed when the workload is unpickled, so shipping it to a
worker costs a few bytes whatever ``m`` and ``dim``.  ``partial`` uses the expansion
``‖x‖² + ‖z‖² - 2 x·z`` (one matrix product per task); ``exact`` sums the squared differences
directly, a separate computation path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import check
from .base import Workload

QUERY_NOISE = 0.5


class KernelSum(Workload):
    """Σ_i exp(-‖x - z_i‖² / (2 h²)) over ``m`` random points ``z_i`` (paper 001 §V)."""

    name = "kernel-sum"

    def __init__(
        self,
        *,
        m: int,
        seed: int | None = None,
        dim: int = 100,
        bandwidth: float | None = None,
        queries: int = 1,
    ) -> None:
        check("KernelSum", "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1")
        check(
            "KernelSum",
            "dim",
            dim,
            isinstance(dim, (int, np.integer)) and dim >= 1,
            "an integer >= 1",
        )
        check(
            "KernelSum",
            "bandwidth",
            bandwidth,
            bandwidth is None or (math.isfinite(bandwidth) and bandwidth > 0),
            "> 0",
        )
        check(
            "KernelSum",
            "queries",
            queries,
            isinstance(queries, (int, np.integer)) and queries >= 1,
            "an integer >= 1",
        )
        self.m = int(m)
        self.seed = seed
        self.dim = int(dim)
        self.bandwidth = bandwidth
        self.queries = int(queries)
        self.h = float(bandwidth) if bandwidth is not None else math.sqrt(self.dim)
        self._seq = np.random.SeedSequence(seed)
        self._build()

    def _build(self) -> None:
        rng = np.random.default_rng(self._seq)
        self.points = rng.standard_normal((self.m, self.dim))
        self._sq_norms = np.einsum("ij,ij->i", self.points, self.points)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["points"], state["_sq_norms"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build()

    def input(self, rng: np.random.Generator) -> np.ndarray:
        j = rng.integers(self.m, size=self.queries)
        x = self.points[j] + QUERY_NOISE * rng.standard_normal((self.queries, self.dim))
        return x[0] if self.queries == 1 else x

    def _queries(self, x: Any) -> np.ndarray:
        q = np.asarray(x, dtype=np.float64)
        want = (self.dim,) if self.queries == 1 else (self.queries, self.dim)
        check("KernelSum", "x.shape", q.shape, q.shape == want, f"{want}")
        return q.reshape(self.queries, self.dim)

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        q = self._queries(x)
        idx = np.asarray(indices, dtype=np.int64)
        z = self.points[idx]  # (k, dim)
        sq = np.einsum("qd,qd->q", q, q)[:, None] + self._sq_norms[idx][None, :] - 2.0 * (q @ z.T)
        values = np.exp(-np.maximum(sq, 0.0) / (2.0 * self.h**2)).sum(axis=1)
        return np.asarray(values[0]) if self.queries == 1 else values

    def exact(self, x: Any) -> np.ndarray:
        q = self._queries(x)
        out = np.empty(self.queries)
        for r in range(self.queries):
            diff = self.points - q[r]
            out[r] = np.sum(np.exp(-np.sum(diff * diff, axis=1) / (2.0 * self.h**2)))
        return np.asarray(out[0]) if self.queries == 1 else out
