"""Coded matrix multiplication on the core: the same codes, simulated and run for real.

The classes of this package are pure math (``encode``, ``decodable``, ``decode``).  This module
gives them the shape every executor of the core drives (DESIGN.md: tasks with payloads, one
policy for the simulator and the runtime):

* :class:`MatmulPlan` — one task per worker (id = payload = the worker's index), its **cost** the
  worker's product in units of work: ``relative_cost × m`` where ``m`` units are the whole product
  ``A @ B`` (so τ·m is the time of the uncoded product on one worker, and codes, uncoded splits
  and the sums schemes share one time scale; complex operands cost 4×: a complex multiply-add is
  four real ones, but a worker at a real point ``±1`` of a complex code gets real operands for
  real data: one real product; on a ``complex128`` workload every product is complex and the m
  units are one complex product, so complex points cost nothing extra).
  :meth:`MatmulPlan.prepare_input` encodes the job's ``(A, B)`` on the master: every worker's
  operands ``(Ã_i, B̃_i)`` become the **job data**, shipped once per job (shared
  memory on ``local``, the object store on Ray) — workers receive no ``A`` or ``B`` at all.
  Workers at conjugate points share one stored pair (real data: ``A{j}`` names the same array
  as ``A{i}``, shipped once, and ``conj[j]`` makes worker ``j`` conjugate its product).
* :class:`MatmulDecoder` — feeds products (or, in the simulator, worker ids only) to the code;
  ready when the results in hand decode (:meth:`MatmulCode.decodable`), then ``code.decode``.
  It accepts complex products for roots-of-unity points or complex inputs (no silent cast),
  and decodes from every product fed by then (ε-MatDot gains from more than m results).
* :class:`MatmulScheme` — a code as a scheme of the core: static plan, ``policy``, exact
  ``decode_point`` and a vectorised shortcut (the K-th arrival for threshold codes; with real
  operands, the first arrival whose results and their conjugate partners reach K).
* :func:`matmul_family_scheme` — specs in a matrix-multiplication context: the codes of
  ``MATMUL_SCHEMES``; ``uncoded`` and ``rep:r=`` as splits of ``A @ B`` over the workers (``x·y``
  chosen as square as the worker count allows when not given); ``hedge:`` and ``speculate:`` over
  the uncoded split, copying a late worker's block product onto an idle worker (every worker
  maps every block: the job data is shared).

Work is reported in the same units (:mod:`codedcomp.core.work`): ``units`` done by the decode
instant over the ``m`` units of one product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...core.context import JobContext
from ...core.policy import Policy, StaticPolicy
from ...core.tasks import Task
from ...core.work import Work
from ...errors import NotDecodableError, check
from ..sums.base import single_task_work
from .base import MatmulCode


@dataclass
class MatmulPlan:
    """One task per worker of a matmul code; see the module docstring."""

    code: MatmulCode
    m: int  # units of work of one whole product A @ B
    complex_input: bool = False  # a complex workload: every product is complex anyway
    cost: np.ndarray = field(init=False)
    layout: Any = None

    def __post_init__(self) -> None:
        if self.complex_input:  # every product is complex anyway: points cost nothing extra
            rel = np.full(self.code.workers, self.code.relative_cost)
            if self.code.complex:
                rel /= 4.0
        else:  # real data: a real point of a complex code computes a real product
            rel = self.code.worker_costs
        self.cost = rel * self.m

    @property
    def real(self) -> bool:
        """Whether the job's ``A`` and ``B`` are real (known once its input is encoded; before
        that, as the workload says): then an exact complex-point code decodes as soon as the
        results and their conjugate partners suffice (:meth:`MatmulCode.decodable`)."""
        return bool(self.layout.real) if self.layout is not None else not self.complex_input

    @property
    def n_workers(self) -> int:
        return self.code.workers

    @property
    def n_tasks(self) -> int:
        return self.code.workers

    @property
    def worker_ptr(self) -> np.ndarray:
        return np.arange(self.code.workers + 1, dtype=np.int64)

    def tasks(self) -> dict[int, list[Task]]:
        return {i: [Task(i, i, float(self.cost[i]))] for i in range(self.code.workers)}

    def windows(self, x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        return x, x + tau * self.cost

    def prepare_input(self, x: Any) -> tuple[Any, dict[str, np.ndarray]]:
        """Encode the job's ``(A, B)``: (what workers get as ``x`` — nothing, job data).

        The layout is this plan's own (the code object is shared by every job of its worker
        count), and complex inputs make the decoder take complex products whatever the points.
        """
        A, B = _operands(x)
        real = not (np.iscomplexobj(A) or np.iscomplexobj(B))
        self.layout = self.code.layout_for(np.shape(A), np.shape(B), real=real)
        enc = self.code.encode(A, B)
        data: dict[str, np.ndarray] = {}
        conj = np.zeros(len(enc), dtype=bool)
        shipped: dict[int, np.ndarray] = {}  # one array per stored operand, whoever uses it

        def once(arr: np.ndarray) -> np.ndarray:
            if id(arr) not in shipped:
                shipped[id(arr)] = np.ascontiguousarray(arr)
            return shipped[id(arr)]

        for i in range(len(enc)):
            a, b, conj[i] = enc.stored(i)
            # a conjugate worker's keys name its partner's arrays, and workers with equal
            # operands name one array (the same objects: shipped once); ``conj`` tells a worker
            # to conjugate its product
            data[f"A{i}"], data[f"B{i}"] = once(a), once(b)
        if conj.any():
            data["conj"] = conj
        return None, data


def _operands(x: Any) -> tuple[Any, Any]:
    ok = isinstance(x, (tuple, list)) and len(x) == 2
    check("matmul", "x", type(x).__name__, ok, "a pair (A, B) of matrices")
    return x[0], x[1]


class MatmulDecoder:
    """Products (or worker ids) in, ``C`` out, through the code; see the module docstring."""

    def __init__(self, plan: MatmulPlan) -> None:
        self.plan = plan
        self.code = plan.code
        self.values: dict[int, Any] = {}
        self.ids: list[int] = []
        self._ready = False

    @property
    def accepts(self) -> str:
        """Complex for complex points or complex inputs (known once the job's input is encoded)."""
        lay = self.plan.layout
        return "complex" if self.code.complex or (lay is not None and not lay.real) else "real"

    @property
    def received(self) -> int:
        return len(self.ids)

    def add_task(self, task: int, value: Any = None) -> None:
        if task in self.values:
            return
        self.values[task] = value
        self.ids.append(task)
        real = self.plan.real
        if not self._ready and len(self.ids) * (2 if real else 1) >= self.code.threshold:
            self._ready = self.code.decodable(self.ids, real=real)

    @property
    def ready(self) -> bool:
        return self._ready

    def finalize(self) -> None:
        return None

    def _missing(self) -> str:
        missing = self.code._missing(tuple(sorted(self.ids)), real=self.plan.real)
        return f"{missing} ({len(self.ids)} in hand)"

    def result(self) -> Any:
        if not self._ready:
            raise NotDecodableError(
                f"{self.code.label}: {len(self.ids)} result(s) in hand, cannot decode: "
                f"{self._missing()}"
            )
        if any(v is None for v in self.values.values()):
            raise NotDecodableError(f"{self.code.label}: decodable, but fed worker ids only")
        return self.code.decode(self.values, layout=self.plan.layout)


class MatmulScheme:
    """A matmul code as a scheme of the core (static plan); built for ``P`` workers lazily."""

    dynamic = False
    name = "matmul"
    family = "matmul"

    def __init__(self, spec: str, build: Any) -> None:
        self.spec = spec
        self._build = build  # workers -> MatmulCode
        self._codes: dict[int, MatmulCode] = {}
        self.complex_input = False  # set by check_workload (simulate assumes real operands)

    def code(self, workers: int) -> MatmulCode:
        if workers not in self._codes:
            self._codes[workers] = self._build(workers)
        return self._codes[workers]

    @property
    def label(self) -> str:
        return self.spec

    @property
    def canonical(self) -> str:
        """The spec with only its non-default keys, in the registry's order (it names the
        random stream: ``matdot:m=4`` and ``matdot:m=4,points=roots`` are one scheme).  It does
        not depend on the worker count (a code is built per worker count)."""
        from . import MATMUL_SCHEMES

        entry, kwargs = MATMUL_SCHEMES.parse_args(self.spec)
        parts = [
            f"{p.name}={kwargs[p.name]:g}"
            if isinstance(kwargs[p.name], float)
            else f"{p.name}={kwargs[p.name]}"
            for p in entry.params
            if p.name in kwargs and kwargs[p.name] != p.default
        ]
        return f"{entry.name}:{','.join(parts)}" if parts else entry.name

    def validate(self, m: int, workers: int) -> None:
        code = self.code(workers)
        check(
            code.label, "workers", workers, code.workers == workers, f"{code.workers} (the code's)"
        )

    def check_workload(
        self, workload: Any, x: Any = None, *, complex_operands: bool | None = None
    ) -> None:
        """Called by ``run`` before any work: note whether the job's operands are complex — the
        fixed ``x = (A, B)`` when one is given, else the workload's dtype (then the m units are
        one complex product, complex points cost no more than real ones, and no result stands
        for its conjugate partner's).  ``complex_operands`` says it outright (trace replay reads
        a run's); ``simulate`` passes no workload: real operands."""
        if complex_operands is not None:
            self.complex_input = bool(complex_operands)
        elif x is not None and isinstance(x, (tuple, list)) and len(x) == 2:
            self.complex_input = bool(np.iscomplexobj(x[0]) or np.iscomplexobj(x[1]))
        else:
            self.complex_input = getattr(workload, "dtype", "") == "complex128"

    def plan(self, m: int, workers: int, rng: np.random.Generator | None = None) -> MatmulPlan:
        return MatmulPlan(self.code(workers), m, self.complex_input)

    def decoder(self, plan: MatmulPlan) -> MatmulDecoder:
        return MatmulDecoder(plan)

    def decode_point(self, plan: MatmulPlan, order: np.ndarray) -> int | None:
        return plan.code.decode_point([int(t) for t in order], real=plan.real)

    def policy(self, ctx: JobContext, rng: np.random.Generator) -> Policy:
        return StaticPolicy(self, self.plan(ctx.m, ctx.workers, rng))

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per trial: the arrival that completes a decodable set (the K-th for MDS-like codes;
        real operands: counting conjugate partners, :meth:`MatmulCode.decodable`)."""
        trials, workers = x.shape
        plan = self.plan(m, workers)
        code = plan.code
        finish = x + tau * plan.cost
        order = np.argsort(finish, axis=1, kind="stable")
        latency = np.full(trials, math.inf)
        received = np.zeros(trials, dtype=np.int64)
        for t in range(trials):
            n = code.decode_point(order[t].tolist(), real=plan.real)
            if n is not None:
                latency[t], received[t] = finish[t, order[t, n - 1]], n
        if work is not None:
            cost = np.broadcast_to(plan.cost, x.shape)
            work[:] = single_task_work(x, finish, cost, latency, m)
        return latency, received

    def __repr__(self) -> str:
        return self.spec


def square_split(p: int) -> tuple[int, int]:
    """``(x, y)`` with ``x·y = p``, as square as possible (``x <= y``)."""
    x = max(d for d in range(1, math.isqrt(p) + 1) if p % d == 0)
    return x, p // x


def matmul_family_scheme(spec: str) -> Any:
    """A scheme for a matrix-multiplication job (module docstring)."""
    from . import MATMUL_SCHEMES, ReplicationCode, UncodedCode, matmul_scheme

    if not isinstance(spec, str):
        raise ValueError(f"matmul: scheme spec {spec!r} must be a string")
    name = spec.strip().partition(":")[0]
    if name in ("hedge", "speculate"):
        from ..sums import scheme as sums_scheme

        wrapper = sums_scheme(spec)  # parses and checks the policy's own parameters
        # over the uncoded block split, built per worker count like every MatmulScheme
        wrapper.set_base(matmul_family_scheme("uncoded"))  # type: ignore[attr-defined]
        wrapper.family = "matmul"  # copies of block products: a matmul scheme now
        return wrapper
    try:
        _, kwargs = MATMUL_SCHEMES.parse_args(spec)
    except ValueError as e:
        if str(e).startswith("unknown matmul scheme"):  # the copies policies are valid here too
            raise ValueError(f"{e}, hedge, speculate") from None
        raise
    if name in ("uncoded", "rep") and "x=" not in spec and "y=" not in spec:
        r = kwargs.get("r", 1) if name == "rep" else 1

        def build(workers: int) -> MatmulCode:
            check(spec, "workers", workers, workers % r == 0, f"a multiple of r={r} (r copies)")
            x, y = square_split(workers // r)
            code: MatmulCode = (
                UncodedCode(x=x, y=y) if name == "uncoded" else ReplicationCode(x=x, y=y, r=r)
            )
            code.spec = spec.strip()
            return code

        return MatmulScheme(spec.strip(), build)
    return MatmulScheme(spec.strip(), lambda workers: matmul_scheme(spec, workers=workers))


__all__ = [
    "MatmulDecoder",
    "MatmulPlan",
    "MatmulScheme",
    "matmul_family_scheme",
    "square_split",
]
