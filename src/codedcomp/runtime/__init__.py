"""Real coded execution: master loop, backends, straggler and fault injection, traces.

DESIGN.md "The one idea to keep": a scheme (``codes/``) says what each worker computes and when
the master can stop; this package executes it for real.  :func:`run` (``codedcomp.run``) is the
entry point; :mod:`.master` the backend-agnostic master loop; :mod:`.policy` the static-plan and
pull-queue policies; :mod:`.backends` the ``thread``/``local``/``ray`` registry and the backend
interface (:mod:`.backends.base`); :mod:`.engine` the worker-side executor that enforces the
papers' delay model (000 §IV, 001 §IV, eq. 4) with absolute deadlines; :mod:`.faults` injected
crashes, hangs and exceptions; :mod:`.trace` the traces the simulator replays.
"""

from __future__ import annotations

from .api import RunReport, RunResult, prepare, relative_error, run
from .backends import BACKENDS, backend, shutdown
from .engine import cancelled
from .trace import Trace, WorkerTrace, replay

__all__ = [
    "BACKENDS",
    "RunReport",
    "RunResult",
    "Trace",
    "WorkerTrace",
    "backend",
    "cancelled",
    "prepare",
    "relative_error",
    "replay",
    "run",
    "shutdown",
]
