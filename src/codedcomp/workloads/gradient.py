"""Batch gradients, the machine-learning workload of papers 000 §I and 001 §I (distributed
gradient descent: the batch gradient is the sum of the gradients of the data shards).

Logistic regression with labels ``y ∈ {0, 1}``, features ``a_j`` (with a constant 1 for the
intercept) and parameters ``x``: the average loss is
``L(x) = (1/n) Σ_j [log(1 + e^{a_j·x}) − y_j a_j·x]`` and its gradient
``∇L(x) = (1/n) Σ_j (σ(a_j·x) − y_j) a_j``.  The ``n`` samples are shuffled (from the seed) and
split into ``m`` near-equal contiguous shards (sizes differ by at most one);
``f_i(x) = (1/n) Σ_{j ∈ shard i} (σ(a_j·x) − y_j) a_j``, so ``F(x) = ∇L(x)``, shape
``(n_features,)``.

Data (``data`` parameter):

- ``digits`` (default): the 1797 images of ``sklearn.datasets.load_digits`` (offline), pixels
  scaled to [0, 1], task "digit < 5"; ``n_features = 65``; ``samples`` (default: all 1797) keeps
  the first ``samples`` after the shuffle.  Needs ``m ≤ samples``.
- ``synthetic``: ``samples`` points (default ``20·m``) with ``features`` standard-normal features
  and labels drawn from a logistic model with a random true parameter; ``n_features =
  features + 1``.

Queries are parameter vectors ``x ~ N(0, 0.1²)``.  ``partial`` weights every sample by how many
times its shard occurs in the task (so repeated indices count repeatedly, as in any sum) and does
one matrix-vector product; ``exact`` is the full-batch gradient over all samples, never looking at
shards.  The pickle holds only the parameters and the seed: the data is rebuilt when unpickled
(digits reloaded from scikit-learn's packaged file, synthetic data regenerated).  ``features`` is
used by ``synthetic`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from ..errors import check
from .base import Workload
from .digits import digits

DATA = ("digits", "synthetic")
QUERY_SCALE = 0.1


class LogisticGradient(Workload):
    """Σ over ``m`` data shards of the logistic-regression gradient at parameters ``x``."""

    name = "gradient"

    def __init__(
        self,
        *,
        m: int,
        seed: int | None = None,
        data: str = "digits",
        samples: int | None = None,
        features: int = 20,
    ) -> None:
        owner = "LogisticGradient"
        check(owner, "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1")
        check(owner, "data", data, data in DATA, f"one of {', '.join(DATA)}")
        check(
            owner,
            "features",
            features,
            isinstance(features, (int, np.integer)) and features >= 1,
            "an integer >= 1",
        )
        self.m = int(m)
        self.seed = seed
        self.data = data
        self.samples = samples
        self.features = int(features)
        available = len(digits()[1]) if data == "digits" else None
        n = samples if samples is not None else (available if available is not None else 20 * m)
        check(
            owner,
            "samples",
            n,
            isinstance(n, (int, np.integer)) and n >= self.m,
            f">= m={self.m} (every shard needs a sample)",
        )
        if available is not None:
            check(owner, "samples", n, n <= available, f"<= {available} (digits)")
        self.n = int(n)
        self._seq = np.random.SeedSequence(seed)
        self._build()

    def _build(self) -> None:
        # children of the seed, derived without mutating it (``spawn`` would count calls)
        data_seq, perm_seq = (
            np.random.SeedSequence(self._seq.entropy, spawn_key=(*self._seq.spawn_key, k))
            for k in range(2)
        )
        if self.data == "digits":
            images, labels = digits()
            order = np.random.default_rng(perm_seq).permutation(len(labels))[: self.n]
            features = images[order].astype(np.float64) / 16.0
            self.y = (labels[order] < 5).astype(np.float64)
        else:
            rng = np.random.default_rng(data_seq)
            features = rng.standard_normal((self.n, self.features))
            truth = rng.standard_normal(self.features + 1)
            logits = features @ truth[1:] + truth[0]
            self.y = (rng.random(self.n) < expit(logits)).astype(np.float64)
        self.a = np.hstack([np.ones((self.n, 1)), features])
        # shard i holds samples bounds[i]:bounds[i+1] (sizes differ by at most one)
        self.bounds = (np.arange(self.m + 1) * self.n) // self.m
        self.shard_of = np.repeat(np.arange(self.m), np.diff(self.bounds))

    @property
    def n_features(self) -> int:
        return int(self.a.shape[1])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("a", "y", "bounds", "shard_of"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build()

    def input(self, rng: np.random.Generator) -> np.ndarray:
        return QUERY_SCALE * rng.standard_normal(self.n_features)

    def _params(self, x: Any) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        check(
            "LogisticGradient",
            "x.shape",
            v.shape,
            v.shape == (self.n_features,),
            f"({self.n_features},)",
        )
        return v

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        v = self._params(x)
        idx = np.asarray(indices, dtype=np.int64)
        weight = np.bincount(idx, minlength=self.m)[self.shard_of]
        rows = np.flatnonzero(weight)
        a = self.a[rows]
        residual = expit(a @ v) - self.y[rows]
        return (a.T @ (weight[rows] * residual)) / self.n

    def exact(self, x: Any) -> np.ndarray:
        v = self._params(x)
        return np.einsum("jf,j->f", self.a, expit(self.a @ v) - self.y) / self.n
