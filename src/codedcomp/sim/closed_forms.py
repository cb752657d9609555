"""Closed forms for the latency of sum-of-functions schemes (papers 000 §IV and 001 §IV).

Both papers use the delay model ``Y_j = X_j + τ·B_j`` (eq. 4): worker ``j`` finishes ``B_j``
units of work (evaluations of some ``f_i``) at a random start-up delay ``X_j`` plus ``τ`` per unit.
This module collects what can be said about the latency ``T`` in closed form, each function with
its source and whether it is **exact** or a **bound**:

=========================================  =======================================  ============
function                                   source                                   kind
=========================================  =======================================  ============
:func:`one_mean`                           001 Prop. 2 (X ~ Exp(μ))                  exact
:func:`replication_mean` (r = 1: Uncoded)  001 Prop. 1 (X ~ Exp(μ))                  exact
:func:`one_cdf`                            T = X_1 + τm (any delay model)            exact
:func:`replication_cdf`, :func:`uncoded_cdf` T = max_groups min_replicas (any model)   exact
:func:`bcc_cover_probabilities`            coupon collector, DP over workers         exact
:func:`bcc_failure_probability`            P(BCC never decodes), 000 §II-B(4)        exact
:func:`bcc_cdf`                            P(T_BCC ≤ t), binomial mixture of the DP  exact
:func:`ideal_cdf`                          P(m units done by t), convolution         exact
:func:`mean_from_cdf`, :func:`quantile_from_cdf` numerical integration / bisection   numerical
:func:`robust_soliton_mean_degree`         Luby 2002, the d̄ of 001 Thm. 1            exact
:func:`lt_mean_bound`                      001 Thm. 1 (m_e → ∞, E[M'] ≈ m/r)         upper bound
:func:`sr_mean_bound`                      000 Thm. 1, leading order (m → ∞)         upper bound
=========================================  =======================================  ============

The exact CDFs take any :class:`~codedcomp.delays.DelayModel` with a ``cdf`` (or its spec string)
and the same ``workers < m`` grouping the schemes use (contiguous near-equal blocks of functions,
:func:`~codedcomp.codes.sums.base.block_starts`); with ``workers == m`` (the papers' setting) every
worker's block is one function.  The LT and SR bounds are asymptotic statements of the papers,
not finite-``m`` guarantees; the tests check them against the simulator at the sizes used.

Derivations of the forms the papers do not state:

* **BCC** (Li et al. 2018, baseline 4 of paper 000): ``P`` workers each pick one of ``n`` batches
  uniformly.  ``C(K)`` = P(K uniform picks cover all n batches) follows from the Markov chain of
  the number of covered batches (from k, a pick is new w.p. (n−k)/n): every term is a probability,
  so the recursion is stable where the inclusion–exclusion sum ``Σ_j (−1)^j C(n,j)(1−j/n)^K``
  cancels catastrophically.  A worker is *done and useful* by ``t`` w.p. ``p = F(t − τ·c)``
  (``c`` = batch cost), independently of its pick, so ``P(T ≤ t) = Σ_K Bin(P, p)(K)·C(K)``.
* **ideal** (perfect load balancing): worker j has completed ``N_j(t) = ⌊(t − X_j)/τ⌋⁺`` units by
  ``t``, independently across workers, with ``P(N_j ≥ b) = F(t − τb)``; ``T ≤ t`` iff
  ``Σ_j N_j(t) ≥ m``.  The pmf of the sum, truncated below ``m``, is an exact power by repeated
  squaring of the (capped) per-worker pmf; ``P(T > t) = Σ_{s<m} P(Σ N_j = s)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

from ..codes.sums.base import block_starts
from ..delays import DelayModel
from ..delays import delay as make_delay
from ..errors import check

ArrayLike = np.ndarray | float | list[float]
Cdf = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- helpers


def harmonic(n: int) -> float:
    """The harmonic number ``H_n = Σ_{v=1}^n 1/v`` (``H_0 = 0``)."""
    check("harmonic", "n", n, isinstance(n, (int, np.integer)) and n >= 0, "an integer >= 0")
    return float(np.sum(1.0 / np.arange(1, int(n) + 1))) if n else 0.0


def _workers(m: int, workers: int | None, owner: str) -> int:
    check(owner, "m", m, isinstance(m, (int, np.integer)) and m >= 1, "an integer >= 1")
    w = m if workers is None else workers
    check(
        owner,
        "workers",
        w,
        isinstance(w, (int, np.integer)) and 1 <= w <= m,
        f"an integer in [1, m={m}]",
    )
    return int(w)


def _exp_rate(mu: float, owner: str) -> None:
    check(owner, "mu", mu, np.isfinite(mu) and mu > 0, "a finite number > 0")


def _tau(tau: float, owner: str) -> None:
    check(owner, "tau", tau, np.isfinite(tau) and tau >= 0, "a finite number >= 0")


def _model(delay: str | DelayModel) -> DelayModel:
    return make_delay(delay)


def _grid(t: ArrayLike) -> np.ndarray:
    return np.asarray(t, dtype=float)


# --------------------------------------------------------------------------- One, Uncoded, Rep


def one_mean(m: int, tau: float, mu: float) -> float:
    """E[T_One] = τm + 1/μ for X ~ Exp(μ) — **exact** (paper 001, Prop. 2, eq. 7)."""
    _exp_rate(mu, "one_mean")
    _tau(tau, "one_mean")
    return tau * m + 1.0 / mu


def replication_mean(m: int, r: int, tau: float, mu: float) -> float:
    """E[T_rep] = τr + H_{m/r}/(rμ) for X ~ Exp(μ) — **exact** (paper 001, Prop. 1, eq. 6).

    ``m`` workers in ``m/r`` groups of ``r``; a group's partial sum (``r`` functions) arrives at
    the minimum of its ``r`` workers, ``τr + Exp(rμ)``, and ``T`` is the maximum over the groups.
    ``r = 1`` is Uncoded: ``τ + H_m/μ``.  Requires ``r`` to divide ``m``.
    """
    owner = "replication_mean"
    _exp_rate(mu, owner)
    _tau(tau, owner)
    check(
        owner,
        "r",
        r,
        isinstance(r, (int, np.integer)) and 1 <= r <= m and m % r == 0,
        f"an integer in [1, m={m}] that divides m",
    )
    return tau * r + harmonic(m // r) / (r * mu)


def uncoded_mean(m: int, tau: float, mu: float) -> float:
    """E[T_Uncoded] = τ + H_m/μ — **exact** (paper 001, Prop. 1 with r = 1)."""
    return replication_mean(m, 1, tau, mu)


def one_cdf(t: ArrayLike, *, m: int, tau: float, delay: str | DelayModel) -> np.ndarray:
    """P(T_One ≤ t) = F(t − τm) — **exact** for any delay model (001 §II-B(1), eq. 4)."""
    _tau(tau, "one_cdf")
    return np.asarray(_model(delay).cdf(_grid(t) - tau * m), dtype=float)


def replication_groups(m: int, r: int, workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(cost, replicas) of every group of r-Replication, as its scheme builds them.

    ``ceil(workers/r)`` groups of consecutive workers (:class:`~codedcomp.codes.sums.Replication`);
    a group's cost is the number of functions in its partial sum; the last group may be smaller
    (fewer functions and replicas).
    """
    w = _workers(m, workers, "replication_groups")
    check(
        "replication_groups",
        "r",
        r,
        isinstance(r, (int, np.integer)) and 1 <= r <= w,
        f"an integer in [1, workers={w}]",
    )
    blocks = block_starts(m, w)
    lo = np.arange(0, w, r)
    hi = np.minimum(lo + r, w)
    return (blocks[hi] - blocks[lo]).astype(float), (hi - lo).astype(np.int64)


def replication_cdf(
    t: ArrayLike, *, m: int, r: int, tau: float, delay: str | DelayModel, workers: int | None = None
) -> np.ndarray:
    """P(T_rep ≤ t) = Π_groups [1 − (1 − F(t − τ·cost_g))^{r_g}] — **exact**, any delay model.

    Paper 001 §II-B(3) / paper 000 §II-B(3) (fractional repetition); computed in log space so
    that a product of a thousand factors near 1 keeps its precision.
    """
    _tau(tau, "replication_cdf")
    model = _model(delay)
    cost, reps = replication_groups(m, r, workers)
    tt = _grid(t)
    log_cdf = np.zeros(tt.shape)
    pairs, counts = np.unique(np.stack([cost, reps.astype(float)]), axis=1, return_counts=True)
    for (c, k), n in zip(pairs.T, counts, strict=True):
        miss = (1.0 - np.asarray(model.cdf(tt - tau * c), dtype=float)) ** k  # no replica done
        with np.errstate(divide="ignore"):
            log_cdf = log_cdf + n * np.log1p(-miss)
    return np.exp(log_cdf)


def uncoded_cdf(
    t: ArrayLike, *, m: int, tau: float, delay: str | DelayModel, workers: int | None = None
) -> np.ndarray:
    """P(T_Uncoded ≤ t) = Π_j F(t − τ·cost_j) — **exact** (replication with r = 1)."""
    return replication_cdf(t, m=m, r=1, tau=tau, delay=delay, workers=workers)


# --------------------------------------------------------------------------- BCC


def bcc_batches(m: int, d: int, workers: int | None = None) -> np.ndarray:
    """Cost (functions per batch) of each of the ``ceil(workers/d)`` BCC batches."""
    w = _workers(m, workers, "bcc_batches")
    check(
        "bcc_batches",
        "d",
        d,
        isinstance(d, (int, np.integer)) and 1 <= d <= w,
        f"an integer in [1, workers={w}]",
    )
    blocks = block_starts(m, w)
    n = -(-w // d)
    edges = blocks[np.minimum(np.arange(n + 1) * d, w)]
    return np.diff(edges).astype(float)


def bcc_cover_probabilities(n_batches: int, workers: int) -> np.ndarray:
    """``C[K]`` = P(K independent uniform picks among ``n_batches`` cover them all), K = 0..workers.

    **Exact** coupon-collector probabilities by a DP over picks on the number of covered batches
    (all terms non-negative: no cancellation).  ``O(workers · n_batches)``.
    """
    owner = "bcc_cover_probabilities"
    check(
        owner,
        "n_batches",
        n_batches,
        isinstance(n_batches, (int, np.integer)) and n_batches >= 1,
        "an integer >= 1",
    )
    check(
        owner,
        "workers",
        workers,
        isinstance(workers, (int, np.integer)) and workers >= 0,
        "an integer >= 0",
    )
    n = int(n_batches)
    k = np.arange(n + 1)
    p_new = (n - k) / n  # from k covered, the next pick is a new batch
    dist = np.zeros(n + 1)
    dist[0] = 1.0
    out = np.empty(int(workers) + 1)
    out[0] = dist[n]
    for j in range(1, int(workers) + 1):
        moved = dist * p_new
        dist = dist - moved
        dist[1:] += moved[:-1]
        out[j] = dist[n]
    return out


def bcc_failure_probability(m: int, d: int, workers: int | None = None) -> float:
    """P(BCC never decodes) = P(some batch is picked by no worker) — **exact**.

    ``workers`` (default ``m``) pick uniformly among ``n = ceil(workers/d)`` batches (paper 000
    §II-B(4), Li et al. 2018).  Summed over the non-full states of the DP of
    :func:`bcc_cover_probabilities`, so small probabilities keep their relative precision.
    """
    w = _workers(m, workers, "bcc_failure_probability")
    n = len(bcc_batches(m, d, w))
    kk = np.arange(n + 1)
    p_new = (n - kk) / n
    dist = np.zeros(n + 1)
    dist[0] = 1.0
    for _ in range(w):
        moved = dist * p_new
        dist = dist - moved
        dist[1:] += moved[:-1]
    return float(dist[:n].sum())


def bcc_cdf(
    t: ArrayLike, *, m: int, d: int, tau: float, delay: str | DelayModel, workers: int | None = None
) -> np.ndarray:
    """P(T_BCC ≤ t) = Σ_K Bin(P, F(t − τc))(K) · C(K) — **exact**, any delay model.

    A defective distribution: its limit at ``t → ∞`` is ``1 − bcc_failure_probability``.
    Requires every batch to cost the same ``c`` (``d`` divides ``workers`` and ``workers``
    divides ``m``), so that "done by t" has one probability for every worker.
    """
    owner = "bcc_cdf"
    _tau(tau, owner)
    w = _workers(m, workers, owner)
    cost = bcc_batches(m, d, w)
    check(
        owner,
        "d",
        d,
        bool(np.all(cost == cost[0])),
        f"such that all batches cost the same (d | workers={w} and workers | m={m})",
    )
    cover = bcc_cover_probabilities(len(cost), w)
    p = np.clip(np.asarray(_model(delay).cdf(_grid(t) - tau * cost[0]), dtype=float), 0.0, 1.0)
    pmf = stats.binom.pmf(np.arange(w + 1), w, p[..., None])
    return np.asarray(pmf @ cover, dtype=float)


# --------------------------------------------------------------------------- ideal


def _unit_pmfs(model: DelayModel, t: np.ndarray, tau: float, m: int) -> np.ndarray:
    """Row i: pmf on 0..m−1 of N = ⌊(t_i − X)/τ⌋⁺, the units one worker completed by t_i.

    ``P(N ≥ b) = F(t − τb)`` for b ≥ 1; mass at b ≥ m is dropped (one such worker alone
    completes the ``m`` units, so it never enters P(Σ N_j < m)).
    """
    if tau == 0:
        surv = np.ones((t.size, m + 1))
        surv[:, 1:] = np.asarray(model.cdf(t), dtype=float)[:, None]
    else:
        b = np.arange(m + 1)
        surv = np.asarray(model.cdf(t[:, None] - tau * b[None, :]), dtype=float)
        surv[:, 0] = 1.0
    surv = np.minimum.accumulate(np.clip(surv, 0.0, 1.0), axis=1)
    return surv[:, :m] - surv[:, 1:]


def _sums_below(pmfs: np.ndarray, copies: int, m: int) -> np.ndarray:
    """Row i: P(sum of ``copies`` i.i.d. draws of ``pmfs[i]`` < m), by truncated squaring.

    Entries below ``m`` of a truncated convolution are exact, so truncation loses nothing; the
    convolutions are FFTs along rows, whose round-off is absolute (~1e-16): ample for a CDF.
    """
    n_fft = 1 << int(2 * m - 1).bit_length()

    def conv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.fft.irfft(
            np.fft.rfft(a, n_fft, axis=1) * np.fft.rfft(b, n_fft, axis=1), n_fft, axis=1
        )[:, :m]
        return np.maximum(out, 0.0)

    result = np.zeros_like(pmfs)
    result[:, 0] = 1.0
    base = pmfs
    k = copies
    while k:
        if k & 1:
            result = conv(result, base)
        k >>= 1
        if k:
            base = conv(base, base)
    return np.clip(result.sum(axis=1), 0.0, 1.0)


def ideal_cdf(
    t: ArrayLike, *, m: int, tau: float, delay: str | DelayModel, workers: int | None = None
) -> np.ndarray:
    """P(T_ideal ≤ t) = P(Σ_j ⌊(t − X_j)/τ⌋⁺ ≥ m) — **exact**, any delay model.

    ``ideal`` is the perfect-load-balancing yardstick of :mod:`codedcomp.codes.sums.ideal`: the
    time at which ``m`` units of work have been completed anywhere.  It lower-bounds every scheme
    whose received tasks must cover all ``m`` functions, trial by trial.
    """
    _tau(tau, "ideal_cdf")
    w = _workers(m, workers, "ideal_cdf")
    model = _model(delay)
    tt = _grid(t)
    flat = tt.ravel()
    out = np.empty(flat.size)
    chunk = max(1, 2**22 // (2 * m + 2))  # bound the FFT work arrays to a few tens of MB
    for i in range(0, flat.size, chunk):
        part = flat[i : i + chunk]
        out[i : i + chunk] = 1.0 - _sums_below(_unit_pmfs(model, part, tau, m), w, m)
    return out.reshape(tt.shape)


# --------------------------------------------------------------------------- numerics


def quantile_from_cdf(
    cdf: Cdf, q: float, *, lo: float = 0.0, hi: float | None = None, tol: float = 1e-8
) -> float:
    """Smallest ``t`` with ``cdf(t) ≥ q``, by bisection (``inf`` if the CDF never reaches q)."""
    check("quantile_from_cdf", "q", q, 0 < q < 1, "in (0, 1)")
    if hi is None:
        hi = _upper(cdf, q, lo)
        if not np.isfinite(hi):
            return hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if float(cdf(np.array([mid]))[0]) >= q:
            hi = mid
        else:
            lo = mid
        if hi - lo <= tol * max(1.0, abs(hi)):
            break
    return hi


def _upper(cdf: Cdf, q: float, lo: float) -> float:
    """Some ``t > lo`` with ``cdf(t) ≥ q`` by doubling the distance to ``lo`` (inf past 1e15)."""
    step = max(1.0, abs(lo))
    while float(cdf(np.array([lo + step]))[0]) < q:
        step *= 2
        if step > 1e15:
            return float("inf")
    return lo + step


def mean_from_cdf(
    cdf: Cdf, *, lo: float = 0.0, defect: float = 0.0, tail: float = 1e-12, nodes: int = 24
) -> float:
    """E[T | T < ∞] = lo + ∫_lo^∞ (1 − F(t)/(1 − defect)) dt for T ≥ lo, by quadrature.

    ``defect`` is P(T = ∞) (BCC's failure probability).  The CDF is evaluated in a few vectorised
    calls: a geometric grid locates its quantiles, then Gauss–Legendre with ``nodes`` points on
    each inter-quantile interval up to where ``1 − F < tail``.  The caller must know that the
    mean exists (it does not for One or Uncoded under Pareto(1, 1) delays, whose tails a
    truncated integral would silently cut off).
    """
    ok = 1.0 - defect

    def cond(x: np.ndarray) -> np.ndarray:
        return np.asarray(cdf(np.asarray(x, dtype=float)), dtype=float) / ok

    hi = _upper(cond, 1.0 - tail, lo)
    if not np.isfinite(hi):
        return float("inf")
    grid = lo + (hi - lo) * np.concatenate(([0.0], np.geomspace(1e-9, 1.0, 600)))
    f = np.maximum.accumulate(cond(grid))
    probs = np.array(
        [
            1e-6,
            1e-4,
            1e-3,
            1e-2,
            0.05,
            *np.linspace(0.1, 0.9, 9),
            0.95,
            0.99,
            0.999,
            1 - 1e-4,
            1 - 1e-6,
            1 - 1e-8,
            1 - 1e-10,
        ]
    )
    idx = np.minimum(np.searchsorted(f, probs), grid.size - 1)
    start = max(int(np.searchsorted(f, 0.0, side="right")) - 1, 0)  # the support's lower end
    idx = np.concatenate(([start], idx))
    cuts = np.unique(np.concatenate(([lo], grid[idx], [hi])))
    x, w = np.polynomial.legendre.leggauss(nodes)
    a, b = cuts[:-1, None], cuts[1:, None]
    pts = (a + b) / 2 + (b - a) / 2 * x[None, :]
    vals = 1.0 - np.minimum(cond(pts.ravel()).reshape(pts.shape), 1.0)
    return float(lo + ((b - a) / 2 * vals * w[None, :]).sum())


# --------------------------------------------------------------------------- LT and SR bounds


def robust_soliton_mean_degree(k: int, c: float = 0.03, delta: float = 0.5) -> float:
    """Mean of Luby's Robust Soliton distribution over ``k`` symbols — **exact** (Luby 2002).

    ``R = c·ln(k/δ)·√k``; ``ρ(1) = 1/k``, ``ρ(i) = 1/(i(i−1))``; ``τ(i) = R/(ik)`` for
    ``i < k/R``, ``τ(k/R) = R·ln(R/δ)/k``; ``μ = (ρ + τ)/β``.  Reading: the spike sits at
    ``⌊k/R⌋`` (clipped to [1, k]).  This is the ``d̄_{m/r}`` of paper 001, Thm. 1.
    """
    from ..codes.sums.lt import average_degree  # the distribution LT samples from: one source

    owner = "robust_soliton_mean_degree"
    check(owner, "k", k, isinstance(k, (int, np.integer)) and k >= 1, "an integer >= 1")
    check(owner, "c", c, c > 0, "> 0")
    check(owner, "delta", delta, 0 < delta <= 1, "in (0, 1]")
    return average_degree(int(k), c, delta)


def lt_mean_bound(
    m: int,
    r: int,
    tau: float,
    mu: float,
    avg_degree: float | None = None,
    *,
    c: float = 0.03,
    delta: float = 0.5,
) -> float:
    """E[T_LT-r] ≤ τ(r+1)·d̄_{m/r} + 1/μ — an **upper bound** (paper 001, Thm. 1, eq. 5).

    Stated for ``m_e → ∞`` with ``E[M'] ≈ m/r`` received symbols.  ``avg_degree`` defaults to
    :func:`robust_soliton_mean_degree` over ``m/r`` groups with ``c``, ``delta``.
    """
    owner = "lt_mean_bound"
    _exp_rate(mu, owner)
    _tau(tau, owner)
    check(
        owner, "r", r, isinstance(r, (int, np.integer)) and 1 <= r <= m, f"an integer in [1, m={m}]"
    )
    d_bar = robust_soliton_mean_degree(-(-m // r), c, delta) if avg_degree is None else avg_degree
    return tau * (r + 1) * d_bar + 1.0 / mu


def sr_mean_bound(d: int, tau: float, mu: float) -> float:
    """E[T_SR] ≤ 2τd + 1/μ — an **upper bound**, leading order of paper 000, Thm. 1, eq. 5.

    The theorem states ``(2 + o(1))τd + 1/μ`` for ``m → ∞`` assuming ``E[M'] = m + o(m)``.
    """
    _exp_rate(mu, "sr_mean_bound")
    _tau(tau, "sr_mean_bound")
    check("sr_mean_bound", "d", d, isinstance(d, (int, np.integer)) and d >= 1, "an integer >= 1")
    return 2.0 * tau * d + 1.0 / mu


__all__ = [
    "bcc_batches",
    "bcc_cdf",
    "bcc_cover_probabilities",
    "bcc_failure_probability",
    "harmonic",
    "ideal_cdf",
    "lt_mean_bound",
    "mean_from_cdf",
    "one_cdf",
    "one_mean",
    "quantile_from_cdf",
    "replication_cdf",
    "replication_groups",
    "replication_mean",
    "robust_soliton_mean_degree",
    "sr_mean_bound",
    "uncoded_cdf",
    "uncoded_mean",
]
