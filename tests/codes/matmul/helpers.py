"""Shared helpers for the matmul code tests."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from codedcomp.codes.matmul import MatmulCode


def products(code: MatmulCode, A: np.ndarray, B: np.ndarray, ids: Iterable[int]) -> dict:
    """What the workers ``ids`` return for ``A @ B``."""
    enc = code.encode(A, B)
    return {int(i): enc[int(i)][0] @ enc[int(i)][1] for i in ids}


def rel_err(code: MatmulCode, A: np.ndarray, B: np.ndarray, ids: Iterable[int]) -> float:
    C = A @ B
    got = code.decode(products(code, A, B, ids))
    return float(np.linalg.norm(got - C) / np.linalg.norm(C))
