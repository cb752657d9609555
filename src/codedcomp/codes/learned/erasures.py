"""Unavailability scenarios of a (k, r) code (paper 003 §3.1) — pure numpy, no PyTorch.

Outputs are numbered ``0 … k−1`` (the data queries) and ``k … k+r−1`` (the parities).  A scenario
is a boolean mask over the k + r outputs, ``True`` where the output is available.  Training and
evaluation use the paper's scenarios: every set of exactly r unavailable outputs except those
made of parities only ("the only role of parities is to aid in the reconstruction"), i.e.
C(k+r, r) − 1 of them; for r = 1 these are the k scenarios "data output j is missing".
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ...errors import check


def scenarios(k: int, r: int) -> np.ndarray:
    """``(S, k + r) bool``: the availability masks of every scenario, in lexicographic order."""
    check("scenarios", "k", k, isinstance(k, int) and k >= 1, "an integer >= 1")
    check("scenarios", "r", r, isinstance(r, int) and r >= 1, "an integer >= 1")
    rows = []
    for lost in combinations(range(k + r), r):
        if min(lost) >= k:  # parities only: nothing to reconstruct
            continue
        mask = np.ones(k + r, dtype=bool)
        mask[list(lost)] = False
        rows.append(mask)
    return np.array(rows, dtype=bool)


def pad_to_trained(available: np.ndarray, r: int) -> np.ndarray:
    """A trained scenario covering ``available`` when fewer than r outputs are unavailable.

    The decoder has only seen scenarios with exactly r outputs unavailable.  With fewer, we mark
    further outputs unavailable to reach r — parities first, from the last, then data outputs
    from the last — and use their true values wherever they are available (the decoder's
    reconstruction of an available output is discarded).  With r = 1 and one output missing this
    is the identity.
    """
    mask = np.asarray(available, dtype=bool).copy()
    k = mask.size - r
    need = r - int((~mask).sum())
    for i in [*range(k + r - 1, k - 1, -1), *range(k - 1, -1, -1)]:
        if need <= 0:
            break
        if mask[i]:
            mask[i] = False
            need -= 1
    return mask
