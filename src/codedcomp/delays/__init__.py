"""Delay and straggler models, named by spec strings (``exp:rate=0.2``, ``trace:PATH``, ...)."""

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
    (Param("rate", float, low=0, low_open=True),),
    summary="X ~ Exp(rate), mean 1/rate",
)
DELAYS.register(
    "pareto",
    ParetoDelay,
    (Param("scale", float, low=0, low_open=True), Param("shape", float, low=0, low_open=True)),
    summary="X ~ Pareto(scale, shape), P(X>t) = (scale/t)^shape",
)
DELAYS.register(
    "shifted-exp",
    ShiftedExpDelay,
    (Param("shift", float, low=0), Param("rate", float, low=0, low_open=True)),
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
