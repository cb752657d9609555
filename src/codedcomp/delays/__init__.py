"""Delay and straggler models, named by spec strings (``exp:rate=0.2``, ``trace:PATH``, ...).

Parameters are bounded so that every draw is a finite number of seconds (``exp:rate=1e-320``
would make every delay infinite): rates and scales in [1e-12, 1e12], Pareto shapes >= 0.1.
"""

from __future__ import annotations

from ..specs import Param, Registry
from .base import DelayModel
from .exp import ExpDelay
from .none import NoDelay
from .pareto import ParetoDelay
from .shifted import ShiftedExpDelay
from .trace import TraceDelay

DELAYS: Registry[DelayModel] = Registry("delay")
DELAYS.register(
    "exp",
    ExpDelay,
    (Param("rate", float, low=1e-12, high=1e12),),
    summary="X ~ Exp(rate), mean 1/rate",
)
DELAYS.register(
    "pareto",
    ParetoDelay,
    (Param("scale", float, low=1e-12, high=1e12), Param("shape", float, low=0.1, high=1e6)),
    summary="X ~ Pareto(scale, shape), P(X>t) = (scale/t)^shape",
)
DELAYS.register(
    "shifted-exp",
    ShiftedExpDelay,
    (Param("shift", float, low=0, high=1e12), Param("rate", float, low=1e-12, high=1e12)),
    summary="X = shift + Exp(rate)",
)
DELAYS.register("trace", TraceDelay, positional="path", summary="recorded delays from CSV/JSON")
DELAYS.register("none", NoDelay, summary="X = 0 (natural stragglers only)")


def delay(spec: str | DelayModel) -> DelayModel:
    """Build a delay model from a spec string (or return a model unchanged)."""
    if isinstance(spec, DelayModel):
        return spec
    return DELAYS.create(spec)


__all__ = [
    "DELAYS",
    "DelayModel",
    "ExpDelay",
    "NoDelay",
    "ParetoDelay",
    "ShiftedExpDelay",
    "TraceDelay",
    "delay",
]
