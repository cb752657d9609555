"""What practitioners use instead of codes: speculative execution and hedged requests.

Both are scheme specs like any other (``simulate``, ``run``, ``reproduce``, the Python API) and
run the uncoded partition of F(x) = Σ f_i(x), launching copies during the run
(:mod:`.copies`): ``hedge:after=p95[,copies=2]`` (:mod:`.hedge`, "The Tail at Scale") and
``speculate:quantile=0.9,multiplier=3[,interval=0.1,min_runtime=0.1]`` (:mod:`.speculate`,
Spark).  They are registered here in the schemes' registry.
"""

from __future__ import annotations

from ..codes.sums import SCHEMES
from ..specs import Param
from .copies import CopyPolicy
from .hedge import Hedge, HedgePolicy
from .speculate import Speculate, SpeculatePolicy

SCHEMES.register(
    "hedge",
    Hedge,
    (
        Param("after", str, help="pXX (percentile of one task's time) or seconds"),
        Param("copies", int, default=2, low=2, help="launches per task, the original included"),
    ),
    summary="hedged requests: a further copy of a task still running after a delay",
)
SCHEMES.register(
    "speculate",
    Speculate,
    (
        Param("quantile", float, default=0.9, low=0, low_open=True, high=1),
        Param("multiplier", float, default=3.0, low=1),
        Param("interval", float, default=0.1, low=0, low_open=True),
        Param("min_runtime", float, default=0.1, low=0),
    ),
    summary="Spark's speculative execution: copy tasks slower than multiplier x the median",
)

__all__ = ["CopyPolicy", "Hedge", "HedgePolicy", "Speculate", "SpeculatePolicy"]
