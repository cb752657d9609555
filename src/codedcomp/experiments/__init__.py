"""Paper reproductions: one registered experiment per figure (papers 000, 001, 003 and 004).

``codedcomp reproduce NAME [--quick] --out DIR [--seed S]`` runs one; ``--list`` names them.

=======================  ===========================================================================
``sr-fig2a``             paper 000 Fig. 2a — SR-1000 vs One, Uncoded, Rep, BCC, LT latency tails
``sr-fig2b``             paper 000 Fig. 2b — SR-k (limited access) vs LT
``sr-fig2c``             paper 000 Fig. 2c — M′ for SR sum recovery vs LT peeling vs coverage (CC)
``lt-fig2a``             paper 001 Fig. 2a — One, Uncoded, 2-Replication, LT-1, LT-2, X ~ Exp(0.2)
``lt-fig2b``             paper 001 Fig. 2b — the same with X ~ Pareto(1, 1)
``lt-mprime``            paper 001 §V — M′ for 99 % LT-1 / LT-2 decoding (1400 / 783), decode time
``lt-fig2c``             paper 001 Fig. 2c — the kernel experiment as a REAL run (local backend)
``approx-matdot-fig1a``  paper 004 Fig. 1a — Algorithm 1's loss, k = 2m − 2, best of many starts
``approx-matdot-fig1b``  paper 004 Fig. 1b — error vs results: MatDot, Chebyshev, ε-MatDot, Alg. 1
``logreg-mnist``         paper 004 §IV-D — logistic regression on MNIST with every product coded
``codes-vs-copies``      codes vs hedging vs speculation (simulated m = 1000, real m = 64)
``learned-table4``       paper 003 Table 4 — learned codes for Base-MLP, MNIST-5k / Fashion-MNIST
=======================  ===========================================================================

Modules share :mod:`~codedcomp.experiments.latency` (simulate, CSV, tail plot, closed forms,
claims), :mod:`~codedcomp.experiments.mprime` (counting M′) and
:mod:`~codedcomp.experiments.report` (``summary.md``).
"""

from __future__ import annotations

from . import (  # noqa: F401 (register)
    approx_matdot_fig1a,
    approx_matdot_fig1b,
    codes_vs_copies,
    learned_table4,
    logreg_mnist,
    lt_fig2a,
    lt_fig2b,
    lt_fig2c,
    lt_mprime,
    sr_fig2a,
    sr_fig2b,
    sr_fig2c,
)
from .registry import EXPERIMENTS, Context, Experiment, get, names, run_experiment

__all__ = ["EXPERIMENTS", "Context", "Experiment", "get", "names", "run_experiment"]
