"""The shape every coded matrix multiplication shares: split, encode, decode by weights.

A code for ``C = A @ B`` on ``P = workers`` workers (paper 004 §II-B) splits the operands into
blocks, gives worker ``i`` one linear combination of the A-blocks and one of the B-blocks,

    Ã_i = Σ_a α[i, a] A_a,    B̃_i = Σ_b β[i, b] B_b,    worker i returns R_i = Ã_i @ B̃_i,

and decodes every output block as a fixed linear combination of the products in hand,
``C_t = Σ_{i ∈ S} W_S[t, i] R_i`` (paper 004 eq. (7) with linear ``d_S``).  Two splits occur:

* **outer** (polynomial, MDS, uncoded, replication): A into ``x`` row blocks, B into ``y``
  column blocks; the ``x·y`` output blocks are ``C_{ab} = A_a B_b`` and ``R_i = Σ_{ab} α_ia β_ib
  C_{ab}``.  The decoding weights are the pseudo-inverse of the received rows of the generator
  ``G[i, a·y + b] = α_ia β_ib`` (exact iff ``rank G_S = x·y``).
* **inner** (MatDot, ε-MatDot, optimised): A into ``m`` column blocks, B into ``m`` row blocks,
  ``C = Σ_a A_a B_a`` is one output block; each code supplies its own weights.

**What the base class fixes for every code**

* Input checks, before any work, each failing with one line ``Code: name=value must be ...``:
  2-D ``A`` (``B`` may be 1-D: matrix–vector), matching inner dimensions, non-empty, finite,
  numeric.  Integer and boolean inputs are **converted** to float64 (exact: magnitudes ≥ 2**53 are
  rejected); float32/float16 are computed in float64, complex64 in complex128.
* **Padding.**  A dimension not divisible by its split is zero-padded up to the next multiple
  (rows of A for ``x``, columns of B for ``y``, the inner dimension for ``m``) and the decoded
  product is cut back to ``A.shape[0] × B.shape[1]``: the zero blocks change nothing exact.
* **Value type.**  Codes whose points are complex (``points="roots"``) encode to complex128 and
  their workers return complex products (:attr:`value_dtype`); when ``A`` and ``B`` were real the
  decoded product is returned real.  Real data makes a product at a conjugate point the
  conjugate of its partner's: the decoder reads **one product per conjugate pair**
  (:meth:`MatmulCode.real_plan`; an exact code needs only half of a threshold set's products).
  ``decode(..., verify=True)`` reads them all and checks the imaginary part is negligible
  (``‖Im C‖ ≤ imag_tol·‖Re C‖``, else :class:`~codedcomp.errors.IllConditionedWarning`): the
  redundancy then catches a corrupted result.
* **Decoding** takes ``{worker id: product}`` (stragglers are simply absent), computes the weights
  of the received set once (cached per set) and applies them as one matrix product (weights ×
  stacked products; never a solve on the products).  Below what the set needs it raises
  :class:`~codedcomp.errors.NotDecodableError` saying how many results are in hand and how many
  are needed; above :data:`WARN_COND` it warns :class:`~codedcomp.errors.IllConditionedWarning`
  with the condition number.
* For simulators: :meth:`decodable` (from worker ids only), :meth:`decode_point`,
  :attr:`threshold`, :attr:`recovery_threshold`, :attr:`relative_cost` and :meth:`worker_flops`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import IllConditionedWarning, NotDecodableError, check

#: decodes whose system has a condition number above this warn (error ≈ 1e-16 × cond)
WARN_COND = 1e8
#: the decoded imaginary part of a real product must be below this fraction of the real part
IMAG_TOL = 1e-6
_CACHE_MAX = 4096
_CHUNK_BYTES = 1 << 22  # working set of one block of lincomb (measured best of 2**19..2**23)
_EXACT_INT = 2.0**53
_DIRECT_ROWS = 2  # lincomb with complex inputs and at most this many outputs reads them in place
#: elements per block of lincomb's one-real-output path (MatDot's real decode): 8 MiB of output.
#: Measured 2026-12-07 (n = 2048, 4 products, two threads, products just written): median
#: 21–22 ms against 27–34 ms at the 4 MiB working set the other paths use; blocks of 2**15 to
#: 2**21 elements were timed, larger ones faster at n = 1024, 2048 and 4096 alike
_ONE_OUTPUT_STEP = 1 << 20
_SPLIT_MIN = 1 << 17  # the one-real-output path uses both threads from this many elements
_USE_CBLAS = True  # one real output accumulates through cblas_dgemv (tests switch it off)
_ROW_TOL = 1e-12  # coefficient rows equal (or conjugate) to this fraction of each column's scale


class Encoding(Sequence[tuple[np.ndarray, np.ndarray]]):
    """Every worker's operands of one multiplication (:meth:`MatmulCode.encode`).

    ``enc[i]`` is worker ``i``'s pair ``(Ã_i, B̃_i)``; ``len(enc)`` the number of workers.  With
    real ``A`` and ``B`` and complex points, the operands of a worker at a real point (``±1``)
    are stored real (its product is real: a quarter of the flops), and the others once per
    conjugate pair: ``source[i]`` is the worker whose stored operands worker ``i`` uses (``i``
    itself, or its conjugate partner, then ``enc[i]`` returns their conjugates, a copy).  Equal
    operands are stored once (a polynomial code's ``B̃_i`` depends on ``z_i^x`` only: on P
    roots of unity it takes P/x values; the vector of an MDS code's matrix–vector product, one).
    :meth:`stored` gives the stored pair and whether to conjugate: what a runtime ships
    (``conj(Ã) @ conj(B̃) = conj(Ã @ B̃)``, so a worker conjugates its product).  The stored
    arrays are shared between workers: treat ``enc[i]`` as read-only.
    """

    def __init__(
        self,
        a: list[np.ndarray],
        b: list[np.ndarray],
        source: np.ndarray,
        slot_a: np.ndarray,
        slot_b: np.ndarray,
    ) -> None:
        self.a, self.b = a, b  # the stored operands (complex, or real at a real point)
        self.source = source  # per worker: the worker whose operands it uses (conjugated)
        self._slots = (slot_a, slot_b)  # per worker: indices into a and b

    def __len__(self) -> int:
        return len(self.source)

    def stored(self, i: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """``(Ã_s, B̃_s, conjugate)``: the stored operands worker ``i`` uses, and whether its
        own are their conjugates."""
        return (
            self.a[int(self._slots[0][i])],
            self.b[int(self._slots[1][i])],
            bool(self.source[i] != i),
        )

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"worker {i} of {len(self)}")
        a, b, conj = self.stored(i % len(self))
        return (a.conj(), b.conj()) if conj else (a, b)

    @property
    def nbytes(self) -> int:
        """Bytes stored (shared pairs once)."""
        return int(sum(x.nbytes for x in self.a) + sum(x.nbytes for x in self.b))


@dataclass(frozen=True)
class RealPlan:
    """What :meth:`MatmulCode.decode` reads for real ``A`` and ``B``: ``C = Re(weights @ read)``."""

    read: tuple[int, ...]  # the workers whose products are read (one per conjugate pair)
    weights: np.ndarray  # output blocks × len(read), complex
    cond: float  # condition number of the system the weights solve
    folded: bool  # some pair was folded or some result left unread (no imaginary-part check)


@dataclass(frozen=True)
class Layout:
    """Shapes of one multiplication: what :meth:`MatmulCode.decode` needs to reassemble ``C``."""

    a_shape: tuple[int, int]
    b_shape: tuple[int, int]  # B as a matrix (a vector B is stored as n × 1)
    b_vector: bool  # B was 1-D: return a 1-D product
    real: bool  # A and B were real: return a real product
    a_blocks: tuple[int, int, int]  # (blocks, rows, cols) of one A block, after padding
    b_blocks: tuple[int, int, int]

    @property
    def product_shape(self) -> tuple[int, int]:
        """Shape of one worker's product ``R_i``."""
        return (self.a_blocks[1], self.b_blocks[2])


class MatmulCode(ABC):
    """A coded matrix multiplication: ``encode(A, B)``, ``threshold``, ``decode(results)``.

    Subclasses set ``alpha`` (``workers × n_a``), ``beta`` (``workers × n_b``), ``split``
    (``"outer"`` or ``"inner"``), ``x``/``y`` or ``m``, ``threshold``, and implement
    :meth:`_weights`.  See the module docstring.
    """

    name: str = ""
    spec: str = ""
    split: str = "outer"
    imag_tol: float = IMAG_TOL
    #: decodes exactly from every set :meth:`decodable` accepts (ε-MatDot and designed codes
    #: approximate, and gain from every extra result: their decoders read all they are given)
    exact: bool = True

    #: the workers' points lie in the upper half plane and their mirror images are "virtual
    #: workers" ``P + i`` (``points="half"``): for real data each result gives two real
    #: evaluations, so any ``⌈threshold/2⌉`` results decode (:meth:`conjugates`)
    mirror: bool = False

    def __init__(self, *, workers: int, threshold: int) -> None:
        self.workers = int(workers)
        self.threshold = int(threshold)
        self.layout: Layout | None = None
        self._cache: dict[tuple[int, ...], tuple[np.ndarray, float]] = {}
        self._real_cache: dict[tuple[int, ...], RealPlan] = {}
        self._partner: np.ndarray | None = None
        self._groups: dict[tuple[int, bool, bool], tuple[np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ description

    @property
    def owner(self) -> str:
        return type(self).__name__

    @property
    def label(self) -> str:
        """The spec as written, else the canonical spec of the parameters."""
        return self.spec or self.canonical

    @property
    def canonical(self) -> str:
        from . import MATMUL_SCHEMES

        entry = MATMUL_SCHEMES.entries.get(self.name)
        if entry is None:
            return type(self).__name__
        parts = []
        for p in entry.params:
            value = self._spec_value(p.name, p.default)
            if p.name == "workers" or value != p.default:
                parts.append(
                    f"{p.name}={value:g}" if isinstance(value, float) else f"{p.name}={value}"
                )
        return f"{self.name}:{','.join(parts)}" if parts else self.name

    def __repr__(self) -> str:
        return self.label

    def _spec_value(self, name: str, default: Any) -> Any:
        """The value of spec key ``name`` that rebuilds this code (for :attr:`canonical`)."""
        return getattr(self, name, default)

    @property
    def complex(self) -> bool:
        """Whether the encoding coefficients (and so the workers' operands) are complex."""
        return bool(np.iscomplexobj(self.alpha) or np.iscomplexobj(self.beta))

    @property
    def value_dtype(self) -> np.dtype[Any]:
        """dtype of the encoded operands and products for real float64 inputs (a complex code's
        real points ±1 excepted: float64, :attr:`real_rows`)."""
        return np.dtype(np.complex128 if self.complex else np.float64)

    @property
    def n_blocks(self) -> tuple[int, int]:
        """How many blocks A and B are split into."""
        return self.alpha.shape[1], self.beta.shape[1]

    @property
    def recovery_threshold(self) -> int:
        """Smallest K such that *every* set of K workers decodes (paper 004 §II-C).

        Equal to :attr:`threshold` (the fewest results that can suffice) for MDS-like codes;
        larger for replication and uncoded splitting.
        """
        return self.threshold

    # ------------------------------------------------------------------ cost

    @property
    def relative_cost(self) -> float:
        """A complex-point worker's product in real flops, relative to the uncoded ``A @ B``
        (same shapes, ignoring padding): ``1/(x·y)`` or ``1/m``, times 4 when the operands are
        complex (a complex multiply-add is four real ones).  Per worker: :attr:`worker_costs`."""
        na, nb = self.n_blocks
        frac = 1.0 / (na * nb) if self.split == "outer" else 1.0 / na
        return frac * (4.0 if self.complex else 1.0)

    @property
    def real_rows(self) -> np.ndarray:
        """Per worker: whether its coefficients are real (up to rounding: ``-1`` computed as
        ``exp(iπ)``).  With real ``A`` and ``B`` such a worker gets real operands and returns a
        real product (:meth:`encode`): the roots of unity ``±1`` of a complex code."""
        if not self.complex:
            return np.ones(self.workers, dtype=bool)
        return self.conjugates() == np.arange(self.workers)

    @property
    def worker_costs(self) -> np.ndarray:
        """Each worker's product for real ``A`` and ``B``, relative to the uncoded ``A @ B``:
        :attr:`relative_cost`, or a quarter of it at a real point of a complex code."""
        costs = np.full(self.workers, self.relative_cost)
        if self.complex:
            costs[self.real_rows] /= 4.0
        return costs

    def worker_flops(self, a_shape: Sequence[int], b_shape: Sequence[int]) -> np.ndarray:
        """Real flops of each worker's product for these operand shapes (padding included;
        real ``A`` and ``B``: a real point of a complex code computes a real product)."""
        lay = self.layout_for(tuple(a_shape), tuple(b_shape), real=True)
        _, r, s = lay.a_blocks
        c = lay.b_blocks[2]
        per = 2.0 * r * s * c
        if not self.complex:
            return np.full(self.workers, per)
        return np.where(self.real_rows, per, 4.0 * per)

    # ------------------------------------------------------------------ decodability

    def _check_ids(self, ids: Iterable[int]) -> tuple[int, ...]:
        out = []
        for w in ids:
            ok = isinstance(w, (int, np.integer)) and 0 <= int(w) < self.workers
            check(self.owner, "worker", w, ok, f"an integer in [0, workers={self.workers})")
            out.append(int(w))
        return tuple(sorted(set(out)))

    def decodable(self, workers: Iterable[int], *, real: bool = False) -> bool:
        """Whether results from these worker ids suffice (no values needed).

        ``real=True``: ``A`` and ``B`` are real, so an :attr:`exact` code with complex points
        counts every received worker's conjugate partner as received too (its product is the
        conjugate: :meth:`real_closure`) — MatDot m = 4 on 9 roots of unity can decode from 4
        results instead of 7.  Approximate codes and real points: no difference.
        """
        return self._decodes(self._check_ids(workers), real)

    def _decodes(self, key: tuple[int, ...], real: bool) -> bool:
        """:meth:`decodable` of checked ids."""
        return self._decodable(self._closure(key) if real else key)

    def _decodable(self, ids: tuple[int, ...]) -> bool:
        """Whether the products of these (sorted, distinct) workers decode."""
        return len(ids) >= self.threshold

    def real_closure(self, ids: Iterable[int]) -> tuple[int, ...]:
        """These workers and, for an :attr:`exact` code with complex points, their conjugate
        partners (:meth:`conjugates`): what their products determine when ``A`` and ``B`` are
        real (worker ``j`` at ``z̄_i`` computes ``conj(R_i)``; a :attr:`mirror` code's partners
        are virtual workers ``P + i``, not worker ids).  Otherwise the ids themselves."""
        return self._closure(self._check_ids(ids))

    def _closure(self, key: tuple[int, ...]) -> tuple[int, ...]:
        """:meth:`real_closure` of checked ids."""
        if not (self.exact and self.complex):
            return key
        partner = self.conjugates()
        return tuple(sorted(set(key) | {int(partner[i]) for i in key if partner[i] >= 0}))

    def decode_point(self, order: Sequence[int], *, real: bool = False) -> int | None:
        """Smallest ``n`` such that the workers ``order[:n]`` decode; ``None`` if none does
        (``real``: as :meth:`decodable`)."""
        order = list(order)
        try:  # vectorised: simulators call this once per trial
            arr = np.asarray(order)
            ok = arr.ndim == 1 and arr.dtype.kind in "iu"
            ok = ok and (not arr.size or (0 <= arr.min() and arr.max() < self.workers))
        except ValueError:  # ragged
            ok = False
        if not ok:
            self._check_ids(order)  # one line naming the bad id, before any work
        partner = self.conjugates() if real and self.exact and self.complex else None
        if self.recovery_threshold == self.threshold:  # any `threshold` distinct workers decode
            seen: set[int] = set()
            for n, w in enumerate(order, 1):
                seen.add(int(w))
                if partner is not None and partner[int(w)] >= 0:
                    seen.add(int(partner[int(w)]))
                if len(seen) >= self.threshold:
                    return n
            return None
        for n in range(1, len(order) + 1):
            if self.decodable(order[:n], real=real):
                return n
        return None

    def _missing(self, ids: tuple[int, ...], *, real: bool = False) -> str:
        if real and self.exact and self.complex:
            have = len(self._closure(ids))
            return (
                f"{self.threshold} points needed; for real A and B these results and their "
                f"conjugate partners give {have}"
            )
        return f"{self.threshold} needed (any {self.threshold} of {self.workers} workers)"

    # ------------------------------------------------------------------ inputs

    def _operand(self, name: str, value: Any) -> np.ndarray:
        arr = np.asarray(value)
        kind = arr.dtype.kind
        check(
            self.owner,
            f"{name}.dtype",
            str(arr.dtype),
            kind in "biufc",
            "numeric (bool, integer, float or complex)",
        )
        if kind in "biu":
            big = float(np.max(np.abs(arr.astype(float)))) if arr.size else 0.0
            check(
                self.owner,
                f"max|{name}|",
                big,
                big < _EXACT_INT,
                "< 2**53 for integer input (converted to float64 exactly)",
            )
            arr = arr.astype(np.float64)
        elif kind == "f":
            arr = arr.astype(np.float64, copy=False)
        else:
            arr = arr.astype(np.complex128, copy=False)
        return arr

    def layout_for(self, a_shape: tuple[int, ...], b_shape: tuple[int, ...], real: bool) -> Layout:
        """The :class:`Layout` of ``A @ B`` for these shapes (what :meth:`encode` records);
        ``real``: whether ``A`` and ``B`` are both real (then a complex code's conjugate workers
        compute conjugate products, which decoding relies on: no default)."""
        check(self.owner, "A.shape", a_shape, len(a_shape) == 2, "2-D (a matrix)")
        check(self.owner, "B.shape", b_shape, len(b_shape) in (1, 2), "1-D or 2-D")
        b_vector = len(b_shape) == 1
        b2 = (b_shape[0], 1) if b_vector else (b_shape[0], b_shape[1])
        check(
            self.owner,
            "B.shape",
            tuple(b_shape),
            a_shape[1] == b2[0],
            f"({a_shape[1]}, …) to match A.shape={tuple(a_shape)}",
        )
        check(self.owner, "A.shape", tuple(a_shape), min(a_shape) >= 1, "non-empty")
        check(self.owner, "B.shape", tuple(b_shape), min(b2) >= 1, "non-empty")
        na, nb = self.n_blocks
        rows, inner = a_shape
        cols = b2[1]
        if self.split == "outer":
            r, c = -(-rows // na), -(-cols // nb)
            a_blocks, b_blocks = (na, r, inner), (nb, inner, c)
        else:
            s = -(-inner // na)
            a_blocks, b_blocks = (na, rows, s), (nb, s, cols)
        return Layout((rows, inner), b2, b_vector, real, a_blocks, b_blocks)

    def _blocks(self, arr: np.ndarray, blocks: tuple[int, int, int], axis: int) -> np.ndarray:
        """Zero-pad ``arr`` along ``axis`` and split it into ``blocks[0]`` blocks: (n, r, c)."""
        n, r, c = blocks
        size = arr.shape[axis]
        want = n * (r if axis == 0 else c)
        if want != size:
            pad = [(0, 0), (0, 0)]
            pad[axis] = (0, want - size)
            arr = np.pad(arr, pad)
        if axis == 0:
            return arr.reshape(n, r, c)
        return arr.reshape(r, n, c).transpose(1, 0, 2)

    def encode(self, A: Any, B: Any) -> Encoding:
        """Every worker's pair ``(Ã_i, B̃_i)``: ``enc[i]``; worker ``i`` returns ``Ã_i @ B̃_i``.

        Records :attr:`layout` (shapes, padding, real or complex) for :meth:`decode`.  For real
        ``A`` and ``B`` a worker whose coefficients are the conjugates of an earlier worker's
        (:meth:`conjugates`) shares that worker's stored operands: ``enc[i]`` conjugates them on
        access, and a runtime worker computes ``conj(Ã_s @ B̃_s)`` (:class:`Encoding`) — with
        roots of unity about half the operands are written.
        """
        a = self._operand("A", A)
        b = self._operand("B", B)
        lay = self.layout_for(a.shape, b.shape, real=not (np.iscomplexobj(a) or np.iscomplexobj(b)))
        for name, arr in (("A", a), ("B", b)):
            check(
                self.owner, name, "non-finite", bool(np.isfinite(arr).all()), "finite (no NaN/inf)"
            )
        b2 = b.reshape(-1, 1) if lay.b_vector else b
        if self.split == "outer":
            ablk = self._blocks(a, lay.a_blocks, 0)
            bblk = self._blocks(b2, lay.b_blocks, 1)
        else:
            ablk = self._blocks(a, lay.a_blocks, 1)
            bblk = self._blocks(b2, lay.b_blocks, 0)
        source = np.arange(self.workers)
        if lay.real and self.complex:
            partner = self.conjugates()
            later = (partner >= 0) & (partner < source)  # the second of a conjugate pair
            source = np.where(later, partner, source)
        kept = np.flatnonzero(source == np.arange(self.workers))
        # complex rows, then (real data, complex code) the real points' rows, stored real
        real = self.real_rows[kept] if lay.real and self.complex else np.zeros(kept.size, bool)
        a_in, b_in = list(ablk.reshape(ablk.shape[0], -1)), list(bblk.reshape(bblk.shape[0], -1))
        stored: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        slots = np.zeros((2, self.workers), dtype=np.int64)
        for side, (coef, inputs, shape) in enumerate(
            ((self.alpha, a_in, lay.a_blocks[1:]), (self.beta, b_in, lay.b_blocks[1:]))
        ):
            for to_real in (False, True):
                rows = kept[real == to_real]
                if not rows.size:
                    continue
                # workers with equal coefficients share one stored operand (polynomial x × y
                # on P roots of unity: B̃ takes P/x values; a vector B of MDS codes: one)
                key = (side, to_real, lay.real)
                if key not in self._groups:
                    self._groups[key] = _equal_rows(coef[rows])
                first, group = self._groups[key]
                c = coef[rows[first]].real if to_real else coef[rows[first]]
                slots[side, rows] = len(stored[side]) + group
                out = lincomb(c, inputs, stats=False)[0]
                stored[side].extend(out.reshape(first.size, *shape))
        self.layout = lay
        return Encoding(stored[0], stored[1], source, slots[0, source], slots[1, source])

    # ------------------------------------------------------------------ decoding

    @abstractmethod
    def _weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        """Decoding weights ``W`` (output blocks × len(ids)) and the condition number."""

    def weights(self, ids: Iterable[int]) -> tuple[np.ndarray, float]:
        """Cached decoding weights of a received set (sorted ids) and its condition number."""
        key = self._check_ids(ids)
        self._require(key)
        return self._weights_of(key)

    def _weights_of(self, key: tuple[int, ...]) -> tuple[np.ndarray, float]:
        """:meth:`weights` of a checked, decodable key, which may name virtual workers."""
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            hit = self._cache[key] = self._weights(key)
        return hit

    def _require(self, key: tuple[int, ...], real: bool = False) -> None:
        """Raise :class:`NotDecodableError` unless these checked ids decode."""
        if not self._decodes(key, real):
            raise NotDecodableError(
                f"{self.label}: {len(key)} result(s) in hand, cannot decode: "
                f"{self._missing(key, real=real)}"
            )

    def conjugates(self) -> np.ndarray:
        """``partner[i] = j`` when worker ``j``'s coefficients are the complex conjugates of
        worker ``i``'s (``j = i`` for a real row), ``-1`` when no worker's are.

        For real ``A`` and ``B`` worker ``j`` then computes ``conj(R_i)``: the two carry the same
        information (roots of unity come in conjugate pairs: ``P − 1`` or ``P − 2`` of the ``P``
        workers have a partner).  Real codes: ``partner[i] = i``.  A :attr:`mirror` code
        (``points="half"``): ``partner[i] = P + i``, a **virtual worker** at ``z̄_i`` whose
        product is ``conj(R_i)`` for real data — no worker computes it, the decoder uses it.
        Such ids are not worker ids: per-worker arrays and the public methods taking worker ids
        (``decodable``, ``weights``) do not accept them.
        """
        if self._partner is None and self.mirror:  # virtual workers: P + i mirrors worker i
            self._partner = np.arange(self.workers, dtype=np.int64) + self.workers
        if self._partner is None:
            coef = np.hstack([self.alpha, self.beta]).astype(complex)
            partner = np.full(self.workers, -1, dtype=np.int64)
            scaled = coef / _column_scale(coef)  # ε-MatDot's columns are Δ^k small
            conj = scaled.conj()
            for i in range(self.workers):
                d = np.max(np.abs(conj - scaled[i]), axis=1, initial=0.0)
                j = int(np.argmin(d))
                if d[j] <= _ROW_TOL:
                    partner[i] = i if d[i] <= _ROW_TOL else j
            self._partner = partner
        return self._partner

    def real_plan(self, ids: Iterable[int]) -> RealPlan:
        """How the products of real ``A`` and ``B`` from these workers decode (cached per set).

        A complex code's product at a conjugate point is the conjugate of its partner's, so
        ``Re(w R_j) = Re(conj(w) R_i)``: each conjugate pair is **read once**, with the partner's
        weight column conjugated into it, and ``C = Re(W' @ read)`` (:class:`RealPlan`).  An
        :attr:`exact` code goes further: a received product stands for its partner even when the
        partner's result has not arrived, so it decodes from the fewest classes (pairs first, by
        worker id: with bit-reversal order, spread-out points; a real point, whose product is
        real, for the last missing equation) that the code accepts — unless those are more than
        10× worse conditioned than all the classes in hand, then from all of them.  MatDot m = 4
        on 9 workers reads 4 of its 7 threshold products (3 complex and the real one when it is
        in hand), polynomial 4 × 4 on 20 reads 8 of 16.  The result equals the full decode's
        real part in exact arithmetic; the imaginary part, which it never forms, is checked only
        when nothing was folded.
        Approximate codes fold received pairs only (their weights stay those of the set).
        """
        key = self._check_ids(ids)
        hit = self._real_cache.get(key)
        if hit is not None:
            return hit
        self._require(key, real=True)  # an exact code: partners count (approximate: no effect)
        partner = self.conjugates()
        classes: dict[int, list[int]] = {}
        for i in key:
            j = int(partner[i])
            classes.setdefault(i if j < 0 else min(i, j), []).append(i)

        def members(rep: int) -> set[int]:
            j = int(partner[rep])
            return {rep} if j < 0 or j == rep else {rep, j}

        every: set[int] = set()
        for rep in classes:
            every |= members(rep)
        chosen = list(classes)
        virtual = set(key)
        if self.exact:
            virtual = every
            pairs = sorted(r for r in classes if len(members(r)) == 2)
            singles = sorted(r for r in classes if len(members(r)) == 1)
            picked: list[int] = []
            fewest: set[int] = set()
            while not (len(fewest) >= self.threshold and self._decodable(tuple(sorted(fewest)))):
                # pairs (two equations each) while two or more are missing, then a real point
                # (one equation, a real product: half the bytes of a pair)
                short = self.threshold - len(fewest)
                pool = pairs if pairs and (short >= 2 or not singles) else singles
                if not pool:
                    break
                rep = pool.pop(0)
                picked.append(rep)
                fewest |= members(rep)
            if len(picked) < len(classes):
                _, cond_all = self._weights_of(tuple(sorted(every)))
                if self._weights_of(tuple(sorted(fewest)))[1] <= 10 * cond_all:
                    chosen, virtual = picked, fewest
        vkey = tuple(sorted(virtual))
        w, cond = self._weights_of(vkey)
        col = {i: n for n, i in enumerate(vkey)}
        read, cols = [], []
        for rep in sorted(chosen):
            k = classes[rep][0]
            c = w[:, col[k]].astype(complex)
            j = int(partner[k])
            if j >= 0 and j != k and j in col:
                c = c + w[:, col[j]].conj()
            read.append(k)
            cols.append(c)
        plan = RealPlan(
            tuple(read), np.stack(cols, axis=1), cond, vkey != key or len(read) < len(key)
        )
        if len(self._real_cache) >= _CACHE_MAX:
            self._real_cache.clear()
        self._real_cache[key] = plan
        return plan

    def decode(
        self, results: Mapping[int, Any], *, layout: Layout | None = None, verify: bool = False
    ) -> np.ndarray:
        """``C`` from ``{worker id: product}``; the ids that are absent are stragglers.

        Real ``A`` and ``B`` with complex points decode by :meth:`real_plan`: one product per
        conjugate pair, the others unread.  ``verify=True`` reads every result instead and
        checks that the decoded imaginary part vanishes — the redundancy real data gives complex
        points catches a corrupted result (:class:`~codedcomp.errors.IllConditionedWarning`);
        it moves up to twice the bytes.
        """
        lay = layout or self.layout
        if lay is None:
            raise ValueError(
                f"{self.owner}: decode needs a layout: call encode(A, B) first or pass "
                "layout=code.layout_for(A.shape, B.shape, real=<A and B both real>)"
            )
        ids = self._check_ids(results.keys())
        planned = lay.real and self.complex and not verify  # one product per conjugate pair
        if verify and lay.real and not self._decodes(ids, False) and self._decodes(ids, True):
            raise NotDecodableError(
                f"{self.label}: verify=True decodes from the {len(ids)} result(s) in hand alone "
                f"(no product stands for its partner's): {self._missing(ids)}"
            )
        if planned:
            plan = self.real_plan(ids)
            read, W, cond, folded = plan.read, plan.weights, plan.cond, plan.folded
        else:
            (W, cond), read, folded = self.weights(ids), ids, False
        shape = lay.product_shape
        arrays = {}
        for i in ids:
            v = arrays[i] = np.asarray(results[i])
            check(self.owner, f"result[{i}].shape", v.shape, v.shape == shape, f"{shape}")
            ok = v.dtype.kind in "biufc"
            check(self.owner, f"result[{i}].dtype", str(v.dtype), ok, "numeric (float or complex)")
        values = [arrays[i].reshape(-1) for i in read]
        if planned:
            real_rows = self.real_rows
            for i, v in zip(read, values, strict=True):
                # a real point's product is real for real data: a complex one with a visible
                # imaginary part means the data were complex (folding would be wrong)
                if real_rows[i] and np.iscomplexobj(v):
                    im, re = float(np.linalg.norm(v.imag)), float(np.linalg.norm(v.real))
                    check(
                        self.owner,
                        f"result[{i}] (a real point)",
                        f"complex (|Im|/|Re| = {im / max(re, 1e-300):.1e})",
                        im <= IMAG_TOL * re,
                        "real for real A and B (complex data: pass a layout with real=False)",
                    )
        if cond > WARN_COND:
            warnings.warn(
                f"{self.label}: decoding from workers {_short(ids)} uses a system with "
                f"condition number {cond:.2e}: expect relative error up to ~{1e-16 * cond:.0e}",
                IllConditionedWarning,
                stacklevel=2,
            )
        real_out = lay.real and (np.iscomplexobj(W) or any(np.iscomplexobj(v) for v in values))
        dest, full = self._destination(lay) if lay.real else (None, None)
        blocks, re2, im2 = lincomb(W, values, real_part=real_out, dest=dest, imag=not folded)
        if not np.isfinite(re2 + im2):
            bad = [i for i, v in zip(read, values, strict=True) if not np.isfinite(v).all()]
            check(self.owner, f"result[{bad[0] if bad else '?'}]", "non-finite", False, "finite")
        out = (
            self._assemble(blocks, lay)
            if full is None
            else full[: lay.a_shape[0], : lay.b_shape[1]]
        )
        if real_out and not folded:
            scale, imag = float(np.sqrt(re2)), float(np.sqrt(im2))
            if imag > self.imag_tol * scale + 1e-300:
                warnings.warn(
                    f"{self.label}: inputs were real but the decoded imaginary part is "
                    f"{imag / max(scale, 1e-300):.1e} of the real part (condition number "
                    f"{cond:.2e}); returning the real part",
                    IllConditionedWarning,
                    stacklevel=2,
                )
        return out.ravel() if lay.b_vector else out

    def _destination(self, lay: Layout) -> tuple[list[np.ndarray], np.ndarray]:
        """The (padded) product and its output blocks as views, for decoding in place."""
        r, c = lay.product_shape
        if self.split != "outer":
            full = np.empty((r, c))
            return [full], full
        na, nb = self.n_blocks
        full = np.empty((na * r, nb * c))
        return [
            full[a * r : (a + 1) * r, b * c : (b + 1) * c] for a in range(na) for b in range(nb)
        ], full

    def _assemble(self, blocks: np.ndarray, lay: Layout) -> np.ndarray:
        rows, cols = lay.a_shape[0], lay.b_shape[1]
        r, c = lay.product_shape
        if self.split == "outer":
            na, nb = self.n_blocks
            full = blocks.reshape(na, nb, r, c).transpose(0, 2, 1, 3).reshape(na * r, nb * c)
            return full[:rows, :cols]
        return blocks.reshape(r, c)

    # ------------------------------------------------------------------ helpers for codes

    alpha: np.ndarray
    beta: np.ndarray

    def _outer_weights(self, ids: tuple[int, ...]) -> tuple[np.ndarray, float]:
        """Pseudo-inverse of the received rows of ``G[i, a·y+b] = α_ia β_ib``."""
        idx = list(ids)
        alpha, beta = self._with_mirror(self.alpha), self._with_mirror(self.beta)
        g = (alpha[idx, :, None] * beta[idx, None, :]).reshape(len(idx), -1)
        return pinv_weights(g)

    def _with_mirror(self, per_worker: np.ndarray) -> np.ndarray:
        """A per-worker array (points, coefficient rows) with the virtual workers' entries (the
        conjugates) after the workers', for a :attr:`mirror` code; else unchanged."""
        return np.concatenate([per_worker, per_worker.conj()]) if self.mirror else per_worker


def _column_scale(coef: np.ndarray) -> np.ndarray:
    """Each column's largest magnitude (1 for an all-zero column): rows are compared relative to
    it, column by column (ε-MatDot's columns Δ^k·u^k differ only at the scale Δ^k)."""
    scale = np.max(np.abs(coef), axis=0, initial=0.0)
    return np.where(scale > 0, scale, 1.0)


def _equal_rows(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, group)``: the first row of each group of equal rows of ``coef`` (to
    :data:`_ROW_TOL` of each column's scale) and, per row, the index of its group."""
    scaled = coef / _column_scale(coef)
    first: list[int] = []
    group = np.empty(len(coef), dtype=np.int64)
    for i, row in enumerate(scaled):
        if first:
            d = np.max(np.abs(scaled[first] - row), axis=1, initial=0.0)
            g = int(np.argmin(d))
            if d[g] <= _ROW_TOL:
                group[i] = g
                continue
        group[i] = len(first)
        first.append(i)
    return np.asarray(first, dtype=np.int64), group


def pinv_weights(g: np.ndarray) -> tuple[np.ndarray, float]:
    """``(G⁺, cond(G))`` by SVD; ``G⁺`` is the left inverse (minimum-norm for tall ``G``)."""
    u, s, vh = np.linalg.svd(g, full_matrices=False)
    cond = float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
    w = (vh.conj().T / s) @ u.conj().T
    return w, cond


def coefficient_weights(v: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights ``w`` (1 × k) with ``Σ_i w_i V[i, :] = target`` (min-norm), and ``cond(V)``.

    ``V`` (k × D, k ≥ D) holds the basis functions at the received points; ``w·R`` is then the
    coefficient combination ``target`` of the interpolating polynomial (``w = e_target V⁺``).
    """
    w, cond = pinv_weights(v)
    return (target @ w).reshape(1, -1), cond


def lincomb(
    coef: np.ndarray,
    vecs: Sequence[np.ndarray],
    *,
    real_part: bool = False,
    stats: bool = True,
    dest: Sequence[np.ndarray] | None = None,
    imag: bool = True,
) -> tuple[np.ndarray, float, float]:
    """``out[i] = Σ_a coef[i, a] · vecs[a]`` for 1-D ``vecs`` of one length, cache-blocked.

    One pass over the inputs and one over the output, without stacking the inputs into a
    temporary (encode/decode are memory-bound: at n = 2048 the products are 32–64 MiB each).
    Complex arithmetic is done as one real GEMM per cache block (OpenBLAS ``zgemm`` on these
    short-and-wide shapes was measured ~1000× slower than the equivalent ``dgemm``): complex
    inputs are de-interleaved into ``[Re v_0; Im v_0; Re v_1; …]`` while they are copied into
    the block buffer, and multiplied by ``[[Cr, −Ci], [Ci, Cr]]`` (columns interleaved to match),
    whose rows give the real parts then the imaginary parts, written straight to the output.
    With complex inputs and at most ``_DIRECT_ROWS`` outputs (MatDot's one), or real inputs
    and one output, the inputs are not copied at all: each is multiplied in place (complex ones
    as interleaved (re, im) pairs times a 2 × 2p block; one real output accumulates through
    ``cblas_dgemv``, see :func:`_dgemv`, in blocks of :data:`_ONE_OUTPUT_STEP` elements, each
    thread on one half of the output) and accumulated.  ``real_part=True`` stores only the
    real part (the imaginary part is still computed for the statistics, unless ``stats=False``
    or ``imag=False``).  Returns
    ``(out, Σ|Re out|², Σ|Im out|²)`` (the sums also serve as a finiteness check; ``stats=False``
    skips them: both 0; ``imag=False`` with ``real_part`` skips the second: 0).

    ``dest``: real outputs only — one 2-D float64 array (``rows × cols``, ``rows·cols = size``,
    any strides: e.g. a block of the final product) per output, written in place (row-major
    order), so the caller needs no reassembling copy; ``out`` is then an empty ``(p, 0)`` array.
    """
    p = coef.shape[0]
    size = vecs[0].size
    c_in = any(np.iscomplexobj(v) for v in vecs)
    c_coef = bool(np.iscomplexobj(coef))
    cplx = c_in or c_coef
    cr = np.asarray(np.real(coef), dtype=np.float64)
    ci = np.asarray(np.imag(coef), dtype=np.float64) if c_coef else np.zeros_like(cr)
    need_im = cplx and ((stats and imag) or not real_part)
    if not cplx:
        kmat = cr
    elif c_in:  # inputs de-interleaved: column 2a is Re v_a, column 2a + 1 is Im v_a
        kmat = np.empty((2 * p if need_im else p, 2 * len(vecs)))
        kmat[:p, 0::2], kmat[:p, 1::2] = cr, -ci
        if need_im:
            kmat[p:, 0::2], kmat[p:, 1::2] = ci, cr
    else:  # real inputs: [Re; Im] out = [Cr; Ci] @ in
        kmat = np.vstack([cr, ci]) if need_im else cr
    real_out = real_part or not cplx
    cols = 0
    if dest is not None:
        cols = dest[0].shape[1]
        ok = real_out and len(dest) == p and all(d.shape == (size // cols, cols) for d in dest)
        check("lincomb", "dest", [d.shape for d in dest], ok and size % cols == 0, "p real blocks")
    rows_in = kmat.shape[1]
    # few outputs of complex inputs, or one of real ones (MatDot): no copy of the inputs at all
    direct = (p <= _DIRECT_ROWS and c_in) or (p == 1 and not cplx)  # real: GEMM beats it
    one_output = direct and p == 1 and not need_im  # one real output, accumulated in place
    if one_output:
        step = _ONE_OUTPUT_STEP
    elif direct:
        step = max(512, _CHUNK_BYTES // (16 * (2 * p + 2 if need_im else p + 1)))
    else:
        step = max(512, _CHUNK_BYTES // (8 * (kmat.shape[0] + rows_in)))
    # whole rows of the destination blocks per cache block; rows longer than a cache block are
    # computed as usual and copied at the end (cache blocking and threads matter more)
    in_place = dest is not None and cols <= step
    if in_place:
        step = step // cols * cols
    out = np.empty((p, 0 if in_place else size), dtype=np.float64 if real_out else complex)
    out_re = out if real_out else out.real
    out_im = None if real_out else out.imag

    def put(lo: int, hi: int, re: np.ndarray) -> None:  # re: (p, hi - lo)
        if dest is None or not in_place:
            out_re[:, lo:hi] = re
        else:
            for d, r in zip(dest, re, strict=True):
                d[lo // cols : hi // cols] = r.reshape(-1, cols)

    # complex output: out[i] as interleaved (re, im) float pairs = inputs.T @ pairs[i], written
    # in place (row by row, whole cache lines: no second pass over the output for Im)
    out_c = out.view(np.float64) if out_im is not None else None
    pairs = np.stack([kmat[:p], kmat[p:]], axis=2) if out_c is not None else None

    def _blocked_span(lo0: int, hi0: int) -> tuple[float, float]:
        width = min(step, hi0 - lo0)
        buf = np.empty((rows_in, width))
        resbuf = np.empty((kmat.shape[0], width))
        re2 = im2 = 0.0
        for lo in range(lo0, hi0, step):
            hi = min(hi0, lo + step)
            b = buf[:, : hi - lo]
            for a, v in enumerate(vecs):  # one read of each input block
                if c_in:
                    seg = v[lo:hi]
                    b[2 * a] = seg.real
                    b[2 * a + 1] = seg.imag if np.iscomplexobj(seg) else 0.0
                else:
                    b[a] = v[lo:hi]
            if out_c is not None and pairs is not None:  # complex output: written interleaved
                bt = b.T
                for i in range(p):
                    seg_out = out_c[i, 2 * lo : 2 * hi].reshape(-1, 2)
                    np.matmul(bt, pairs[i], out=seg_out)
                    if stats:
                        re2 += float(np.einsum("i,i->", seg_out[:, 0], seg_out[:, 0]))
                        im2 += float(np.einsum("i,i->", seg_out[:, 1], seg_out[:, 1]))
                continue
            res = np.matmul(kmat, b, out=resbuf[:, : hi - lo])
            re = res[:p]
            if stats:
                re2 += float(np.einsum("ij,ij->", re, re))
            put(lo, hi, re)
            if need_im:
                im = res[p:]
                if stats:
                    im2 += float(np.einsum("ij,ij->", im, im))
                if out_im is not None:
                    out_im[:, lo:hi] = im
        return re2, im2

    if direct:
        # per input a: complex, its interleaved (re, im) pairs times a 2 × 2p block (columns
        # 2i, 2i + 1 of the accumulator are Re, Im of output i); real, times row 0 of it (all
        # real: p columns, the real outputs)
        width_acc = 2 * p if need_im else p
        blocks = np.zeros((len(vecs), 2, width_acc))
        if need_im:
            blocks[:, 0, 0::2], blocks[:, 1, 0::2] = cr.T, -ci.T
            blocks[:, 0, 1::2], blocks[:, 1, 1::2] = ci.T, cr.T
        else:  # the real parts only: Re(c v) = Re c · Re v − Im c · Im v
            blocks[:, 0], blocks[:, 1] = cr.T, -ci.T

        if width_acc == 1:  # one real output (MatDot's real decode): straight into C
            flat = None
            d0 = dest[0] if dest is not None else None
            if (  # written through BLAS: native float64, writeable, aligned, contiguous only
                d0 is not None
                and in_place
                and d0.dtype == np.float64
                and d0.dtype.isnative
                and d0.flags.c_contiguous
                and d0.flags.writeable
                and d0.flags.aligned
            ):
                flat = d0.reshape(-1)
            vec = np.ascontiguousarray(blocks[:, :, 0])  # (inputs, 2): [Re c, −Im c]
            gemv = _dgemv() if _USE_CBLAS else None

            def span(lo0: int, hi0: int) -> tuple[float, float]:
                width = min(step, hi0 - lo0)
                acc_buf, tmp_buf = np.empty(width), np.empty(width)
                re2 = 0.0
                for lo in range(lo0, hi0, step):
                    hi = min(hi0, lo + step)
                    o = acc_buf[: hi - lo] if flat is None else flat[lo:hi]
                    tmp = tmp_buf[: hi - lo]
                    for a, v in enumerate(vecs):
                        seg = v[lo:hi]
                        if np.iscomplexobj(seg):
                            if seg.dtype != np.complex128 or not seg.flags.c_contiguous:
                                seg = np.ascontiguousarray(seg, dtype=np.complex128)  # rare
                            pairs_in = seg.view(np.float64).reshape(-1, 2)
                            if gemv is not None:  # o ← pairs·[Re c, −Im c] + o: one pass
                                gemv(pairs_in, vec[a], o, 1.0 if a else 0.0)
                                continue
                            np.matmul(pairs_in, vec[a], out=tmp if a else o)
                        elif (
                            gemv is not None and seg.dtype == np.float64 and seg.flags.c_contiguous
                        ):
                            gemv(seg.reshape(-1, 1), vec[a, :1], o, 1.0 if a else 0.0)  # real
                            continue
                        else:
                            np.multiply(seg, vec[a, 0], out=tmp if a else o)
                        if a:
                            o += tmp
                    if stats:
                        re2 += float(np.dot(o, o))
                    if flat is None:
                        put(lo, hi, o[None, :])
                return re2, 0.0
        else:  # complex outputs, or several

            def span(lo0: int, hi0: int) -> tuple[float, float]:
                width = min(step, hi0 - lo0)
                acc_buf = np.empty((width, width_acc))
                tmp_buf = np.empty((width, width_acc))
                re2 = im2 = 0.0
                for lo in range(lo0, hi0, step):
                    hi = min(hi0, lo + step)
                    acc, tmp = acc_buf[: hi - lo], tmp_buf[: hi - lo]
                    for a, v in enumerate(vecs):
                        seg = v[lo:hi]
                        if np.iscomplexobj(seg):
                            if seg.dtype != np.complex128 or not seg.flags.c_contiguous:
                                seg = np.ascontiguousarray(seg, dtype=np.complex128)  # rare: a copy
                            np.matmul(seg.view(np.float64).reshape(-1, 2), blocks[a], out=tmp)
                        else:
                            np.multiply(seg[:, None], blocks[a, 0], out=tmp)
                        if a:
                            acc += tmp
                        else:
                            acc, tmp = tmp, acc
                    re, im = (acc[:, 0::2], acc[:, 1::2]) if need_im else (acc, None)
                    if stats:
                        re2 += float(np.einsum("ij,ij->", re, re))
                        if im is not None:
                            im2 += float(np.einsum("ij,ij->", im, im))
                    put(lo, hi, re.T)
                    if out_im is not None and im is not None:
                        out_im[:, lo:hi] = im.T
                return re2, im2

    else:
        span = _blocked_span

    with one_blas_thread():  # tiny GEMMs: BLAS threads only add latency (and stall under load)
        parts = _halves(size, cols if in_place else 1) if one_output else _spans(size, step)
        if len(parts) == 1:
            re2, im2 = span(0, size)
        else:  # memory-bound: two threads (numpy releases the GIL) on disjoint column ranges
            sums = list(_pool().map(lambda lh: span(*lh), parts))
            re2, im2 = sum(a for a, _ in sums), sum(b for _, b in sums)
    if dest is not None and not in_place:
        for d, r in zip(dest, out, strict=True):
            d[...] = r.reshape(d.shape)
        out = out[:, :0]
    return out, re2, im2


def _spans(size: int, step: int) -> list[tuple[int, int]]:
    """Column ranges for the threads of :func:`lincomb`: one per core (at most 2), whole blocks,
    only when each gets at least 4 blocks (smaller jobs are not worth a thread)."""
    threads = min(2, os.cpu_count() or 1)
    blocks = -(-size // step)
    if threads < 2 or blocks < 4 * threads:
        return [(0, size)]
    cut = (blocks // threads) * step
    return [(0, cut), (cut, size)]


def _halves(size: int, align: int) -> list[tuple[int, int]]:
    """Two column ranges cut at a multiple of ``align`` (one per core, at most 2), for the
    one-real-output path of :func:`lincomb`, from :data:`_SPLIT_MIN` elements on."""
    threads = min(2, os.cpu_count() or 1)
    cut = size // 2 // align * align
    if threads < 2 or size < _SPLIT_MIN or cut == 0:
        return [(0, size)]
    return [(0, cut), (cut, size)]


_POOL: tuple[int, ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Two threads kept for :func:`lincomb` (starting them per call cost ~3 ms, measured: 15 %
    of a MatDot decode at n = 2048); a forked child makes its own.  Only :func:`lincomb`'s spans
    run on it, and they never call :func:`lincomb`: a task that waited on the pool would
    deadlock it."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="codedcomp-lincomb"))
        return _POOL[1]


@functools.cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        return None
    return ThreadpoolController()


_BLAS_LOCK = threading.Lock()
_BLAS_SAVED: list[tuple[Any, int]] = []  # (library, its thread count) while any block is open
_BLAS_DEPTH = 0


def _reset_after_fork() -> None:  # a child forked while another thread held a block or the lock
    global _BLAS_LOCK, _BLAS_DEPTH
    _BLAS_LOCK, _BLAS_DEPTH = threading.Lock(), 0
    _BLAS_SAVED.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block.

    Measured on the 2-core machine under load: OpenBLAS ``zgemm`` with 2 threads on small
    shapes (e.g. 100 × 157 @ 157 × 10) takes ~16 ms against ~0.05 ms on one thread; simulated
    workers computing many small complex products should run under this.

    A library with one process-wide setting (OpenBLAS on pthreads, numpy's wheels; MKL) is
    limited once for every block open at the time, whichever threads opened them: the first
    sets it, the last to close restores what the first found, and other threads' BLAS calls
    run on one thread meanwhile.  A library whose setting is per thread (an OpenMP build) is
    limited in the block's own thread only and restored by the same block.  What this
    replaces, measured with threadpoolctl 3.8: its ``limit`` ignores OpenBLAS limits set from
    any thread but the one that set one first, while that thread lives (a decode called from a
    second thread ran on two BLAS threads), and blocks that each restored what they found left
    BLAS on one thread for good when they overlapped and the inner one closed last.  Mixed
    with threadpoolctl's own ``threadpool_limits`` in another thread at the same time, the last
    to close still restores what it found (each is process-wide).
    """
    global _BLAS_DEPTH
    ctl = _controller()
    if ctl is None:  # pragma: no cover
        yield
        return
    libs = [lc for lc in ctl.lib_controllers if lc.user_api == "blas"]
    per_thread = [lc for lc in libs if getattr(lc, "threading_layer", None) == "openmp"]
    own: list[tuple[Any, int]] = []
    shared = False
    try:
        own = _limit(per_thread)  # this thread's own setting: restored by this block
        with _BLAS_LOCK:
            if _BLAS_DEPTH == 0:
                _BLAS_SAVED.extend(_limit([lc for lc in libs if lc not in per_thread]))
            _BLAS_DEPTH += 1
            shared = True
        yield
    finally:
        if shared:
            with _BLAS_LOCK:
                _BLAS_DEPTH -= 1
                if _BLAS_DEPTH == 0:
                    for lc, n in _BLAS_SAVED:
                        _set_threads(lc, n)
                    _BLAS_SAVED.clear()
        for lc, n in own:
            _set_threads(lc, n)


def _limit(libs: list[Any]) -> list[tuple[Any, int]]:
    """Set each library to one thread; what each had (libraries that cannot tell are left)."""
    saved = []
    for lc in libs:
        n = lc.get_num_threads()
        if n is not None:
            saved.append((lc, int(n)))
            _set_threads(lc, 1)
    return saved


def _set_threads(lib: Any, n: int) -> None:
    """Set one BLAS library's thread count from whichever thread calls: threadpoolctl's public
    ``set_num_threads`` is a no-op for OpenBLAS outside the thread that holds its control
    (``_real_set_num_threads`` is the call behind it; ``test_one_blas_thread`` fails if it goes
    away)."""
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


@functools.cache
def _dgemv() -> Any:
    """``y ← A x + β y`` (row-major ``A``: ``w × k``, contiguous) by the ``cblas_dgemv`` of the
    BLAS numpy itself links, through ctypes, or ``None``.

    Why: MatDot's real decode accumulates each product into the output block in one pass
    (numpy's ``matmul`` has no ``β``: a temporary and a second pass per product), and ctypes
    releases the GIL, so the two threads of :func:`lincomb` run at once (scipy's BLAS wrappers
    hold it).  Only the 64-bit-integer OpenBLAS numpy wheels bundle (``…cblas_dgemv64_``) is
    used, after a self-test against numpy; anything else falls back to numpy (same results).
    """
    import ctypes

    ctl = _controller()
    libs = [] if ctl is None else [lc.filepath for lc in ctl.lib_controllers]
    for path in sorted(libs, key=lambda f: "numpy" not in f):
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for name in ("scipy_cblas_dgemv64_", "cblas_dgemv64_"):
            fn = getattr(lib, name, None)
            if fn is None:
                continue
            i64, dbl, ptr = ctypes.c_int64, ctypes.c_double, ctypes.c_void_p
            fn.argtypes = [ctypes.c_int, ctypes.c_int, i64, i64, dbl, ptr, i64, ptr, i64, dbl]
            fn.argtypes += [ptr, i64]
            fn.restype = None

            def gemv(
                a: np.ndarray, x: np.ndarray, y: np.ndarray, beta: float, fn: Any = fn
            ) -> None:
                w, k = a.shape  # 101: row-major, 111: no transpose
                fn(101, 111, w, k, 1.0, a.ctypes.data, k, x.ctypes.data, 1, beta, y.ctypes.data, 1)

            rng = np.random.default_rng(0)
            a, x, y = rng.standard_normal((37, 2)), rng.standard_normal(2), rng.standard_normal(37)
            want = a @ x + 0.5 * y
            gemv(a, x, y, 0.5)
            fresh = np.full(37, np.nan)  # β = 0 must overwrite (np.empty output), not scale
            gemv(a, x, fresh, 0.0)
            if np.allclose(y, want, rtol=1e-12, atol=1e-12) and np.allclose(fresh, a @ x):
                return gemv
    return None  # pragma: no cover - numpy wheels bundle scipy_openblas64_


def _short(ids: tuple[int, ...]) -> str:
    return str(list(ids)) if len(ids) <= 12 else f"[{', '.join(map(str, ids[:12]))}, …]"
