"""Injected faults: ``crash:p=``, ``hang:p=``, ``raise:p=`` (``--fail SPEC``, repeatable).

Each logical worker independently becomes faulty with probability ``p`` (specs are tried in the
order given; the first that strikes wins), and its fault strikes at a uniformly chosen position
of its task queue.  Draws come from trial ``t``'s own ``"faults"`` stream and do not depend on the
scheme, so every scheme of a comparison meets the same faulty workers, struck at the same
relative position of their queues (common random numbers, like the delays).

Meaning (the contract of :mod:`.backends.base`), chosen to be honest about what is emulated:

* ``crash`` — the logical worker dies before finishing the struck task; its host (thread or
  process) reports it at once, as a process sentinel would.  It is emulated per *logical* worker:
  with many logical workers per process, killing the real process would crash all of them
  together (a correlated failure the papers' model does not have).  *Real* process deaths are
  detected and handled by the ``local`` backend too (tests kill a host for real).
* ``hang`` — the worker silently stops: no result, no error, ever.  Only decoding without it or
  the run's ``timeout`` ends the job; its host keeps serving the other logical workers.
* ``raise`` — ``f_i`` raises (``InjectedFault``) in the struck task and every later one of this
  worker: each is an erasure reported with its error in the trace.

All three are erasures to the decoder: the run returns the right answer if the scheme can decode
without them, else ``NotDecodableError`` saying what arrived.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..specs import Param, Registry
from .backends.base import Fault, FaultKind


class FaultSpec:
    """A fault kind with its per-worker probability ``p``."""

    kind: FaultKind
    spec: str = ""

    def __init__(self, *, p: float) -> None:
        self.p = float(p)

    def __repr__(self) -> str:
        return self.spec or f"{self.kind}:p={self.p}"


class Crash(FaultSpec):
    kind = "crash"


class Hang(FaultSpec):
    kind = "hang"


class Raise(FaultSpec):
    kind = "raise"


_P = (Param("p", float, low=0, high=1, help="probability that a worker is struck"),)
FAULTS: Registry[FaultSpec] = Registry("fault")
FAULTS.register("crash", Crash, _P, summary="the worker dies (reported at once)")
FAULTS.register("hang", Hang, _P, summary="the worker never answers again")
FAULTS.register("raise", Raise, _P, summary="f_i raises from the struck task on")


def parse_faults(specs: str | Sequence[str] | None) -> list[FaultSpec]:
    """Parse ``None``, one spec or several (``ValueError`` naming the valid ones on a bad spec)."""
    if specs is None:
        return []
    if isinstance(specs, str):
        specs = [specs]
    return [FAULTS.create(s) for s in specs]


def draw_faults(faults: Sequence[FaultSpec], workers: int, rng: np.random.Generator) -> np.ndarray:
    """Per worker: ``(kind index or -1, position in [0, 1))`` as a (workers, 2) float array.

    Always consumes the same numbers for a given (faults, workers), whatever strikes.
    """
    out = np.full((workers, 2), -1.0)
    u = rng.random((len(faults), workers))
    pos = rng.random(workers)
    for k in range(len(faults) - 1, -1, -1):  # first spec wins: apply in reverse
        hit = u[k] < faults[k].p
        out[hit, 0] = k
    out[:, 1] = pos
    return out


def place_faults(
    faults: Sequence[FaultSpec], drawn: np.ndarray, n_tasks: Sequence[int]
) -> dict[int, Fault]:
    """Turn drawn faults into per-worker :class:`Fault` given each worker's number of tasks."""
    out: dict[int, Fault] = {}
    for j, (k, pos) in enumerate(drawn):
        if k < 0:
            continue
        n = max(int(n_tasks[j]), 1)
        out[j] = Fault(faults[int(k)].kind, min(int(pos * n), n - 1))
    return out
