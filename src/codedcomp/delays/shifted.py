"""Shifted exponential initial delay ``X = shift + Exp(rate)`` (the model of Lee et al., 2017)."""

from __future__ import annotations

import numpy as np

from .exp import ExpDelay


class ShiftedExpDelay(ExpDelay):
    def __init__(self, *, shift: float, rate: float) -> None:
        super().__init__(rate=rate)
        self.shift = shift

    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return self.shift + super()._draw(rng, shape)

    @property
    def mean(self) -> float:
        return self.shift + 1.0 / self.rate

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        return super().cdf(np.asarray(t, dtype=float) - self.shift)

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        return self.shift + super().quantile(q)
