"""Codes for F(x) = Σ f_i(x) (papers 000 and 001), named by spec strings.

``one``, ``uncoded``, ``rep:r=``, ``bcc:d=``, ``lt:r=[,c=,delta=,me=]``, ``sr:d=[,k=]``, ``ideal``;
and the copy policies of :mod:`codedcomp.policies`: ``hedge:after=[,copies=]``,
``speculate:[quantile=,multiplier=,interval=,min_runtime=]``.
"""

from __future__ import annotations

from typing import Any

from ...specs import Param, Registry
from .base import CoverDecoder, Decoder, Plan, Scheme, block_starts, plan_from_lists
from .bcc import BCC
from .ideal import Ideal
from .lt import LT
from .replication import One, Replication, Uncoded
from .sr import SR

SCHEMES: Registry[Scheme] = Registry("scheme")
SCHEMES.register("one", One, summary="All-at-One: a single worker computes the whole sum")
SCHEMES.register("uncoded", Uncoded, summary="worker i computes f_i; wait for all")
SCHEMES.register(
    "rep",
    Replication,
    (Param("r", int, default=2, low=1),),
    summary="r-Replication: groups of r workers compute the same partial sum",
)
SCHEMES.register(
    "bcc",
    BCC,
    (Param("d", int, low=1),),
    summary="Batch Coupon Collector: each worker picks one of m/d batches",
)
SCHEMES.register(
    "lt",
    LT,
    (
        Param("r", int, default=1, low=1),
        Param("c", float, default=0.03, low=0, low_open=True),
        Param("delta", float, default=0.5, low=0, low_open=True, high=1),
        Param("me", int, default=None, low=1),
    ),
    summary="LT-r: Robust Soliton rateless code over m/r groups, peeling decoder",
)
SCHEMES.register(
    "sr",
    SR,
    (Param("d", int, low=1), Param("k", int, default=None, low=1)),
    summary="SR(-k): systematic rateless sum-recovery code, degree-d parities",
)
SCHEMES.register("ideal", Ideal, summary="perfect load balancing lower bound (simulation only)")


def scheme(spec: str | Scheme) -> Scheme:
    """Build a scheme from its spec string (or return a scheme unchanged)."""
    if isinstance(spec, Scheme):
        return spec
    return SCHEMES.create(spec)


__all__ = [
    "BCC",
    "LT",
    "SCHEMES",
    "SR",
    "CoverDecoder",
    "Decoder",
    "Ideal",
    "One",
    "Plan",
    "Replication",
    "Scheme",
    "Uncoded",
    "block_starts",
    "plan_from_lists",
    "scheme",
]


# The policies practitioners use instead of codes are scheme specs too (codedcomp.policies builds
# on this package, so its classes are imported when first built: no import cycle).
def _hedge(**kwargs: Any) -> Scheme:
    from ...policies.hedge import Hedge

    return Hedge(**kwargs)


def _speculate(**kwargs: Any) -> Scheme:
    from ...policies.speculate import Speculate

    return Speculate(**kwargs)


SCHEMES.register(
    "hedge",
    _hedge,
    (
        Param("after", str, help="pXX (percentile of one task's time) or seconds"),
        Param("copies", int, default=2, low=2, help="launches per task, the original too"),
    ),
    summary="hedged requests: a further copy of a task still running after a delay",
)
SCHEMES.register(
    "speculate",
    _speculate,
    (
        Param("quantile", float, default=0.9, low=0, low_open=True, high=1),
        Param("multiplier", float, default=3.0, low=1),
        Param("interval", float, default=0.1, low=0, low_open=True),
        Param("min_runtime", float, default=0.1, low=0),
    ),
    summary="Spark's speculative execution: copy tasks slower than multiplier x the median",
)
