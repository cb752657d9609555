"""Workloads: what is computed, F(x) = Σ_{i<m} f_i(x) (papers 000 §II-A and 001 §II-A).

Named by spec strings and built by :func:`make_workload` with the number of functions ``m`` (set
by the runner, e.g. one per worker) and a seed:

- ``kernel-sum[:dim=100,bandwidth=sqrt(dim),queries=1]`` — Gaussian kernel sums (001 §V)
- ``random-forest[:depth=8]`` — tree votes of a digits random forest
- ``ensemble[:hidden=32,epochs=5]`` — softmax outputs of a deep ensemble of MLPs on digits
- ``taylor[:function=exp,dim=16,scale=2]`` — terms of a Taylor series (exp, sin, cos)
- ``gradient[:data=digits,samples=,features=20]`` — logistic-regression gradients of data shards
- ``matmul[:n=512,cols=,dtype=float64]`` — ``C = A @ B`` (family ``matmul``: coded by paper 004's
  codes, each worker getting its own encoded operands)
- ``inference[:dataset=digits,k=2,base=mlp,base_seed=0]`` — a frozen classifier F on groups of k
  test queries (family ``inference``: coded by paper 003's learned codes; PyTorch extra)

A workload's ``family`` says which schemes apply (:mod:`codedcomp.codes.families`); the sums
are family ``sums``.
"""

from __future__ import annotations

import numpy as np

from ..errors import check
from ..specs import Param, Registry
from .base import FunctionList, Workload
from .ensemble import DeepEnsemble
from .forest import RandomForest
from .gradient import LogisticGradient
from .inference import InferenceWorkload
from .kernels import KernelSum
from .matmul import MatmulWorkload
from .taylor import TaylorSeries

WORKLOADS: Registry[Workload] = Registry("workload")
WORKLOADS.register(
    "kernel-sum",
    KernelSum,
    (
        Param("dim", int, default=100, low=1, help="dimension of the points (paper: 1000)"),
        Param(
            "bandwidth",
            float,
            default=None,
            low=0,
            low_open=True,
            help="Gaussian kernel width h (default sqrt(dim))",
        ),
        Param(
            "queries",
            int,
            default=1,
            low=1,
            help="query points per input; > 1 makes values vectors",
        ),
    ),
    summary="Σ_i exp(-‖x - z_i‖²/(2h²)) over m random points z_i (paper 001 §V)",
)
WORKLOADS.register(
    "random-forest",
    RandomForest,
    (Param("depth", int, default=8, low=1, help="max_depth of every tree"),),
    summary="Σ of the class-probability votes of m trees of a digits random forest",
)
WORKLOADS.register(
    "ensemble",
    DeepEnsemble,
    (
        Param("hidden", int, default=32, low=1, help="hidden units of every MLP"),
        Param("epochs", int, default=5, low=0, help="training passes over the digits"),
    ),
    summary="Σ of the softmax outputs of a deep ensemble of m MLPs on digits",
)
WORKLOADS.register(
    "taylor",
    TaylorSeries,
    (
        Param("function", str, default="exp", help="exp, sin or cos"),
        Param("dim", int, default=16, low=1, help="entries of the vector x"),
        Param("scale", float, default=2.0, low=0, low_open=True, help="x ~ U(-scale, scale)"),
    ),
    summary="Σ of the first m non-zero Taylor terms of exp/sin/cos at a vector x",
)
WORKLOADS.register(
    "gradient",
    LogisticGradient,
    (
        Param("data", str, default="digits", help="digits or synthetic"),
        Param(
            "samples", int, default=None, low=1, help="samples (digits: all 1797; synthetic: 20·m)"
        ),
        Param("features", int, default=20, low=1, help="synthetic features"),
    ),
    summary="logistic-regression batch gradient as a sum over m data shards",
)
WORKLOADS.register(
    "matmul",
    MatmulWorkload,
    (
        Param("n", int, default=512, low=1, high=16384, help="A is n x n"),
        Param("cols", int, default=None, low=1, high=16384, help="B is n x cols (default n)"),
        Param("dtype", str, default="float64", help="float64 | float32 | complex128"),
    ),
    summary="C = A @ B of random matrices, coded by paper 004's codes (family matmul)",
)
WORKLOADS.register(
    "inference",
    InferenceWorkload,
    (
        Param("dataset", str, default="digits", help="digits | mnist (5k subset) | fashion"),
        Param("k", int, default=2, low=1, high=64, help="queries per group"),
        Param("base", str, default="mlp", help="base model F: mlp (Base-MLP) | cnn"),
        Param("base_seed", int, default=0, low=0, help="seed of F's (cached) training"),
    ),
    summary="a frozen classifier F on groups of k test queries (family inference; learned codes)",
)


def family_of(spec: str | Workload) -> str:
    """The scheme family of a workload spec (or object), without building it."""
    if isinstance(spec, Workload):
        return spec.family
    entry, _ = WORKLOADS.parse_args(spec)
    return str(getattr(entry.factory, "family", "sums"))


def make_workload(spec: str | Workload, *, m: int, seed: int | None = None) -> Workload:
    """Build the workload named by ``spec`` with ``m`` functions, all randomness from ``seed``.

    A :class:`Workload` object is returned unchanged (its ``m`` must equal ``m``).  Unknown
    names, unknown keys and out-of-range values fail with one line listing the valid ones.
    """
    ok = isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m >= 1
    check("make_workload", "m", m, ok, "an integer >= 1")
    if isinstance(spec, Workload):
        check("make_workload", "m", m, spec.m == m, f"the given workload's m={spec.m}")
        return spec
    entry, kwargs = WORKLOADS.parse_args(spec)
    workload = entry.factory(m=int(m), seed=seed, **kwargs)
    workload.spec = spec.strip()  # type: ignore[attr-defined]
    return workload


__all__ = [
    "WORKLOADS",
    "DeepEnsemble",
    "FunctionList",
    "InferenceWorkload",
    "KernelSum",
    "LogisticGradient",
    "MatmulWorkload",
    "RandomForest",
    "TaylorSeries",
    "Workload",
    "family_of",
    "make_workload",
]
