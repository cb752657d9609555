"""Randomness: every random choice flows from one seed through ``numpy.random.SeedSequence``.

``as_generator`` normalises the ``rng`` argument every sampling function takes (an ``int``,
``None`` or a ``Generator``).  ``trial_sequence`` gives trial ``t`` of a run its own
independent stream (``SeedSequence.spawn`` semantics, computed directly so any single trial can
be replayed alone), and ``substream`` derives a named child stream from it, so a scheme's random
plan does not depend on which other schemes were simulated beside it.
"""

from __future__ import annotations

import zlib

import numpy as np

RngLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """Return a ``Generator`` for ``rng`` (``None`` → fresh entropy, ``int`` → seeded)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def root_sequence(seed: int | None) -> np.random.SeedSequence:
    """The root of all randomness of one call; ``None`` draws fresh OS entropy."""
    return np.random.SeedSequence(seed)


def trial_sequence(root: np.random.SeedSequence, trial: int) -> np.random.SeedSequence:
    """Child ``trial`` of ``root``: identical to ``root.spawn(trial + 1)[trial]``."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, trial))


def substream(seq: np.random.SeedSequence, name: str) -> np.random.Generator:
    """A generator for the named purpose ``name`` (e.g. ``"delays"`` or a scheme spec)."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(
        np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, key))
    )
