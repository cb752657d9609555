"""M′, the number of encoded symbols the master needs: paper 000 Fig. 2c and paper 001 §V.

Three ways to count it, shared by ``sr-fig2c`` and ``lt-mprime``:

* **timed** — the ``received`` count of the simulator: symbols in hand when the scheme first
  decodes, in the arrival order of the delay model (low-cost symbols arrive first, so for LT the
  received symbols are biased towards low degrees);
* **random order** (:func:`random_order_mprime`) — the classical LT figure of merit (Luby 2002;
  paper 001 §III-B: "M′ = m + O(√m ln²(m/δ)) with probability at least 1 − δ"): the plan's
  symbols in a uniformly random order, independent of any delay;
* **coverage** (:func:`coverage_mprime`) — in the very arrival order of a simulated trial, the
  symbols needed until every source symbol appears in one of them (the "Coupon-Collector (CC)"
  curve of paper 000 Fig. 2c; necessary for any sum recovery).

Trials replay the simulator's own random streams (``rng.trial_sequence`` / ``rng.substream``), so
the coverage count is computed on exactly the plan the latency simulation used.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from ..codes.sums import scheme as make_scheme
from ..codes.sums.sr import coverage_point
from ..rng import root_sequence, substream, trial_sequence
from .latency import LatencyRun
from .registry import Context


def random_order_mprime(
    ctx: Context, spec: str, *, m: int, trials: int, workers: int | None = None
) -> np.ndarray:
    """Per trial: M′ of ``spec``'s plan with its symbols in uniformly random order (``inf``: the
    plan's symbols never decode).  Trial ``t`` draws from stream ``"mprime:" + spec`` of trial t.
    """
    s = make_scheme(spec)
    w = m if workers is None else workers
    root = root_sequence(ctx.seed)
    out = np.full(trials, np.inf)
    with ctx.progress(trials, f"M′ of {spec} (random order)") as advance:
        for t in range(trials):
            rng = substream(trial_sequence(root, t), "mprime:" + spec)
            plan = s.plan(m, w, rng)
            n = s.decode_point(plan, rng.permutation(plan.n_tasks))
            if n is not None:
                out[t] = n
            advance(1)
    return out


def coverage_mprime(ctx: Context, run: LatencyRun, label: str) -> np.ndarray:
    """Per trial of ``run``: symbols received (in that trial's arrival order) until every source
    symbol is covered, for the plan of arm ``label`` — replayed from the simulator's streams."""
    spec = run._spec(label)
    s = make_scheme(spec)
    root = root_sequence(ctx.seed)
    out = np.full(run.trials, np.inf)
    with ctx.progress(run.trials, f"coverage of {label}") as advance:
        for t in range(run.trials):
            plan = s.plan(run.m, run.workers, substream(trial_sequence(root, t), s.canonical))
            times = plan.finish_times(run.result.x[t], run.tau)
            n = coverage_point(plan, np.argsort(times, kind="stable"))
            if n is not None:
                out[t] = n
            advance(1)
    return out


@dataclass
class DecodeTiming:
    mean_ms: float
    median_ms: float
    max_abs_error: float


def decode_times(ctx: Context, spec: str, *, m: int, trials: int) -> DecodeTiming:
    """Wall time of decoding with values (paper 001 §V: LT-1 55 ms, LT-2 29 ms on AWS Lambda).

    Per trial: random scalar ``f_i``, the plan's symbols in random order, fed one by one to the
    scheme's decoder with their values, asking ``ready`` after each, then ``result()``; checks
    the answer against ``Σ f_i``.  Times only the master's decoding work.
    """
    s = make_scheme(spec)
    root = root_sequence(ctx.seed)
    times, errors = [], []
    with ctx.progress(trials, f"decoding {spec} with values") as advance:
        for t in range(trials):
            rng = substream(trial_sequence(root, t), "decode:" + spec)
            plan = s.plan(m, m, rng)
            order = rng.permutation(plan.n_tasks)
            f = rng.normal(size=m)
            head = order[: 4 * m]
            plan.fill(head)
            sym = np.add.reduceat(f, plan.symbol_start[:-1])  # value of each symbol
            deg = plan.sup_ptr[head + 1] - plan.sup_ptr[head]
            flat = plan.sup_idx[
                np.concatenate([np.arange(plan.sup_ptr[k], plan.sup_ptr[k + 1]) for k in head])
            ]
            values = np.add.reduceat(sym[flat], np.concatenate(([0], np.cumsum(deg)[:-1])))
            dec = s.decoder(plan)
            start = time.perf_counter()
            for k, v in zip(head.tolist(), values.tolist(), strict=True):
                dec.add_task(k, v)
                if dec.ready:
                    break
            total = float(dec.result())
            times.append(1e3 * (time.perf_counter() - start))
            errors.append(abs(total - f.sum()))
            advance(1)
    return DecodeTiming(float(np.mean(times)), float(np.median(times)), float(np.max(errors)))


def quantile_ci(
    x: np.ndarray, q: float, level: float = 0.95, *, strict: bool = False
) -> tuple[float, float, float]:
    """Empirical q-quantile of ``x`` and a distribution-free ``level`` CI from order statistics.

    With too few samples for the upper (lower) order statistic to exist — e.g. q = 0.99 with
    fewer than a few hundred samples — the sample maximum (minimum) stands in for it, which does
    not hold the quantile at ``level``; ``strict=True`` returns ``inf`` (``-inf``) there instead,
    for verdicts that must not rest on an interval the sample cannot support.
    """
    xs = np.sort(x)
    n = xs.size
    est = float(np.quantile(xs, q, method="inverted_cdf"))
    a = (1 - level) / 2
    lo = int(stats.binom.ppf(a, n, q))  # order-statistic ranks (1-based) bracketing the quantile
    hi = int(stats.binom.ppf(1 - a, n, q)) + 1
    lo_v = float(xs[max(lo, 1) - 1])
    hi_v = float(xs[min(hi, n) - 1])
    if strict:
        lo_v = -np.inf if lo < 1 else lo_v
        hi_v = np.inf if hi > n else hi_v
    return est, lo_v, hi_v


def count_plot(
    samples: Mapping[str, np.ndarray],
    path: str | Path,
    *,
    title: str = "",
    xlabel: str = "M′ (encoded symbols received)",
    refs: Sequence[tuple[str, float]] = (),
) -> Path:
    """Empirical CDFs P(M′ ≤ n) (left) and histograms (right), with dashed reference lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, hx) = plt.subplots(1, 2, figsize=(10, 4.2))
    for name, x in samples.items():
        x = np.asarray(x, dtype=float)
        ok = np.sort(x[np.isfinite(x)])
        if ok.size == 0:
            continue
        ax.step(ok, np.arange(1, ok.size + 1) / x.size, where="post", label=name)
        hx.hist(ok, bins=min(40, max(10, ok.size // 10)), alpha=0.5, density=True, label=name)
    for name, v in refs:
        for a in (ax, hx):
            a.axvline(v, ls="--", lw=1, color="k", alpha=0.6)
        ax.annotate(name, (v, 0.02), rotation=90, fontsize=7, ha="right", va="bottom")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(M′ ≤ n)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    hx.set_xlabel(xlabel)
    hx.set_ylabel("density")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
