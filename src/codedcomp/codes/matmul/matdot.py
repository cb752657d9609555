"""MatDot codes (Dutta et al., IEEE T-IT 2020) and ε-approximate MatDot (paper 004 §III-A).

**MatDot** ``matdot:m=`` (paper 004 Construction 1).  A is split into ``m`` column blocks, B into
``m`` row blocks, ``C = Σ_a A_a B_a``.  Worker ``i`` at point ``z_i`` receives
``Ã_i = Σ_a A_a φ_a(z_i)`` and ``B̃_i = Σ_b B_b ψ_b(z_i)``; its product is a polynomial of degree
``2m − 2`` in ``z_i``, so ``2m − 1`` results determine it (threshold ``2m − 1``), and only **one**
coefficient is needed: ``Ĉ = Σ_i w_i R_i`` with ``w = e V_S⁺`` (``V_S``: the basis at the received
points, ``e`` the coefficient wanted) — no full interpolation.

* monomial basis (``roots``, ``equispaced``): ``φ_a = z^a``, ``ψ_b = z^{m−1−b}`` (the paper's
  ``p_B``), and ``C`` is the coefficient of ``z^{m−1}``;
* Chebyshev basis (``chebyshev``, Fahim–Cadambe): ``φ_a = ψ_a = c_a T_a`` with ``c_0 = 1/√2``,
  ``c_a = 1`` otherwise; since ``T_a T_b = ½(T_{a+b} + T_{|a−b|})`` only the pairs ``a = b``
  reach ``T_0``, each with weight ½, so ``C`` is twice the ``T_0`` coefficient.

**ε-approximate MatDot** ``approx-matdot:m=,eps=`` (Construction 2, Theorem 3).  The MatDot code
with all points in a small disc ``|λ_i| ≤ Δ``: ``p_C(λ) = R(λ) + λ^m Q(λ)`` with ``deg R ≤ m − 1``
and the wanted coefficient in ``R``, so ``m`` results give ``C`` up to a truncation error
``O(Δ)`` (threshold ``m``).  Readings and choices:

* **Points.**  ``λ_i = Δ·u_i`` with ``u_i`` a point family (``roots`` by default: complex
  ``P``-th roots of unity, the best measured; ``chebyshev`` / ``equispaced``: real nodes on
  ``[−1, 1]``), monomial basis always (the construction needs ``λ^m`` small).
* **What ``eps`` means.**  The paper's ε is an absolute max-entry bound for ``‖A‖_F, ‖B‖_F ≤ η``
  (eq. (9), (16)); ``ε/η²`` is a weak scale for real data (η² ≈ 4·10⁴·m while ``|C_ij|`` ≈ 15–30
  for Gaussian n = 100).  Here ``eps`` is the target **relative** error ``‖Ĉ − C‖_F/‖C‖_F`` from
  exactly ``m`` results, and ``Δ = eps/m`` (the truncation error from ``m`` results is about
  ``Δ·|Σ u_i|``, at most ``m·Δ``, times the ratio of ``‖c_m‖`` to ``‖C‖``).  ``delta=`` sets Δ
  directly.  Construction 2 itself is :meth:`ApproxMatDotCode.construction2` (Δ from ε, η, m
  by eq. (16), real points), for users with a known norm bound η.
* **Float64 floor.**  Round-off grows like ``1e-16·Δ^{−(m−1)}``; the best Δ from ``m`` results is
  about ``1e-16^{1/m}``, giving at best ~1e-8 (m = 2), ~5e-6 (m = 3), ~1e-4 (m = 4), ~1e-3
  (m = 5).  An ``eps`` below :func:`float64_floor` is clipped to the floor's Δ with a
  ``UserWarning`` (the paper's "any ε > 0" holds in exact arithmetic only).
* **Decoding from all results in hand** (``m ≤ k ≤ 2m − 2``): the decoder interpolates the
  highest-degree polynomial the ``k`` results allow (degree ``k − 1``) and reads its ``z^{m−1}``
  coefficient; truncation falls to ``O(Δ^{k−m+1})`` while round-off stays ``~1e-16·Δ^{−(m−1)}``.
  With ``k ≥ 2m − 1`` it is the exact MatDot decode.  So choosing ``Δ ≈ 1e-16^{1/(2m−2)}``
  (``eps ≈ m·Δ``) gives ~1e-8 from ``2m − 2`` results for every m ≤ 5, at the price of a larger
  error from exactly ``m``; ``docs/matmul.md`` tabulates both.
* The condition number reported (and warned about) is that of the *unit* system ``V(u_S)``: the
  ``Δ^{−j}`` scaling is the construction's documented round-off, not an accident of the set.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...errors import check
from .base import MatmulCode, coefficient_weights
from .points import basis, basis_name, check_family, check_order, family_points, worker_order
from .polynomial import _positive, _workers

_EPS = float(np.finfo(float).eps)


class MatDotCode(MatmulCode):
    """MatDot: inner split into ``m`` blocks, threshold ``2m − 1``, one coefficient decoded.

    ``MatDotCode(m=4, workers=9, points="roots")``; ``workers`` defaults to ``2m − 1``.
    """

    name = "matdot"
    split = "inner"

    def __init__(
        self, *, m: int, workers: int | None = None, points: str = "roots", order: str = "bitrev"
    ) -> None:
        owner = type(self).__name__
        self.m = _positive(owner, "m", m)
        p = _workers(owner, workers, 2 * self.m - 1, "2*m-1")
        self.points = check_family(owner, points)
        self.order = check_order(owner, order)
        super().__init__(workers=p, threshold=2 * self.m - 1)
        self.mirror = self.points == "half"  # virtual workers at z̄ (see MatmulCode.mirror)
        self.z = family_points(self.points, p)[worker_order(p, self.order)]
        self._kind = basis_name(self.points)
        m_ = self.m
        phi = basis(self.z, m_, self._kind)
        if self._kind == "monomial":
            self.alpha = phi
            self.beta = phi[:, ::-1].copy()
            self._target = np.zeros(2 * m_ - 1)
            self._target[m_ - 1] = 1.0
        else:
            scale = np.ones(m_)
            scale[0] = 1 / math.sqrt(2)
            self.alpha = phi * scale
            self.beta = self.alpha.copy()
            self._target = np.zeros(2 * m_ - 1)
            self._target[0] = 2.0

    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        v = basis(self._with_mirror(self.z)[list(ids)], 2 * self.m - 1, self._kind)
        return coefficient_weights(v, self._target)


def float64_floor(m: int) -> float:
    """The smallest ``eps`` honoured from exactly ``m`` results: ``m·Δ*`` with the best disc
    radius ``Δ* = 2.2e-16^{1/m}`` (measured errors at Δ* are 2–5× below this bound)."""
    return m * _EPS ** (1.0 / m) if m > 1 else 0.0


class ApproxMatDotCode(MatmulCode):
    """ε-approximate MatDot (paper 004 Construction 2): threshold ``m``, relative error ≈ eps.

    ``ApproxMatDotCode(m=4, workers=9, epsilon=1e-3)``; optional ``delta`` (the disc radius Δ,
    overriding ``epsilon``), ``points`` (``roots`` default, ``chebyshev``, ``equispaced``) and
    ``order``.  See the module docstring for what ``epsilon`` means and the float64 floor.
    """

    name = "approx-matdot"
    split = "inner"
    exact = False

    def __init__(
        self,
        *,
        m: int,
        workers: int | None = None,
        epsilon: float = 1e-3,
        delta: float | None = None,
        points: str = "roots",
        order: str = "bitrev",
    ) -> None:
        owner = type(self).__name__
        self.m = _positive(owner, "m", m)
        p = _workers(owner, workers, self.m, "m")
        ok = isinstance(epsilon, (int, float)) and math.isfinite(epsilon) and 0 < epsilon < 1
        check(owner, "epsilon", epsilon, ok, "a number in (0, 1)")
        self.epsilon = float(epsilon)
        self._delta_given = None if delta is None else float(delta)
        if delta is not None:
            ok = isinstance(delta, (int, float)) and math.isfinite(delta) and 0 < delta <= 1
            check(owner, "delta", delta, ok, "a number in (0, 1]")
            self.delta = float(delta)
        else:
            self.delta = self.epsilon / self.m
            best = _EPS ** (1.0 / self.m) if self.m > 1 else self.delta
            if self.delta < best * (1 - 1e-12):
                warnings.warn(
                    f"{owner}: epsilon={self.epsilon:g} is below what float64 reaches from "
                    f"m={self.m} results (~{float64_floor(self.m):.1e}); using the best "
                    f"delta={best:.2e} instead of epsilon/m",
                    UserWarning,
                    stacklevel=2,
                )
                self.delta = best
        self.points = check_family(owner, points)
        self.order = check_order(owner, order)
        super().__init__(workers=p, threshold=self.m)
        self.u = family_points(self.points, p)[worker_order(p, self.order)]
        self.z = self.delta * self.u
        phi = basis(self.z, self.m, "monomial")
        self.alpha = phi
        self.beta = phi[:, ::-1].copy()
        # a real product's imaginary part is of the order of the approximation error
        self.imag_tol = min(1.0, max(1e-6, 100 * self.m * self.delta))

    @classmethod
    def construction2(
        cls,
        *,
        m: int,
        epsilon: float,
        eta: float,
        workers: int | None = None,
        points: str = "chebyshev",
    ) -> ApproxMatDotCode:
        """Paper 004 Construction 2 as written: real points with
        ``|λ_i| < ε / (6 η² √(2m−1) (m−1) m)`` (eq. (16)), valid for
        ``0 < ε < min(2, 3η²√(2m−1))`` (eq. (15)); then ``max|Ĉ − C| ≤ ε`` from any ``m`` results
        whenever ``‖A‖_F, ‖B‖_F ≤ η`` — in exact arithmetic (Theorem 3).  Points are
        ``Δ·cos((2j+1)π/2P)`` (strictly inside the bound, distinct)."""
        owner = f"{cls.__name__}.construction2"
        m = _positive(owner, "m", m)
        ok = isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0
        check(owner, "eta", eta, ok, "a number > 0")
        high = min(2.0, 3 * eta**2 * math.sqrt(2 * m - 1))
        ok = isinstance(epsilon, (int, float)) and 0 < epsilon < high
        check(owner, "epsilon", epsilon, ok, f"in (0, min(2, 3η²√(2m−1))={high:.4g})")
        delta = 1.0 if m == 1 else epsilon / (6 * eta**2 * math.sqrt(2 * m - 1) * (m - 1) * m)
        code = cls(
            m=m,
            workers=workers,
            epsilon=min(epsilon, 0.5),
            delta=min(delta, 1.0),
            points=points,
            order="natural",
        )
        code.paper_epsilon = float(epsilon)
        code.eta = float(eta)
        return code

    paper_epsilon: float | None = None
    eta: float | None = None

    def _spec_value(self, name: str, default: object) -> object:
        if name == "delta":  # Δ derived from eps is not a parameter of the spec
            return self._delta_given
        return super()._spec_value(name, default)

    @property
    def eps(self) -> float:
        """``epsilon`` under its spec-string name (``approx-matdot:m=4,eps=1e-3``)."""
        return self.epsilon

    def used_degree(self, k: int) -> int:
        """Number of coefficients interpolated from ``k`` results: ``min(k, 2m − 1)``."""
        return min(k, 2 * self.m - 1)

    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        d = self.used_degree(len(ids))
        v = basis(self.u[list(ids)], d, "monomial")  # unit points; rescale below
        target = np.zeros(d)
        target[self.m - 1] = 1.0
        w, cond = coefficient_weights(v, target)
        return w * self.delta ** (-(self.m - 1)), cond
