"""Taylor-series evaluation, the statistics/physics workload of papers 000 §II-A and 001 §II-A.

``F(x)`` is the degree-truncated Taylor series at 0 of ``exp``, ``sin`` or ``cos`` (the ``function``
parameter), applied elementwise to a vector ``x`` of ``dim`` entries; ``f_i(x)`` is its ``i``-th
*non-zero* term, ``i = 0..m-1``:

- ``exp``: ``f_i(x) = x^i / i!``
- ``sin``: ``f_i(x) = (-1)^i x^(2i+1) / (2i+1)!``
- ``cos``: ``f_i(x) = (-1)^i x^(2i) / (2i)!``

Each term is computed on its own and stably, ``sign · exp(n·log|x| − lgamma(n+1))`` with ``n`` the
power, so no ``n!`` overflows and far terms underflow to 0 gracefully (``m = 1000`` is fine).
``exact`` evaluates the same truncated polynomial by Horner's rule, a separate path;
:meth:`TaylorSeries.true_value` gives the function itself (``numpy.exp`` etc.), which the truncated
sum approaches as ``m`` grows (for ``|x| ≤ scale = 2``,
``m = 30`` terms of any of the three agree with it to float64 precision).

Queries are ``x ~ Uniform(-scale, scale)^dim``; values have shape ``(dim,)``.  Keep ``scale``
moderate: for ``exp`` at large negative ``x`` the terms cancel and every summation order loses
about ``log10(e^{2|x|})`` digits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import gammaln

from ..errors import check
from .base import Workload

# function -> (power of term i = a*i + b, alternating sign?, true function)
_SERIES: dict[str, tuple[int, int, bool, Any]] = {
    "exp": (1, 0, False, np.exp),
    "sin": (2, 1, True, np.sin),
    "cos": (2, 0, True, np.cos),
}


class TaylorSeries(Workload):
    """Σ of the first ``m`` non-zero Taylor terms of ``exp``, ``sin`` or ``cos`` at a vector x."""

    name = "taylor"

    def __init__(
        self,
        *,
        m: int,
        seed: int | None = None,
        function: str = "exp",
        dim: int = 16,
        scale: float = 2.0,
    ) -> None:
        check(
            "TaylorSeries", "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1"
        )
        check(
            "TaylorSeries",
            "function",
            function,
            function in _SERIES,
            f"one of {', '.join(sorted(_SERIES))}",
        )
        check(
            "TaylorSeries",
            "dim",
            dim,
            isinstance(dim, (int, np.integer)) and dim >= 1,
            "an integer >= 1",
        )
        check("TaylorSeries", "scale", scale, math.isfinite(scale) and scale > 0, "> 0")
        self.m = int(m)
        self.seed = seed
        self.function = function
        self.dim = int(dim)
        self.scale = float(scale)
        self._seq = np.random.SeedSequence(seed)

    def input(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-self.scale, self.scale, size=self.dim)

    def _point(self, x: Any) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        check("TaylorSeries", "x.shape", v.shape, v.shape == (self.dim,), f"({self.dim},)")
        return v

    def powers(self, indices: np.ndarray) -> np.ndarray:
        """The power of ``x`` in term ``i`` for each ``i`` in ``indices``."""
        a, b, _, _ = _SERIES[self.function]
        return a * np.asarray(indices, dtype=np.int64) + b

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        v = self._point(x)
        idx = np.asarray(indices, dtype=np.int64)
        _, _, alternating, _ = _SERIES[self.function]
        n = self.powers(idx)[:, None]  # (k, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_abs = np.log(np.abs(v))[None, :]  # -inf at x = 0
            # 0^0 = 1: n·log|x| would be 0·(-inf) = nan
            n_log = np.where(n == 0, 0.0, n * log_abs)
        magnitude = np.exp(n_log - gammaln(n + 1.0))
        negative = (v[None, :] < 0) & (n % 2 == 1)
        if alternating:
            negative = negative ^ (idx[:, None] % 2 == 1)
        terms = np.where(negative, -magnitude, magnitude)
        return terms.sum(axis=0).reshape(self.dim)

    def coefficients(self) -> np.ndarray:
        """Coefficients ``c_n`` of the truncated polynomial ``Σ_n c_n x^n`` (degree < a·m + b)."""
        _, _, alternating, _ = _SERIES[self.function]
        i = np.arange(self.m)
        n = self.powers(i)
        c = np.zeros(int(n[-1]) + 1)
        sign = np.where(i % 2 == 1, -1.0, 1.0) if alternating else np.ones(self.m)
        c[n] = sign * np.exp(-gammaln(n + 1.0))
        return c

    def exact(self, x: Any) -> np.ndarray:
        v = self._point(x)
        total = np.zeros(self.dim)
        for c in self.coefficients()[::-1]:  # Horner's rule
            total = total * v + c
        return total

    def true_value(self, x: Any) -> np.ndarray:
        """The function itself (``exp``/``sin``/``cos`` of ``x``): the m → ∞ limit of ``exact``."""
        _, _, _, fn = _SERIES[self.function]
        return np.asarray(fn(self._point(x)), dtype=np.float64)
