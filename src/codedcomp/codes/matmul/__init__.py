"""Coded matrix multiplication ``C = A @ B`` (paper 004 and the codes it builds on), by spec string.

=====================================  ====================================================
spec                                   code
=====================================  ====================================================
``polynomial:x=2,y=2[,points=]``       :class:`PolynomialCode` (Yu et al.), threshold x·y
``matdot:m=4[,points=]``               :class:`MatDotCode` (paper 004 Constr. 1), 2m − 1
``approx-matdot:m=4,eps=1e-6[,…]``     :class:`ApproxMatDotCode` (Constr. 2), threshold m
``optimized:m=3,k=4``                  :class:`OptimizedCode` (Algorithm 1), threshold k
``mds:k=8[,points=]``                  :class:`MDSCode`, MDS matrix–vector (Lee et al.)
``uncoded:x=2,y=2``                    :class:`UncodedCode`, every block once
``rep:x=2,y=2,r=2``                    :class:`ReplicationCode`, r copies of every block
=====================================  ====================================================

Every spec also takes ``workers=P`` (default: the threshold, i.e. no redundancy — ``k + 1``
for ``optimized``); :func:`matmul_scheme` takes ``workers=`` too.  ``points`` is ``roots``
(default, complex), ``chebyshev``, ``equispaced`` or ``half`` (complex, upper half plane:
real data decode from half the results, :mod:`.points`); ``order`` is ``bitrev`` (default) or
``natural``.  ``approx-matdot`` also takes ``delta=``; ``optimized`` takes ``iterations=``,
``restarts=`` and ``seed=``.  Codes are pure math (no clocks, no I/O): see :mod:`.base` for the
interface every code shares.
"""

from __future__ import annotations

from typing import Any

from ...specs import Param, Registry
from .base import IMAG_TOL, WARN_COND, Layout, MatmulCode
from .baselines import ReplicationCode, UncodedCode
from .matdot import ApproxMatDotCode, MatDotCode, float64_floor
from .optimized import Design, OptimizedCode, alternating_minimization, design_loss, patterns
from .points import FAMILIES, bit_reversal
from .polynomial import MDSCode, PolynomialCode

_WORKERS = Param("workers", int, default=None, low=1, help="number of workers P")
_POINTS = Param("points", str, default="roots", help="roots | chebyshev | equispaced | half")
_ORDER = Param("order", str, default="bitrev", help="bitrev | natural")


def _approx(*, eps: float, **kw: Any) -> ApproxMatDotCode:
    return ApproxMatDotCode(epsilon=eps, **kw)


MATMUL_SCHEMES: Registry[MatmulCode] = Registry("matmul scheme")
MATMUL_SCHEMES.register(
    "polynomial",
    PolynomialCode,
    (Param("x", int, low=1), Param("y", int, low=1), _WORKERS, _POINTS, _ORDER),
    summary="polynomial code: x row blocks of A, y column blocks of B; any x*y results",
)
MATMUL_SCHEMES.register(
    "matdot",
    MatDotCode,
    (Param("m", int, low=1), _WORKERS, _POINTS, _ORDER),
    summary="MatDot: inner split into m blocks; any 2m-1 results",
)
MATMUL_SCHEMES.register(
    "approx-matdot",
    _approx,
    (
        Param("m", int, low=1),
        Param("eps", float, default=1e-3, low=0, low_open=True, high=1),
        _WORKERS,
        Param("delta", float, default=None, low=0, low_open=True, high=1),
        _POINTS,
        _ORDER,
    ),
    summary="epsilon-approximate MatDot: any m results, relative error ~eps",
)
MATMUL_SCHEMES.register(
    "optimized",
    OptimizedCode,
    (
        Param("m", int, low=1),
        Param("k", int, low=1),
        _WORKERS,
        Param("iterations", int, default=10_000, low=1),
        Param("restarts", int, default=4, low=1),
        Param("seed", int, default=0, low=0),
    ),
    summary="code designed by alternating minimisation (Algorithm 1); any k results",
)
MATMUL_SCHEMES.register(
    "mds",
    MDSCode,
    (Param("k", int, low=1), _WORKERS, _POINTS, _ORDER),
    summary="MDS-coded matrix-vector: k row blocks of A; any k results",
)
MATMUL_SCHEMES.register(
    "uncoded",
    UncodedCode,
    (Param("x", int, default=2, low=1), Param("y", int, default=2, low=1), _WORKERS),
    summary="uncoded split into x*y blocks: wait for every worker",
)
MATMUL_SCHEMES.register(
    "rep",
    ReplicationCode,
    (
        Param("x", int, default=2, low=1),
        Param("y", int, default=2, low=1),
        Param("r", int, default=2, low=1),
        _WORKERS,
    ),
    summary="r-replication of an uncoded x*y split: one copy of every block",
)


def matmul_scheme(spec: str | MatmulCode, *, workers: int | None = None) -> MatmulCode:
    """Build a matmul code from its spec (or return a code unchanged).

    ``workers`` is the run's worker count (the simulator's ``--workers P``); a spec that names
    another ``workers=`` is refused (one line), as a code object built for another count is.
    """
    if isinstance(spec, MatmulCode):
        if workers is not None and workers != spec.workers:
            raise ValueError(
                f"{spec.label}: workers={workers} given for a code with {spec.workers}"
            )
        return spec
    entry, kwargs = MATMUL_SCHEMES.parse_args(spec)
    if workers is not None:
        named = kwargs.get("workers")
        if named is not None and named != workers:
            raise ValueError(
                f"matmul scheme {spec.strip()!r}: workers={named} in the spec, but the run has "
                f"{workers} workers (--workers): give one of them"
            )
        kwargs["workers"] = workers
    for key in ("points", "order"):
        if key in kwargs:
            kind = FAMILIES if key == "points" else ("bitrev", "natural")
            if kwargs[key] not in kind:
                raise ValueError(
                    f"matmul scheme {entry.name!r}: {key}={kwargs[key]!r} must be one of "
                    + ", ".join(kind)
                )
    code = entry.factory(**kwargs)
    code.spec = spec.strip()
    return code


__all__ = [
    "FAMILIES",
    "IMAG_TOL",
    "MATMUL_SCHEMES",
    "WARN_COND",
    "ApproxMatDotCode",
    "Design",
    "Layout",
    "MDSCode",
    "MatDotCode",
    "MatmulCode",
    "OptimizedCode",
    "PolynomialCode",
    "ReplicationCode",
    "UncodedCode",
    "alternating_minimization",
    "bit_reversal",
    "design_loss",
    "float64_floor",
    "matmul_scheme",
    "patterns",
]
