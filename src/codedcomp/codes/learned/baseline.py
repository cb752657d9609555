"""The sum-parity ("addition") code, the baseline of the learned codes — pure numpy.

Parity j of the k queries is P_j = Σ_i g_ji X_i with g_ji = (i + 1)^j: for r = 1 the plain sum
P = X_1 + … + X_k (pixel-wise; no rescaling), for r > 1 Vandermonde rows so any r parities are
independent.  Decoding treats F as if it were linear: the missing F(X_i) solve
F(P_j) − Σ_{i available} g_ji F(X_i) = Σ_{i missing} g_ji F(X_i) over the available parities
(least squares); for r = 1 this is subtraction, F̂(X_i) = F(P) − Σ_{l≠i} F(X_l).  Exact for a
linear F without bias, approximate otherwise — which is the point of learning a code.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from ...errors import NotDecodableError, check


class SumParityCode:
    """The (k, r) sum-parity code: ``encode`` queries, ``decode`` outputs (see module doc)."""

    def __init__(self, *, k: int, r: int = 1) -> None:
        check("SumParityCode", "k", k, isinstance(k, int) and k >= 1, "an integer >= 1")
        check("SumParityCode", "r", r, isinstance(r, int) and r >= 1, "an integer >= 1")
        self.k, self.r = k, r
        self.generator = np.array(
            [[float(i + 1) ** j for i in range(k)] for j in range(r)], dtype=np.float64
        )

    def __repr__(self) -> str:
        return f"SumParityCode(k={self.k}, r={self.r})"

    def encode(self, queries: ArrayLike, axis: int = -3) -> np.ndarray:
        """Queries with the k of a group along ``axis`` (default −3: ``(…, k, n, n)`` images;
        −2 for flattened ``(…, k, n²)``) → the r parities Σ_i g_ji X_i along that axis."""
        x = np.asarray(queries)
        ok = x.ndim >= -axis and x.shape[axis] == self.k
        check("SumParityCode", "queries.shape", x.shape, ok, f"k={self.k} long on axis {axis}")
        moved = np.moveaxis(x, axis, -1)
        return np.moveaxis(moved @ self.generator.T.astype(x.dtype), -1, axis)

    def reconstruct(self, outputs: np.ndarray, available: np.ndarray) -> np.ndarray:
        """``outputs`` ``(B, k + r, m)`` with ``available`` ``(k + r,) bool`` → ``(B, k, m)``:
        the available data outputs as given, the missing ones decoded."""
        out = np.array(outputs[:, : self.k], dtype=np.float64)
        avail = np.asarray(available, dtype=bool)
        missing = np.flatnonzero(~avail[: self.k])
        if missing.size == 0:
            return out
        pars = np.flatnonzero(avail[self.k :])
        if pars.size < missing.size:
            raise NotDecodableError(
                f"SumParityCode(k={self.k}, r={self.r}): {missing.size} data outputs missing, "
                f"only {pars.size} parity outputs available"
            )
        g = self.generator[pars]
        have = np.flatnonzero(avail[: self.k])
        rhs = outputs[:, self.k + pars].astype(np.float64) - np.einsum(
            "ji,bim->bjm", g[:, have], out[:, have]
        )
        a = g[:, missing]  # (p, q)
        sol = np.einsum("qj,bjm->bqm", np.linalg.pinv(a), rhs)
        out[:, missing] = sol
        return out

    def decode(
        self, available: Mapping[int, ArrayLike], parity_outputs: Mapping[int, ArrayLike]
    ) -> dict[int, np.ndarray]:
        """The same contract as :meth:`LearnedCode.decode`: every data output, keyed 0…k−1."""
        first = np.asarray(next(iter({**available, **parity_outputs}.values())))
        m = first.shape[-1]
        single = first.ndim == 1
        b = 1 if single else first.shape[0]
        every = np.zeros((b, self.k + self.r, m))
        mask = np.zeros(self.k + self.r, dtype=bool)
        for i, v in available.items():
            every[:, i], mask[i] = np.asarray(v).reshape(b, m), True
        for j, v in parity_outputs.items():
            every[:, self.k + j], mask[self.k + j] = np.asarray(v).reshape(b, m), True
        rec = self.reconstruct(every, mask)
        return {i: rec[0, i] if single else rec[:, i] for i in range(self.k)}
