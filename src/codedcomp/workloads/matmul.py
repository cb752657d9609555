"""``C = A @ B`` as a workload: the coded matrix multiplications of paper 004 run for real.

Unlike the sums of this package, a matmul job gives every worker its **own operands**: the
master encodes ``(A, B)`` with the scheme's code (:meth:`~codedcomp.codes.matmul.family.
MatmulPlan.prepare_input`), each worker's pair ``(Ã_i, B̃_i)`` is shipped once per job as job
data (shared memory on ``local``, the object store on Ray), and a worker's one task computes
``Ã_i @ B̃_i`` (:meth:`MatmulWorkload.compute`).  The master decodes as soon as the products in
hand decode (the code's threshold; for real data with complex points each result also counts
for its conjugate partner).

``matmul[:n=512,cols=,dtype=float64]``: ``A`` is ``n × n`` and ``B`` is ``n × cols`` (default
``cols = n``; ``cols=1`` is a matrix–vector product, as ``mds:k=`` codes compute), entries
i.i.d. standard normal (``dtype=complex128``: complex normal), one pair per trial drawn from the
trial's ``input`` stream.  ``float32`` operands are computed in float64 by the codes (and the
reference), so ``dtype`` sets the data, not the arithmetic.  ``m`` (the runner's number of
units, default the worker count) is the work of one whole product: a worker of a code with
relative cost ``c`` does ``c·m`` units, padded to ``τ·c·m`` seconds when ``--tau`` is set (as
sums tasks are).  The error of a run is
``‖Ĉ − A B‖_F / ‖A B‖_F`` against ``A @ B`` computed on the master.

A worker computes a large product (≥ 2²⁷ multiply-adds) in 8 row blocks and stops between them
once its task is cancelled (:func:`codedcomp.runtime.cancelled`): products nobody needs no
longer run on the cores the master decodes on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import check
from .base import Workload

DTYPES = ("float64", "float32", "complex128")
MAX_N = 16384  # 2 GiB per float64 operand: larger is not a job for one master's memory


_BLOCKS = 8  # a large product is computed in this many row blocks, polling for cancellation
_BLOCKED_MACS = 1 << 27  # products with fewer multiply-adds run as one call


def _product(a: Any, b: Any) -> np.ndarray | None:
    """``a @ b``; a large one in :data:`_BLOCKS` row blocks, returning ``None`` as soon as its
    task is cancelled (:func:`codedcomp.runtime.cancelled`): the decoder does not need it, and
    the master decodes on the same cores (n = 2048: a product takes ~0.2 s on one core)."""
    a, b = np.asarray(a), np.asarray(b)
    rows = a.shape[0] if a.ndim == 2 else 0
    cols = b.shape[1] if b.ndim == 2 else 1
    if rows < _BLOCKS or b.ndim not in (1, 2) or rows * a.shape[1] * cols < _BLOCKED_MACS:
        return np.asarray(a @ b)
    from ..runtime.engine import cancelled

    out = np.empty((rows, *b.shape[1:]), dtype=np.result_type(a, b))
    step = -(-rows // _BLOCKS)
    for r0 in range(0, rows, step):
        if cancelled():
            return None
        np.matmul(a[r0 : r0 + step], b, out=out[r0 : r0 + step])
    return out


class MatmulWorkload(Workload):
    """``A @ B`` for random ``n × n`` and ``n × cols`` matrices; see the module docstring."""

    name = "matmul"
    family = "matmul"

    def __init__(
        self,
        *,
        m: int,
        seed: int | None = None,
        n: int = 512,
        cols: int | None = None,
        dtype: str = "float64",
    ) -> None:
        check("matmul", "dtype", dtype, dtype in DTYPES, " | ".join(DTYPES))
        check("matmul", "n", n, 1 <= n <= MAX_N, f"1 <= n <= {MAX_N}")
        cols = n if cols is None else cols
        check("matmul", "cols", cols, 1 <= cols <= MAX_N, f"1 <= cols <= {MAX_N}")
        self.m = int(m)
        self.n = int(n)
        self.cols = int(cols)
        self.dtype = dtype
        # what a run records (make_workload replaces it with the user's spelling): trace replay
        # rebuilds the workload from it, and the dtype sets what a product costs
        extra = (f",cols={self.cols}" if self.cols != self.n else "") + (
            f",dtype={dtype}" if dtype != "float64" else ""
        )
        self.spec = f"matmul:n={self.n}{extra}"

    def input(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One pair ``(A, B)`` of the workload's shapes and dtype."""

        def draw(shape: tuple[int, int]) -> np.ndarray:
            if self.dtype == "complex128":
                return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
            return rng.standard_normal(shape).astype(self.dtype)

        return draw((self.n, self.n)), draw((self.n, self.cols))

    def partial(self, indices: np.ndarray, x: Any) -> np.ndarray:
        raise ValueError(
            "matmul: a matrix product has no partial sums of f_i; run it with a matmul scheme "
            "(matdot:m=, polynomial:x=,y=, approx-matdot:m=, optimized:m=,k=, mds:k=, uncoded, "
            "rep:r=, hedge:, speculate:)"
        )

    def exact(self, x: Any) -> np.ndarray:
        """``A @ B`` in float64 (complex128): the codes compute in float64 whatever the input
        dtype, so a float32 reference would set the error floor at ~1e-7 for every scheme."""
        A, B = (np.asarray(v) for v in x)
        wide = np.complex128 if np.iscomplexobj(A) or np.iscomplexobj(B) else np.float64
        return A.astype(wide) @ B.astype(wide)

    def compute(self, payload: Any, x: Any, data: Any = None) -> Any:
        """The worker's product ``Ã_i @ B̃_i`` (``payload`` = its index ``i``), from job data."""
        if data is None:
            raise ValueError("matmul: a worker got no operands (job data); is the scheme a code?")
        i = int(payload)
        out = _product(data[f"A{i}"], data[f"B{i}"])
        if out is None:  # cancelled meanwhile: the value would be dropped
            return None
        conj = data.get("conj")
        if conj is not None and conj[i]:  # its operands are its conjugate partner's
            np.conjugate(out, out=out)
        return out

    def data_keys(self, payload: Any) -> list[str] | None:
        """Worker ``i``'s task reads its own pair of operands (and the conjugation flags)."""
        i = int(payload)
        return [f"A{i}", f"B{i}", "conj"]
