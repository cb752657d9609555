"""Placeholder: being written."""

from __future__ import annotations

import numpy as np

from .base import Decoder, Plan, Scheme


class LT(Scheme):
    name = "lt"

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        raise NotImplementedError

    def decoder(self, plan: Plan) -> Decoder:
        raise NotImplementedError
