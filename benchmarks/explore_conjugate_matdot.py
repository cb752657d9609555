"""Exploration (not a benchmark, not library code): MatDot on *real* data from only m results.

With complex points and real A, B, MatDot's product polynomial P(z) = Σ_k C_k z^k has real
matrix coefficients, so one complex result P(z_j) also gives P(z̄_j) = conj(P(z_j)): two real
evaluations.  Placing the P workers in the upper half plane only (θ_j = π(j + ½)/P, so no two
are conjugate; with their mirror images they are the 2P-th roots of −1) makes any m results
carry 2m ≥ 2m − 1 evaluations: C = C_{m−1} is recovered *exactly* from m results instead of
2m − 1, at the same worker cost (one complex product).  The library builds it as
``points="half"`` (MatDot, polynomial and MDS codes); this script measured the idea before, in
its own few lines: the worst relative error and condition number over every set of m
returning workers.

    python benchmarks/explore_conjugate_matdot.py
"""

from __future__ import annotations

import itertools

import numpy as np


def worst_case(m: int, workers: int, n: int = 120, seed: int = 0) -> tuple[float, float]:
    """(worst relative error, worst condition number) of decoding C from any m of ``workers``."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    C = A @ B
    a_blocks, b_blocks = np.split(A, m, axis=1), np.split(B, m, axis=0)
    theta = np.pi * (np.arange(workers) + 0.5) / workers  # upper half plane only
    z = np.exp(1j * theta)
    products = [
        sum(a_blocks[i] * z[j] ** i for i in range(m))
        @ sum(b_blocks[i] * z[j] ** (m - 1 - i) for i in range(m))
        for j in range(workers)
    ]
    k = np.arange(2 * m - 1)
    worst_err = worst_cond = 0.0
    for subset in itertools.combinations(range(workers), m):
        th = theta[list(subset)]
        g = np.vstack([np.cos(np.outer(th, k)), np.sin(np.outer(th, k))])  # 2m × (2m − 1), real
        worst_cond = max(worst_cond, float(np.linalg.cond(g)))
        row = np.linalg.pinv(g)[m - 1]  # the coefficient C_{m−1}
        values = [products[j].real for j in subset] + [products[j].imag for j in subset]
        got = np.tensordot(row, np.array(values), axes=1)
        worst_err = max(worst_err, float(np.linalg.norm(got - C) / np.linalg.norm(C)))
    return worst_err, worst_cond


if __name__ == "__main__":
    print("| m | P | results needed (MatDot: 2m − 1) | worst rel. error | worst cond |")
    print("|---|---|---|---|---|")
    for m, p in ((2, 4), (3, 6), (4, 9), (5, 10), (6, 12), (8, 16)):
        err, cond = worst_case(m, p)
        print(f"| {m} | {p} | {m} ({2 * m - 1}) | {err:.1e} | {cond:.1e} |")
