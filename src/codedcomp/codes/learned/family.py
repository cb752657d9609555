"""Coded inference on the core: learned codes (paper 003), their baselines, simulated and run.

A job of the ``inference`` workload (:mod:`codedcomp.workloads.inference`) is a group of k
queries to a frozen classifier F.  The schemes here say which rows each worker evaluates and how
the master answers each query:

=====================  ========================================================================
spec                   workers and answers
=====================  ========================================================================
``learned:CKPT``       k queries + r parity queries from the checkpoint's encoder E on k + r
                       workers; query i is answered by its own F(X_i) or, once k of the k + r
                       outputs are in (at most r missing), by the learned decoder D
``sum-parity[:r=1]``   the same shape with the addition code (P = Σ X_i, decoded by subtraction)
``uncoded``            the k queries on k workers (further workers idle)
``rep:r=R``            the k queries plus R extra workers, worker k + j a replica of query
                       j mod k; a query is answered by its first replica to return
``hedge:after=``,      the uncoded plan; copies of late queries go to idle workers (the extra
``speculate:``         ones first: the same number of extra workers as the codes)
=====================  ========================================================================

The master encodes (:meth:`InferencePlan.prepare_input`): the k queries and the parity queries
are the job data ``inputs`` (shipped once per job), a task's payload is the row its worker
evaluates, one unit of work each (``m = k`` units: one F evaluation per query).

:class:`InferenceDecoder` answers **each query** as soon as its own output or a decodable set is
in (:meth:`InferenceDecoder.answer_points`, turned into instants by the policy:
:meth:`~codedcomp.core.policy.Policy.answers`); the job is ready when all k are answered, which
dates the group's latency.  A reconstructed answer is decoded from exactly the outputs in hand
when it was answered (the first decodable set), not from outputs that came later.  The simulator
feeds it task ids only (supports) and gets the same answer instants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...core.context import JobContext
from ...core.policy import Policy, StaticPolicy
from ...core.tasks import Task
from ...core.work import Work
from ...errors import NotDecodableError, check
from ...specs import Param, Registry

KINDS = ("learned", "sum-parity", "uncoded", "rep")


@dataclass
class InferencePlan:
    """Rows per task of one inference job; see the module docstring."""

    kind: str  # one of KINDS
    k: int
    extra: int  # parities (codes) or extra replicas (rep); 0 for uncoded
    workers: int
    code: Any = None  # LearnedCode | SumParityCode | None
    unit_cost: float = 1.0  # one F evaluation
    cost: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.cost = np.full(self.n_tasks, self.unit_cost)

    @property
    def m(self) -> int:
        return self.k

    @property
    def n_workers(self) -> int:
        return self.workers

    @property
    def n_tasks(self) -> int:
        return self.k + self.extra

    @property
    def coded(self) -> bool:
        return self.kind in ("learned", "sum-parity")

    @property
    def worker_ptr(self) -> np.ndarray:
        """Task t on worker t; workers beyond the tasks get none (idle, for copies)."""
        ptr = np.arange(self.workers + 1, dtype=np.int64)
        return np.minimum(ptr, self.n_tasks)

    def row(self, task: int) -> int:
        """The row of the job's inputs task ``task`` evaluates (rep: a query's replica)."""
        if self.kind == "rep" and task >= self.k:
            return (task - self.k) % self.k
        return task

    def query(self, task: int) -> int | None:
        """The query whose own output task ``task`` computes (``None``: a parity)."""
        if self.coded and task >= self.k:
            return None
        return self.row(task)

    def tasks(self) -> dict[int, list[Task]]:
        return {t: [Task(t, self.row(t), float(self.cost[t]))] for t in range(self.n_tasks)}

    def windows(self, x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
        began = np.asarray(x, dtype=float)[: self.n_tasks]
        return began, began + tau * self.cost

    def prepare_input(self, x: Any) -> tuple[Any, dict[str, np.ndarray]]:
        """Encode the group on the master: job data ``inputs`` = queries (+ parity queries)."""
        queries = np.ascontiguousarray(getattr(x, "queries", x), dtype=np.float32)
        ok = queries.ndim >= 2 and queries.shape[0] == self.k
        check(self.kind, "queries", queries.shape, ok, f"k={self.k} queries")
        rows = [queries]
        if self.kind == "sum-parity":
            rows.append(self.code.encode(queries).astype(np.float32))
        elif self.kind == "learned":
            from .base import torch_threads

            with torch_threads(1):
                rows.append(np.asarray(self.code.encode(queries), dtype=np.float32))
        return None, {"inputs": np.ascontiguousarray(np.concatenate(rows))}


class InferenceDecoder:
    """Outputs (or task ids) in, every query's answer out; see the module docstring."""

    accepts = "real"

    def __init__(self, plan: InferencePlan) -> None:
        self.plan = plan
        self.values: dict[int, Any] = {}
        self.ids: list[int] = []
        self.points: list[int | None] = [None] * plan.k  # results fed when answered
        self.how: list[str] = ["direct"] * plan.k
        self.by: list[int | None] = [None] * plan.k  # the task whose output answered it
        self.decoded_at: int | None = None  # results fed when the missing ones were decoded
        self._open = plan.k

    @property
    def received(self) -> int:
        return len(self.ids)

    def add_task(self, task: int, value: Any = None) -> None:
        if task in self.values:
            return
        self.values[task] = value
        self.ids.append(task)
        n = len(self.ids)
        q = self.plan.query(task)
        if q is not None and self.points[q] is None:
            self.points[q], self.by[q] = n, task
            self._open -= 1
        if self._open and self.plan.coded and n >= self.plan.k:  # at most r outputs missing
            for i in range(self.plan.k):
                if self.points[i] is None:
                    self.points[i], self.how[i] = n, "decoded"
            self.decoded_at, self._open = n, 0

    @property
    def ready(self) -> bool:
        return self._open == 0

    def finalize(self) -> None:
        return None

    def answer_points(self) -> list[tuple[int | None, str]]:
        return list(zip(self.points, self.how, strict=True))

    def _missing(self) -> str:
        open_ = [i for i in range(self.plan.k) if self.points[i] is None]
        need = (
            f"{self.plan.k} of the {self.plan.n_tasks} outputs"
            if self.plan.coded
            else "each query's own output"
        )
        return f"queries {open_} unanswered, {len(self.ids)} output(s) in hand; need {need}"

    def result(self) -> np.ndarray:
        """The ``(k, classes)`` answers: own outputs, or reconstructions from the first
        decodable set."""
        if not self.ready:
            raise NotDecodableError(f"{self.plan.kind}: cannot answer: {self._missing()}")
        if any(v is None for v in self.values.values()):
            raise NotDecodableError(f"{self.plan.kind}: answered, but fed task ids only")
        out: list[Any] = [None] * self.plan.k
        for i in range(self.plan.k):
            if self.how[i] == "direct":
                out[i] = np.asarray(self.values[self.by[i]], dtype=np.float64)  # type: ignore[index]
        if self.decoded_at is not None:
            k = self.plan.k
            have = self.ids[: self.decoded_at]
            available = {t: self.values[t] for t in have if t < k}
            parities = {t - k: self.values[t] for t in have if t >= k}
            decoded = self._decode(available, parities)
            for i in range(k):
                if out[i] is None:
                    out[i] = np.asarray(decoded[i], dtype=np.float64)
        return np.stack(out)

    def _decode(self, available: dict[int, Any], parities: dict[int, Any]) -> dict[int, Any]:
        if self.plan.kind == "learned":
            from .base import torch_threads

            with torch_threads(1):
                return dict(self.plan.code.decode(available, parities))
        return dict(self.plan.code.decode(available, parities))


class InferenceScheme:
    """A scheme of the inference family (static plan); see the module docstring."""

    dynamic = False
    family = "inference"
    per_query = True  # the policy dates every query's answer (Policy.answers)

    def __init__(self, spec: str, kind: str, extra: int = 0, code: Any = None) -> None:
        self.spec = spec
        self.kind = kind
        self.extra = int(extra)
        self.code = code
        self.base_sha256: str | None = None  # learned: the F the code was trained through

    @property
    def label(self) -> str:
        return self.spec

    @property
    def canonical(self) -> str:
        return self.spec

    @property
    def name(self) -> str:
        return self.kind

    def _k(self, m: int) -> int:
        return int(self.code.k) if self.kind == "learned" else int(m)

    def validate(self, m: int, workers: int) -> None:
        if self.kind == "learned":
            check(self.spec, "k", m, m == self.code.k, f"the checkpoint's k={self.code.k}")
        need = self._k(m) + self.extra
        check(self.spec, "workers", workers, workers >= need, f">= {need} (k + {self.extra})")

    def check_workload(self, workload: Any, x: Any = None) -> None:
        """The learned code was trained through this workload's very F (checksums agree)."""
        if self.kind != "learned":
            return
        theirs = getattr(workload, "base_sha256", None)
        if theirs != self.base_sha256:
            raise ValueError(
                f"{self.spec}: trained through another base model (sha256 "
                f"{str(self.base_sha256)[:12]}, the workload's F {str(theirs)[:12]}); use the "
                "checkpoint's data set, base and base_seed"
            )
        shape = tuple(getattr(workload, "shape", ()))
        check(self.spec, "shape", shape, shape == tuple(self.code.shape), f"{self.code.shape}")

    def plan(self, m: int, workers: int, rng: np.random.Generator | None = None) -> InferencePlan:
        code = self.code
        if self.kind == "sum-parity":
            from .baseline import SumParityCode

            code = SumParityCode(k=int(m), r=self.extra)
        return InferencePlan(self.kind, self._k(m), self.extra, int(workers), code)

    def decoder(self, plan: InferencePlan) -> InferenceDecoder:
        return InferenceDecoder(plan)

    def decode_point(self, plan: InferencePlan, order: np.ndarray) -> int | None:
        dec = InferenceDecoder(plan)
        for n, t in enumerate(order, 1):
            if 0 <= int(t) < plan.n_tasks:
                dec.add_task(int(t))
            if dec.ready:
                return n
        return None

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> Policy:
        return StaticPolicy(self, self.plan(ctx.m, ctx.workers, rng))

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> None:
        return None  # the generic static path (per-query answers: the event-driven one)

    def __repr__(self) -> str:
        return self.spec


def _learned(path: str) -> InferenceScheme:
    from .requires import torch_module

    torch_module()
    from .training import load_code

    if not Path(path).is_file():
        raise ValueError(f"learned:{path}: no such checkpoint (train one: codedcomp learned train)")
    code, meta = load_code(path)
    s = InferenceScheme(f"learned:{path}", "learned", code.r, code)
    s.base_sha256 = str(meta["base"]["sha256"])
    return s


def _sum_parity(r: int = 1) -> InferenceScheme:
    return InferenceScheme("sum-parity" if r == 1 else f"sum-parity:r={r}", "sum-parity", r)


def _uncoded() -> InferenceScheme:
    return InferenceScheme("uncoded", "uncoded")


def _rep(r: int = 1) -> InferenceScheme:
    return InferenceScheme(f"rep:r={r}", "rep", r)


def _copies(spec: str) -> Any:
    from ..sums import scheme as sums_scheme

    wrapper: Any = sums_scheme(spec)  # parses and checks the policy's own parameters
    wrapper.set_base(_UncodedBase())
    return _Copies(wrapper)


class _Copies:
    """``hedge:`` / ``speculate:`` (the sums family's policies) over the uncoded plan of k
    queries; only the size check differs: workers beyond the k are the spares copies go to."""

    family = "inference"

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def validate(self, m: int, workers: int) -> None:
        check(self.inner.label, "workers", workers, workers >= m, f">= k={m} (the queries)")

    def __repr__(self) -> str:
        return repr(self.inner)


INFERENCE_SCHEMES: Registry[Any] = Registry("inference scheme")
INFERENCE_SCHEMES.register(
    "learned", _learned, positional="path", summary="learned code of a checkpoint (paper 003)"
)
INFERENCE_SCHEMES.register(
    "sum-parity",
    _sum_parity,
    (Param("r", int, default=1, low=1, high=16, help="parity queries"),),
    summary="the addition code decoded by subtraction",
)
INFERENCE_SCHEMES.register("uncoded", _uncoded, summary="the k queries on k workers")
INFERENCE_SCHEMES.register(
    "rep",
    _rep,
    (Param("r", int, default=1, low=1, high=64, help="extra workers, replicas of queries"),),
    summary="r extra workers replicating queries round-robin",
)
INFERENCE_SCHEMES.register("hedge", _copies, summary="hedged requests over the uncoded plan")
INFERENCE_SCHEMES.register("speculate", _copies, summary="speculation over the uncoded plan")


def inference_family_scheme(spec: str) -> Any:
    """A scheme for an inference job (module docstring); one-line ``ValueError`` if unknown."""
    if not isinstance(spec, str):
        raise ValueError(f"inference: scheme spec {spec!r} must be a string")
    name = spec.strip().partition(":")[0]
    if name in ("hedge", "speculate"):
        INFERENCE_SCHEMES.parse_args(name)  # known name; the policy parses its own keys
        return _copies(spec.strip())
    entry, kwargs = INFERENCE_SCHEMES.parse_args(spec)
    return entry.factory(**kwargs)


class _UncodedBase:
    """The uncoded plan under hedging and speculation (``m = k``)."""

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> InferencePlan:
        return InferencePlan("uncoded", int(m), 0, int(workers))

    def decoder(self, plan: InferencePlan) -> InferenceDecoder:
        return InferenceDecoder(plan)


__all__ = [
    "INFERENCE_SCHEMES",
    "InferenceDecoder",
    "InferencePlan",
    "InferenceScheme",
    "inference_family_scheme",
]
