"""Uncoded splitting and replication baselines for ``C = A @ B`` (outer split, real arithmetic).

* **Uncoded split** ``uncoded:x=,y=`` — ``x·y`` workers, worker ``w`` computes block
  ``(a, b) = (w // y, w % y)``: ``A_a @ B_b``.  The master needs every worker.
* **Replication** ``rep:x=,y=,r=`` — ``r·x·y`` workers, ``r`` copies of each block; worker ``w``
  computes block ``w mod (x·y)``, so the copies of a block are ``x·y`` ids apart (reading chosen:
  correlated failures of neighbouring ids hit different blocks).  Decodable once every block
  has arrived at least once: :attr:`threshold` = ``x·y`` results *can* suffice, while
  :attr:`recovery_threshold` = ``(x·y − 1)·r + 1`` results always do.  The decoder takes one
  copy of each block (the lowest worker id in hand): no arithmetic on the values.
"""

from __future__ import annotations

import numpy as np

from .base import MatmulCode
from .polynomial import _positive


class ReplicationCode(MatmulCode):
    """``r`` replicas of each of the ``x·y`` blocks of an uncoded outer split."""

    name = "rep"
    split = "outer"

    def __init__(self, *, x: int = 2, y: int = 2, r: int = 2, workers: int | None = None) -> None:
        owner = type(self).__name__
        self.x = _positive(owner, "x", x)
        self.y = _positive(owner, "y", y)
        self.r = _positive(owner, "r", r)
        blocks = self.x * self.y
        p = self.r * blocks
        if workers is not None and workers != p:
            raise ValueError(f"{owner}: workers={workers!r} must be r*x*y={p}")
        super().__init__(workers=p, threshold=blocks)
        self.block_of = np.arange(p) % blocks
        self.alpha = np.zeros((p, self.x))
        self.beta = np.zeros((p, self.y))
        self.alpha[np.arange(p), self.block_of // self.y] = 1.0
        self.beta[np.arange(p), self.block_of % self.y] = 1.0

    @property
    def recovery_threshold(self) -> int:
        return (self.x * self.y - 1) * self.r + 1

    def _decodable(self, ids: tuple[int, ...]) -> bool:
        return len(set(self.block_of[list(ids)].tolist())) == self.x * self.y

    def _missing(self, ids: tuple[int, ...], *, real: bool = False) -> str:
        have = set(self.block_of[list(ids)].tolist())
        miss = [t for t in range(self.x * self.y) if t not in have]
        shown = ", ".join(f"({t // self.y},{t % self.y})" for t in miss[:8])
        more = "…" if len(miss) > 8 else ""
        return f"block(s) {shown}{more} not received from any of their {self.r} worker(s)"

    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        w = np.zeros((self.x * self.y, len(ids)))
        for pos, i in enumerate(ids):  # ids are sorted: the lowest id of each block wins
            t = int(self.block_of[i])
            if not w[t].any():
                w[t, pos] = 1.0
        return w, 1.0


class UncodedCode(ReplicationCode):
    """Uncoded split: ``x·y`` workers, one block each; the master waits for all of them."""

    name = "uncoded"

    def __init__(self, *, x: int = 2, y: int = 2, workers: int | None = None) -> None:
        super().__init__(x=x, y=y, r=1, workers=workers)
