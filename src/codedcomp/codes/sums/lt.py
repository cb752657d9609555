"""LT-r: a rateless LT code over groups of functions, decoded by peeling (paper 001 §III-B/C).

**Code.**  The ``m`` functions are cut into ``workers`` near-equal contiguous blocks
(:func:`~codedcomp.codes.sums.base.block_starts`; one block per function when
``workers == m``), and ``r`` consecutive blocks form one LT *source group*, so there are
``k = ceil(workers / r)`` groups (paper 001 eq. 3; LT-1 is ``r = 1``).  Every encoded symbol has
a degree ``g`` drawn from the Robust Soliton distribution over ``k`` (Luby 2002, "LT codes",
FOCS; :func:`robust_soliton`) and sums ``g`` distinct groups chosen uniformly at random; its
cost is the number of ``f_i`` it adds (``r·g`` units at ``workers == m`` with ``r | m``, the
papers' setting).  Each worker computes an ordered list of encoded symbols (paper 001 Fig. 1).

**Randomness: a plan is a pure function of its ``rng``.**  :meth:`LT.plan` draws two 64-bit keys
from ``rng`` and nothing else.  Symbol ``b`` of worker ``j`` then has its degree from output
``b`` of worker ``j``'s *degree stream* and its support from its own *symbol stream*: SplitMix64
(Steele, Lea & Flood 2014, the generator of Java's ``SplittableRandom``) keyed by
``(key, j, b)``, i.e. a counter-based generator evaluated with vectorised numpy ``uint64``
arithmetic (:func:`_stream`).  Any symbol can be drawn alone, in any order and any batch: the
runtime's plan (filled task by task in worker order), the simulator's arrival-order chunks and a
trace replay all see the same supports and costs.  Within a symbol stream, ``g`` distinct groups
are drawn with replacement and the later copies of repeats redrawn from the next outputs until
none is left (exact: the procedure commutes with relabelling the groups), or, for ``g > k/4``,
taken as the first ``g`` of a random permutation (:func:`sample_distinct`).  With unequal group
sizes a symbol's cost depends on its support, so costs are computed from supports.

**Decoding.**  The master peels (Luby 2002): a received symbol whose groups are all known but
one reveals that one; every newly known group is subtracted from the symbols waiting on it.
One peeling core (:class:`_Peeling`) serves the decoder and the stop searches: it peels on
*indices only* — per symbol the remaining degree and the sum of its remaining group ids (at
degree 1 that sum names the last unknown group in O(1)), per group the symbols waiting on it, a
FIFO ripple — and records which symbol recovered which group, in order.
:class:`PeelingDecoder` registers received symbols in batches when ``ready`` is asked and could
be true (at least ``k`` symbols in hand); :meth:`~PeelingDecoder.result` turns the record into
integer weights ``w`` with ``F = Σ_s w_s·y_s`` (one reverse pass over the recovery order: the
adjoint of forward substitution) and accumulates ``F`` whatever the shape of the values.
Real-valued peeling amplifies rounding by ``Σ|w_s|``; the breadth-first (FIFO) ripple keeps that
small (measured at m = 1000: max ``|w|`` ~10²–10⁴, against up to ~10⁸ with a LIFO stack on a
batch).  :meth:`LT.decode_point` and the simulator peel after every symbol (readiness does not
depend on the ripple discipline) and stop at the first symbol that completes the recovery.

**Readings chosen** (paper 001 leaves them open):

* ``me`` (``m_e``, total encoded symbols) given: split as evenly as possible, the first
  ``me % workers`` workers hold one more; ``me >= workers`` is required so that every worker
  holds at least one symbol.
* ``me=None`` (default): Theorem 1 takes ``m_e → ∞`` ("rateless").  A worker's list is the
  shortest prefix of its symbol stream whose cost reaches ``m`` units — the symbol that crosses
  ``m`` is kept — so every worker holds at least the whole computation's work (All-at-One's),
  never runs out before ``m`` units, and holds less than ``m`` units plus one symbol.  No list
  ends before ``τ·m``, so a trial that decodes earlier is exactly a trial with ``m_e = ∞`` —
  always so in the papers' Fig. 2 setting (m = 1000, τ = 0.005: decoding at ≈ 0.8 < τ·m = 5
  under Exp(0.2)) — and every symbol is a Robust Soliton draw.  (Earlier versions dropped the
  crossing symbol, so a worker could run out early, with a kept mean degree below ``d̄``.)
* ``r`` not dividing the number of blocks: the last group holds the remaining blocks (it is
  smaller and so cheaper); ``r <= workers`` is required.  Unequal group sizes (also from
  ``m % workers != 0``) make a symbol's cost depend on *which* groups it sums.
* Robust Soliton when ``k/R`` is not an integer: the spike sits at ``floor(k/R)``; for small
  ``k`` where that exceeds ``k`` it is capped at ``k`` (degrees never exceed ``k``), and a
  negative spike weight (``R < δ``) is set to 0.

**Plans and simulation.**  :meth:`LT.plan` (what the runtime executes) materialises every
worker's list: degrees (Walker alias table) and costs are computed up front, supports lazily
through :attr:`Plan.filler`.  With ``me=None`` that is ≈ ``workers·m/(r·d̄)`` symbols (≈ 95,000
at m = 1000, ≈ 7·10⁶ at m = 10,000), far more than a simulated trial needs: ≈ 1.5·k symbols
arrive before decoding at m = 1000, ≈ 2.2·k at m = 10,000 (more than the ≈ 1.1·k of a random
order: cheap, low-degree symbols complete first).  :meth:`LT.fast_latency` therefore never
builds the plan; it grows every worker's list lazily, from the same streams, up to a time
horizon ``H`` (each open worker until its last symbol completes after ``H``), so every symbol
completing by ``H`` is known and their stable time order is exactly the prefix of the plan's
arrival order.  It peels that prefix; if
it does not decode, ``H`` is raised (≈ 30 % more expected symbols, and at least to the next
completion) and the lists are extended.  Completion times are ``X_j + τ·(cumulative cost)``
with the per-worker cumulative cost, an exact integer, on both paths (:class:`LTPlan`
overrides :meth:`Plan.finish_times` for that), so the result is bit-for-bit the generic one
(:func:`~codedcomp.sim.oneshot.simulate_trial` on :meth:`LT.plan`).  Measured time per trial
of LT-1 (Exp(0.2), τ = 0.005, 2 shared cores): ≈ 4.5 ms at m = 1000, ≈ 12 ms at m = 3000,
≈ 45–75 ms at m = 10,000 (building the plan instead: ≈ 8, 50 and 700–1200 ms), growing with the
symbols peeled rather than with the plan's size; about half of it is the peeling itself (plain
Python lists), the rest the supports it reads and the growth of the lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ...core.work import Work, work_at
from ...errors import check
from ...rng import splitmix, unit_float
from .base import Decoder, Plan, Scheme, block_starts

__all__ = [
    "LT",
    "LTPlan",
    "PeelingDecoder",
    "average_degree",
    "robust_soliton",
    "sample_distinct",
]


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


@lru_cache(maxsize=64)
def _average_degree(k: int, c: float, delta: float) -> float:
    return float(np.dot(np.arange(k + 1), _robust_soliton(k, c, delta)))


def average_degree(k: int, c: float = 0.03, delta: float = 0.5) -> float:
    """Mean of the Robust Soliton distribution over ``k`` (the papers' ``d̄_k``, O(log k))."""
    robust_soliton(k, c, delta)  # validates
    return _average_degree(int(k), float(c), float(delta))


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


# --------------------------------------------------------------------------- counter-based streams

_stream = splitmix
_unit = unit_float


def _below(h: np.ndarray, n: int) -> np.ndarray:
    """Integers in ``range(n)`` from ``h`` (bias ≤ n/2⁵³)."""
    return np.minimum((_unit(h) * n).astype(np.int64), n - 1)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` over ``zip(starts, lengths)``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.arange(total, dtype=np.int64) + np.repeat(np.asarray(starts) - offs, lengths)


def _distinct(keys: np.ndarray, n: int, counts: np.ndarray) -> np.ndarray:
    """Row ``i`` gets ``counts[i]`` distinct values of ``range(n)`` from stream ``keys[i]``.

    Each row is a pure function of its key and count (rows never share draws), see
    :func:`sample_distinct`.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    out = np.empty(total, dtype=np.int64)
    if total == 0:
        return out
    if counts.max() > n:
        raise ValueError(f"sample_distinct: count={int(counts.max())} must be <= n={n}")
    keys = np.asarray(keys, dtype=np.uint64)
    ptr = np.concatenate(([0], np.cumsum(counts)))
    large = counts * 4 > n
    small_rows = np.flatnonzero(~large & (counts > 0))
    if small_rows.size:
        c = counts[small_rows]
        skeys = keys[small_rows]
        pos = _ranges(ptr[small_rows], c)
        row = np.repeat(np.arange(small_rows.size, dtype=np.int64), c)
        vals = _below(_stream(skeys[row], _ranges(np.zeros_like(c), c)), n)
        nxt = c.copy()  # next unused output of each row's stream
        live = np.arange(pos.size)  # entries of rows that may still repeat
        while live.size:
            key = row[live] * n + vals[live]
            srt = np.argsort(key, kind="stable")
            ks = key[srt]
            rep = np.sort(live[srt[1:][ks[1:] == ks[:-1]]])  # later copies, in row order
            if rep.size == 0:
                break
            rr = row[rep]
            first = np.flatnonzero(np.concatenate(([True], rr[1:] != rr[:-1])))
            rank = np.arange(rep.size) - np.repeat(first, np.diff(np.append(first, rep.size)))
            vals[rep] = _below(_stream(skeys[rr], nxt[rr] + rank), n)
            nxt += np.bincount(rr, minlength=nxt.size)
            bad = np.zeros(nxt.size, dtype=bool)
            bad[rr] = True
            live = live[bad[row[live]]]
        out[pos] = vals
    large_rows = np.flatnonzero(large)
    if large_rows.size:
        per_chunk = max(1, (1 << 20) // n)
        cols = np.arange(n)
        for a in range(0, large_rows.size, per_chunk):
            rows = large_rows[a : a + per_chunk]
            perm = np.argsort(_stream(keys[rows, None], cols[None, :]), axis=1, kind="stable")
            c = counts[rows]
            out[_ranges(ptr[rows], c)] = perm[cols[None, :] < c[:, None]]
    return out


def sample_distinct(rng: np.random.Generator, n: int, counts: np.ndarray) -> np.ndarray:
    """Row ``i`` gets ``counts[i]`` distinct values of ``range(n)``, uniformly; rows concatenated.

    Each row draws from its own SplitMix64 stream keyed from ``rng`` (one key per row).  Small
    rows: draw with replacement, redraw the later copies of repeated values from the row's next
    outputs until the row has no repeat (vectorised over rows).  Rows with ``count > n/4``: the
    first ``count`` entries of a random permutation (argsort of the row's first ``n`` outputs).
    """
    counts = np.asarray(counts, dtype=np.int64)
    keys = rng.integers(0, 2**64, size=counts.size, dtype=np.uint64)
    return _distinct(keys, n, counts)


# --------------------------------------------------------------------------- the random code


class _Code:
    """One plan's random code: symbol ``b`` of worker ``j`` is a pure function of ``(j, b)``.

    The only draw from ``rng`` is the two keys (degree streams, symbol streams).
    """

    def __init__(self, scheme: LT, m: int, workers: int, rng: np.random.Generator) -> None:
        self.m = m
        self.workers = workers
        self.symbol_start = scheme.groups(m, workers)
        self.sizes = np.diff(self.symbol_start)
        self.k = len(self.sizes)
        uniform = bool((self.sizes == self.sizes[0]).all())
        self.size = float(self.sizes[0]) if uniform else None
        self.prob, self.alias = _alias(self.k, scheme.c, scheme.delta)
        self.mean_degree = _average_degree(self.k, scheme.c, scheme.delta)
        self.mean_cost = self.mean_degree * float(self.sizes.mean())
        self.count: np.ndarray | None = None  # symbols per worker when ``me`` is given
        if scheme.me is not None:
            self.count = np.full(workers, scheme.me // workers, dtype=np.int64)
            self.count[: scheme.me % workers] += 1
        self.keys = rng.integers(0, 2**64, size=2, dtype=np.uint64)

    def degrees(self, rows: np.ndarray, widths: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Degrees of symbols ``b`` of workers ``repeat(rows, widths)`` (Robust Soliton, alias
        method on one uniform: index and fractional part)."""
        x = _unit(_stream(np.repeat(_stream(self.keys[0], rows), widths), b))
        x *= self.k
        i = np.minimum(x.astype(np.int64), self.k - 1)
        x -= i
        deg = np.where(x < self.prob[i], i, self.alias[i])
        deg += 1
        return deg

    def supports(self, j: np.ndarray, b: np.ndarray, deg: np.ndarray) -> np.ndarray:
        """Concatenated supports of symbols ``(j, b)`` with degrees ``deg``."""
        return _distinct(_stream(_stream(self.keys[1], j), b), self.k, deg)

    def costs(self, j: np.ndarray, b: np.ndarray, deg: np.ndarray) -> np.ndarray:
        if self.size is not None:
            return deg * self.size
        if deg.size == 0:
            return np.zeros(0)
        sizes = self.sizes[self.supports(j, b, deg)]
        return np.add.reduceat(sizes, np.cumsum(deg) - deg).astype(float)


class _Lists:
    """The prefix of every worker's symbol list generated so far, grown on demand."""

    def __init__(self, code: _Code) -> None:
        self.code = code
        self.n = np.zeros(code.workers, dtype=np.int64)  # symbols generated per worker
        self.spent = np.zeros(code.workers)  # their total cost (an exact integer)
        self.done = np.zeros(code.workers, dtype=bool)  # the whole list is generated

    def grow(
        self, rows: np.ndarray, widths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Up to ``widths[i] >= 1`` more symbols of open worker ``rows[i]``.

        Returns the symbols kept (``j``, ``b``, degree, cost, cumulative cost of worker ``j``
        up to and including the symbol), grouped by row; rows whose list ends are marked done.
        """
        code = self.code
        j = np.repeat(rows, widths)
        b = _ranges(self.n[rows], widths)
        deg = code.degrees(rows, widths, b)
        cost = code.costs(j, b, deg)
        ends = np.cumsum(widths)
        starts = ends - widths
        cs = np.cumsum(cost)
        prev = np.concatenate(([0.0], cs[ends[:-1] - 1]))
        cum = cs - np.repeat(prev - self.spent[rows], widths)  # exact: integer costs
        if code.count is None:
            keep = cum - cost < code.m  # up to the symbol that reaches m units
        else:
            keep = b < code.count[j]
        kept = np.add.reduceat(keep.astype(np.int64), starts)  # keep is a prefix of each row
        self.n[rows] += kept
        has = kept > 0
        self.spent[rows[has]] = cum[(starts + kept - 1)[has]]
        if code.count is None:
            self.done[rows] = self.spent[rows] >= code.m
        else:
            self.done[rows] = self.n[rows] >= code.count[rows]
        return j[keep], b[keep], deg[keep], cost[keep], cum[keep]


class LTPlan(Plan):
    """An LT :class:`Plan` (completion times: ``X_j + τ·C_jb`` with ``C_jb`` the per-worker
    cumulative cost, an exact integer — bit for bit what :meth:`LT.fast_latency` computes)."""


# --------------------------------------------------------------------------- peeling


class _Peeling:
    """Peeling on indices (module docstring): the core of every LT decode and stop search."""

    __slots__ = ("by", "deg", "k", "known", "n_known", "order", "ssum", "waiting")

    def __init__(self, k: int) -> None:
        self.k = k
        self.n_known = 0
        self.known = bytearray(k)
        self.waiting: list[list[int] | None] = [[] for _ in range(k)]
        self.deg: list[int] = []  # remaining degree per registered symbol (local id)
        self.ssum: list[int] = []  # sum of its remaining unknown group ids
        self.by = [-1] * k  # local id of the symbol that recovered each group
        self.order: list[int] = []  # groups in recovery order

    def push(self, sups: list[list[int]], *, stop: bool = False) -> int | None:
        """Register symbols with supports ``sups`` (local ids follow on) and peel.

        ``stop=False``: register all, then peel breadth-first.  ``stop=True``: peel after every
        symbol and return ``i + 1`` as soon as ``sups[i]`` completes the recovery (``None`` if
        none does).  The ripple is a FIFO (breadth-first peeling keeps the weights small).
        """
        known, waiting, deg, ssum, by, order = (
            self.known,
            self.waiting,
            self.deg,
            self.ssum,
            self.by,
            self.order,
        )
        k, n_known = self.k, self.n_known
        ripple: list[int] = []
        head = 0
        i = 0
        while True:
            while head < len(ripple):  # peel
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
            if stop and i and n_known == k:
                self.n_known = n_known
                return i
            if i == len(sups):
                self.n_known = n_known
                return None
            while i < len(sups):  # register: all of them, or up to the next degree-1 symbol
                sid = len(deg)
                d = 0
                s = 0
                for g in sups[i]:
                    if not known[g]:
                        d += 1
                        s += g
                        waiting[g].append(sid)  # type: ignore[union-attr]
                deg.append(d)
                ssum.append(s)
                i += 1
                if d == 1:
                    ripple.append(sid)
                    if stop:
                        break


def _split(flat: np.ndarray, lens: np.ndarray) -> list[list[int]]:
    """``flat`` cut into consecutive lists of lengths ``lens``."""
    if lens.size == 0:
        return []
    values: list[int] = flat.tolist()
    ends: list[int] = np.cumsum(lens).tolist()
    return [values[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _plan_supports(plan: Plan, tasks: np.ndarray) -> list[list[int]]:
    """Supports of ``tasks`` as lists, filling lazy ones first (one vectorised fetch)."""
    plan.fill(tasks)
    lo = plan.sup_ptr[tasks]
    lens = plan.sup_ptr[tasks + 1] - lo
    return _split(plan.sup_idx[_ranges(lo, lens)], lens)


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
        self._peeling = _Peeling(self.k)
        self._sups: list[list[int]] = []
        self._values: list[Any] = []
        self._pending: list[int] = []  # tasks received but not yet peeled

    def _add(self, task: int, value: np.ndarray | None) -> None:
        # Peeling is deferred to the next ``ready`` query that could succeed: fewer than k
        # symbols never recover k groups, and a batch of supports is fetched in one go.
        self._pending.append(task)
        self._values.append(value)

    def _supports(self, pending: list[int]) -> list[list[int]]:
        if len(pending) > 8:  # e.g. the first k results: one vectorised fetch
            return _plan_supports(self.plan, np.array(pending, dtype=np.int64))
        plan = self.plan  # one result per `ready` query (the common case): no array machinery
        if plan.filled is not None:
            need = [t for t in pending if not plan.filled[t]]
            if need:
                plan.fill(np.array(need, dtype=np.int64))
        ptr, idx = plan.sup_ptr, plan.sup_idx
        return [idx[ptr[t] : ptr[t + 1]].tolist() for t in pending]

    def _flush(self) -> None:
        if self._pending:
            sups = self._supports(self._pending)
            self._pending.clear()
            self._sups.extend(sups)
            self._peeling.push(sups)

    @property
    def n_known(self) -> int:
        """Number of groups recovered so far."""
        self._flush()
        return self._peeling.n_known

    @property
    def order(self) -> list[int]:
        """Recovered groups, in recovery order."""
        self._flush()
        return self._peeling.order

    @property
    def ready(self) -> bool:
        if self.received < self.k:  # each recovered group needs its own symbol
            return False
        self._flush()
        return self._peeling.n_known == self.k

    def _missing(self) -> str:
        self._flush()
        waiting = sum(1 for d in self._peeling.deg if d > 1)
        return (
            f"{self.k - self._peeling.n_known} of {self.k} LT groups still unrecovered; "
            f"{waiting} received symbol(s) waiting with degree > 1 (peeling stalled: need more "
            "symbols)"
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
        by, sups = self._peeling.by, self._sups
        for g in reversed(self._peeling.order):
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


def _chunks(k: int) -> tuple[int, int]:
    """Supports fetched by :meth:`LT.decode_point`: first chunk, then every next one."""
    return int(1.1 * k) + 16, max(16, k // 4)


def _horizon(xs: np.ndarray, csum: np.ndarray, budget: float) -> float:
    """Smallest ``H`` with ``Σ_j max(0, H − x_j) >= budget`` (``xs`` sorted, ``csum`` its cumsum).

    With ``budget = n·τ·(mean cost)`` about ``n`` symbols complete by ``H`` (water filling).
    """
    h = (budget + csum) / np.arange(1, xs.size + 1)
    ok = np.append(h[:-1] <= xs[1:], True)
    return float(h[int(np.argmax(ok))])


class LT(Scheme):
    """LT-r coded computing (paper 001 §III-B/C); see the module docstring.

    ``r``: functions-blocks per LT group (LT-1, LT-2, ...); ``c``, ``delta``: Robust Soliton
    parameters (Luby 2002); ``me``: total encoded symbols (``None``: each worker holds symbols
    until its cumulative cost reaches ``m`` units).
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

    def _width(self, code: _Code) -> int:
        """Symbols generated per worker and round when building whole lists."""
        if code.count is not None:
            return max(1, int(code.count.max()))
        return int(1.25 * code.m / code.mean_cost) + 4

    def plan(self, m: int, workers: int, rng: np.random.Generator) -> LTPlan:
        self.validate(m, workers)
        code = _Code(self, m, workers, rng)
        lists = _Lists(code)
        width = self._width(code)
        per_chunk = max(1, (1 << 20) // width)  # workers per batch (bounds temporary memory)
        degs: list[np.ndarray] = []
        costs: list[np.ndarray] = []
        for a in range(0, workers, per_chunk):
            chunk = np.arange(a, min(workers, a + per_chunk))
            parts = []
            rows = chunk
            while rows.size:
                widths = np.full(rows.size, width, dtype=np.int64)
                if code.count is not None:
                    widths = code.count[rows] - lists.n[rows]
                parts.append(lists.grow(rows, widths))
                rows = rows[~lists.done[rows]]
            ptr = np.concatenate(([0], np.cumsum(lists.n[chunk])))
            deg = np.empty(int(ptr[-1]), dtype=np.int64)
            cost = np.empty(int(ptr[-1]))
            for j, b, d, c, _ in parts:  # worker-major order
                pos = ptr[j - a] + b
                deg[pos] = d
                cost[pos] = c
            degs.append(deg)
            costs.append(cost)
        all_deg = np.concatenate(degs)
        n_tasks = all_deg.size
        worker_ptr = np.concatenate(([0], np.cumsum(lists.n))).astype(np.int64)
        sup_ptr = np.zeros(n_tasks + 1, dtype=np.int64)
        np.cumsum(all_deg, out=sup_ptr[1:])

        def filler(plan: Plan, tasks: np.ndarray) -> None:
            j = np.searchsorted(worker_ptr, tasks, side="right") - 1
            lo = plan.sup_ptr[tasks]
            deg = plan.sup_ptr[tasks + 1] - lo
            plan.sup_idx[_ranges(lo, deg)] = code.supports(j, tasks - worker_ptr[j], deg)

        return LTPlan(
            m=m,
            n_workers=workers,
            symbol_start=code.symbol_start,
            worker_ptr=worker_ptr,
            sup_ptr=sup_ptr,
            sup_idx=np.empty(int(sup_ptr[-1]), dtype=np.int64),
            cost=np.concatenate(costs),
            filled=np.zeros(n_tasks, dtype=bool),
            filler=filler,
            info={"k": code.k, "r": self.r, "average_degree": code.mean_degree, "me": n_tasks},
        )

    def decoder(self, plan: Plan) -> PeelingDecoder:
        return PeelingDecoder(plan)

    def decode_point(self, plan: Plan, order: np.ndarray) -> int | None:
        """Peel the supports in arrival order; fill lazy supports in chunks of ``order``."""
        order = np.asarray(order, dtype=np.int64)
        peeling = _Peeling(plan.n_symbols)
        pos = 0
        chunk, step = _chunks(plan.n_symbols)
        while pos < order.size:
            tasks = order[pos : pos + chunk]
            n = peeling.push(_plan_supports(plan, tasks), stop=True)
            if n is not None:
                return pos + n
            pos += tasks.size
            chunk = step
        return None

    def fast_latency(
        self,
        x: np.ndarray,
        tau: float,
        m: int,
        rngs: Sequence[np.random.Generator],
        work: list[Work | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Trial by trial, identical to :func:`~codedcomp.sim.oneshot.simulate_trial` on
        :meth:`plan`, without building the plan: lists grow lazily up to a time horizon
        (module docstring)."""
        trials, workers = x.shape
        self.validate(m, workers)
        latency = np.full(trials, np.inf)
        received = np.zeros(trials, dtype=np.int64)
        for t in range(trials):
            xt = np.asarray(x[t], dtype=float)
            if np.isfinite(xt).all():
                code = _Code(self, m, workers, rngs[t])
                latency[t], received[t], w = self._first_decodable(code, xt, tau)
                if work is not None:
                    work[t] = w
                continue
            plan = self.plan(m, workers, rngs[t])  # workers that never start: no horizon
            began, times = plan.windows(xt, tau)
            order = np.argsort(times, kind="stable")
            n = self.decode_point(plan, order)
            if n is not None:
                latency[t], received[t] = times[order[n - 1]], n
                if work is not None:
                    work[t] = work_at(float(latency[t]), began, times, plan.cost, needed=float(m))
        return latency, received

    def _first_decodable(
        self, code: _Code, x: np.ndarray, tau: float
    ) -> tuple[float, int, Work | None]:
        """(latency, received, work) of one trial; ``(inf, 0, None)`` if never decodable.

        Work at the decode instant ``L`` from the lists (every open worker's list reaches past
        ``H >= L``): worker ``j`` is busy from ``X_j`` until ``L`` or the end of its list, and is
        in the middle of a symbol at ``L`` unless its list ended by then or it is the worker whose
        symbol completed at ``L`` (another worker completing a symbol at exactly ``L`` has
        probability 0 and is not special-cased).  ``None`` (computed from the plan by the
        caller) when ``τ = 0``.
        """
        lists = _Lists(code)
        peeling = _Peeling(code.k)
        xs = np.sort(x)
        csum = np.cumsum(xs)
        unit = tau * code.mean_cost  # mean time per symbol
        cap = self._width(code)
        want = 1.1 * code.k + 16  # symbols expected by the horizon
        horizon = _horizon(xs, csum, want * unit)
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
        pool = (empty_f, empty_i, empty_i, empty_i)  # generated, not yet consumed: t, j, b, deg
        consumed = 0
        while True:
            parts = [pool]
            while True:  # every open worker: generate until its last symbol ends after H
                lb = x + tau * lists.spent
                rows = np.flatnonzero((lb <= horizon) & ~lists.done)
                if rows.size == 0:
                    break
                if unit > 0:
                    est = np.minimum((horizon - lb[rows]) / unit, cap)
                    widths = (1.5 * est).astype(np.int64) + 2  # early symbols are cheap
                else:
                    widths = np.full(rows.size, cap, dtype=np.int64)
                j, b, deg, _, cum = lists.grow(rows, widths)
                parts.append((x[j] + tau * cum, j, b, deg))
            t_all, j_all, b_all, d_all = (np.concatenate(a) for a in zip(*parts, strict=True))
            now = t_all <= horizon
            if now.any():  # exactly the next arrivals of the full plan, in stable time order
                o = np.flatnonzero(now)
                o = o[np.lexsort((b_all[o], j_all[o], t_all[o]))]
                deg = d_all[o]
                sups = _split(code.supports(j_all[o], b_all[o], deg), deg)
                n = peeling.push(sups, stop=True)
                if n is not None:
                    stop = float(t_all[o[n - 1]])
                    return (
                        stop,
                        consumed + n,
                        self._work(code, lists, x, tau, stop, int(j_all[o[n - 1]]), consumed + n),
                    )
                consumed += o.size
            later = ~now
            pool = (t_all[later], j_all[later], b_all[later], d_all[later])
            open_ = ~lists.done
            if not open_.any() and pool[0].size == 0:
                return math.inf, 0, None
            nxt = min(
                float(pool[0].min()) if pool[0].size else math.inf,
                float(lb[open_].min()) if open_.any() else math.inf,
            )
            want *= 1.3
            horizon = max(_horizon(xs, csum, want * unit), nxt)

    @staticmethod
    def _work(
        code: _Code, lists: _Lists, x: np.ndarray, tau: float, stop: float, last: int, done: int
    ) -> Work | None:
        """Work at ``stop`` of one fast-path trial (see :meth:`_first_decodable`)."""
        if tau <= 0:
            return None
        started = x < stop
        list_end = x + tau * lists.spent
        ended = lists.done & (list_end <= stop)
        busy = np.where(ended, tau * lists.spent, stop - x)[started]
        running = started & ~ended
        running[last] = False
        n_run = int(running.sum())
        return Work(
            busy=float(busy.sum()),
            units=float(busy.sum()) / tau,
            launched=done + n_run,
            cancelled=n_run,
            needed=float(code.m),
        )
