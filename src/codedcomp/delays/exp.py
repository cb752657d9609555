"""Exponential initial delay ``X ~ Exp(rate)`` (papers 000 and 001, Fig. 2a: ``Exp(0.2)``)."""

from __future__ import annotations

import numpy as np

from .base import DelayModel


class ExpDelay(DelayModel):
    """``P(X > t) = exp(-rate·t)``; mean ``1/rate``."""

    def __init__(self, *, rate: float) -> None:
        self.rate = rate

    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return rng.exponential(1.0 / self.rate, size=shape)

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        return np.where(t > 0, -np.expm1(-self.rate * np.maximum(t, 0.0)), 0.0)

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        return -np.log1p(-np.asarray(q, dtype=float)) / self.rate
