"""Delay models: the random initial delay X_j of each worker (papers 000 §IV and 001 §IV, eq. 4).

Both papers model worker j as finishing ``B_j`` units of work at ``Y_j = X_j + τ·B_j``: a random
start-up delay ``X_j`` followed by deterministic work of ``τ`` per unit.  A model here draws the
``X_j`` (``sample(rng, shape)``) and, where they exist, gives the analytic ``mean``, ``cdf`` and
``quantile``; tests check the sampler against them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..rng import RngLike, as_generator


class DelayModel(ABC):
    """Distribution of the initial delay ``X_j`` of one worker (i.i.d. across workers)."""

    spec: str = ""

    @abstractmethod
    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray: ...

    def sample(self, rng: RngLike, shape: int | tuple[int, ...]) -> np.ndarray:
        """Draw delays of the given shape (float64, seconds)."""
        shp = (shape,) if isinstance(shape, int) else tuple(shape)
        return np.asarray(self._draw(as_generator(rng), shp), dtype=np.float64)

    @property
    def mean(self) -> float:
        """E[X]; ``inf`` where it does not exist; ``nan`` where no closed form is known."""
        return float("nan")

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        """P(X <= t)."""
        raise NotImplementedError(f"{type(self).__name__} has no analytic cdf")

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        """The q-quantile of X."""
        raise NotImplementedError(f"{type(self).__name__} has no analytic quantile")

    def __repr__(self) -> str:
        return self.spec or type(self).__name__
