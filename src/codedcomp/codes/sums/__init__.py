"""Codes for F(x) = Σ f_i(x) (papers 000 and 001), named by spec strings.

``one``, ``uncoded``, ``rep:r=``, ``bcc:d=``, ``lt:r=[,c=,delta=,me=]``, ``sr:d=[,k=]``, ``ideal``.
"""

from __future__ import annotations

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
