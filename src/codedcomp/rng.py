"""Randomness: every random choice flows from one seed through ``numpy.random.SeedSequence``.

``as_generator`` normalises the ``rng`` argument every sampling function takes (an ``int``,
``None`` or a ``Generator``).  ``trial_sequence`` gives trial ``t`` of a run its own
independent stream (``SeedSequence.spawn`` semantics, computed directly so any single trial can
be replayed alone), and ``substream`` derives a named child stream from it, so a scheme's random
plan does not depend on which other schemes were simulated beside it.
"""

from __future__ import annotations

import zlib
from typing import Any

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


# -- counter-based streams (SplitMix64; Steele, Lea & Flood 2014): any draw alone, in any order
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)


def splitmix(seed: Any, ctr: np.ndarray) -> np.ndarray:
    """Output ``ctr`` (0-based) of the SplitMix64 streams seeded ``seed`` (uint64, broadcast).

    ``ctr`` must be an array (so the result is one and the arithmetic wraps silently).
    """
    z = (np.asarray(ctr).astype(np.uint64) + _ONE) * _GAMMA + np.asarray(seed, dtype=np.uint64)
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    return z


def unit_float(h: np.ndarray) -> np.ndarray:
    """Uniform doubles in [0, 1) from the top 53 bits of ``h``."""
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def counter_uniform(key: int, *counters: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) that are a pure function of ``(key, counters...)`` (broadcast)."""
    h = np.asarray(key, dtype=np.uint64)
    for c in counters:
        h = splitmix(h, np.asarray(c))
    return unit_float(np.asarray(h, dtype=np.uint64))
