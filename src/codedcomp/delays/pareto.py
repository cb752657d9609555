"""Pareto (type I) initial delay ``X ~ Pareto(scale, shape)`` (paper 001, Fig. 2b: Pareto(1, 1)).

``P(X > t) = (scale / t)^shape`` for ``t >= scale``.  With ``shape <= 1`` the mean is infinite,
which is why paper 001's Fig. 2b shows the heaviest straggling.
"""

from __future__ import annotations

import numpy as np

from .base import DelayModel


class ParetoDelay(DelayModel):
    def __init__(self, *, scale: float, shape: float) -> None:
        self.scale = scale
        self.shape = shape

    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        # inverse transform: scale * U^(-1/shape); U in (0, 1]
        u = 1.0 - rng.random(size=shape)
        return self.scale * u ** (-1.0 / self.shape)

    @property
    def mean(self) -> float:
        return float("inf") if self.shape <= 1 else self.shape * self.scale / (self.shape - 1)

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        safe = np.maximum(t, self.scale)
        return np.where(t >= self.scale, 1.0 - (self.scale / safe) ** self.shape, 0.0)

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        return self.scale * (1.0 - np.asarray(q, dtype=float)) ** (-1.0 / self.shape)
