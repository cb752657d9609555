"""Codes found by optimisation: paper 004 §IV, problem (25) and Algorithm 1.

A linear code for the inner split (``m`` column blocks of A, ``m`` row blocks of B) is given by
encoding vectors ``α^(i), β^(i) ∈ ℝ^m`` per worker; a received set ``S`` decodes with weights
``d^(S)`` to ``Σ_{i∈S} d_i α^(i) β^(i)ᵀ``, which should equal ``I_m`` (then ``Ĉ = C``).  The
design minimises ``Σ_{|S| = k} ‖I − Σ_{i∈S} d_i^(S) α^(i) β^(i)ᵀ‖_F²`` over all ``C(P, k)``
straggler patterns (25) by **alternating minimisation** (Algorithm 1): each step is the exact
minimiser in one block of variables (Proposition 1):

(i)   ``Z^(S) d^(S) = z^(S)`` for every ``S``, with ``Z = (𝒜ᵀ𝒜) ⊙ (ℬᵀℬ)``, ``z_i = α^(i)·β^(i)``;
(ii)  ``𝒜 Y_ℬ = ℬ diag(y)``, i.e. ``Y_ℬ 𝒜ᵀ = diag(y) ℬᵀ`` (``Y_ij = Σ_{S ∋ i,j} d_i d_j``,
      ``y_i = Σ_{S ∋ i} d_i``, ``Y_ℬ = Y ⊙ ℬᵀℬ``);
(iii) ``Y_𝒜 ℬᵀ = diag(y) 𝒜ᵀ``.

Readings chosen: the paper's ``for p ← 1 to P`` in Algorithm 1 loops over all ``C(P, k)``
patterns (Table I indexes ``d^(p)`` that way); Proposition 1's ``Y_ℬ 𝒜 = diag(y) ℬ`` is read with
``𝒜`` as ``P × m`` (the transpose of Table I's ``m × P``), which is what the gradient gives.
After each sweep the columns are rebalanced (``α^(i)`` and ``β^(i)`` scaled to equal norms, their
product unchanged): the loss is unaffected and the iterates stay bounded.  All restarts run
together as one batch; every random start comes from ``seed``.

**How far it converges, in what time** (measured, 2 cores, ``docs/matmul.md``): every step is an
exact minimiser, so the loss never increases, but it does **not** converge to 0 at a rate worth
waiting for — it falls like ``c/t`` with the iteration count ``t`` (for (m, k, P) = (3, 4, 5)
about 6e-5 after 2·10⁴ iterations and 6e-6 after 2·10⁵), and restarts land at about the same
value.  One iteration costs ~0.1 ms for these sizes, so the paper's 10⁶ iterations × 1000 starts
(Fig. 1a) is ~28 CPU-hours; we run fewer (``iterations``, ``restarts``) and report the loss
reached.  Decoded products are then accurate to about ``√loss`` relative (Theorem 5 bounds
``‖C − Ĉ‖_F ≤ √ℓ · m · η²``), i.e. ~1e-3 — far worse than ε-MatDot decoding from the same ``k``
results (~1e-8).  Decoding uses the least-squares weights of *all* results in hand (for a set of
exactly ``k`` that is step (i)).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ...errors import check
from .base import MatmulCode, pinv_weights
from .polynomial import _positive


@dataclass(frozen=True)
class Design:
    """Result of Algorithm 1: encoding matrices ``alpha``, ``beta`` (``P × m``), the loss (25)
    of the best start, the loss of every start, and the loss trace of the best start."""

    alpha: np.ndarray
    beta: np.ndarray
    loss: float
    losses: np.ndarray
    trace_iters: np.ndarray
    trace_loss: np.ndarray
    iterations: int


def patterns(workers: int, k: int) -> np.ndarray:
    """All ``C(P, k)`` sets of ``k`` returning workers, as rows of sorted ids."""
    return np.array(list(itertools.combinations(range(workers), k)), dtype=np.int64)


def _loss(ga: np.ndarray, gb: np.ndarray, d: np.ndarray, zf: np.ndarray, m: int) -> np.ndarray:
    """Objective (25) per restart from Gram matrices and the dense ``D`` (R × N × P)."""
    y = d.sum(axis=1)
    yy = np.einsum("rnp,rnq->rpq", d, d)
    n = d.shape[1]
    return n * m - 2 * np.einsum("rp,rp->r", y, zf) + np.einsum("rpq,rpq,rpq->r", yy, ga, gb)


def alternating_minimization(
    m: int,
    k: int,
    workers: int,
    *,
    iterations: int = 10_000,
    restarts: int = 4,
    seed: int = 0,
    trace_points: int = 40,
) -> Design:
    """Algorithm 1 of paper 004 from ``restarts`` random Gaussian starts, run as one batch."""
    owner = "alternating_minimization"
    check(owner, "k", k, 1 <= k < workers, f"in [1, workers={workers})")
    check(owner, "iterations", iterations, iterations >= 1, ">= 1")
    rng = np.random.default_rng(seed)
    subsets = patterns(workers, k)
    n_sub = len(subsets)
    a = rng.standard_normal((restarts, workers, m))  # rows are α^(i)
    b = rng.standard_normal((restarts, workers, m))
    rows = np.arange(n_sub)[:, None]
    marks = np.unique(np.geomspace(1, iterations, trace_points).astype(int))
    trace = np.zeros((len(marks), restarts))
    dense = np.zeros((restarts, n_sub, workers))
    loss = np.full(restarts, np.inf)
    j = 0
    for t in range(1, iterations + 1):
        ga = a @ a.transpose(0, 2, 1)
        gb = b @ b.transpose(0, 2, 1)
        zf = np.einsum("rpm,rpm->rp", a, b)
        zfull = ga * gb
        zs = zfull[:, subsets[:, :, None], subsets[:, None, :]]  # R × N × k × k
        rhs = zf[:, subsets]
        try:
            d = np.linalg.solve(zs, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            d = (np.linalg.pinv(zs) @ rhs[..., None])[..., 0]
        dense[:] = 0.0
        dense[:, rows, subsets] = d
        if t == iterations or (j < len(marks) and t == marks[j]):
            loss = _loss(ga, gb, dense, zf, m)
            if j < len(marks) and t == marks[j]:
                trace[j] = loss
                j += 1
        y = dense.sum(axis=1)
        yy = np.einsum("rnp,rnq->rpq", dense, dense)
        a = _solve(yy * gb, y[:, :, None] * b)
        ga = a @ a.transpose(0, 2, 1)
        b = _solve(yy * ga, y[:, :, None] * a)
        na = np.linalg.norm(a, axis=2, keepdims=True)
        nb = np.linalg.norm(b, axis=2, keepdims=True)
        s = np.sqrt(np.where((na > 0) & (nb > 0), nb / np.where(na > 0, na, 1), 1.0))
        a, b = a * s, b / s
    best = int(np.argmin(loss))
    return Design(
        alpha=a[best].copy(),
        beta=b[best].copy(),
        loss=float(loss[best]),
        losses=loss.copy(),
        trace_iters=marks[: len(trace)],
        trace_loss=trace[:, best].copy(),
        iterations=iterations,
    )


def design_loss(alpha: np.ndarray, beta: np.ndarray, k: int) -> float:
    """Objective (25) of any encoding (``alpha``, ``beta``: ``P × m``) with optimal decoding
    weights per pattern: ``Σ_{|S| = k} min_d ‖I − Σ_{i∈S} d_i α^(i) β^(i)ᵀ‖_F²``.

    Complex encodings are scored over the reals by stacking real and imaginary parts (a complex
    weight on a complex product is two real weights on its real and imaginary parts).
    """
    p, m = alpha.shape
    rows = (alpha[:, :, None] * beta[:, None, :]).reshape(p, m * m)
    target = np.eye(m).ravel()
    total = 0.0
    for s in patterns(p, k):
        g = rows[s]
        if np.iscomplexobj(g):
            g = np.vstack([g.real, g.imag])
        d, *_ = np.linalg.lstsq(g.T, target, rcond=None)
        total += float(np.sum((target - g.T @ d) ** 2))
    return total


def _solve(mat: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(mat, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(mat) @ rhs


@functools.lru_cache(maxsize=64)
def _design(m: int, k: int, workers: int, iterations: int, restarts: int, seed: int) -> Design:
    return alternating_minimization(
        m, k, workers, iterations=iterations, restarts=restarts, seed=seed
    )


class OptimizedCode(MatmulCode):
    """A code designed by Algorithm 1 for ``(m, k, P)``: threshold ``k``, approximate.

    ``OptimizedCode(m=3, k=4, workers=5)``; ``workers`` defaults to ``k + 1``.  ``iterations``
    (default 10⁴), ``restarts`` (4) and ``seed`` (0) fix the design (memoised per process); see
    the module docstring for the accuracy this buys.
    """

    name = "optimized"
    split = "inner"
    exact = False
    imag_tol = 1.0

    def __init__(
        self,
        *,
        m: int,
        k: int,
        workers: int | None = None,
        iterations: int = 10_000,
        restarts: int = 4,
        seed: int = 0,
    ) -> None:
        owner = type(self).__name__
        self.m = _positive(owner, "m", m)
        self.k = _positive(owner, "k", k)
        check(
            owner,
            "k",
            self.k,
            self.k >= self.m,
            f">= m={self.m} (k < m results span a rank-k sum: the loss is at least m − k)",
        )
        p = self.k + 1 if workers is None else workers
        ok = isinstance(p, (int, np.integer)) and p > self.k
        check(owner, "workers", p, ok, f"an integer > k={self.k} (Algorithm 1 needs P > k)")
        n_sub = math.comb(int(p), self.k)
        check(owner, "C(workers, k)", n_sub, n_sub <= 5000, "<= 5000 straggler patterns")
        self.iterations = _positive(owner, "iterations", iterations)
        self.restarts = _positive(owner, "restarts", restarts)
        self.seed = int(seed)
        super().__init__(workers=int(p), threshold=self.k)
        self.design = _design(self.m, self.k, int(p), self.iterations, self.restarts, self.seed)
        self.alpha = self.design.alpha
        self.beta = self.design.beta
        self._target = np.eye(self.m).ravel()

    def _rows(self, ids: Iterable[int]) -> np.ndarray:
        idx = list(ids)
        return (self.alpha[idx, :, None] * self.beta[idx, None, :]).reshape(len(idx), -1)

    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        g = self._rows(ids)  # |S| × m²: Σ d_i g_i ≈ vec(I)
        pinv, cond = pinv_weights(g.T)
        return (pinv @ self._target).reshape(1, -1), cond

    def loss(self, ids: Iterable[int]) -> float:
        """``ℓ = ‖I − Σ d_i α^(i) β^(i)ᵀ‖_F²`` of this received set (eq. (26))."""
        key = self._check_ids(ids)
        w, _ = self.weights(key)
        return float(np.sum((self._target - w @ self._rows(key)) ** 2))
