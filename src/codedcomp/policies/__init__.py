"""What practitioners use instead of codes: speculative execution and hedged requests.

Both are scheme specs like any other (``simulate``, ``run``, ``reproduce``, the Python API) and
run the uncoded partition of F(x) = Σ f_i(x), launching copies during the run
(:mod:`.copies`): ``hedge:after=p95[,copies=2]`` (:mod:`.hedge`, "The Tail at Scale") and
``speculate:quantile=0.9,multiplier=3[,interval=0.1,min_runtime=0.1]`` (:mod:`.speculate`,
Spark).  They are registered with the schemes (:mod:`codedcomp.codes.sums`), which imports
them when a spec first names them.
"""

from __future__ import annotations

from .copies import CopyPolicy
from .hedge import Hedge, HedgePolicy
from .speculate import Speculate, SpeculatePolicy

__all__ = ["CopyPolicy", "Hedge", "HedgePolicy", "Speculate", "SpeculatePolicy"]
