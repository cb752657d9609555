"""What is computed: a workload is F(x) = Σ_{i<m} f_i(x) with a way to evaluate partial sums.

Papers 000 §II-A and 001 §II-A list the motivating cases (kernel sums, random forests, deep
ensembles, Taylor series, batch gradients).  A workload object is built once on the master,
shipped to every worker process once (it must pickle), and then asked for partial sums:
``partial(indices, x) = Σ_{i ∈ indices} f_i(x)`` — one call per task, so the work of a task is
vectorised.  ``exact(x)`` computes F(x) directly, for the error check of every run.
The runtime calls :meth:`Workload.compute` with each task's payload (see
:mod:`codedcomp.core.tasks`), which for sums is ``partial``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.values import coerce


class Workload(ABC):
    """F(x) = Σ f_i(x) over ``m`` functions; see the module docstring."""

    name: str = ""
    family: str = "sums"  # which schemes apply (codedcomp.codes.families)
    # more workers than the m units of work is fine: the extra ones hold parities, replicas or
    # copies (inference: m = k queries); sums give every worker at least one function
    spare_workers: bool = False
    m: int

    @abstractmethod
    def input(self, rng: np.random.Generator) -> Any:
        """A query ``x`` drawn with ``rng`` (the runtime draws one per trial)."""

    @abstractmethod
    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        """Σ_{i ∈ indices} f_i(x) as a float64 array (all tasks' values share one shape)."""

    def exact(self, x: Any) -> np.ndarray:
        """F(x), computed directly on the master (reference for the ``error`` of a run)."""
        return self.partial(np.arange(self.m), x)

    def compute(self, payload: Any, x: Any, data: Any = None) -> Any:
        """What a worker computes for one task (the runtime's entry point).

        ``payload``: the task's payload (for sums, the indices of the ``f_i`` it adds);
        ``data``: the job's data shipped once per job (``None`` for sums).  Sums evaluate
        :meth:`partial`; other families (matmul, inference) override this.
        """
        return self.partial(payload, x)

    def data_keys(self, payload: Any) -> list[str] | None:
        """The names of the job data a task with ``payload`` reads (``None``: it may read any).

        Lets a backend that ships job data to machines (Ray) send each host only what its
        workers' tasks read first; anything else is still fetched when a task reads it.
        """
        return None


class FunctionList(Workload):
    """A user's own list of functions ``[f_0, ..., f_{m-1}]`` and a fixed input ``x``.

    For the ``local`` and ``ray`` backends the functions must pickle (module-level functions,
    ``functools.partial`` of them, or picklable callables); the ``thread`` backend takes any.
    """

    name = "functions"

    def __init__(self, functions: Sequence[Callable[[Any], Any]], x: Any = None) -> None:
        if len(functions) == 0:
            raise ValueError("FunctionList: functions=[] must hold at least one function")
        self.functions = list(functions)
        self.m = len(self.functions)
        self.x = x

    def input(self, rng: np.random.Generator) -> Any:
        return self.x

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        """Σ f_i(x) over ``indices``; every f_i must return a real number or array of one shape
        (no silent NaN for ``None``, no broadcasting of a scalar against a vector)."""
        total: np.ndarray | None = None
        first = -1
        for i in np.asarray(indices, dtype=np.int64):
            try:
                value = coerce(self.functions[int(i)](x), "real")
            except TypeError as e:
                raise TypeError(f"f_{int(i)} {e}") from None
            if total is None:
                total, first = np.array(value, dtype=float), int(i)
            elif value.shape != total.shape:
                raise TypeError(
                    f"f_{int(i)} returned shape {value.shape}, f_{first} returned "
                    f"{total.shape}: every f_i must return the same shape"
                )
            else:
                total = total + value
        return np.zeros(()) if total is None else total
