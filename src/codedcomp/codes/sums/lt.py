"""LT-r: a rateless LT code over groups of functions, decoded by peeling (paper 001 §III-B/C).

**Code.**  The ``m`` functions are cut into ``workers`` near-equal contiguous blocks
(:func:`~codedcomp.codes.sums.base.block_starts`; one block per function when
``workers == m``), and ``r`` consecutive blocks form one LT *source group*, so there are
``k = ceil(workers / r)`` groups (paper 001 eq. 3; LT-1 is ``r = 1``).  Every encoded symbol has
a degree ``g`` drawn from the Robust Soliton distribution over ``k`` (Luby 2002, "LT codes",
FOCS; :func:`robust_soliton`) and sums ``g`` distinct groups chosen uniformly at random; its
cost is the number of ``f_i`` it adds (``r·g`` units at ``workers == m`` with ``r | m``, the
papers' setting).  Each worker computes an ordered list of encoded symbols (paper 001 Fig. 1).

**Decoding.**  The master peels (Luby 2002): a received symbol whose groups are all known but
one reveals that one; every newly known group is subtracted from the symbols waiting on it.
:class:`PeelingDecoder` peels on *indices only*: per symbol the remaining degree and the sum of
its remaining group ids (at degree 1 that sum names the last unknown group in O(1)), per group
the symbols waiting on it, and a FIFO ripple.  Received symbols are registered in batches when
``ready`` is asked and could be true (at least ``k`` symbols in hand), so the first ``k`` cost
one vectorised support fetch.  It records which symbol recovered which group, in order;
:meth:`~PeelingDecoder.result` turns that record into integer weights ``w`` with
``F = Σ_s w_s·y_s`` (one reverse pass over the recovery order: the adjoint of forward
substitution) and accumulates ``F`` whatever the shape of the values (scalars, vectors,
matrices).  Real-valued peeling amplifies rounding by ``Σ|w_s|``; a breadth-first (FIFO) ripple
keeps that small (measured at m = 1000: max ``|w|`` ~10²–10⁴, against up to ~10⁸ with a LIFO
stack on a batch).  :meth:`LT.decode_point` runs the same peeling on supports in arrival order
(readiness does not depend on the ripple discipline), filling lazy supports chunk by chunk.

**Readings chosen** (paper 001 leaves them open):

* ``me`` (``m_e``, total encoded symbols) given: split as evenly as possible, the first
  ``me % workers`` workers hold one more; ``me >= workers`` is required so that every worker
  holds at least one symbol.
* ``me=None`` (default): Theorem 1 takes ``m_e → ∞`` ("rateless").  We give every worker
  symbols as long as its cumulative cost stays ``<= m`` units: no worker holds more work than
  the whole computation (All-at-One's work); the first symbol that would overflow that budget
  ends the worker's list.  In the papers' Fig. 2 setting (m = 1000, τ = 0.005, Exp(0.2) or
  Pareto(1, 1)) lists are almost never exhausted before decoding: measured 9–18 workers out of
  200 trials × 1000 workers, each one whose next symbol had a very high degree (ideal soliton
  tail ``P(g ≥ x) ≈ 1/x``).  For the same reason a worker's *kept* symbols have a mean degree
  below ``d̄`` (9.3 vs 10.5 at k = 1000), but its first symbols — the ones that arrive before
  decoding — are Robust Soliton draws up to that rare truncation.
* ``r`` not dividing the number of blocks: the last group holds the remaining blocks (it is
  smaller and so cheaper); ``r <= workers`` is required.  Unequal group sizes (also from
  ``m % workers != 0``) make a symbol's cost depend on *which* groups it sums: the plan draws
  eagerly, per symbol, how many groups of each size it takes (multivariate hypergeometric, exact
  for a uniform ``g``-subset) and which ones only when the support is needed.
* Robust Soliton when ``k/R`` is not an integer: the spike sits at ``floor(k/R)``; for small
  ``k`` where that exceeds ``k`` it is capped at ``k`` (degrees never exceed ``k``), and a
  negative spike weight (``R < δ``) is set to 0.

**Performance.**  Degrees (Walker alias table), group-size counts and costs are sampled eagerly
and vectorised; supports are sampled lazily through :attr:`Plan.filler`, so the simulator draws
only the symbols that arrive before decoding, with a generator derived once from the plan's
``rng`` (a plan is deterministic given ``rng`` and the order of fill requests).  Distinct groups
are drawn with replacement and the repeats redrawn until none is left (exact: the procedure
commutes with relabelling the groups), or, for degrees above ``k/4``, as the first ``g`` of a
random permutation.  :meth:`LT.fast_latency` sorts only the earliest ``4k`` arrival times of a
trial (and replays the trial in full when they do not decode), so one simulated trial at
m = 1000 costs ≈ 7 ms: plan ≈ 2.5 ms, arrival order ≈ 2 ms, stop search ≈ 2.5 ms.  With
``me=None`` a plan holds ≈ ``workers·m/(r·d̄)`` symbols (≈ 95,000 at m = 1000, ≈ 7·10⁶ at
m = 10,000), hence :func:`_sparse_buffer` for its lazily written supports.
"""

from __future__ import annotations

import copy
import math
import mmap
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ...errors import check
from .base import Decoder, Plan, Scheme, block_starts

__all__ = ["LT", "PeelingDecoder", "average_degree", "robust_soliton", "sample_distinct"]


# --------------------------------------------------------------------------- Robust Soliton


@lru_cache(maxsize=64)
def _robust_soliton(k: int, c: float, delta: float) -> np.ndarray:
    d = np.arange(k + 1, dtype=float)
    rho = np.zeros(k + 1)
    rho[1] = 1.0 / k
    if k >= 2:
        rho[2:] = 1.0 / (d[2:] * (d[2:] - 1.0))
    big_r = c * math.log(k / delta) * math.sqrt(k)
    tau = np.zeros(k + 1)
    if big_r > 0:  # R = 0 only at k = 1, delta = 1: the ideal soliton, a point mass at 1
        pivot = min(k, max(1, math.floor(k / big_r)))
        tau[1:pivot] = big_r / (d[1:pivot] * k)
        tau[pivot] = max(0.0, big_r * math.log(big_r / delta) / k)
    mu = rho + tau
    mu /= mu.sum()
    mu.setflags(write=False)
    return mu


def robust_soliton(k: int, c: float = 0.03, delta: float = 0.5) -> np.ndarray:
    """Robust Soliton pmf over degrees ``0..k`` (``pmf[0] = 0``), Luby 2002 §5.

    ``μ(d) = (ρ(d) + τ(d)) / β`` with the ideal soliton ``ρ(1) = 1/k``, ``ρ(d) = 1/(d(d-1))``,
    ``R = c·ln(k/δ)·√k``, ``τ(d) = R/(d·k)`` for ``d < k/R``, the spike ``τ(k/R) = R·ln(R/δ)/k``,
    ``τ = 0`` above, and ``β`` the normaliser (spike index and small-``k`` reading: module doc).
    The returned array is read-only.
    """
    check("robust_soliton", "k", k, isinstance(k, (int, np.integer)) and k >= 1, "an integer >= 1")
    check("robust_soliton", "c", c, c > 0, "> 0")
    check("robust_soliton", "delta", delta, 0 < delta <= 1, "in (0, 1]")
    return _robust_soliton(int(k), float(c), float(delta))


def average_degree(k: int, c: float = 0.03, delta: float = 0.5) -> float:
    """Mean of the Robust Soliton distribution over ``k`` (the papers' ``d̄_k``, O(log k))."""
    pmf = robust_soliton(k, c, delta)
    return float(np.dot(np.arange(k + 1), pmf))


# --------------------------------------------------------------------------- sampling


def sample_distinct(rng: np.random.Generator, n: int, counts: np.ndarray) -> np.ndarray:
    """Row ``i`` gets ``counts[i]`` distinct values of ``range(n)``, uniformly; rows concatenated.

    Small rows: draw with replacement, redraw the later copies of repeated values until no row
    repeats (vectorised over rows).  Rows with ``count > n/4``: the first ``count`` entries of a
    random permutation (argsort of uniform keys), in row chunks.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    out = np.empty(total, dtype=np.int64)
    if total == 0:
        return out
    if counts.max() > n:
        raise ValueError(f"sample_distinct: count={int(counts.max())} must be <= n={n}")
    ptr = np.concatenate(([0], np.cumsum(counts)))
    large = counts * 4 > n
    small_rows = np.flatnonzero(~large & (counts > 0))
    if small_rows.size:
        c = counts[small_rows]
        pos = _ranges(ptr[small_rows], c)
        row = np.repeat(np.arange(small_rows.size, dtype=np.int64), c)
        vals = rng.integers(n, size=pos.size, dtype=np.int64)
        live = np.arange(pos.size)  # entries of rows that may still repeat
        while live.size:
            key = row[live] * n + vals[live]
            srt = np.argsort(key, kind="stable")
            ks = key[srt]
            rep = srt[1:][ks[1:] == ks[:-1]]  # later copies (stable: later positions)
            if rep.size == 0:
                break
            vals[live[rep]] = rng.integers(n, size=rep.size, dtype=np.int64)
            bad_rows = np.unique(row[live[rep]])
            live = live[np.isin(row[live], bad_rows)]
        out[pos] = vals
    large_rows = np.flatnonzero(large)
    if large_rows.size:
        per_chunk = max(1, (1 << 22) // n)
        for a in range(0, large_rows.size, per_chunk):
            rows = large_rows[a : a + per_chunk]
            perm = np.argsort(rng.random((rows.size, n)), axis=1)
            c = counts[rows]
            take = np.arange(n)[None, :] < c[:, None]
            out[_ranges(ptr[rows], c)] = perm[take]
    return out


def _sparse_buffer(n: int) -> np.ndarray:
    """Uninitialised int64 array of length ``n`` whose untouched pages cost no memory.

    Lazy supports are written at scattered offsets of a large ``sup_idx``.  With transparent
    huge pages set to "always" (common on Linux), every such write to a fresh ``np.empty``
    faults in and zeroes a whole 2 MiB page: at m = 10,000 that touched the entire ~800 MB
    array (0.7 s, +800 MB RSS per plan).  A private anonymous mapping advised
    ``MADV_NOHUGEPAGE`` faults in 4 KiB pages only (measured 0.12 s, +100 MB).
    """
    nbytes = 8 * n
    advice = getattr(mmap, "MADV_NOHUGEPAGE", None)
    if nbytes < (1 << 25) or advice is None:  # small arrays: a few huge pages at most
        return np.empty(n, dtype=np.int64)
    buf = mmap.mmap(-1, nbytes)
    buf.madvise(advice)
    return np.frombuffer(buf, dtype=np.int64)


def _chunks(k: int) -> tuple[int, int]:
    """Fill-request sizes of :meth:`LT.decode_point`: first chunk, then every next one."""
    return int(1.1 * k) + 16, max(16, k // 4)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` over ``zip(starts, lengths)``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.arange(total, dtype=np.int64) + np.repeat(np.asarray(starts) - offs, lengths)


@lru_cache(maxsize=64)
def _alias(k: int, c: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table of the Robust Soliton over degrees ``1..k`` (0-based)."""
    p = _robust_soliton(k, c, delta)[1:] * k
    prob = np.ones(k)
    alias = np.arange(k)
    small = [i for i in range(k) if p[i] < 1.0]
    large = [i for i in range(k) if p[i] >= 1.0]
    q = p.tolist()
    while small and large:
        s = small.pop()
        g = large[-1]
        prob[s] = q[s]
        alias[s] = g
        q[g] -= 1.0 - q[s]
        if q[g] < 1.0:
            large.pop()
            small.append(g)
    prob.setflags(write=False)
    alias.setflags(write=False)
    return prob, alias


class _Sampler:
    """Degrees and group-size-class counts of LT symbols over groups ``symbol_start``."""

    def __init__(self, symbol_start: np.ndarray, c: float, delta: float) -> None:
        sizes = np.diff(symbol_start)
        self.k = len(sizes)
        self.class_size, self.class_of = np.unique(sizes, return_inverse=True)
        self.class_n = np.bincount(self.class_of, minlength=len(self.class_size))
        self.members = [np.flatnonzero(self.class_of == j) for j in range(len(self.class_size))]
        pmf = robust_soliton(self.k, c, delta)
        self.prob, self.alias = _alias(self.k, float(c), float(delta))
        self.mean_degree = float(np.dot(np.arange(self.k + 1), pmf))
        self.mean_cost = self.mean_degree * float(sizes.mean())

    def sample(
        self, rng: np.random.Generator, n: int
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """(degree, class counts (n, classes) or None for one class, cost) of ``n`` symbols."""
        x = rng.random(n)
        x *= self.k
        i = x.astype(np.int64)
        np.minimum(i, self.k - 1, out=i)
        x -= i  # the fractional part: a second uniform, independent of i
        deg = self.alias[i]
        np.copyto(deg, i, where=x < self.prob[i])
        deg += 1
        n_cls = len(self.class_size)
        if n_cls == 1:
            return deg, None, deg * float(self.class_size[0])
        counts = np.empty((n, n_cls), dtype=np.int64)
        left_draw = deg
        left_pool = self.k
        for j in range(n_cls - 1):
            nj = int(self.class_n[j])
            cj = rng.hypergeometric(nj, left_pool - nj, left_draw)
            counts[:, j] = cj
            left_draw = left_draw - cj
            left_pool -= nj
        counts[:, n_cls - 1] = left_draw
        return deg, counts, (counts @ self.class_size).astype(float)


# --------------------------------------------------------------------------- decoder


class PeelingDecoder(Decoder):
    """Online LT peeling decoder over the ``plan.n_symbols`` groups (see module docstring).

    Works in supports-only mode (``value=None``: answers ``ready``) and in values mode (any
    array shape).  Repeated tasks are ignored by the base class; different tasks with the same
    support are harmless (the later ones peel to degree 0).  A support that lists a group twice
    (never produced by :class:`LT`) counts it with multiplicity: such a symbol only peels a
    group listed once, and the weights subtract the others with their multiplicity, so the
    answer stays exact.
    """

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan)
        self.k = plan.n_symbols
        self._n_known = 0
        self._known = bytearray(self.k)
        self._waiting: list[list[int] | None] = [[] for _ in range(self.k)]
        self._deg: list[int] = []  # remaining degree per received symbol (local id)
        self._sum: list[int] = []  # sum of remaining unknown group ids per received symbol
        self._sups: list[list[int]] = []
        self._values: list[Any] = []
        self._pending: list[int] = []  # tasks received but not yet peeled
        self._by = [-1] * self.k  # local id of the symbol that recovered each group
        self._order: list[int] = []  # groups in recovery order

    def _add(self, task: int, value: np.ndarray | None) -> None:
        # Peeling is deferred to the next ``ready`` query that could succeed: fewer than k
        # symbols never recover k groups, and a batch of supports is fetched in one go.
        self._pending.append(task)
        self._values.append(value)

    def _supports(self, pending: list[int]) -> list[list[int]]:
        """Supports of ``pending`` tasks as lists (one vectorised fetch for a large batch)."""
        plan = self.plan
        ptr, idx = plan.sup_ptr, plan.sup_idx
        if len(pending) == 1:  # one result per `ready` query: the common case after k
            t = pending[0]
            if plan.filled is not None and not plan.filled[t]:
                plan.fill(np.array(pending, dtype=np.int64))
            return [idx[ptr[t] : ptr[t + 1]].tolist()]
        if len(pending) <= 8:  # e.g. one result per `ready` query: skip the array machinery
            if plan.filled is not None:
                need = [t for t in pending if not plan.filled[t]]
                if need:
                    plan.fill(np.array(need, dtype=np.int64))
            return [idx[ptr[t] : ptr[t + 1]].tolist() for t in pending]
        tasks = np.array(pending, dtype=np.int64)
        plan.fill(tasks)
        lo = ptr[tasks]
        lens = ptr[tasks + 1] - lo
        flat: list[int] = idx[_ranges(lo, lens)].tolist()
        ends: list[int] = np.cumsum(lens).tolist()
        return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]

    def _flush(self) -> None:
        if not self._pending:
            return
        new_sups = self._supports(self._pending)
        self._pending.clear()
        known, waiting, deg, ssum, sups = (
            self._known,
            self._waiting,
            self._deg,
            self._sum,
            self._sups,
        )
        ripple: list[int] = []
        for sup in new_sups:
            sid = len(deg)
            d = 0
            s = 0
            for g in sup:
                if not known[g]:
                    d += 1
                    s += g
                    waiting[g].append(sid)  # type: ignore[union-attr]
            deg.append(d)
            ssum.append(s)
            sups.append(sup)
            if d == 1:
                ripple.append(sid)
        if ripple:
            self._peel(ripple)

    def _peel(self, ripple: list[int]) -> None:
        deg, ssum, known, waiting, by, order = (
            self._deg,
            self._sum,
            self._known,
            self._waiting,
            self._by,
            self._order,
        )
        n_known = self._n_known
        head = 0
        while head < len(ripple):  # FIFO: breadth-first peeling keeps the weights small
            sid = ripple[head]
            head += 1
            if deg[sid] != 1:
                continue
            g = ssum[sid]
            known[g] = 1
            by[g] = sid
            order.append(g)
            n_known += 1
            wl = waiting[g]
            waiting[g] = None
            for o in wl:  # type: ignore[union-attr]
                dd = deg[o] - 1
                deg[o] = dd
                ssum[o] -= g
                if dd == 1:
                    ripple.append(o)
        self._n_known = n_known

    @property
    def n_known(self) -> int:
        """Number of groups recovered so far."""
        self._flush()
        return self._n_known

    @property
    def order(self) -> list[int]:
        """Recovered groups, in recovery order."""
        self._flush()
        return self._order

    @property
    def ready(self) -> bool:
        if self.received < self.k:  # each recovered group needs its own symbol
            return False
        if self._pending:
            self._flush()
        return self._n_known == self.k

    def _missing(self) -> str:
        self._flush()
        waiting = sum(1 for d in self._deg if d > 1)
        return (
            f"{self.k - self._n_known} of {self.k} LT groups still unrecovered; {waiting} "
            f"received symbol(s) waiting with degree > 1 (peeling stalled: need more symbols)"
        )

    def weights(self) -> dict[int, int]:
        """Integer weights ``w`` with ``F = Σ w[s]·y_s`` over received local symbol ids ``s``.

        Reverse pass over the recovery order: group ``g`` recovered by ``s`` is
        ``y_s − Σ_{h ∈ supp(s), h ≠ g} x_h``, so its weight moves to ``s`` and, negated, to
        the ``h`` (all recovered before ``g``).
        """
        self._flush()
        adj = [1] * self.k
        w: dict[int, int] = {}
        by, sups = self._by, self._sups
        for g in reversed(self._order):
            a = adj[g]
            if a == 0:
                continue
            s = by[g]
            w[s] = w.get(s, 0) + a
            for h in sups[s]:
                if h != g:
                    adj[h] -= a
        return w

    def _result(self) -> np.ndarray:
        w = self.weights()
        vals = self._values
        terms = [(float(a), vals[s]) for s, a in w.items() if a != 0]
        if not terms:
            return np.zeros_like(vals[0])
        if terms[0][1].ndim == 0:
            coef = np.array([a for a, _ in terms])
            return np.asarray(np.dot(coef, np.array([v for _, v in terms], dtype=float)))
        # Accumulate in place: no (symbols × size) stack, no multi-threaded BLAS call.
        shape = terms[0][1].shape
        if any(v.shape != shape for _, v in terms):
            raise ValueError(f"PeelingDecoder: values of different shapes (first {shape})")
        out = np.zeros(shape)
        tmp = np.empty_like(out)
        for a, v in terms:
            np.multiply(v, a, out=tmp)
            out += tmp
        return out


# --------------------------------------------------------------------------- scheme


class LT(Scheme):
    """LT-r coded computing (paper 001 §III-B/C); see the module docstring.

    ``r``: functions-blocks per LT group (LT-1, LT-2, ...); ``c``, ``delta``: Robust Soliton
    parameters (Luby 2002); ``me``: total encoded symbols (``None``: each worker holds symbols
    up to a cumulative cost of ``m`` units).
    """

    name = "lt"

    def __init__(
        self, *, r: int = 1, c: float = 0.03, delta: float = 0.5, me: int | None = None
    ) -> None:
        check("LT", "r", r, isinstance(r, (int, np.integer)) and r >= 1, "an integer >= 1")
        check(
            "LT",
            "c",
            c,
            isinstance(c, (int, float)) and math.isfinite(c) and c > 0,
            "a finite number > 0",
        )
        check("LT", "delta", delta, isinstance(delta, (int, float)) and 0 < delta <= 1, "in (0, 1]")
        check(
            "LT",
            "me",
            me,
            me is None or (isinstance(me, (int, np.integer)) and me >= 1),
            "None or an integer >= 1",
        )
        self.r = int(r)
        self.c = float(c)
        self.delta = float(delta)
        self.me = None if me is None else int(me)

    def validate(self, m: int, workers: int) -> None:
        super().validate(m, workers)
        check(self.label, "r", self.r, self.r <= workers, f"<= workers={workers}")
        if self.me is not None:
            check(
                self.label,
                "me",
                self.me,
                self.me >= workers,
                f">= workers={workers} (every worker holds at least one symbol)",
            )

    def groups(self, m: int, workers: int) -> np.ndarray:
        """``symbol_start`` of the ``ceil(workers/r)`` LT source groups (length k+1)."""
        blocks = block_starts(m, workers)
        k = -(-workers // self.r)
        return blocks[np.minimum(np.arange(k + 1) * self.r, workers)]

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> Plan:
        self.validate(m, workers)
        symbol_start = self.groups(m, workers)
        sampler = _Sampler(symbol_start, self.c, self.delta)
        if self.me is not None:
            per = np.full(workers, self.me // workers, dtype=np.int64)
            per[: self.me % workers] += 1
            deg, counts, cost = sampler.sample(rng, self.me)
        else:
            deg, counts, cost, per = self._capped(sampler, m, workers, rng)
        fill_rng = np.random.default_rng(int(rng.integers(2**63)))
        n_tasks = len(deg)
        sup_ptr = np.zeros(n_tasks + 1, dtype=np.int64)
        np.cumsum(deg, out=sup_ptr[1:])

        def filler(plan: Plan, tasks: np.ndarray) -> None:
            base = plan.sup_ptr[tasks]
            if counts is None:
                cj = plan.sup_ptr[tasks + 1] - base
                plan.sup_idx[_ranges(base, cj)] = sample_distinct(fill_rng, sampler.k, cj)
                return
            for j, members in enumerate(sampler.members):
                cj = counts[tasks, j]
                if cj.any():
                    local = sample_distinct(fill_rng, len(members), cj)
                    plan.sup_idx[_ranges(base, cj)] = members[local]
                base = base + cj

        return Plan(
            m=m,
            n_workers=workers,
            symbol_start=symbol_start,
            worker_ptr=np.concatenate(([0], np.cumsum(per))).astype(np.int64),
            sup_ptr=sup_ptr,
            sup_idx=_sparse_buffer(int(sup_ptr[-1])),
            cost=cost,
            filled=np.zeros(n_tasks, dtype=bool),
            filler=filler,
            info={
                "k": sampler.k,
                "r": self.r,
                "average_degree": sampler.mean_degree,
                "me": n_tasks,
            },
        )

    def _capped(
        self, sampler: _Sampler, m: int, workers: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
        """Per worker: symbols while the cumulative cost stays ``<= m`` (``me=None``).

        Samples a (workers, width) block with width ≈ 1.25× the mean count, then further
        blocks for the rows whose cost has not yet exceeded ``m``.
        """
        width = int(1.25 * m / sampler.mean_cost) + 4
        deg, counts, cost = sampler.sample(rng, workers * width)
        cum = np.cumsum(cost.reshape(workers, width), axis=1)
        keep = cum <= m
        per = keep.sum(axis=1)
        flat_keep = keep.ravel()
        deg, cost = deg[flat_keep], cost[flat_keep]
        counts = None if counts is None else counts[flat_keep]
        spent = cum[:, -1]
        rows = np.flatnonzero(spent <= m)
        while rows.size:  # a few rows have not yet exceeded m: append to their lists
            d2, c2, k2 = sampler.sample(rng, rows.size * width)
            cum2 = np.cumsum(k2.reshape(rows.size, width), axis=1) + spent[rows, None]
            keep2 = cum2 <= m
            per2 = keep2.sum(axis=1)
            at = np.repeat(np.cumsum(per)[rows], per2)  # after each row's current list
            flat2 = keep2.ravel()
            deg = np.insert(deg, at, d2[flat2])
            cost = np.insert(cost, at, k2[flat2])
            if counts is not None and c2 is not None:
                counts = np.insert(counts, at, c2[flat2], axis=0)
            per[rows] += per2
            spent[rows] = cum2[:, -1]
            rows = rows[cum2[:, -1] <= m]
        return deg, counts, cost, per

    def decoder(self, plan: Plan) -> PeelingDecoder:
        return PeelingDecoder(plan)

    def decode_point(self, plan: Plan, order: np.ndarray) -> int | None:
        """Peel the supports in arrival order; fill lazy supports in chunks of ``order``."""
        order = np.asarray(order, dtype=np.int64)
        k = plan.n_symbols
        known = bytearray(k)
        waiting: list[list[int]] = [[] for _ in range(k)]
        deg: list[int] = []
        ssum: list[int] = []
        n_known = 0
        pos = 0
        chunk, step = _chunks(k)
        while pos < order.size:
            tasks = order[pos : pos + chunk]
            plan.fill(tasks)
            lo = plan.sup_ptr[tasks]
            lens = plan.sup_ptr[tasks + 1] - lo
            flat: list[int] = plan.sup_idx[_ranges(lo, lens)].tolist()
            ends: list[int] = np.cumsum(lens).tolist()
            start = 0
            for i, end in enumerate(ends):
                sid = len(deg)
                d = 0
                s = 0
                for g in flat[start:end]:
                    if not known[g]:
                        d += 1
                        s += g
                        waiting[g].append(sid)
                start = end
                deg.append(d)
                ssum.append(s)
                if d != 1:
                    continue
                ripple = [sid]
                while ripple:
                    q = ripple.pop()
                    if deg[q] != 1:
                        continue
                    g = ssum[q]
                    known[g] = 1
                    n_known += 1
                    for o in waiting[g]:
                        dd = deg[o] - 1
                        deg[o] = dd
                        ssum[o] -= g
                        if dd == 1:
                            ripple.append(o)
                    waiting[g] = []
                if n_known == k:
                    return pos + i + 1
            pos += tasks.size
            chunk = step
        return None

    def fast_latency(
        self, x: np.ndarray, tau: float, m: int, rngs: Sequence[np.random.Generator]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Trial by trial as :func:`~codedcomp.sim.oneshot.simulate_trial`, sorting less.

        Only the earliest ``4k`` arrivals are sorted (``np.partition`` then a stable sort of
        that prefix, ties included): it is the exact prefix of the full stable arrival order.
        If they do not decode, the trial is replayed from a copy of its generator with the full
        order, so the result is identical to the generic path in every case.
        """
        trials, workers = x.shape
        latency = np.full(trials, np.inf)
        received = np.zeros(trials, dtype=np.int64)
        for t in range(trials):
            replay = copy.deepcopy(rngs[t])
            plan = self.plan(m, workers, rngs[t])
            times = plan.finish_times(x[t], tau)
            first, step = _chunks(plan.n_symbols)
            lead = first + step * -(-max(0, 4 * plan.n_symbols - first) // step)
            if lead < times.size:
                thr = np.partition(times, lead - 1)[lead - 1]
                cand = np.flatnonzero(times <= thr)
                order = cand[np.argsort(times[cand], kind="stable")][:lead]
                n = self.decode_point(plan, order)
                if n is None:
                    plan = self.plan(m, workers, replay)
                    times = plan.finish_times(x[t], tau)
                    order = np.argsort(times, kind="stable")
                    n = self.decode_point(plan, order)
            else:
                order = np.argsort(times, kind="stable")
                n = self.decode_point(plan, order)
            if n is not None:
                latency[t] = times[order[n - 1]]
                received[t] = n
        return latency, received
