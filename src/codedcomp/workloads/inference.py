"""Inference of a frozen classifier F as a workload: the coded inference of paper 003 run for real.

``inference[:dataset=digits,k=2,base=mlp,base_seed=0]``: F is the cached base model of
:mod:`codedcomp.codes.learned.base` (trained once, deterministically, checked by SHA-256) for the
data set (``digits``, ``mnist`` — MNIST's 5k subset —, ``fashion``).  Each trial's input is a
**group of k test queries** drawn without replacement from the test set (stream ``input``); their
labels stay on the master (:meth:`InferenceWorkload.labels`) to score the answers served.

A scheme of family ``inference`` (:mod:`codedcomp.codes.learned.family`) turns the group into the
rows each worker evaluates — the k queries, and for a code its r parity queries encoded on the
master — shipped once per job as job data (``data["inputs"]``); a task's payload is the row it
evaluates, and :meth:`InferenceWorkload.compute` is F on that one row (raw outputs, ``(classes,)``).
The answer of a job is the ``(k, classes)`` array of the k queries' outputs (served as they are,
or reconstructed by the code's decoder); ``exact(x)`` is F on the k queries on the master.

``m`` (units of work) is ``k``: one F evaluation per query, whatever ``--m`` says; a task (one row)
is one unit, padded to ``τ`` seconds when ``--tau`` is set.

Workers run F in numpy for the MLP base (no PyTorch in worker processes, one BLAS thread as the
hosts set it); other bases rebuild the PyTorch module in the worker with one thread.  PyTorch is
needed on the master to load (or train) F: without it, building the workload fails with one line
saying how to install it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import check
from .base import Workload

INFERENCE_DATASETS = ("digits", "mnist", "fashion")
INFERENCE_BASES = ("mlp", "cnn")
MAX_K = 64


@dataclass(frozen=True)
class QueryGroup:
    """One trial's input: ``queries`` ``(k, n, n) float32`` and their ``labels`` ``(k,)``."""

    queries: np.ndarray
    labels: np.ndarray
    index: np.ndarray  # rows of the test set


class InferenceWorkload(Workload):
    """F on groups of k test queries; see the module docstring."""

    name = "inference"
    family = "inference"
    spare_workers = True  # k + r workers for k units: parities, replicas, copies

    def __init__(
        self,
        *,
        m: int | None = None,
        seed: int | None = None,
        dataset: str = "digits",
        k: int = 2,
        base: str = "mlp",
        base_seed: int = 0,
    ) -> None:
        check(
            "inference",
            "dataset",
            dataset,
            dataset in INFERENCE_DATASETS,
            " | ".join(INFERENCE_DATASETS),
        )
        check("inference", "base", base, base in INFERENCE_BASES, " | ".join(INFERENCE_BASES))
        check("inference", "k", k, isinstance(k, int) and 1 <= k <= MAX_K, f"1 <= k <= {MAX_K}")
        check("inference", "base_seed", base_seed, base_seed >= 0, "an integer >= 0")
        from ..codes.learned.requires import torch_module

        torch_module()  # one line saying how to install PyTorch, before any data is read
        from ..codes.learned.base import base_model
        from ..codes.learned.data import load_dataset

        data = load_dataset(dataset)
        model = base_model(data, base, base_seed)
        self.dataset, self.k, self.base, self.base_seed = dataset, int(k), base, int(base_seed)
        self.m = self.k  # one unit per query (module docstring)
        self.shape = data.shape
        self.classes = data.classes
        self.base_sha256 = model.sha256
        self.base_accuracy = model.test_accuracy
        self._x_test: np.ndarray | None = np.asarray(data.x_test)
        self._y_test: np.ndarray | None = np.asarray(data.y_test)
        self.state = {k: v.detach().cpu().numpy().copy() for k, v in model.net.state_dict().items()}
        self._layers = _mlp_layers(self.state) if base == "mlp" else None
        self._net: Any = None  # a PyTorch module, rebuilt where needed (non-MLP bases)

    # the test set stays on the master: workers only ever evaluate F
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_x_test"] = state["_y_test"] = None
        state["_net"] = None
        return state

    def input(self, rng: np.random.Generator) -> QueryGroup:
        """k distinct test queries and their labels."""
        if self._x_test is None or self._y_test is None:
            raise ValueError("inference: this copy of the workload holds no test set (a worker's)")
        idx = rng.choice(len(self._y_test), size=self.k, replace=False)
        return QueryGroup(self._x_test[idx], self._y_test[idx], idx)

    def labels(self, x: Any) -> np.ndarray | None:
        """The true classes of the group's queries (kept on the master)."""
        return np.asarray(x.labels) if isinstance(x, QueryGroup) else None

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        raise ValueError(
            "inference: F's outputs are not a sum of f_i; run it with an inference scheme "
            "(learned:CKPT, sum-parity, uncoded, rep:r=, hedge:, speculate:)"
        )

    def forward(self, batch: np.ndarray) -> np.ndarray:
        """F on images ``(B, n, n)`` (or ``(B, n²)``): raw outputs ``(B, classes) float32``."""
        a = np.asarray(batch, dtype=np.float32)
        a = a.reshape(a.shape[0], -1)
        if self._layers is not None:
            for i, (w, b) in enumerate(self._layers):
                a = a @ w.T + b
                if i < len(self._layers) - 1:
                    np.maximum(a, 0, out=a)
            return a
        return self._torch_forward(a)

    def _torch_forward(self, a: np.ndarray) -> np.ndarray:
        import torch

        from ..codes.learned.base import freeze, make_base

        if self._net is None:
            net = make_base(self.base, shape=self.shape, classes=self.classes)
            net.load_state_dict({k: torch.as_tensor(v) for k, v in self.state.items()})
            self._net = freeze(net)
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # one core per logical worker; the caller's setting restored
        try:
            with torch.no_grad():
                x = torch.as_tensor(a.reshape(-1, *self.shape))
                return np.asarray(self._net(x).numpy(), dtype=np.float32)
        finally:
            torch.set_num_threads(before)

    def exact(self, x: Any) -> np.ndarray:
        """F on the group's k queries, ``(k, classes)``: the answers with no straggler."""
        return self.forward(_queries(x)).astype(np.float64)

    def compute(self, payload: Any, x: Any, data: Any = None) -> np.ndarray:
        """F on row ``payload`` of the job's inputs (a query or a parity query)."""
        if data is None or "inputs" not in data:
            raise ValueError("inference: a worker got no queries (job data); is the scheme one?")
        row = data["inputs"][int(payload)]
        return self.forward(row[None])[0]


def _queries(x: Any) -> np.ndarray:
    if isinstance(x, QueryGroup):
        return x.queries
    return np.asarray(x, dtype=np.float32)


def _mlp_layers(state: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (weight, bias) pairs of Base-MLP's linear layers, in order."""
    names = sorted({k.rsplit(".", 1)[0] for k in state}, key=lambda s: int(s.split(".")[-1]))
    return [
        (np.ascontiguousarray(state[f"{n}.weight"]), np.ascontiguousarray(state[f"{n}.bias"]))
        for n in names
    ]


__all__ = ["INFERENCE_DATASETS", "InferenceWorkload", "QueryGroup"]
