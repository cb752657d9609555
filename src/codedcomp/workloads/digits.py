"""The digits data set every learned workload uses: ``sklearn.datasets.load_digits``, offline.

1797 images of 8×8 pixels with integer intensities 0..16 (64 features) and labels 0..9; it ships
inside scikit-learn, so nothing is downloaded.  One fixed split, independent of any seed, so every
workload trains on the same images and queries the same held-out ones: sample ``j`` is held out
when ``j % 5 == 0`` (360 images), the other 1437 are for training.  Pixels are returned as
``uint8`` (compact to pickle); callers scale them as their model needs.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

HELD_OUT_EVERY = 5


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    images = np.asarray(data.data, dtype=np.uint8)
    labels = np.asarray(data.target, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images ``(1797, 64) uint8`` and labels ``(1797,) int64`` (read-only, cached)."""
    return _load()


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_held_out, y_held_out)`` of the fixed split above."""
    images, labels = _load()
    held = np.arange(len(labels)) % HELD_OUT_EVERY == 0
    return images[~held], labels[~held], images[held], labels[held]
