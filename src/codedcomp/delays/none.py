"""No injected delay: ``X = 0`` for every worker (``--delay none`` leaves natural stragglers)."""

from __future__ import annotations

import numpy as np

from .base import DelayModel


class NoDelay(DelayModel):
    def __init__(self) -> None:
        pass

    def _draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    @property
    def mean(self) -> float:
        return 0.0

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        return (np.asarray(t, dtype=float) >= 0).astype(float)

    def quantile(self, q: np.ndarray | float) -> np.ndarray:
        return np.zeros_like(np.asarray(q, dtype=float))
