"""``sr-fig2c``: paper 000 (Mallick, Joshi, ITW 2022), Fig. 2c — the distribution of M′.

M′ is the number of encoded symbols the master holds when it can first compute F, at the Fig. 2a
setting (m = 1000, τ = 0.005, X ~ Exp(0.2), d = 10, 100 trials), for three curves:

* **SR** — symbols received when sum recovery (Gᵀv = 1 solvable) first succeeds, ``sr:d=10``;
* **LT** — symbols received when peeling first recovers every f_i, ``lt:r=1``;
* **CC** — in each SR trial's own arrival order, the symbols received until every source symbol
  appears in one of them (the paper's "Coupon-Collector (CC)" curve; a necessary condition for
  sum recovery, so M′_SR ≥ CC in every trial).

All three are counted in the arrival order of the delay model (see
:mod:`codedcomp.experiments.mprime`); the CC count replays the very SR plans of the simulation.
LT is read as rateless (``me`` unset, paper 001 Thm. 1's m_e → ∞); ``lt:r=1,me=2m`` (2 symbols
per worker, paper 001's AWS Lambda set-up) is counted beside it as a sensitivity check.

The §III-B claim "M′ = m + o(m) suffices w.h.p." is read at one m as "p99 of M′_SR ≤ 1.1 m"
and judged with a distribution-free 95 % confidence interval for the p99 (order statistics,
:func:`~codedcomp.experiments.mprime.quantile_ci`) over 1000 trials — 10× the paper's 100,
because P(M′_SR > 1.1 m) is a few per cent, so at 100 trials the sample p99 falls on either
side of 1.1 m depending on the seed.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..sim.plot import tail_plot
from .latency import Arm, LatencyRun, lt_finite_arm, lt_reading, quantile, simulate_arms
from .mprime import count_plot, coverage_mprime, quantile_ci
from .registry import Context, Experiment, register
from .report import Summary, fmt, write_csv
from .sr_fig2a import PAPER, D


def _q(x: np.ndarray) -> str:
    return "/".join(fmt(quantile(x, q)) for q in (0.5, 0.9, 0.99)) + f"/{fmt(float(x.max()))}"


PAPER_TRIALS = 100
TRIALS = 1000  # for the p99 verdict (module doc); the paper plots 100
LEVEL = 0.95  # of the confidence intervals
SLACK = 1.1  # the reading of "m + o(m)" at one m: p99 of M′_SR ≤ 1.1 m


def _received(run: LatencyRun, label: str) -> np.ndarray:
    """M′ per trial: symbols in hand at decoding, ``inf`` where it never decoded."""
    out = run.received(label).astype(float)
    out[~np.isfinite(run.latency(label))] = np.inf
    return out


def _fewer(a: np.ndarray, b: np.ndarray) -> tuple[bool, str]:
    """Claim 1's reading: median M′ below and fewer symbols in most paired trials."""
    paired = float(np.mean(a < b))
    ok = float(np.median(a)) < float(np.median(b)) and paired > 0.5
    return ok, (
        f"median M′ {fmt(float(np.median(a)))} vs {fmt(float(np.median(b)))}; fewer in "
        f"{100 * paired:.0f} % of trials"
    )


def _lighter(a: np.ndarray, b: np.ndarray) -> bool:
    """Claim 3's reading: p90 and p99 of M′ below."""
    return quantile(a, 0.9) < quantile(b, 0.9) and quantile(a, 0.99) < quantile(b, 0.99)


def _run(ctx: Context) -> Summary:
    m, trials = (100, 30) if ctx.quick else (1000, TRIALS)
    tau, delay = 0.005, "exp:rate=0.2"
    s = Summary(
        "sr-fig2c",
        PAPER,
        "Fig. 2c",
        "M′: symbols needed for sum recovery (SR) vs peeling (LT) vs covering (CC)",
        quick=ctx.quick,
        seed=ctx.seed,
    )
    lt_me = lt_finite_arm(m)
    s.setup = [
        f"m = {m}, τ = {tau}, X ~ Exp(0.2), d = {D}, {trials} trials (paper: m = 1000, "
        f"{PAPER_TRIALS} trials; more here so that the p99 verdict does not hang on the seed). "
        f"SR = `sr:d=10`, LT = `lt:r=1`, {lt_me.label} = `{lt_me.spec}`, CC = coverage point "
        "of each SR trial's arrival order (same plan, same delays).",
        "M′ counts symbols in the order the delay model delivers them (systematic and cheap "
        "symbols first), as the latency simulation sees them.",
        lt_reading(m),
    ]
    run = simulate_arms(
        ctx,
        [Arm("SR", f"sr:d={D}"), Arm("LT", "lt:r=1"), lt_me],
        m=m,
        tau=tau,
        delay=delay,
        trials=trials,
    )
    sr, lt, lt2 = _received(run, "SR"), _received(run, "LT"), _received(run, lt_me.label)
    cc = coverage_mprime(ctx, run, "SR")
    series = {"SR": sr, "LT": lt, lt_me.label: lt2, "CC": cc}
    rows = [
        (t, k, float(v[t]), float(run.latency(k)[t]) if k != "CC" else "")
        for k, v in series.items()
        for t in range(trials)
    ]
    write_csv(ctx.path("mprime.csv"), ("trial", "series", "mprime", "latency"), rows)
    tail_plot(
        series,
        ctx.path("mprime_tail.png"),
        xlabel="M′ (encoded symbols received)",
        title=f"paper 000 Fig. 2c: P(M′ > n), m={m}, d={D}, {trials} trials",
    )
    count_plot(
        series,
        ctx.path("mprime.png"),
        refs=[(f"m = {m}", m)],
        title=f"paper 000 Fig. 2c: M′, m={m}, d={D}, {trials} trials",
    )
    s.files += ["mprime.csv", "mprime_tail.png", "mprime.png"]
    s.table(
        "M′ per series",
        ["series", "mean", "mean / m", "p50 / p90 / p99 / max", "never"],
        [
            [
                k,
                fmt(float(np.mean(v[np.isfinite(v)]))),
                fmt(float(np.mean(v[np.isfinite(v)])) / m),
                _q(v),
                str(int((~np.isfinite(v)).sum())),
            ]
            for k, v in series.items()
        ],
        note=(
            f"Means over the trials that decoded; quantiles over all {trials} trials "
            "(never decoded = ∞)."
        ),
    )

    p99, lo, hi = quantile_ci(sr, 0.99, LEVEL, strict=True)
    over = int(np.sum(sr > SLACK * m))
    p_ci = stats.binomtest(over, trials).proportion_ci(LEVEL, method="exact")
    if hi <= SLACK * m:
        holds, judged = True, f"the whole CI is ≤ {SLACK} m"
    elif lo > SLACK * m:
        holds, judged = False, f"the whole CI is above {SLACK} m"
    else:
        holds, judged = False, f"undecided at {trials} trials: the CI contains {SLACK} m"
    p99_text = (
        f"p99 {fmt(p99 / m)}, {100 * LEVEL:.0f} % CI [{fmt(lo / m)}, {fmt(hi / m)}] "
        "(order statistics, distribution-free)"
    )
    s.number(
        "p99 of M′_SR / m",
        SLACK,
        f"M′ = m + o(m) suffices w.h.p. (§III-B; no number given — our reading at m = {m}: "
        f"p99 ≤ {SLACK} m)",
        p99 / m,
        f"{p99_text}, {trials} trials",
        kind="upper bound",
        check=("holds: " if holds else "**violated**: " if lo > SLACK * m else "") + judged,
    )

    ok, ev = _fewer(sr, lt)
    s.claim(
        "000 Fig. 2c caption",
        "SR codes typically require fewer encoded symbols for "
        "sum-recovery than LT codes require for decoding",
        ok,
        ev.replace("median M′ ", "median M′ (SR vs LT) "),
    )
    strictly = float(np.mean(sr > cc))
    s.claim(
        "000 Fig. 2c caption",
        "the number of encoded symbols required for sum-recovery is "
        "higher than the number of encoded symbols required to cover all source symbols "
        "akin to the Coupon-Collector (CC) problem",
        bool(np.all(sr >= cc)) and float(np.mean(sr)) > float(np.mean(cc)),
        f"M′_SR ≥ CC in {100 * float(np.mean(sr >= cc)):.0f} % of trials (necessarily), "
        f"strictly higher in {100 * strictly:.0f} %; means {fmt(float(np.mean(sr)))} vs "
        f"{fmt(float(np.mean(cc)))}",
    )
    s.claim(
        "000 §IV",
        "the tail of M′, the number of symbols required for sum-recovery in SR "
        "codes is significantly lighter than that for successful decoding in LT Codes",
        _lighter(sr, lt),
        f"p50/p90/p99/max SR {_q(sr)} vs LT {_q(lt)}",
    )
    s.claim(
        "000 §III-B",
        "if d = O(log m) and M′ = m + o(m) [symbols are received], a unique "
        "solution of (3) exists with high probability",
        holds,
        f"M′_SR/m: mean {fmt(float(np.mean(sr)) / m)}, {p99_text}, max "
        f"{fmt(float(sr.max()) / m)}; P(M′_SR > {SLACK} m) = {over}/{trials} = "
        f"{100 * over / trials:.1f} % ({100 * LEVEL:.0f} % CI [{100 * p_ci.low:.1f}, "
        f"{100 * p_ci.high:.1f}] %, Clopper–Pearson). Reading at one m: p99 ≤ {SLACK} m, i.e. "
        f"P(M′_SR > {SLACK} m) ≤ 1 %; judged on the CI, over {trials} trials "
        f"(reproduced iff the whole CI is ≤ {SLACK} m): {judged}",
    )
    ok_me, ev_me = _fewer(sr, lt2)
    s.table(
        "Sensitivity: the LT reading",
        ["#", "claim", "vs rateless LT (judged above)", f"vs {lt_me.label}", "evidence"],
        [
            [
                "1",
                "SR needs fewer symbols than LT",
                "reproduced" if _fewer(sr, lt)[0] else "**NOT reproduced**",
                "reproduced" if ok_me else "**NOT reproduced**",
                ev_me.replace("median M′ ", f"median M′ (SR vs {lt_me.label}) "),
            ],
            [
                "3",
                "SR's M′ tail lighter than LT's",
                "reproduced" if _lighter(sr, lt) else "**NOT reproduced**",
                "reproduced" if _lighter(sr, lt2) else "**NOT reproduced**",
                f"p50/p90/p99/max SR {_q(sr)} vs {lt_me.label} {_q(lt2)}",
            ],
        ],
        note=(
            f"The claims about LT judged again against `{lt_me.spec}` (2 symbols per worker, as "
            "paper 001 ran LT on AWS Lambda; see Setup); claims 2 and 4 do not involve LT."
        ),
    )
    both = 100 * float(np.mean(sr == np.maximum(cc, m)))
    same = 100 * float(np.mean(sr == cc))
    below = 100 * float(np.mean(sr < m))
    s.notes += [
        "Paper 000 gives no numbers for Fig. 2c, only the ordering of the three curves; the "
        f"'paper' value {SLACK} beside our p99 of M′_SR / m is our reading of §III-B's "
        "'M′ = m + o(m)' at one m, not a number printed in the paper.",
        f"Trials: {TRIALS} instead of the paper's {PAPER_TRIALS} (all series; quick runs use "
        f"fewer). P(M′_SR > {SLACK} m) is a few per cent at m = 1000, so at {PAPER_TRIALS} "
        f"trials the sample p99 lands below or above {SLACK} m depending on the seed (an "
        f"earlier version of this reproduction judged the sample p99 of {PAPER_TRIALS} trials "
        "and its verdict changed with the seed). The p99 verdict is judged on its "
        f"{100 * LEVEL:.0f} % distribution-free confidence interval instead: reproduced iff the "
        f"whole interval is ≤ {SLACK} m, not reproduced otherwise (and said to be undecided "
        f"when the interval contains {SLACK} m); an interval whose upper order statistic "
        "does not exist in the sample is open (∞).",
        f"Where SR decodes: M′_SR = max(CC, m) in {both:.0f} % of trials, M′_SR = CC in "
        f"{same:.0f} % (coverage was the last obstacle), and M′_SR < m in {below:.0f} % "
        "(possible: one worker's full set of 1 + (m − 1)/d symbols sums to F). So the gap "
        "between SR and CC that the paper shows comes from the trials where every source is "
        "covered before the m-th symbol arrives.",
        "For LT, M′ here is under timed arrival (cheap, low-degree symbols first), which needs "
        "more symbols than Luby's random-order M′; `lt-mprime` reports both.",
    ]
    if ctx.quick:
        s.notes.append("Quick run: verdicts at this size need not match the full-size run.")
    return s


EXPERIMENT = register(
    Experiment(
        "sr-fig2c",
        PAPER,
        "Fig. 2c",
        "Distribution of M′: SR sum recovery vs LT peeling vs coverage (CC), m = 1000, d = 10",
        _run,
    )
)
