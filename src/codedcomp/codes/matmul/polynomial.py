"""Polynomial codes (Yu, Maddah-Ali, Avestimehr, NeurIPS 2017; paper 004 ref. [3]) and MDS-coded
matrix–vector multiplication (Lee et al., IEEE T-IT 2017; paper 004 ref. [28]).

**Polynomial code** ``polynomial:x=,y=``.  A is split into ``x`` row blocks ``A_0 … A_{x-1}``, B
into ``y`` column blocks ``B_0 … B_{y-1}``.  Worker ``i`` at point ``z_i`` receives

    Ã_i = Σ_a A_a φ_a(z_i),    B̃_i = Σ_b B_b φ_{b·x}(z_i),

so ``R_i = Σ_{a,b} A_a B_b φ_a(z_i) φ_{bx}(z_i)``.  With monomials (``roots``, ``equispaced``)
``φ_a φ_{bx} = z^{a+bx}`` runs over the ``x·y`` distinct degrees ``0 … xy−1``: the products are
the coefficients of a degree-``(xy−1)`` polynomial and any ``xy`` results decode (threshold
``xy``).  With the Chebyshev basis (``chebyshev``, Fahim–Cadambe) ``T_a T_{bx} = ½(T_{a+bx} +
T_{|bx−a|})``: the generator ``G[i, (a,b)] = T_a(z_i) T_{bx}(z_i)`` is the Chebyshev–Vandermonde
matrix times an invertible triangular change of basis (leading term ``T_{a+bx}``), so any ``xy``
results still decode, in real arithmetic.  Decoding applies ``G_S⁺`` (the inverse at exactly
``xy`` results, the least-squares inverse with more) to the stacked products.

**MDS matrix–vector** ``mds:k=``.  A is split into ``k`` row blocks, B (typically a vector) is
sent whole: ``Ã_i = Σ_a A_a φ_a(z_i)``, ``R_i = Ã_i B``, any ``k`` results decode.  It is the
polynomial code with ``y = 1`` — a real/complex Reed–Solomon (Vandermonde) MDS code with the same
point families.  Lee et al. use a systematic MDS code; a Vandermonde code is MDS too and its
conditioning is the one measured for polynomial codes (reading chosen: non-systematic).
"""

from __future__ import annotations

import numpy as np

from ...errors import check
from .base import MatmulCode
from .points import basis, basis_name, check_family, check_order, family_points, worker_order


def _positive(owner: str, name: str, value: object) -> int:
    ok = bool(isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1)
    check(owner, name, value, ok, "an integer >= 1")
    return int(value)  # type: ignore[call-overload]


def _workers(owner: str, workers: object, need: int, constraint: str) -> int:
    if workers is None:
        return need
    ok = isinstance(workers, (int, np.integer)) and not isinstance(workers, bool)
    ok = ok and int(workers) >= need  # type: ignore[call-overload]
    check(owner, "workers", workers, ok, f"an integer >= {constraint}={need}")
    return int(workers)  # type: ignore[call-overload]


class PolynomialCode(MatmulCode):
    """Polynomial code: ``x`` row blocks of A, ``y`` column blocks of B, threshold ``x·y``.

    ``PolynomialCode(x=3, y=3, workers=13, points="roots")``.  ``workers`` defaults to ``x·y``
    (no redundancy).  ``points``: ``roots`` (default; complex, most accurate), ``chebyshev``
    (real, Chebyshev basis), ``equispaced`` (real, for comparison); ``order``: ``bitrev``
    (default) or ``natural`` worker → point assignment (see :mod:`.points`).
    """

    name = "polynomial"
    split = "outer"

    def __init__(
        self,
        *,
        x: int,
        y: int,
        workers: int | None = None,
        points: str = "roots",
        order: str = "bitrev",
    ) -> None:
        owner = type(self).__name__
        self.x = _positive(owner, "x", x)
        self.y = _positive(owner, "y", y)
        need = self.x * self.y
        p = _workers(owner, workers, need, "x*y")
        self.points = check_family(owner, points)
        self.order = check_order(owner, order)
        super().__init__(workers=p, threshold=need)
        self.mirror = self.points == "half"  # virtual workers at z̄ (see MatmulCode.mirror)
        self.z = family_points(self.points, p)[worker_order(p, self.order)]
        kind = basis_name(self.points)
        full = basis(self.z, need, kind)
        self.alpha = full[:, : self.x]
        self.beta = full[:, :: self.x][:, : self.y] if self.x > 1 else full[:, : self.y]

    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        return self._outer_weights(ids)


class MDSCode(PolynomialCode):
    """MDS-coded matrix–vector multiplication: ``k`` row blocks of A, B whole, threshold ``k``.

    ``MDSCode(k=8, workers=10)``; ``encode(A, b)`` accepts a vector ``b`` (the product is then a
    vector) or a matrix.
    """

    name = "mds"

    def __init__(
        self, *, k: int, workers: int | None = None, points: str = "roots", order: str = "bitrev"
    ) -> None:
        self.k = _positive(type(self).__name__, "k", k)
        super().__init__(x=self.k, y=1, workers=workers, points=points, order=order)
