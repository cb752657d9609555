"""Evaluation points and bases for polynomial-type matmul codes, and the worker → point order.

A polynomial-type code evaluates polynomials at one point per worker and decodes by solving a
(generalised) Vandermonde system on the points of the workers that returned; the decode error is
about ``1e-16 × cond(system)``, so the point family decides where a code breaks
(``/work/shared/notes/matmul.md``; Fahim & Cadambe, *Numerically Stable Polynomially Coded
Computing*, IEEE T-IT 2021, cited as [35] by paper 004).

Families (``points=``):

``roots``
    complex ``P``-th roots of unity ``exp(2πi j/P)`` with the monomial basis.  The best
    conditioned family measured: median error ≤ 3e-15 up to K = 64 results, worst straggler
    pattern (a run of consecutive points missing) ~3e-12 at K = 64.  Cost: encoded operands and
    products are complex (2× memory, a complex product costs ~4 real ones).  Default.
``chebyshev``
    real Chebyshev nodes ``cos((2j+1)π/2P)`` with the **Chebyshev polynomial basis** ``T_j``
    (Fahim–Cadambe).  Real arithmetic; median ≤ 2e-14 up to K = 64 but the worst consecutive
    pattern reaches ~1e-7 at K = 64.
``equispaced``
    real equispaced points on ``[-1, 1]`` with the monomial basis, the textbook choice kept for
    comparison: ~1e-6 at K = 25, useless (~0.4) by K = 36.
``half``
    the upper half of the ``2P``-th roots of ``−1``, ``exp(iπ(j + ½)/P)``, monomial basis: no
    two workers are conjugate, and for **real** ``A``, ``B`` each result also gives the product
    at the mirror point ``z̄`` (its conjugate), so an exact code (polynomial, MatDot, MDS)
    decodes from any ``⌈K/2⌉`` results — MatDot from ``m`` instead of ``2m − 1``, at the same
    worker cost as ``roots`` (complex products).  The price is conditioning: every point is
    on one half circle, so large K and complex data (which need ``K`` results) break down —
    real data, worst over every set of ``⌈K/2⌉`` of ``P = K + 4``: ~2e-9 at K = 15 (MatDot),
    ~2.5e-8 (with a warning) for a 4 × 4 polynomial code; complex data from ``K`` consecutive
    points: ~2e-8 at K = 15 against 5e-14 for ``roots`` (``docs/matmul.md``).  Exact codes
    only make use of the mirror images; ε-MatDot just evaluates there.

**Worker order.**  The worst straggler sets are runs of *consecutive* points (an arc of the
circle, an end of the interval).  Failures of neighbouring worker ids are correlated in practice
(one host, one rack), so by default worker ``j`` is given point ``bit_reversal(P)[j]``: worker ids
that are close are spread over the circle/interval (``order="natural"`` gives worker ``j`` point
``j``).  ``tests/codes/matmul`` and ``docs/matmul.md`` measure the effect.
"""

from __future__ import annotations

import numpy as np

from ...errors import check

FAMILIES = ("roots", "chebyshev", "equispaced", "half")
ORDERS = ("bitrev", "natural")


def check_family(owner: str, points: object) -> str:
    check(owner, "points", points, points in FAMILIES, "one of " + ", ".join(FAMILIES))
    return str(points)


def check_order(owner: str, order: object) -> str:
    check(owner, "order", order, order in ORDERS, "one of " + ", ".join(ORDERS))
    return str(order)


def bit_reversal(n: int) -> np.ndarray:
    """A permutation of ``range(n)``: bit-reversed counting, skipping values ``>= n``.

    Consecutive entries are far apart (``0, n/2, n/4, 3n/4, ...`` for powers of two), so a run
    of consecutive worker ids maps to points spread over the whole family.
    """
    if n <= 1:
        return np.arange(n)
    bits = int(np.ceil(np.log2(n)))
    idx = np.arange(2**bits)
    rev = np.zeros_like(idx)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev[rev < n]


def worker_order(n: int, order: str) -> np.ndarray:
    """Point index of each worker: ``bit_reversal(n)`` or ``arange(n)``."""
    return bit_reversal(n) if order == "bitrev" else np.arange(n)


def family_points(family: str, n: int) -> np.ndarray:
    """The ``n`` points of a family in their natural (geometric) order."""
    j = np.arange(n)
    if family == "roots":
        return np.exp(2j * np.pi * j / n)
    if family == "chebyshev":
        return np.cos((2 * j + 1) * np.pi / (2 * n))
    if family == "equispaced":
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    if family == "half":
        return np.exp(1j * np.pi * (j + 0.5) / n)
    raise ValueError(f"points={family!r} must be one of {', '.join(FAMILIES)}")


def basis_name(family: str) -> str:
    """The polynomial basis a family is used with: ``chebyshev`` → T_j, else monomials."""
    return "chebyshev" if family == "chebyshev" else "monomial"


def basis(z: np.ndarray, degree: int, kind: str) -> np.ndarray:
    """``(len(z), degree)`` matrix of basis functions ``φ_0 … φ_{degree-1}`` at ``z``.

    ``monomial``: ``z**j`` (complex if ``z`` is); ``chebyshev``: ``T_j(z)`` by the three-term
    recurrence (stable on ``[-1, 1]``).
    """
    z = np.asarray(z)
    out = np.empty((z.size, degree), dtype=z.dtype if np.iscomplexobj(z) else float)
    if degree == 0:
        return out
    out[:, 0] = 1.0
    if degree > 1:
        out[:, 1] = z
    if kind == "monomial":
        for j in range(2, degree):
            out[:, j] = out[:, j - 1] * z
    else:
        for j in range(2, degree):
            out[:, j] = 2 * z * out[:, j - 1] - out[:, j - 2]
    return out
